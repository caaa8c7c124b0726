"""Search what people type (issue 18): `q` also matches event names and places, signatories and their offices,
and an agreement's places, on SQLite (the full-text index and its triggers) and PostgreSQL (the stored search
document and its signals) alike."""

import pytest
from django.urls import reverse

from agreements.filters import AgreementFilterSet
from agreements.models import Agreement, Event, Party
from tests.factories import AgreementFactory, EventFactory, PartyFactory

pytestmark = pytest.mark.django_db


def found(text):
    filterset = AgreementFilterSet(data={"q": text})
    assert filterset.is_valid(), filterset.errors
    return set(filterset.qs.values_list("slug", flat=True))


@pytest.fixture
def summit():
    event = EventFactory(name="Almaty investment summit", place="Almaty")
    agreement = AgreementFactory(title="Pipeline agreement", summary="Gas.", event=event, places="Atyrau; Aktau")
    PartyFactory(agreement=agreement, signed_by="Zhanar Example", signer_title="Deputy Minister of Energy")
    AgreementFactory(title="Unrelated memorandum", summary="Nothing here.")
    return agreement


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ("summit", "the event's name"),
        ("Almaty", "the event's place"),
        ("Aktau", "the agreement's places"),
        ("Zhanar", "a signatory"),
        ("Deputy Minister", "a signatory's office"),
        ("pipeline Zhanar Almaty", "title, signatory and event together"),
    ],
)
def test_context_words_find_the_agreement(summit, text, where):
    assert found(text) == {summit.slug}, where


def test_an_excluded_context_word_excludes(summit):
    assert summit.slug not in found("-Aktau")
    assert found("-Zhanar") == set(Agreement.objects.exclude(pk=summit.pk).values_list("slug", flat=True))


def test_edits_anywhere_keep_the_search_current(summit):
    """Whatever path changes a name (a save, a queryset update), the search follows: triggers on SQLite,
    signals (saves) on PostgreSQL."""
    party = Party.objects.get(agreement=summit)
    party.signed_by = "Serik Other"
    party.save()
    assert found("Zhanar") == set()
    assert found("Serik") == {summit.slug}

    event = Event.objects.get(pk=summit.event_id)
    event.name, event.place = "Astana business forum", "Astana"
    event.save()
    assert found("summit") == set()
    assert found("forum Astana") == {summit.slug}

    summit.places = "Shymkent"
    summit.save()
    assert found("Aktau") == set()
    assert found("Shymkent") == {summit.slug}

    other = EventFactory(name="Karaganda roundtable", place="Karaganda")
    summit.event = other
    summit.save()
    assert found("roundtable") == {summit.slug}
    assert found("forum") == set()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # FACTS.md: every document of the November 2025 visit and of the September 2025 visit names Tokayev.
        ("Tokayev", None),
        # FACTS.md row 19: the critical minerals memorandum, signed by Secretary Howard Lutnick.
        ("Lutnick", {"critical-minerals-memorandum"}),
        # FACTS.md row 1: John Deere machinery produced in Kostanay and Turkestan.
        ("Kostanay", {"john-deere-agricultural-machinery"}),
    ],
)
def test_what_a_reader_types_finds_what_the_facts_say(client, register, text, expected):
    if expected is None:
        expected = set(
            Agreement.objects.public().filter(event__name__contains="Tokayev").values_list("slug", flat=True)
        )
        assert len(expected) == 22
    assert found(text) == expected
    html = client.get(reverse("agreements:agreement-list"), {"q": text}).content.decode()
    assert f"{len(expected)} matching agreement" in html
    api = client.get(reverse("api:agreement-list"), {"q": text, "page_size": 100}).json()
    assert {row["slug"] for row in api["results"]} == expected
