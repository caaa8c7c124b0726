"""Titles, descriptions, canonical links and Open Graph on every page; the sitemap and robots.txt."""

import re
from xml.etree import ElementTree

import pytest
from django.conf import settings
from django.urls import reverse

from tests.factories import AgreementFactory, EventFactory, PartyFactory

pytestmark = pytest.mark.django_db
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


@pytest.fixture
def pages():
    agreement = AgreementFactory(title="Tungsten deal", event=EventFactory(slug="visit"))
    party = PartyFactory(agreement=agreement)
    return [
        reverse("agreements:home"),
        reverse("agreements:agreement-list"),
        agreement.get_absolute_url(),
        reverse("agreements:organization-list"),
        party.organization.get_absolute_url(),
        agreement.event.get_absolute_url(),
        agreement.sector.get_absolute_url(),
    ]


def test_every_page_has_title_description_canonical_and_open_graph(client, pages):
    for url in pages:
        body = client.get(url).content.decode()
        assert re.search(r"<title>[^<]+ · kzdeals</title>", body), url
        assert re.search(r'<meta name="description" content="[^"]{20,}">', body), url
        assert f'<link rel="canonical" href="{settings.SITE_URL}{url}">' in body, url
        assert f'<meta property="og:url" content="{settings.SITE_URL}{url}">' in body, url
        assert '<meta property="og:title" content="' in body, url
        assert '<meta property="og:type" content="' in body, url


def test_canonical_leaves_the_query_string_out(client):
    body = client.get(reverse("agreements:agreement-list"), {"q": "x"}).content.decode()
    assert f'<link rel="canonical" href="{settings.SITE_URL}{reverse("agreements:agreement-list")}">' in body


def test_detail_title_is_the_agreement_title(client):
    agreement = AgreementFactory(title="Tungsten deal")
    assert "<title>Tungsten deal · kzdeals</title>" in client.get(agreement.get_absolute_url()).content.decode()


def test_sitemap_lists_home_lists_agreements_organisations_events_and_sectors(client, pages):
    response = client.get(reverse("agreements:sitemap"))
    assert response.status_code == 200
    root = ElementTree.fromstring(response.content)  # noqa: S314 - our own response, built by Django
    locations = {element.text for element in root.iter(f"{SITEMAP}loc")}
    assert {f"{settings.SITE_URL}{url}" for url in pages} <= locations


def test_robots_allows_all_disallows_admin_and_points_to_the_sitemap(client):
    response = client.get(reverse("agreements:robots"))
    body = response.content.decode()
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    assert "User-agent: *" in body
    assert "Allow: /" in body
    assert "Disallow: /admin/" in body
    assert f"Sitemap: {settings.SITE_URL}{reverse('agreements:sitemap')}" in body


def test_unknown_address_gets_the_site_404_page(client, settings):
    settings.DEBUG = False
    response = client.get("/agreements/no-such-agreement/")
    assert response.status_code == 404
    html = response.content.decode()
    assert "There is no public record at this address." in html
    assert 'href="/agreements/"' in html
