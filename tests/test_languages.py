"""The register in three languages: addresses (English at today's, /ru/ and /kk/), `<html lang>`, the
switcher, hreflang alternates, canonical addresses, the sitemap's alternates, feeds per language, and
answer caches that never cross languages."""

import re
from xml.etree import ElementTree

import pytest
from django.conf import settings
from django.db import connection
from django.template import loader
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from agreements.caching import answer_key
from tests.factories import AgreementFactory, EventFactory, PartyFactory

pytestmark = pytest.mark.django_db

LANGUAGES = ["en", "ru", "kk"]
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
XHTML = "{http://www.w3.org/1999/xhtml}"


@pytest.fixture(autouse=True)
def _english_between_requests():
    # A request under /ru/ leaves Russian active in this thread; every reverse() below is the English address.
    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture
def pages():
    """Every public page, at its English address."""
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
        reverse("agreements:changes"),
    ]


def in_language(language, path):
    return path if language == "en" else f"/{language}{path}"


def html_lang(body):
    return re.search(r'<html lang="([^"]+)"', body).group(1)


def switcher(body):
    """The switcher's links: {language: (href, current)}."""
    nav = re.search(r'<nav class="languages"[^>]*>(.*?)</nav>', body, re.S).group(1)
    links = re.findall(r'<a href="([^"]+)" lang="(\w+)" hreflang="\w+"( aria-current="true")?>', nav)
    return {language: (href, bool(current)) for href, language, current in links}


def test_english_keeps_todays_addresses():
    assert reverse("agreements:home") == "/"
    assert reverse("agreements:agreement-list") == "/agreements/"
    assert reverse("agreements:agreement-detail", args=["x"]) == "/agreements/x/"
    assert reverse("agreements:feed") == "/feeds/agreements/"
    assert reverse("agreements:sitemap") == "/sitemap.xml"
    assert reverse("agreements:robots") == "/robots.txt"
    assert reverse("api:agreement-list") == "/api/v1/agreements/"
    assert reverse("healthz") == "/healthz"
    assert reverse("admin:index") == "/admin/"


def test_russian_and_kazakh_live_under_their_prefix():
    for language in ("ru", "kk"):
        with translation.override(language):
            assert reverse("agreements:agreement-list") == f"/{language}/agreements/"
            assert reverse("agreements:organization-detail", args=["x"]) == f"/{language}/organizations/x/"
            # The API and the admin keep one address in every language.
            assert reverse("api:agreement-list") == "/api/v1/agreements/"
            assert reverse("admin:index") == "/admin/"


def test_every_contract_address_still_answers(client, pages, admin_client):
    for path in [*pages, "/feeds/agreements/", "/feeds/changes/", "/sitemap.xml", "/robots.txt"]:
        assert client.get(path).status_code == 200, path
    for path in ["/api/v1/agreements/", "/api/v1/organizations/", "/api/v1/schema/", "/api/v1/docs/"]:
        assert client.get(path).status_code == 200, path
    assert client.get("/healthz").status_code == 200
    assert admin_client.get("/admin/").status_code == 200


def test_every_public_page_answers_in_every_language_with_its_html_lang(client, pages):
    for path in pages:
        for language in LANGUAGES:
            response = client.get(in_language(language, path))
            assert response.status_code == 200, (language, path)
            assert html_lang(response.content.decode()) == language, (language, path)
            assert response["Content-Language"] == language


def test_every_page_links_its_languages_and_x_default(client, pages):
    for path in pages:
        for language in LANGUAGES:
            body = client.get(in_language(language, path)).content.decode()
            for other in LANGUAGES:
                url = f"{settings.SITE_URL}{in_language(other, path)}"
                assert f'<link rel="alternate" hreflang="{other}" href="{url}">' in body, (language, path, other)
            assert f'<link rel="alternate" hreflang="x-default" href="{settings.SITE_URL}{path}">' in body
            canonical = f"{settings.SITE_URL}{in_language(language, path)}"
            assert f'<link rel="canonical" href="{canonical}">' in body, (language, path)


def test_switcher_links_the_same_page_in_each_language_and_marks_the_current_one(client, pages):
    for path in pages:
        for language in LANGUAGES:
            links = switcher(client.get(in_language(language, path)).content.decode())
            assert links == {other: (in_language(other, path), other == language) for other in LANGUAGES}


def test_switcher_keeps_the_query_string(client):
    body = client.get("/ru/agreements/", {"kind": "memorandum", "page_size": "10"}).content.decode()
    links = switcher(body)
    assert links["en"][0] == "/agreements/?kind=memorandum&amp;page_size=10"
    assert links["kk"][0] == "/kk/agreements/?kind=memorandum&amp;page_size=10"


def test_links_inside_a_page_stay_in_its_language(client, pages):
    body = client.get("/kk/").content.decode()
    assert 'href="/kk/agreements/"' in body
    assert 'href="/kk/feeds/agreements/"' in body
    # The sitemap has one address whatever the language.
    assert 'href="/sitemap.xml"' in body
    assert 'href="/agreements/"' not in body.split('<nav class="languages"')[0]


def test_the_address_decides_the_language_not_the_browser(client, pages):
    response = client.get("/agreements/", HTTP_ACCEPT_LANGUAGE="ru")
    assert html_lang(response.content.decode()) == "en"
    response = client.get("/kk/agreements/", HTTP_ACCEPT_LANGUAGE="ru")
    assert html_lang(response.content.decode()) == "kk"


def test_a_missing_page_answers_in_the_language_of_its_address(client):
    for language in LANGUAGES:
        response = client.get(in_language(language, "/agreements/no-such-record/"))
        assert response.status_code == 404
        body = response.content.decode()
        assert html_lang(body) == language
        # Its switcher still points at the same address in the other languages.
        assert switcher(body)["kk"] == ("/kk/agreements/no-such-record/", language == "kk")


def test_an_unknown_prefix_is_not_a_language(client):
    assert client.get("/en/agreements/").status_code == 404
    assert client.get("/de/agreements/").status_code == 404
    assert client.get("/ru/api/v1/agreements/").status_code == 404


def test_server_error_pages_say_their_language():
    for language in LANGUAGES:
        with translation.override(language):
            for name in ("500.html", "503.html"):
                page = loader.get_template(name).render()
                assert html_lang(page) == language, name
                assert f'href="{in_language(language, "/")}"' in page


def test_api_docs_say_they_are_english(client):
    body = client.get("/api/v1/docs/", HTTP_ACCEPT_LANGUAGE="ru").content.decode()
    assert html_lang(body) == "en"


def test_sitemap_and_robots_keep_one_address(client):
    for language in ("ru", "kk"):
        response = client.get(f"/{language}/sitemap.xml")
        assert response.status_code == 301
        assert response["Location"] == "/sitemap.xml"
        response = client.get(f"/{language}/robots.txt")
        assert response.status_code == 301
        assert response["Location"] == "/robots.txt"


def test_sitemap_lists_every_page_in_every_language_with_its_alternates(client, pages):
    root = ElementTree.fromstring(client.get("/sitemap.xml").content)  # noqa: S314 - our own answer
    entries = {}
    for url in root.iter(f"{SITEMAP}url"):
        alternates = {link.get("hreflang"): link.get("href") for link in url.iter(f"{XHTML}link")}
        entries[url.find(f"{SITEMAP}loc").text] = alternates
    for path in pages:
        expected = {language: f"{settings.SITE_URL}{in_language(language, path)}" for language in LANGUAGES}
        expected["x-default"] = f"{settings.SITE_URL}{path}"
        for language in LANGUAGES:
            assert entries[expected[language]] == expected, (language, path)


def test_feeds_answer_in_each_language_with_xml_lang(client, pages):
    agreement = AgreementFactory()
    for path in ["/feeds/agreements/", "/feeds/changes/", agreement.sector.get_absolute_url() + "feed/"]:
        for language in LANGUAGES:
            response = client.get(in_language(language, path))
            assert response.status_code == 200, (language, path)
            root = ElementTree.fromstring(response.content)  # noqa: S314 - our own answer
            assert root.get("{http://www.w3.org/XML/1998/namespace}lang") == language, (language, path)
            self_link = next(link for link in root if link.get("rel") == "self")
            assert self_link.get("href") == f"{settings.SITE_URL}{in_language(language, path)}"


def test_answer_keys_differ_per_language():
    keys = set()
    for language in LANGUAGES:
        with translation.override(language):
            keys.add(answer_key("api", "/api/v1/agreements/"))
    assert len(keys) == 3


def test_a_cached_api_answer_is_never_served_in_another_language(client, settings):
    settings.REGISTER_CACHE_TIMEOUT = 60
    AgreementFactory()
    first = client.get("/api/v1/agreements/", HTTP_ACCEPT_LANGUAGE="en")
    assert first.get("X-Cache") != "hit"
    assert client.get("/api/v1/agreements/", HTTP_ACCEPT_LANGUAGE="en")["X-Cache"] == "hit"
    russian = client.get("/api/v1/agreements/", HTTP_ACCEPT_LANGUAGE="ru")
    assert russian.get("X-Cache") != "hit"
    assert russian["Content-Language"] == "ru"
    assert client.get("/api/v1/agreements/", HTTP_ACCEPT_LANGUAGE="ru")["X-Cache"] == "hit"


def test_queries_per_page_are_the_same_in_every_language(client, pages):
    for path in pages:
        counts = {}
        for language in LANGUAGES:
            client.get(in_language(language, path))  # warm what a process keeps (content types, the tally)
            with CaptureQueriesContext(connection) as queries:
                client.get(in_language(language, path))
            counts[language] = len(queries)
        assert len(set(counts.values())) == 1, (path, counts)


def test_the_admin_and_the_api_follow_the_browser_and_say_they_vary(client, admin_client):
    body = admin_client.get("/admin/", HTTP_ACCEPT_LANGUAGE="ru").content.decode()
    assert html_lang(body) == "ru"
    api = client.get("/api/v1/agreements/", HTTP_ACCEPT_LANGUAGE="kk")
    assert api["Content-Language"] == "kk"
    assert "Accept-Language" in api["Vary"]
    assert client.get("/api/v1/agreements/")["Content-Language"] == "en"


def test_a_public_page_does_not_vary_with_the_browser(client):
    for path in ("/agreements/", "/ru/agreements/"):
        assert "Accept-Language" not in client.get(path, HTTP_ACCEPT_LANGUAGE="kk").get("Vary", ""), path
