"""Each agreement's stored arrays (agreements/children.py) equal a fresh computation after every kind of
change to what they show: parties, organisations, commitments, citations, sources, agreements made
and deleted, in bulk and in raw SQL; and the API list shows a change at once."""

import datetime
import json
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import connection

from agreements import children
from agreements.models import Agreement, Citation, Commitment, Organization, Party, Side, Source, Supports
from tests.factories import (
    AgreementFactory,
    CitationFactory,
    CommitmentFactory,
    OrganizationFactory,
    PartyFactory,
    SourceFactory,
)

pytestmark = pytest.mark.django_db

LIST = "/api/v1/agreements/"


def stored(agreement):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT parties, commitments, sources FROM agreements_children WHERE agreement_id = %s", [agreement.pk]
        )
        row = cursor.fetchone()
    return None if row is None else tuple(json.loads(text) for text in row)


def names(parties):
    return [party["organization"]["name"] for party in parties]


@pytest.fixture
def two():
    first, second = AgreementFactory(), AgreementFactory()
    kz, us = OrganizationFactory(country="KZ"), OrganizationFactory(country="US")
    PartyFactory(agreement=first, organization=kz, side=Side.KZ)
    PartyFactory(agreement=first, organization=us, side=Side.US)
    PartyFactory(agreement=second, organization=us, side=Side.US)
    source = SourceFactory()
    CitationFactory(agreement=first, source=source)
    CitationFactory(agreement=second, source=source, supports=Supports.VALUE, claim_amount=Decimal("12.50"))
    CommitmentFactory(agreement=first, position=1)
    return first, second, kz, us, source


def test_the_rows_follow_every_kind_of_change(two):
    first, second, kz, us, source = two
    assert children.stale() == []
    assert kz.name in names(stored(first)[0])

    # Saves of the children, and of what they show of shared rows.
    party = first.parties.get(organization=kz)
    party.role, party.signed_by = "buyer", "A. Signatory"
    party.save()
    kz.name = "Renamed holding"
    kz.save()
    source.title = "A corrected title"
    source.save()
    commitment = first.commitments.get()
    commitment.quantity = Decimal("7.25")
    commitment.save()
    assert children.stale() == []
    assert "Renamed holding" in names(stored(first)[0])
    assert stored(second)[2][0]["title"] == "A corrected title"

    # A party moved to the other agreement, a citation and a commitment deleted.
    Party.objects.filter(pk=party.pk).update(agreement=second)
    Citation.objects.filter(agreement=first).delete()
    Commitment.objects.filter(agreement=first).delete()
    assert children.stale() == []
    assert stored(first)[1:] == ([], [])

    # Bulk inserts (no signals), queryset updates of shared rows, and raw SQL.
    Commitment.objects.bulk_create(
        [Commitment(agreement=second, position=n, description=f"Milestone {n}") for n in (1, 2)]
    )
    Organization.objects.filter(pk=us.pk).update(country="US", slug="united-supplier")
    Source.objects.filter(pk=source.pk).update(published_on=datetime.date(2025, 11, 7))
    with connection.cursor() as cursor:
        cursor.execute("UPDATE agreements_party SET signed_by = 'Raw' WHERE agreement_id = %s", [second.pk])
    assert children.stale() == []
    assert [party["organization"]["slug"] for party in stored(second)[0]].count("united-supplier") == 1
    assert [commitment["description"] for commitment in stored(second)[1]] == ["Milestone 1", "Milestone 2"]

    # An agreement made, and one deleted with its children.
    third = AgreementFactory()
    assert stored(third) == ([], [], [])
    second.delete()
    assert stored(second) is None
    assert children.stale() == []


def test_an_edit_of_an_unshown_column_rewrites_nothing(two):
    first, _, kz, _, _ = two
    with connection.cursor() as cursor:
        cursor.execute("UPDATE agreements_children SET parties = '[\"kept\"]' WHERE agreement_id = %s", [first.pk])
    Organization.objects.filter(pk=kz.pk).update(website="https://example.org/")
    assert stored(first)[0] == ["kept"]
    kz.name = "Shown again"
    kz.save()
    assert children.stale() == []


def test_the_list_shows_a_change_at_once_and_computes_a_missing_row(client, two):
    first, _, kz, _, _ = two
    kz.name = "A new name"
    kz.save()
    parties = {row["slug"]: row["parties"] for row in client.get(LIST).json()["results"]}
    assert "A new name" in names(parties[first.slug])
    # Without its row (a PostgreSQL TRUNCATE empties the table), the page computes the arrays itself.
    before = client.get(LIST).json()["results"]
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM agreements_children")
    assert client.get(LIST).json()["results"] == before


def test_loading_the_register_and_rebuilding_give_the_same_rows():
    call_command("loaddata", "register", verbosity=0)
    assert Agreement.objects.count() == 22
    assert children.stale() == []
    before = [stored(agreement) for agreement in Agreement.objects.order_by("pk")]
    children.install(connection)
    assert [stored(agreement) for agreement in Agreement.objects.order_by("pk")] == before


def test_emptying_a_child_table_at_once_leaves_the_list_right(client, two):
    """PostgreSQL's TRUNCATE fires no row trigger: it empties the stored rows, and the page computes them."""
    first, second, *_ = two
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # the test's transaction has deferred checks pending
            cursor.execute("TRUNCATE agreements_commitmentupdate, agreements_commitment")
            cursor.execute("SELECT count(*) FROM agreements_children")
            assert cursor.fetchone()[0] == 0
        else:
            cursor.execute("DELETE FROM agreements_commitment")
    results = {row["slug"]: row for row in client.get(LIST).json()["results"]}
    assert results[first.slug]["commitments"] == [] and len(results[first.slug]["parties"]) == 2
    assert results[second.slug]["sources"][0]["claim_amount"] == "12.50"


def test_the_follow_up_arrays_follow_every_kind_of_change(two):
    """The status history and each commitment's updates, their sources, and statuses the triggers move."""
    import datetime as dt

    from agreements.models import CommitmentUpdate, StatusEntry
    from tests.factories import CommitmentUpdateFactory, StatusEntryFactory

    first, second, *_ = two
    source = SourceFactory(title="Reported")
    entry = StatusEntryFactory(agreement=first, source=source, date=dt.date(2025, 11, 6))
    commitment = Commitment.objects.get(agreement=first)
    update = CommitmentUpdateFactory(commitment=commitment, source=source, status="partially_met")
    assert children.stale() == []
    source.title = "Reported again"  # shown through both arrays
    source.save()
    assert children.stale() == []
    StatusEntry.objects.filter(pk=entry.pk).update(agreement=second)  # moved: both rewritten
    CommitmentUpdate.objects.filter(pk=update.pk).update(status="met")  # the commitment's status moves too
    assert children.stale() == []
    update.delete()
    commitment.delete()  # with its updates
    StatusEntry.objects.filter(agreement=second).delete()
    assert children.stale() == []
    with connection.cursor() as cursor:  # raw SQL, as a bulk load writes
        cursor.execute(
            "INSERT INTO agreements_statusentry (agreement_id, status, date, date_precision, note) "
            "VALUES (%s, 'signed', %s, 'month', 'raw')",
            [second.pk, dt.date(2025, 11, 1)],
        )
    assert children.stale() == []


def test_the_rows_are_compact_json_on_every_database():
    """The arrays are written as SQLite's json_object and orjson write JSON, with no space between tokens, on
    PostgreSQL too (whose json_build_object writes `"key" : value`): the same bytes to store and send. Texts
    with quotes, backslashes, control characters and Cyrillic come back as they went in."""
    call_command("loaddata", "register", verbosity=0)
    hostile = OrganizationFactory(name='Quote " back\\ slash\ttab', name_ru="Самрук")
    PartyFactory(agreement=Agreement.objects.first(), organization=hostile)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {', '.join(children.columns())} FROM agreements_children")  # noqa: S608 (our names)
        rows = cursor.fetchall()
    assert rows
    for row in rows:
        for text in row:
            assert text == json.dumps(json.loads(text), separators=(",", ":"), ensure_ascii=False)
    assert 'Quote \\" back\\\\ slash\\ttab' in "".join(text for row in rows for text in row)


def test_both_databases_write_the_same_bytes(db):
    """The text each database keeps for an agreement, written out here: the suite runs on SQLite and on
    PostgreSQL, so both must write exactly this (quotes, a backslash, control characters, Cyrillic, an emoji,
    U+2028, decimals to the cent, booleans, dates, partial dates and nulls included)."""
    from tests.factories import CommitmentUpdateFactory, StatusEntryFactory

    agreement = AgreementFactory(slug="bytes")
    organization = OrganizationFactory(name='Q "1"\\ \b\f\n\r\t\x01\x1f\x7f Самрук 🚂\u2028', slug="q", country="US")
    PartyFactory(agreement=agreement, organization=organization, side=Side.US, signed_by="A. B.")
    source = SourceFactory(publisher="Pub", title="T", url="", published_on=None, language="ru")
    CitationFactory(
        agreement=agreement, source=source, supports=Supports.VALUE, claim_amount=Decimal("12.5"), disputes=True
    )
    commitment = CommitmentFactory(agreement=agreement, position=1, quantity=Decimal("2.25"), due_on=None)
    CommitmentUpdateFactory(
        commitment=commitment, date=datetime.date(2026, 3, 1), date_precision="month", progress=None, source=None
    )
    StatusEntryFactory(agreement=agreement, date=datetime.date(2025, 1, 1), date_precision="year", source=None)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT parties, commitments, sources, status_history FROM agreements_children WHERE agreement_id = %s",
            [agreement.pk],
        )
        parties, commitments, sources, status_history = cursor.fetchone()
    name = '"Q \\"1\\"\\\\ \\b\\f\\n\\r\\t\\u0001\\u001f\x7f Самрук 🚂\u2028"'
    assert parties == (
        f'[{{"organization":{{"slug":"q","name":{name},"country":"US"}},"side":"US","role":"party",'
        '"signed_by":"A. B.","signer_title":""}]'
    )
    assert commitments == (
        '[{"description":"At least 3,000 units","quantity":"2.25","unit":"units","due_on":null,"status":"scheduled",'
        '"overdue":null,"updates":[{"date":"2026-03","status":"scheduled","progress":null,"note":"","source":null}]}]'
    )
    assert sources == (
        '[{"publisher":"Pub","title":"T","url":"","published_on":null,"language":"ru","supports":"value","claim":"",'
        '"claim_amount":"12.50","claim_currency":"","claim_approximate":false,"disputes":true}]'
    )
    assert status_history == '[{"status":"signed","date":"2025","note":"","source":null}]'
