"""The list writes its rows in one statement (agreements/api/listing.py), with the children as JSON
from the database: it must give exactly what AgreementSerializer, the documented shape, gives for
the same agreements (values, types, the order of parties, commitments and sources), on SQLite and
on PostgreSQL."""

import datetime
from decimal import Decimal

import orjson
import pytest
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext

from agreements.api import listing
from agreements.api.renderers import ORJSONRenderer
from agreements.api.serializers import AgreementDetailSerializer, AgreementSerializer
from agreements.models import Agreement, DatePrecision, Kind, PublicationState, Role, Side, Supports
from tests.factories import (
    AgreementFactory,
    CitationFactory,
    CommitmentFactory,
    GroupFactory,
    OrganizationFactory,
    PartyFactory,
    SourceFactory,
)

from .conftest import LIST_URL, get_json


def documented(slugs):
    """AgreementSerializer's output (DRF's generic field machinery) for these agreements, as JSON."""
    request = RequestFactory().get(LIST_URL, HTTP_HOST="testserver")
    agreements = Agreement.objects.public().with_relations().filter(slug__in=slugs)
    by_slug = {agreement.slug: agreement for agreement in agreements}
    data = AgreementSerializer([by_slug[slug] for slug in slugs], many=True, context={"request": request}).data
    return orjson.loads(ORJSONRenderer().render(data))


def assert_list_matches_serializer(client):
    results = get_json(client, LIST_URL, page_size=100)["results"]
    assert results
    assert results == documented([row["slug"] for row in results])
    return results


def test_each_detail_is_exactly_what_the_detail_serializer_writes(client, register, django_assert_max_num_queries):
    """The detail reads the list's row and adds its own fields and links: the documented shape, key order
    included, for every agreement of the dataset (relations in both directions among them)."""
    from agreements.models import Relation

    agreement = Agreement.objects.public().first()
    other = Agreement.objects.public().exclude(pk=agreement.pk).first()
    Relation.objects.create(from_agreement=agreement, to_agreement=other, kind="amends")
    request = RequestFactory().get(LIST_URL, HTTP_HOST="testserver")
    for each in Agreement.objects.public().with_relations():
        with django_assert_max_num_queries(5):  # 4, and the register's version (agreements/validators.py)
            response = client.get(f"{LIST_URL}{each.slug}/")
        written = orjson.loads(response.content)
        documented_detail = orjson.loads(
            ORJSONRenderer().render(AgreementDetailSerializer(each, context={"request": request}).data)
        )
        assert list(written) == list(documented_detail)
        assert written == documented_detail, each.slug
        assert response["Last-Modified"]
    assert get_json(client, f"{LIST_URL}{agreement.slug}/")["relations"][0]["direction"] == "outgoing"
    assert get_json(client, f"{LIST_URL}{other.slug}/")["relations"][0]["direction"] == "incoming"


def test_the_dataset_lists_exactly_as_the_serializer_writes_it(client, register):
    results = assert_list_matches_serializer(client)

    assert len(results) == 22
    assert any(row["commitments"] for row in results)
    assert any(source["disputes"] for row in results for source in row["sources"])


@pytest.mark.django_db
def test_odd_values_survive_the_sql_json(client):
    """Quotes, backslashes, Cyrillic and emoji; cents; empty and null fields; partial dates; ordering."""
    sector = AgreementFactory().sector
    odd = AgreementFactory(
        sector=sector,
        slug="odd",
        title='A "quoted" \\ back-slashed title — Қазақстан 🚂',
        kind=Kind.MEMORANDUM,
        signed_on=datetime.date(2025, 9, 1),
        signed_on_precision=DatePrecision.MONTH,
        value_amount=Decimal("1234567.89"),
        value_approximate=True,
    )
    # Parties in the order the API promises: by side, then the organisation's name (not insertion).
    for name, side in [("Zeta LLP", Side.US), ("Alpha <b>&</b>", Side.US), ("Бета", Side.KZ)]:
        PartyFactory(agreement=odd, organization=OrganizationFactory(name=name), side=side, role=Role.SUPPLIER)
    PartyFactory(agreement=odd, organization=OrganizationFactory(name="Quiet"), side=Side.KZ, signed_by="")
    CommitmentFactory(agreement=odd, position=2, description="second", quantity=Decimal("0.5"), due_on=None)
    CommitmentFactory(agreement=odd, position=1, description="first", quantity=None, unit="")
    CitationFactory(
        agreement=odd,
        source=SourceFactory(url="", published_on=None, language=""),
        supports=Supports.VALUE,
        claim="about $1.2m",
        claim_amount=Decimal("1200000.10"),
        claim_approximate=True,
        disputes=True,
    )
    CitationFactory(agreement=odd, source=SourceFactory(), claim_amount=None, disputes=False)
    group = GroupFactory(amount=Decimal("750000000.05"))
    AgreementFactory(sector=sector, slug="member", group=group, value_amount=None, signed_on=None)
    AgreementFactory(sector=sector, slug="bare", value_amount=None, signed_on=datetime.date(2024, 1, 1))

    results = assert_list_matches_serializer(client)

    odd_row = next(row for row in results if row["slug"] == "odd")
    assert odd_row["signed_on"] == "2025-09"
    assert odd_row["value"]["amount"] == "1234567.89"
    assert [party["organization"]["name"] for party in odd_row["parties"]] == [
        "Quiet",
        "Бета",
        "Alpha <b>&</b>",
        "Zeta LLP",
    ]
    assert [item["description"] for item in odd_row["commitments"]] == ["first", "second"]
    assert [item["quantity"] for item in odd_row["commitments"]] == [None, "0.50"]
    assert [source["claim_amount"] for source in odd_row["sources"]] == ["1200000.10", None]
    assert [source["disputes"] for source in odd_row["sources"]] == [True, False]
    member = next(row for row in results if row["slug"] == "member")
    assert member["value"] is None and member["group"]["value"]["amount"] == "750000000.05"
    bare = next(row for row in results if row["slug"] == "bare")
    assert bare["parties"] == bare["commitments"] == bare["sources"] == []


def test_one_statement_reads_the_page_and_its_children(client, deals):
    deals(30)
    with CaptureQueriesContext(connection) as captured:
        data = get_json(client, LIST_URL, page_size=30)

    assert all(row["parties"] and row["commitments"] and row["sources"] for row in data["results"])
    page_queries = [query["sql"] for query in captured if "agreements_party" in query["sql"]]
    assert len(page_queries) == 1, page_queries


@pytest.mark.django_db
def test_postgresql_plans_the_page_statement_once_a_connection():
    """On PostgreSQL the page's statement has one text for any page (the ids one array parameter), so psycopg
    prepares it on the connection once it has run there `prepare_threshold` times (kzdeals/settings.py) and
    PostgreSQL no longer plans it; SQLite (which plans in-process, cheaply) runs it with the ids in its text."""
    shown = AgreementFactory()
    if connection.vendor != "postgresql":
        with CaptureQueriesContext(connection) as captured:
            assert [row["slug"] for row in listing.page_rows([shown.pk])] == [shown.slug]
        assert [query["sql"] for query in captured if "agreements_party" in query["sql"]]
        return
    text = listing.pg_rows_statement()
    assert "agreements_party" in text and "%s::bigint[]" in text
    connection.ensure_connection()
    raw = connection.connection
    assert raw.prepare_threshold is not None
    other = AgreementFactory()
    for _ in range(raw.prepare_threshold + 1):
        assert [row["slug"] for row in listing.page_rows([other.pk, shown.pk])] == [other.slug, shown.slug]
        assert [row["slug"] for row in listing.page_rows([shown.pk])] == [shown.slug]
    prepared = raw.execute(
        "SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE %s", ["%agreements_children ch%"]
    ).fetchone()
    assert prepared == (1,)


@pytest.mark.django_db
def test_the_rows_statement_reads_public_agreements_only():
    """The page's ids come from public(); the statement that reads their rows checks again, so an
    agreement unpublished between the two is left out, not shown."""
    shown = AgreementFactory()
    draft = AgreementFactory(publication_state=PublicationState.DRAFT)

    rows = listing.page_rows([draft.pk, shown.pk])

    assert [row["slug"] for row in rows] == [shown.slug]
    assert listing.page_rows([]) == []


@pytest.mark.django_db
def test_the_page_statement_reads_the_agreements_by_id_first():
    """Not the sectors first, probing every id for each: SQLite chose that for an inner join once its
    statistics said there were a dozen sectors and 100,000 agreements (1.1 against 0.7 ms a page)."""
    ids = [AgreementFactory().pk for _ in range(3)]
    statement = listing.rows_statement(connection.vendor, len(ids))
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            # The statistics of 100,000 agreements in a dozen sectors, as ANALYZE wrote them there.
            cursor.execute("ANALYZE")
            cursor.execute("DELETE FROM sqlite_stat1 WHERE tbl IN ('agreements_agreement', 'agreements_sector')")
            for table, count, per_value in (("agreements_agreement", 100000, 8334), ("agreements_sector", 12, 1)):
                cursor.execute(f"PRAGMA index_list({table})")
                for index in [row[1] for row in cursor.fetchall()]:
                    cursor.execute(f"PRAGMA index_info({index})")
                    columns = [row[2] for row in cursor.fetchall()]
                    stat = " ".join(
                        [str(count)] + [str(per_value if column == "sector_id" else 1) for column in columns]
                    )
                    cursor.execute(
                        "INSERT INTO sqlite_stat1 (tbl, idx, stat) VALUES (%s, %s, %s)", [table, index, stat]
                    )
            cursor.execute("ANALYZE sqlite_schema")  # the planner reads the statistics again
            cursor.execute("EXPLAIN QUERY PLAN " + statement, ids)
            steps = [row[3] for row in cursor.fetchall()]
            assert steps[0].startswith("SEARCH agreements_agreement ") and "rowid=?" in steps[0], steps
        # PostgreSQL's statement takes the ids as one array (listing.pg_ids), SQLite's one parameter each.
        cursor.execute(statement, [listing.pg_ids(ids)] if connection.vendor == "postgresql" else ids)
        assert sorted(row[0] for row in cursor.fetchall()) == sorted(ids)
