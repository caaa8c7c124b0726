"""The API's rate limit: counted per client address in the shared cache, for every answer under /api/
(replays of the answer cache and the exports included), with the standard RateLimit headers."""

import os
import subprocess
import sys
import uuid
from unittest import mock

import pytest
import redis
from django.conf import settings as django_settings
from django.urls import reverse

from agreements.api import throttling
from tests.test_production import run_python

from .conftest import LIST_URL, detail_url, make_deal

pytestmark = pytest.mark.django_db
REDIS_URL = "redis://127.0.0.1:6379/0"


@pytest.fixture
def deal(db):
    return make_deal(slug="deal")


@pytest.fixture
def three_a_minute(settings):
    settings.API_THROTTLE_ANON = "3/minute"


def statuses(client, url, times, **extra):
    return [client.get(url, **extra).status_code for _ in range(times)]


def test_a_varied_x_forwarded_for_does_not_escape_the_limit(client, deal, three_a_minute):
    answers = [
        client.get(LIST_URL, REMOTE_ADDR="192.0.2.1", HTTP_X_FORWARDED_FOR=f"198.51.100.{n}").status_code
        for n in range(6)
    ]
    assert answers == [200, 200, 200, 429, 429, 429]


def test_behind_a_proxy_the_forwarded_address_is_the_client(client, deal, three_a_minute, settings):
    settings.BEHIND_PROXY = True
    proxy = {"REMOTE_ADDR": "127.0.0.1"}
    assert statuses(client, LIST_URL, 4, HTTP_X_FORWARDED_FOR="203.0.113.7", **proxy) == [200, 200, 200, 429]
    # A proxy that appends: the address it wrote (the last) counts, not what the client sent before it.
    assert client.get(LIST_URL, HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.7", **proxy).status_code == 429
    assert client.get(LIST_URL, HTTP_X_FORWARDED_FOR="198.51.100.9", **proxy).status_code == 200


def test_behind_a_proxy_a_header_that_is_not_an_address_counts_as_the_proxy(client, deal, three_a_minute, settings):
    settings.BEHIND_PROXY = True
    forged = [client.get(LIST_URL, REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR=f"x{n}").status_code for n in range(4)]
    assert forged == [200, 200, 200, 429]


def test_answers_replayed_from_the_answer_cache_count(client, deal, three_a_minute, settings):
    settings.REGISTER_CACHE_TIMEOUT = 300
    answers = [client.get(detail_url("deal")) for _ in range(4)]
    assert [answer.status_code for answer in answers] == [200, 200, 200, 429]
    assert [answer.get("X-Cache") for answer in answers[:3]] == [None, "hit", "hit"]
    assert [answer["RateLimit-Remaining"] for answer in answers] == ["2", "1", "0", "0"]


def test_the_exports_count_against_the_same_limit(client, deal, three_a_minute):
    exports = ["agreements-csv", "ocds-release-package", "agreements-xlsx", "datapackage", "parties-csv"]
    answers = [client.get(reverse(f"exports:{name}")) for name in exports]
    assert [answer.status_code for answer in answers] == [200, 200, 200, 429, 429]
    assert answers[3]["Content-Type"] == "application/json"
    assert answers[3].json()["detail"].startswith("Request was throttled.")
    # One count for the whole API: the lists are out of reach too.
    assert client.get(LIST_URL).status_code == 429


def test_every_api_answer_says_the_limit_what_remains_and_when_it_resets(client, deal, three_a_minute):
    answers = [client.get(url) for url in (LIST_URL, "/api/v1/no-such-thing/", detail_url("nope"), LIST_URL)]
    assert [answer.status_code for answer in answers] == [200, 404, 404, 429]
    assert [answer["RateLimit-Limit"] for answer in answers] == ["3"] * 4
    assert [answer["RateLimit-Remaining"] for answer in answers] == ["2", "1", "0", "0"]
    resets = [int(answer["RateLimit-Reset"]) for answer in answers]
    assert all(1 <= reset <= 60 for reset in resets)
    throttled = answers[-1]
    assert throttled["Retry-After"] == throttled["RateLimit-Reset"]
    assert throttled.json() == {"detail": f"Request was throttled. Expected available in {resets[-1]} seconds."}
    assert "Retry-After" not in answers[0]


def test_a_304_counts_and_says_so(client, deal, three_a_minute):
    etag = client.get(LIST_URL)["ETag"]
    again = client.get(LIST_URL, headers={"if-none-match": etag})
    assert again.status_code == 304
    assert again["RateLimit-Remaining"] == "1"


def test_the_count_starts_again_with_the_next_window(client, deal, three_a_minute):
    start = 1_800_000_000.0  # a whole minute
    with mock.patch.object(throttling.time, "time", return_value=start + 50):
        assert statuses(client, LIST_URL, 4) == [200, 200, 200, 429]
        assert client.get(LIST_URL)["Retry-After"] == "10"
    with mock.patch.object(throttling.time, "time", return_value=start + 60):
        response = client.get(LIST_URL)
    assert response.status_code == 200
    assert response["RateLimit-Remaining"] == "2"
    assert response["RateLimit-Reset"] == "60"


def test_pages_are_not_rate_limited(client, deal, settings):
    settings.API_THROTTLE_ANON = "1/minute"
    answers = [client.get(reverse("agreements:agreement-list")) for _ in range(3)]
    assert [answer.status_code for answer in answers] == [200, 200, 200]
    assert not any("RateLimit-Limit" in answer for answer in answers)


def test_a_page_on_another_origin_may_read_the_rate_limit_headers(client, deal):
    response = client.get(LIST_URL, headers={"origin": "https://newsroom.example"})
    exposed = {name.strip().lower() for name in response["Access-Control-Expose-Headers"].split(",")}
    assert {"ratelimit-limit", "ratelimit-remaining", "ratelimit-reset", "retry-after"} <= exposed


def test_a_cache_that_fails_does_not_take_the_api_down(client, deal, three_a_minute):
    with mock.patch.object(throttling.cache, "incr", side_effect=ConnectionError("cache is gone")):
        answers = [client.get(LIST_URL) for _ in range(4)]
    assert [answer.status_code for answer in answers] == [200] * 4
    assert not any("RateLimit-Limit" in answer for answer in answers)


# Two processes, as two gunicorn workers: each its own Django, one count in Redis.
WORKER = """
import sys
import django

django.setup()
from django.conf import settings

settings.CACHES["default"]["KEY_PREFIX"] = sys.argv[1]
from django.test import Client

client = Client(REMOTE_ADDR="192.0.2.10")
print(" ".join(str(client.get("/api/v1/docs/").status_code) for _ in range(int(sys.argv[2]))))
"""


def test_the_count_is_shared_by_every_process_when_the_cache_is_redis(tmp_path):
    prefix = f"kzdeals-test-{uuid.uuid4().hex}"
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "kzdeals.settings",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "REDIS_URL": REDIS_URL,
        # A day's window: the run cannot straddle two windows, except in its last seconds before midnight.
        "API_THROTTLE_ANON": "50/day",
        "DJANGO_LOG_LEVEL": "WARNING",
    }
    try:
        workers = [
            subprocess.Popen(  # noqa: S603 - our own interpreter with fixed arguments
                [sys.executable, "-c", WORKER, prefix, "40"],
                cwd=django_settings.BASE_DIR,
                env=environment,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for _ in range(2)
        ]
        outputs = [worker.communicate(timeout=120) for worker in workers]
    finally:
        keys = redis.Redis.from_url(REDIS_URL)
        for key in keys.scan_iter(f"{prefix}:*"):
            keys.delete(key)
    assert all(worker.returncode == 0 for worker in workers), [err for _, err in outputs]
    answers = [status for out, _ in outputs for status in out.split()]
    # 80 requests at once from two processes: exactly the 50 of the limit went through.
    assert answers.count("200") == 50
    assert answers.count("429") == 30


@pytest.mark.parametrize("rate", ["lots", "120", "120/fortnight", "-1/minute"])
def test_a_rate_that_cannot_be_read_is_refused_at_start(rate):
    result = run_python(["-c", "import django; django.setup()"], API_THROTTLE_ANON=rate)
    assert result.returncode != 0
    assert "API_THROTTLE_ANON must be a rate such as 120/minute" in result.stderr
