"""Drafts and records in review never reach the API: not listed, not found, not counted, not added up."""

import pytest

from .conftest import LIST_URL, detail_url, get_json, make_deal


@pytest.fixture
def world(hidden, db):
    return make_deal(slug="public-zebra", title="Public zebra")


def test_hidden_records_are_not_listed(client, world):
    data = get_json(client, LIST_URL, page_size=100)

    assert [row["slug"] for row in data["results"]] == ["public-zebra"]
    assert data["count"] == 1


def test_hidden_records_are_not_found_by_search(client, world):
    data = get_json(client, LIST_URL, q="zebra")

    assert [row["slug"] for row in data["results"]] == ["public-zebra"]
    assert data["totals"]["count"] == 1


def test_hidden_records_are_not_added_up(client, world):
    totals = get_json(client, LIST_URL)["totals"]

    assert (totals["count"], totals["valued"]) == (1, 1)
    assert totals["by_currency"][0]["total"] == "100000000.00"


@pytest.mark.parametrize("slug", ["secret-draft", "secret-review"])
def test_hidden_record_is_a_404(client, world, slug):
    get_json(client, detail_url(slug), expect=404)


@pytest.mark.parametrize("slug", ["secret-draft", "secret-review"])
def test_hidden_record_filtered_by_its_own_sector_is_not_listed(client, world, hidden, slug):
    record = next(agreement for agreement in hidden if agreement.slug == slug)

    data = get_json(client, LIST_URL, sector=record.sector.slug, kind=record.kind)

    assert data["results"] == []
    assert data["totals"]["count"] == 0


def test_reference_lists_count_public_agreements_only(client, world, hidden):
    organizations = get_json(client, "/api/v1/organizations/", page_size=100)["results"]
    sectors = get_json(client, "/api/v1/sectors/", page_size=100)["results"]

    counts = {row["slug"]: row["agreement_count"] for row in organizations + sectors}
    for record in hidden:
        # A sector, like an organisation, known only from hidden records is not listed at all.
        assert record.sector.slug not in counts
        for party in record.parties.all():
            # An organisation known only from a draft is not listed at all, and its page is a 404.
            assert party.organization.slug not in counts
            assert client.get(f"/api/v1/organizations/{party.organization.slug}/").status_code == 404
    assert counts[world.sector.slug] == 1
    assert b"Secret" not in client.get("/api/v1/organizations/").content


def test_reference_details_total_public_agreements_only(client, world, hidden):
    for record in hidden:
        # A sector no public agreement is in is not published: its detail is a 404.
        get_json(client, f"/api/v1/sectors/{record.sector.slug}/", expect=404)
