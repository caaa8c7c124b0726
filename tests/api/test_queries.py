"""A fixed number of queries whatever the number of rows (PERFORMANCE-NOTES: prefetch, no N+1)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from agreements.models import RelationKind
from tests.factories import AgreementFactory, EventFactory, GroupFactory

from .conftest import LIST_URL, detail_url, make_deal

# count, page, parties, commitments, sources, and totals (count, own values, groups).
LIST_QUERIES = 8


def build(count):
    event = EventFactory()
    group = GroupFactory(event=event)
    for number in range(count):
        make_deal(event=event, group=group if number % 3 == 0 else None, value_amount=None if number % 3 == 0 else 1000)


def count_queries(client, url, params=None):
    with CaptureQueriesContext(connection) as context:
        assert client.get(url, params or {}).status_code == 200
    return len(context)


@pytest.mark.parametrize("rows", [3, 30])
def test_agreement_list_queries_do_not_grow_with_rows(client, db, django_assert_max_num_queries, rows):
    build(rows)

    with django_assert_max_num_queries(LIST_QUERIES):
        data = client.get(LIST_URL, {"page_size": 100}).json()
    assert len(data["results"]) == rows


def test_agreement_list_costs_the_same_for_3_and_30_rows(client, db):
    build(3)
    few = count_queries(client, LIST_URL, {"page_size": 100})
    build(27)
    many = count_queries(client, LIST_URL, {"page_size": 100})

    assert few == many


@pytest.mark.parametrize("rows", [3, 30])
def test_filtered_list_queries_do_not_grow_with_rows(client, db, django_assert_max_num_queries, rows):
    build(rows)
    sector = AgreementFactory().sector

    # Validating a sector or party slug reads that row.
    with django_assert_max_num_queries(LIST_QUERIES + 1):
        assert client.get(LIST_URL, {"sector": sector.slug, "q": "agreement"}).status_code == 200


def test_detail_queries_do_not_grow_with_relations(client, db, django_assert_max_num_queries):
    agreement = make_deal(slug="hub")
    for _ in range(5):
        make_deal().relations_out.create(to_agreement=agreement, kind=RelationKind.IMPLEMENTS)

    # agreement, parties, commitments, sources, relations out, relations in
    with django_assert_max_num_queries(6):
        assert len(client.get(detail_url("hub")).json()["relations"]) == 5


@pytest.mark.parametrize("url", ["/api/v1/organizations/", "/api/v1/events/", "/api/v1/sectors/"])
def test_reference_lists_cost_the_same_for_3_and_30_rows(client, db, url):
    build(3)
    few = count_queries(client, url, {"page_size": 100})
    build(27)
    many = count_queries(client, url, {"page_size": 100})

    assert few == many <= 3  # with the register's version, read first (agreements/validators.py)
