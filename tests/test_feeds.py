"""Atom feeds: the whole register, per organisation and per sector; newest published first."""

import datetime
from decimal import Decimal
from xml.etree import ElementTree

import pytest
from django.urls import reverse
from django.utils import timezone

from agreements.models import Agreement
from tests.factories import AgreementFactory, GroupFactory, OrganizationFactory, PartyFactory, SectorFactory

pytestmark = pytest.mark.django_db
ATOM = "{http://www.w3.org/2005/Atom}"


def entries(response):
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    root = ElementTree.fromstring(response.content)  # noqa: S314 - our own response, built by Django
    return [entry.find(f"{ATOM}title").text for entry in root.findall(f"{ATOM}entry")]


def test_feed_lists_newest_published_first(client):
    older = AgreementFactory(title="Older")
    newer = AgreementFactory(title="Newer")
    now = timezone.now()
    Agreement.objects.filter(pk=older.pk).update(published_at=now - datetime.timedelta(days=2))
    Agreement.objects.filter(pk=newer.pk).update(published_at=now)
    assert entries(client.get(reverse("agreements:feed"))) == ["Newer", "Older"]


def test_feed_entry_says_kind_and_value(client):
    group = GroupFactory(name="NIC package", amount=Decimal("1000000000"), approximate=True)
    AgreementFactory(title="Brookfield", group=group, value_amount=None)
    body = client.get(reverse("agreements:feed")).content.decode()
    assert "shared: ≈ USD 1,000,000,000 (NIC package)" in body


def test_organization_feed_lists_only_its_agreements(client):
    organization = OrganizationFactory(slug="air-astana")
    PartyFactory(organization=organization, agreement=AgreementFactory(title="Dreamliners"))
    AgreementFactory(title="Tractors")
    response = client.get(reverse("agreements:organization-feed", args=["air-astana"]))
    assert entries(response) == ["Dreamliners"]


def test_sector_feed_lists_only_its_agreements(client):
    AgreementFactory(title="Dreamliners", sector=SectorFactory(slug="aviation"))
    AgreementFactory(title="Tractors")
    assert entries(client.get(reverse("agreements:sector-feed", args=["aviation"]))) == ["Dreamliners"]


def test_unknown_feed_objects_are_404(client):
    assert client.get(reverse("agreements:organization-feed", args=["nope"])).status_code == 404
    assert client.get(reverse("agreements:sector-feed", args=["nope"])).status_code == 404


def test_feeds_are_linked_from_the_pages(client):
    organization = OrganizationFactory(slug="ktz")
    sector = SectorFactory(slug="rail")
    PartyFactory(organization=organization, agreement=AgreementFactory(sector=sector))
    home = client.get(reverse("agreements:home")).content.decode()
    feed_url = f"http://testserver{reverse('agreements:feed')}"
    assert f'type="application/atom+xml" title="Newly published agreements" href="{feed_url}"' in home
    org_page = client.get(organization.get_absolute_url()).content.decode()
    assert f'href="http://testserver{reverse("agreements:organization-feed", args=["ktz"])}"' in org_page
    sector_page = client.get(sector.get_absolute_url()).content.decode()
    assert f'href="http://testserver{reverse("agreements:sector-feed", args=["rail"])}"' in sector_page


@pytest.mark.parametrize("rows", [3, 30])
def test_feed_query_counts_are_constant(client, django_assert_max_num_queries, rows):
    organization = OrganizationFactory(slug="org")
    sector = SectorFactory(slug="sec")
    for _ in range(rows):
        PartyFactory(
            organization=organization,
            agreement=AgreementFactory(sector=sector, group=GroupFactory(), value_amount=None),
        )
    for url in (
        reverse("agreements:feed"),
        reverse("agreements:organization-feed", args=["org"]),
        reverse("agreements:sector-feed", args=["sec"]),
    ):
        with django_assert_max_num_queries(3):
            assert client.get(url).status_code == 200
