"""The downloads page /data/ (issue 18): every export with its format, size and last update, the data package,
the licence (REGISTER_DATA_LICENSE, also in the data package and OCDS), the list's filters carried into the
links; a bad filter gets a message; a constant number of queries."""

import json
import re

import pytest
from django.core.cache import cache
from django.urls import reverse

from tests.exports.conftest import body
from tests.factories import AgreementFactory, PartyFactory

pytestmark = pytest.mark.django_db
DATA = reverse("agreements:data")


@pytest.fixture(autouse=True)
def fresh_cache():
    cache.clear()
    yield
    cache.clear()


def links(html):
    return re.findall(r'<li><a href="([^"]+)">([^<]+)</a> <span class="muted">\(([^,]+), ([^)]+)\)</span></li>', html)


def test_every_export_is_listed_with_its_format_size_and_the_last_update(client, register):
    response = client.get(DATA)
    assert response.status_code == 200
    html = response.content.decode()
    found = links(html)
    assert [url for url, _what, _format, _size in found] == [
        reverse(name)
        for name in (
            "exports:agreements-csv",
            "exports:parties-csv",
            "exports:sources-csv",
            "exports:agreements-xlsx",
            "exports:agreements-json",
            "exports:ocds-release-package",
            "exports:datapackage",
        )
    ]
    assert [kind for _url, _what, kind, _size in found] == [
        "CSV",
        "CSV",
        "CSV",
        "XLSX",
        "JSON",
        "OCDS JSON",
        "Data package JSON",
    ]
    # Each size is the size of the file a visitor downloads, as Django's filesizeformat writes it.
    from django.template.defaultfilters import filesizeformat

    for url, _what, _kind, size in found:
        assert size.replace("\xa0", " ") == filesizeformat(len(body(client.get(url)))).replace("\xa0", " "), url
    assert "Last update of the register:" in html


def test_the_licence_is_stated_on_the_page_in_the_data_package_and_in_ocds(client, register):
    html = client.get(DATA).content.decode()
    assert "Creative Commons Attribution 4.0 International (CC-BY-4.0)" in html
    assert 'href="https://creativecommons.org/licenses/by/4.0/" rel="license noopener"' in html
    package = json.loads(body(client.get(reverse("exports:datapackage"))))
    assert package["licenses"] == [
        {
            "name": "CC-BY-4.0",
            "title": "Creative Commons Attribution 4.0 International",
            "path": "https://creativecommons.org/licenses/by/4.0/",
        }
    ]
    ocds = json.loads(body(client.get(reverse("exports:ocds-release-package"))))
    assert ocds["license"] == "https://creativecommons.org/licenses/by/4.0/"


def test_another_licence_is_stated_everywhere(client, settings, db):
    settings.REGISTER_DATA_LICENSE = "CC0-1.0"
    AgreementFactory()
    assert "Creative Commons Zero v1.0 Universal (CC0-1.0)" in client.get(DATA).content.decode()
    assert json.loads(body(client.get(reverse("exports:datapackage"))))["licenses"][0]["name"] == "CC0-1.0"
    ocds = json.loads(body(client.get(reverse("exports:ocds-release-package"))))
    assert ocds["license"] == "https://creativecommons.org/publicdomain/zero/1.0/"
    settings.REGISTER_DATA_LICENSE = "LicenseRef-kzdeals"
    assert "https://spdx.org/licenses/LicenseRef-kzdeals.html" in client.get(DATA).content.decode()


def test_the_lists_filters_are_carried_into_every_link(client, register):
    html = client.get(DATA, {"sector": "rail-transport", "party": "Wabtec", "page": "2"}).content.decode()
    urls = [url for url, *_rest in links(html)]
    assert len(urls) == 7
    assert all(url.endswith("?sector=rail-transport&amp;party=wabtec") for url in urls), urls
    assert "Sector: <strong>Rail transport</strong>" in html
    # The filtered CSV holds what the list shows with those filters.
    rows = body(client.get(reverse("exports:agreements-csv"), {"sector": "rail-transport", "party": "wabtec"}))
    listed = client.get(reverse("agreements:agreement-list"), {"sector": "rail-transport", "party": "wabtec"})
    count = int(re.search(r"(\d+) matching agreement", listed.content.decode()).group(1))
    assert len(rows.decode().strip().splitlines()) == count + 1


def test_a_bad_filter_gets_a_message_and_links_to_the_whole_register(client, register):
    response = client.get(DATA, {"sector": "no-such-sector"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "<code>sector</code>" in html
    assert all("?" not in url for url, *_rest in links(html))


def test_every_list_and_the_footer_link_to_the_downloads(client, register):
    for url in ("/", "/agreements/", "/organizations/", "/changes/"):
        assert f'href="{DATA}"' in client.get(url).content.decode(), url
    assert (
        f'href="{DATA}?sector=education-and-science"'
        in client.get("/agreements/", {"sector": "education-and-science"}).content.decode()
    )
    assert f'href="{DATA}?sector=rail-transport"' in client.get("/sectors/rail-transport/").content.decode()
    assert f'href="{DATA}?party=wabtec"' in client.get("/organizations/wabtec/").content.decode()
    assert (
        f'href="{DATA}?event=tokayev-washington-2025-11"'
        in client.get("/events/tokayev-washington-2025-11/").content.decode()
    )


@pytest.mark.parametrize("rows", [3, 30])
def test_the_page_costs_a_constant_number_of_queries(client, django_assert_max_num_queries, rows):
    for _ in range(rows):
        PartyFactory(agreement=AgreementFactory())
    assert client.get(DATA).status_code == 200  # the sizes are measured once, then read from the cache
    with django_assert_max_num_queries(3):
        assert client.get(DATA, {"kind": "agreement"}).status_code == 200


def test_a_large_register_gets_sizes_estimated_from_a_sample(client, monkeypatch, db):
    """Past SAMPLE agreements the files are not made whole for the page: a sample, scaled, said "about"."""
    monkeypatch.setattr("agreements.downloads.SAMPLE", 3)
    for _ in range(9):
        PartyFactory(agreement=AgreementFactory())
    found = links(client.get(DATA).content.decode())
    sizes = {url: size for url, _what, _kind, size in found}
    assert sizes[reverse("exports:agreements-csv")].startswith("about ")
    assert not sizes[reverse("exports:datapackage")].startswith("about ")
    from django.template.defaultfilters import filesizeformat

    real = len(body(client.get(reverse("exports:agreements-csv"))))
    estimate = sizes[reverse("exports:agreements-csv")].removeprefix("about ")
    assert abs(float(estimate.split()[0]) - float(filesizeformat(real).split()[0])) <= 0.5, (estimate, real)


def test_the_sitemap_lists_the_downloads_page(client, db):
    from django.conf import settings

    assert f"<loc>{settings.SITE_URL}{DATA}</loc>" in client.get(reverse("agreements:sitemap")).content.decode()
