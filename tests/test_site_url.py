"""Every absolute URL the site writes is on SITE_URL, whatever Host, X-Forwarded-Host or scheme a client
sends; and a poisoned first request cannot reach a later client through the answer cache."""

import io
import re

import openpyxl
import pytest
from django.core.cache import cache
from django.urls import reverse

from tests.exports.conftest import body, make_deal
from tests.factories import AgreementFactory, EventFactory, GroupFactory, SectorFactory
from tests.test_production import run_python

pytestmark = pytest.mark.django_db

SITE_URL = "https://register.example"
POISONED = "evil.example"
POISONS = {
    "host": {"HTTP_HOST": POISONED},
    "forwarded host": {"HTTP_X_FORWARDED_HOST": POISONED},
    "forwarded host and scheme": {"HTTP_X_FORWARDED_HOST": POISONED, "HTTP_X_FORWARDED_PROTO": "http"},
}
ABSOLUTE = re.compile(r"https?://[^\s\"'<>,;]+")
# Addresses that are not the site's: namespaces, schemas, and the sources and registries the data cites.
ELSEWHERE = (
    # The data's licence, stated by its own site (agreements/licence.py).
    "https://creativecommons.org/licenses/",
    "https://creativecommons.org/publicdomain/",
    "https://opendatacommons.org/licenses/",
    "https://spdx.org/licenses/",
    "http://www.w3.org/",
    "http://www.sitemaps.org/",
    "https://example.org/",
    "http://www.wikidata.org/entity/",
    "http://json-schema.org/",
    "https://json-schema.org/",
)

# Rows keyed by slug, with no address of the site's own in them.
NO_SITE_LINKS = ("/api/v1/exports/parties.csv", "/api/v1/exports/sources.csv")


@pytest.fixture
def poisonable(settings):
    """The poisoned names are allowed hosts, and forwarded ones are trusted: the worst a deployment could do."""
    settings.SITE_URL = SITE_URL
    settings.ALLOWED_HOSTS = [POISONED, "testserver"]
    settings.USE_X_FORWARDED_HOST = True
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def register_urls():
    sector = SectorFactory(slug="energy")
    event = EventFactory(slug="visit")
    first = make_deal(slug="first", sector=sector, event=event)
    make_deal(slug="second", sector=sector, group=GroupFactory(), value_amount=None)
    AgreementFactory(slug="third", sector=sector)
    organization = first.parties.first().organization
    api = "/api/v1/"
    return {
        "pages": [
            reverse("agreements:home"),
            reverse("agreements:agreement-list"),
            first.get_absolute_url(),
            reverse("agreements:organization-list"),
            organization.get_absolute_url(),
            event.get_absolute_url(),
            sector.get_absolute_url(),
            "/no-such-page/",
        ],
        "feeds and crawlers": [
            reverse("agreements:feed"),
            reverse("agreements:organization-feed", args=[organization.slug]),
            reverse("agreements:sector-feed", args=["energy"]),
            reverse("agreements:sitemap"),
            reverse("agreements:robots"),
        ],
        "api": [
            f"{api}agreements/?page_size=1&page=2",
            f"{api}agreements/first/",
            f"{api}organizations/?page_size=1&page=2",
            f"{api}organizations/{organization.slug}/",
            f"{api}events/",
            f"{api}events/visit/",
            f"{api}sectors/",
            f"{api}sectors/energy/",
        ],
        "exports": [
            reverse(f"exports:{name}") + "?sector=energy"
            for name in (
                "agreements-csv",
                "agreements-json",
                "agreements-xlsx",
                "parties-csv",
                "sources-csv",
                "ocds-release-package",
                "datapackage",
            )
        ],
    }


def text_of(response):
    content = body(response)
    if response["Content-Type"].startswith("application/vnd.openxmlformats"):
        sheet = openpyxl.load_workbook(io.BytesIO(content), read_only=True).active
        return "\n".join(str(cell) for row in sheet.iter_rows(values_only=True) for cell in row if cell is not None)
    return content.decode()


def site_links(text):
    return [url for url in ABSOLUTE.findall(text) if not url.startswith(ELSEWHERE)]


@pytest.mark.parametrize("poison", POISONS.values(), ids=POISONS.keys())
@pytest.mark.parametrize("surface", ["pages", "feeds and crawlers", "api", "exports"])
def test_every_absolute_url_is_on_site_url_whatever_the_request_says(
    client, poisonable, register_urls, surface, poison
):
    for url in register_urls[surface]:
        response = client.get(url, **poison)
        assert response.status_code in (200, 404), (url, response.status_code)
        text = text_of(response)
        links = site_links(text)
        assert links or url.startswith(NO_SITE_LINKS), (url, text[:500])
        assert all(link.startswith(f"{SITE_URL}/") for link in links), (url, links)
        assert POISONED not in text and "testserver" not in text, url
        assert not any(POISONED in value for value in response.headers.values()), (url, response.headers)


def test_api_next_and_previous_and_ocds_uris_are_on_site_url(client, poisonable, register_urls):
    page = client.get("/api/v1/agreements/?page_size=1&page=2", HTTP_HOST=POISONED).json()
    assert page["next"] == f"{SITE_URL}/api/v1/agreements/?page=3&page_size=1"
    assert page["previous"] == f"{SITE_URL}/api/v1/agreements/?page_size=1"
    assert page["results"][0]["url"].startswith(f"{SITE_URL}/agreements/")

    ocds = reverse("exports:ocds-release-package")
    package = text_of(client.get(f"{ocds}?sector=energy", HTTP_HOST=POISONED))
    assert f'"uri": "{SITE_URL}{ocds}?sector=energy"' in package
    assert f'"publisher": {{"name": "kzdeals", "uri": "{SITE_URL}/"}}' in package

    robots = client.get(reverse("agreements:robots"), HTTP_HOST=POISONED).content.decode()
    assert f"Sitemap: {SITE_URL}{reverse('agreements:sitemap')}\n" in robots


@pytest.mark.parametrize("poison", POISONS.values(), ids=POISONS.keys())
def test_a_poisoned_first_request_does_not_reach_the_next_client_through_the_answer_cache(
    client, poisonable, register_urls, settings, poison
):
    settings.REGISTER_CACHE_TIMEOUT = 300
    for url in register_urls["api"]:
        first = client.get(url, **poison)
        assert first.status_code == 200
        later = client.get(url)
        assert later["X-Cache"] == "hit", url
        assert POISONED not in later.content.decode(), url
        assert all(link.startswith(f"{SITE_URL}/") for link in site_links(later.content.decode())), url


@pytest.mark.parametrize("site_url", ["kzdeals.example.org", "ftp://kzdeals.example.org", "https://x.example/register"])
def test_a_site_url_that_is_not_an_origin_is_refused_at_start(site_url):
    result = run_python(["-c", "import django; django.setup()"], SITE_URL=site_url)
    assert result.returncode != 0
    assert "SITE_URL must be http(s)://host[:port] with no path" in result.stderr


def test_a_site_url_with_a_trailing_slash_is_an_origin():
    script = "import django; django.setup(); from django.conf import settings; print(settings.SITE_URL)"
    result = run_python(["-c", script], SITE_URL="https://kzdeals.example.org/")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[-1] == "https://kzdeals.example.org"
