"""Drafts and records in review never reach a public surface: pages, counts, totals, feeds, sitemap."""

from decimal import Decimal

import pytest
from django.urls import reverse

from agreements.models import PublicationState, Side
from tests.factories import (
    AgreementFactory,
    EventFactory,
    GroupFactory,
    OrganizationFactory,
    PartyFactory,
    SectorFactory,
)

pytestmark = pytest.mark.django_db

HIDDEN_STATES = [PublicationState.DRAFT, PublicationState.REVIEW]


@pytest.fixture(params=HIDDEN_STATES)
def world(request):
    """One published agreement and one hidden one sharing sector, event, organisation and group."""
    sector = SectorFactory(name="Mining", slug="mining")
    event = EventFactory(slug="visit", announced_amount=Decimal("17000000000"))
    organization = OrganizationFactory(name="Tau-Ken Samruk", slug="tau-ken")
    published = AgreementFactory(
        title="Published tungsten deal",
        slug="published-deal",
        sector=sector,
        event=event,
        value_amount=Decimal("1000000000"),
    )
    hidden = AgreementFactory(
        title="Secretxyz negotiation",
        slug="secret-deal",
        sector=sector,
        event=event,
        value_amount=Decimal("777000000"),
        summary="Secretxyz",
        publication_state=request.param,
    )
    for agreement in (published, hidden):
        PartyFactory(agreement=agreement, organization=organization, side=Side.KZ)
    hidden_only_org = OrganizationFactory(name="Hiddenorg Inc", slug="hiddenorg", country="US")
    PartyFactory(agreement=hidden, organization=hidden_only_org, side=Side.US)
    return {
        "published": published,
        "hidden": hidden,
        "sector": sector,
        "event": event,
        "organization": organization,
        "hidden_org": hidden_only_org,
    }


def assert_hidden(response):
    body = response.content.decode()
    assert "Secretxyz" not in body
    assert "secret-deal" not in body
    assert "777,000,000" not in body
    assert "777000000" not in body


def test_list_leaves_hidden_out_of_rows_count_and_total(client, world):
    response = client.get(reverse("agreements:agreement-list"))
    assert response.status_code == 200
    assert "Published tungsten deal" in response.content.decode()
    assert "1 matching agreement" in response.content.decode()
    assert "USD 1,000,000,000" in response.content.decode()
    assert_hidden(response)


def test_search_does_not_find_hidden(client, world):
    response = client.get(reverse("agreements:agreement-list"), {"q": "negotiation"})
    assert "No agreement matches these filters" in response.content.decode()
    assert_hidden(response)


def test_party_filter_does_not_offer_an_organisation_known_only_from_hidden(client, world):
    response = client.get(reverse("agreements:agreement-list"))
    assert "Hiddenorg" not in response.content.decode()


def test_detail_of_hidden_is_404(client, world):
    assert client.get(world["hidden"].get_absolute_url()).status_code == 404
    assert client.get(world["published"].get_absolute_url()).status_code == 200


def test_overview_counts_and_totals_leave_hidden_out(client, world):
    response = client.get(reverse("agreements:home"))
    body = response.content.decode()
    assert "holds 1 published agreement" in body
    assert "USD 1,777,000,000" not in body
    assert_hidden(response)


def test_organisation_pages_leave_hidden_out(client, world):
    response = client.get(world["organization"].get_absolute_url())
    assert response.status_code == 200
    assert "Hiddenorg" not in response.content.decode()
    assert_hidden(response)
    assert client.get(world["hidden_org"].get_absolute_url()).status_code == 404
    listing = client.get(reverse("agreements:organization-list"))
    assert "Hiddenorg" not in listing.content.decode()
    assert_hidden(listing)


def test_event_and_sector_pages_leave_hidden_out(client, world):
    for url in (world["event"].get_absolute_url(), world["sector"].get_absolute_url()):
        response = client.get(url)
        assert response.status_code == 200
        assert "Published tungsten deal" in response.content.decode()
        assert_hidden(response)


def test_feeds_leave_hidden_out(client, world):
    urls = [
        reverse("agreements:feed"),
        reverse("agreements:organization-feed", args=[world["organization"].slug]),
        reverse("agreements:sector-feed", args=[world["sector"].slug]),
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200
        assert "Published tungsten deal" in response.content.decode()
        assert_hidden(response)
    assert client.get(reverse("agreements:organization-feed", args=["hiddenorg"])).status_code == 404


def test_sitemap_leaves_hidden_out(client, world):
    response = client.get(reverse("agreements:sitemap"))
    body = response.content.decode()
    assert "/agreements/published-deal/" in body
    assert "/organizations/hiddenorg/" not in body
    assert_hidden(response)


def test_group_member_page_does_not_name_hidden_siblings(client, world):
    group = GroupFactory()
    member = AgreementFactory(group=group, value_amount=None)
    AgreementFactory(
        group=group, value_amount=None, title="Secretxyz sibling", publication_state=PublicationState.REVIEW
    )
    assert_hidden(client.get(member.get_absolute_url()))


def test_csv_link_export_leaves_hidden_out(client, world):
    response = client.get(reverse("exports:agreements-csv"), {"sector": "mining"})
    assert response.status_code == 200
    body = b"".join(response.streaming_content) if response.streaming else response.content
    assert b"published-deal" in body
    assert b"Secretxyz" not in body
    assert b"secret-deal" not in body


def test_an_event_with_drafts_only_is_not_published(client):
    from tests.factories import AgreementFactory, EventFactory

    event = EventFactory(name="Visit being prepared")
    AgreementFactory(event=event, publication_state="draft")
    assert client.get(event.get_absolute_url()).status_code == 404
    listing = client.get("/agreements/", {"event": event.slug})
    assert listing.status_code == 400
    assert "Visit being prepared" not in client.get("/agreements/").content.decode()
