"""Search (`q`): full-text on PostgreSQL, words matched elsewhere; the same answers on both databases."""

import pytest
from django.db import connection

from agreements.filters import AgreementFilterSet
from agreements.models import Agreement, Organization, PublicationState
from agreements.search import search_agreements
from tests.factories import AgreementFactory, OrganizationFactory, PartyFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def locomotives():
    agreement = AgreementFactory(
        title="Locomotive supply agreement",
        summary="Delivery of diesel-electric engines to the national railway.",
    )
    PartyFactory(agreement=agreement, organization=OrganizationFactory(name="Wabtec Corporation", short_name="WAB"))
    PartyFactory(
        agreement=agreement,
        organization=OrganizationFactory(name="Kazakhstan Temir Zholy", short_name="KTZ", country="KZ"),
    )
    return agreement


@pytest.fixture
def aircraft():
    agreement = AgreementFactory(title="Aircraft purchase", summary="Passenger jets for the flag carrier.")
    PartyFactory(agreement=agreement, organization=OrganizationFactory(name="Boeing", short_name=""))
    return agreement


def found(text):
    filterset = AgreementFilterSet(data={"q": text})
    assert filterset.is_valid(), filterset.errors
    return set(filterset.qs.values_list("slug", flat=True))


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ("locomotive", "title"),
        ("railway", "summary"),
        ("wabtec", "party name"),
        ("KTZ", "party short name"),
        ("Temir Zholy", "two words of a party name"),
        ("locomotive wabtec", "words from the title and a party together"),
    ],
)
def test_a_word_finds_the_agreement(locomotives, aircraft, text, where):
    assert found(text) == {locomotives.slug}, where


def test_a_word_found_nowhere_finds_nothing(locomotives, aircraft):
    assert found("submarine") == set()


def test_every_word_must_match(locomotives, aircraft):
    assert found("locomotive boeing") == set()


def test_a_draft_is_never_found(locomotives):
    draft = AgreementFactory(title="Locomotive depot", publication_state=PublicationState.DRAFT)
    in_review = AgreementFactory(title="Locomotive depot two", publication_state=PublicationState.REVIEW)
    assert found("locomotive") == {locomotives.slug}
    assert draft.slug not in found("depot") and in_review.slug not in found("depot")


def test_search_keeps_the_default_ordering(locomotives):
    older = AgreementFactory(title="Locomotive maintenance", signed_on=locomotives.signed_on.replace(year=2020))
    assert list(AgreementFilterSet(data={"q": "locomotive"}).qs.values_list("slug", flat=True)) == [
        locomotives.slug,
        older.slug,
    ]


def test_search_combines_with_other_filters(locomotives, aircraft):
    assert found("locomotive") == {locomotives.slug}
    filterset = AgreementFilterSet(data={"q": "locomotive", "sector": aircraft.sector.slug})
    assert filterset.is_valid(), filterset.errors
    assert not filterset.qs.exists()


def test_totals_of_a_search_count_only_the_matches(locomotives, aircraft):
    totals = AgreementFilterSet(data={"q": "aircraft"}).qs.totals()
    assert totals.count == 1


@pytest.mark.parametrize(
    "text",
    [
        '"',
        '"unclosed phrase',
        "'",
        "-",
        "--",
        "-locomotive",
        "OR",
        "or or or",
        "locomotive OR",
        "!",
        "&|!():*",
        "a & b | !c",
        "(locomotive",
        "\\",
        "%_",
        "Қазақстан темір жолы",
        "Ünïcödé ✈ 🚂",
        "the",
        "   ",
        "x" * 200,
    ],
)
def test_odd_input_never_errors(locomotives, text):
    filterset = AgreementFilterSet(data={"q": text})
    assert filterset.is_valid(), filterset.errors
    slugs = set(filterset.qs.values_list("slug", flat=True))
    assert slugs <= {locomotives.slug}
    assert filterset.qs.count() == len(slugs)


def test_a_quoted_phrase_and_a_negated_word(locomotives, aircraft):
    assert found('"supply agreement"') == {locomotives.slug}
    assert found("purchase -boeing") == set()
    assert found("aircraft -wabtec") == {aircraft.slug}


def test_or_means_either_word_on_postgresql(locomotives, aircraft):
    either = {locomotives.slug, aircraft.slug} if connection.vendor == "postgresql" else set()
    assert found("aircraft OR locomotive") == either


def test_a_nul_character_is_refused_by_the_form_not_the_database(locomotives):
    filterset = AgreementFilterSet(data={"q": "loco\x00motive"})
    assert not filterset.is_valid()
    assert search_agreements(Agreement.objects.public(), "locomotive\x00").filter(pk=locomotives.pk).exists()


def test_empty_text_leaves_the_queryset_alone(locomotives):
    queryset = Agreement.objects.public()
    assert search_agreements(queryset, "  ") is queryset


def test_full_text_search_is_used_on_postgresql_only(locomotives):
    sql = str(search_agreements(Agreement.objects.public(), "locomotive").query)
    if connection.vendor == "postgresql":
        # The stored, GIN-indexed document: no tsvector is computed per row at query time.
        assert "websearch_to_tsquery" in sql and '"search_document"' in sql and "to_tsvector" not in sql
    else:
        assert "MATCH" in sql and "LIKE" not in sql


def test_renaming_a_party_organisation_changes_what_is_found(locomotives, aircraft):
    """On PostgreSQL the stored document is rebuilt when an organisation is renamed; SQLite matches words."""
    assert found("Stadler") == set()
    organization = locomotives.parties.get(organization__short_name="WAB").organization
    organization.name = "Stadler Rail"
    organization.save()
    assert found("Stadler") == {locomotives.slug}
    assert found("wabtec") == set()


def test_editing_parties_and_titles_changes_what_is_found(locomotives, aircraft):
    boeing = aircraft.parties.get()
    boeing.delete()
    assert found("boeing") == set()
    PartyFactory(agreement=aircraft, organization=OrganizationFactory(name="Airbus", short_name=""))
    assert found("airbus") == {aircraft.slug}
    aircraft.title = "Helicopter purchase"
    aircraft.save()
    assert found("helicopter") == {aircraft.slug}
    assert found("aircraft") == set()


def test_a_fixture_load_builds_the_search_document(locomotives, tmp_path):
    from django.core.management import call_command

    fixture = tmp_path / "register.json"
    call_command(
        "dumpdata",
        "agreements.organization",
        "agreements.sector",
        "agreements.agreement",
        "agreements.party",
        output=str(fixture),
        natural_foreign=True,
    )
    Agreement.objects.all().delete()
    assert found("wabtec") == set()
    call_command("loaddata", str(fixture), verbosity=0)
    assert found("wabtec") == {locomotives.slug}


@pytest.mark.parametrize(
    ("text", "first"),
    [
        ("Boeing", "air-astana-boeing-787"),
        ("tungsten", "cove-capital-tungsten"),
        ("locomotives", "wabtec-locomotives"),
        ("ChatGPT", "openai-chatgpt-edu"),
        # In a title for one, only in a party's name for the other: the title wins, though newer-first
        # title order alone would put Arizona State University first.
        ("university", "colorado-school-of-mines-ulytau-university"),
    ],
)
def test_search_ranks_the_best_match_first_on_either_database(client, register, text, first):
    """Without an ordering, a search is ranked: the same first hit on SQLite and on PostgreSQL."""
    results = client.get("/api/v1/agreements/", {"q": text}).json()["results"]
    assert results, text
    assert results[0]["slug"] == first


def test_an_explicit_ordering_beats_the_ranking(client, register):
    titles = [
        row["title"]
        for row in client.get("/api/v1/agreements/", {"q": "agreement", "ordering": "title"}).json()["results"]
    ]
    assert titles == sorted(titles)


def test_a_word_finds_the_words_it_begins(locomotives, aircraft):
    assert found("locomot") == {locomotives.slug}
    assert found("diesel-electric") == {locomotives.slug}
    assert found("Locomotive -diesel") == set()


def test_the_sqlite_index_follows_changes_made_without_signals(locomotives, aircraft):
    """SQLite's full-text index is kept by triggers: bulk updates and raw SQL are found at once.
    PostgreSQL has no such table (its stored document follows saves, tested above)."""
    if connection.vendor != "sqlite":
        with connection.cursor() as cursor:
            assert "agreements_search" not in connection.introspection.table_names(cursor)
        return
    Agreement.objects.filter(pk=aircraft.pk).update(summary="Widebody freighters for cargo.")
    assert found("freighters") == {aircraft.slug}
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE agreements_party SET agreement_id = %s WHERE agreement_id = %s", [aircraft.pk, locomotives.pk]
        )
    assert found("wabtec") == {aircraft.slug}
    Organization.objects.filter(name="Boeing").update(short_name="BCA")
    assert found("BCA") == {aircraft.slug}
    aircraft.delete()
    assert found("freighters") == set()
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM agreements_search")
        assert cursor.fetchone()[0] == Agreement.objects.count()
