"""HTTP around the JSON: conditional GET, cache headers, CORS, methods and the anonymous throttle."""

import pytest
from django.core.cache import cache

from .conftest import LIST_URL, detail_url, make_deal

URLS = [LIST_URL, "/api/v1/organizations/", "/api/v1/events/", "/api/v1/sectors/"]


@pytest.fixture
def deal(db):
    return make_deal(slug="deal")


@pytest.mark.parametrize("url", [*URLS, detail_url("deal"), "/api/v1/sectors/?page_size=3"])
def test_etag_and_cache_control_then_304(client, deal, url):
    first = client.get(url)
    again = client.get(url, headers={"if-none-match": first["ETag"]})

    assert first.status_code == 200
    assert first["ETag"].startswith('W/"')  # weak: from the register's version (agreements/validators.py)
    assert first["Cache-Control"] == "public, max-age=60"
    assert again.status_code == 304
    assert again.content == b""
    assert again["ETag"] == first["ETag"]


def test_etag_changes_when_the_answer_changes(client, deal):
    before = client.get(LIST_URL)["ETag"]
    deal.title = "Renamed"
    deal.save()

    response = client.get(LIST_URL, headers={"if-none-match": before})

    assert response.status_code == 200
    assert response["ETag"] != before
    assert response.json()["results"][0]["title"] == "Renamed"


def test_etag_differs_between_queries(client, deal):
    assert client.get(LIST_URL)["ETag"] != client.get(LIST_URL, {"kind": "memorandum"})["ETag"]


def test_head_answers_like_get_without_a_body(client, deal):
    get = client.get(detail_url("deal"))
    head = client.head(detail_url("deal"))

    assert head.status_code == 200
    assert head.content == b""
    assert head["ETag"] == get["ETag"]


def test_errors_carry_no_etag(client, db):
    response = client.get(LIST_URL, {"kind": "treaty"})

    assert response.status_code == 400
    assert "ETag" not in response


@pytest.mark.parametrize("url", [*URLS, detail_url("deal")])
def test_cors_allows_any_origin_to_read(client, deal, url):
    response = client.get(url, headers={"origin": "https://newsroom.example"})

    assert response["Access-Control-Allow-Origin"] == "*"


def test_cors_preflight_allows_get_only(client, db):
    response = client.options(
        LIST_URL, headers={"origin": "https://newsroom.example", "access-control-request-method": "GET"}
    )

    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == "*"
    assert "POST" not in response["Access-Control-Allow-Methods"]


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_writes_are_refused(client, deal, method):
    response = getattr(client, method)(detail_url("deal"), {}, content_type="application/json")

    assert response.status_code == 405
    assert response.json()["detail"]


def test_exceeding_the_anonymous_rate_gives_429(client, deal, settings):
    settings.API_THROTTLE_ANON = "3/minute"
    cache.clear()

    statuses = [client.get(url).status_code for url in [LIST_URL, detail_url("deal"), "/api/v1/sectors/", LIST_URL]]

    assert statuses == [200, 200, 200, 429]
    response = client.get(LIST_URL)
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert response.json()["detail"]


def test_rate_counts_per_client_address(client, deal, settings):
    settings.API_THROTTLE_ANON = "1/minute"
    cache.clear()

    assert client.get(LIST_URL, REMOTE_ADDR="192.0.2.1").status_code == 200
    assert client.get(LIST_URL, REMOTE_ADDR="192.0.2.1").status_code == 429
    assert client.get(LIST_URL, REMOTE_ADDR="192.0.2.2").status_code == 200


@pytest.mark.parametrize("url", [f"{url}%00/" for url in URLS] + [f"{LIST_URL}a%00b/"])
def test_a_slug_with_a_null_character_is_a_json_404(client, deal, url):
    response = client.get(url)

    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")
