"""A cache that is gone is an optimisation lost (kzdeals/cache.py): pages, the API and the admin keep answering,
sessions keep working from the database, /healthz answers 503 naming the cache, the log says so at most once a
minute, and Redis is used again when it comes back, without a restart, never with what it kept from before.

Against the production setup (gunicorn, debug off) with REDIS_URL at a port where nothing listens; in-process
against a Redis that accepts connections and never answers, and against a redis-server this module starts, stops
and starts again; the client is mocked only to cut Redis off while it keeps its data (a network partition)."""

import json
import re
import socket
import subprocess
import time
from unittest import mock

import pytest
import redis
from django.contrib.auth import get_user_model
from django.core.cache.backends.redis import RedisCacheClient
from django.test import Client

from agreements.models import PublicationState
from kzdeals import cache as resilient
from tests import servers
from tests.factories import AgreementFactory

PUBLIC = [
    "/",
    "/agreements/",
    "/agreements/?sector=mining",
    "/agreements/wabtec-locomotives/",
    "/organizations/",
    "/feeds/agreements/",
    "/sitemap.xml",
    "/api/v1/agreements/",
    "/api/v1/agreements/?sector=mining",
    "/api/v1/agreements/wabtec-locomotives/",
    "/api/v1/organizations/",
    "/api/v1/exports/agreements.csv",
]
OUTAGE_LINE = "The cache (Redis) is unreachable"


# --- the production setup, Redis at a closed port --------------------------------------------------


@pytest.fixture(scope="module")
def server(server_env, served_database, tmp_path_factory):
    log_path = tmp_path_factory.mktemp("redis-down") / "gunicorn.log"
    env = {**server_env, "DATABASE_URL": served_database, "REDIS_URL": f"redis://127.0.0.1:{servers.closed_port()}/0"}
    with servers.gunicorn(log_path, env, workers=2) as server:
        yield server


def test_pages_and_the_api_answer_without_the_cache(server):
    browser = server.client()
    for path in PUBLIC:
        answer = browser.get(path)
        assert answer.status == 200, (path, answer.status, answer.text[:200])
    assert browser.get("/api/v1/agreements/").headers["Content-Type"].startswith("application/json")


def test_staff_sign_in_and_work_with_sessions_from_the_database(server):
    browser = server.client()
    assert browser.sign_in().status == 302
    for path in ["/admin/", "/admin/agreements/agreement/", "/admin/agreements/agreement/?q=wabtec"]:
        answer = browser.get(path)
        assert answer.status == 200, (path, answer.status)
        assert "Log out" in answer.text, path
    sector = browser.get("/admin/agreements/sector/")
    change = re.search(r'href="(/admin/agreements/sector/\d+/change/)', sector.text).group(1)
    token = browser.csrf_token(change)
    page = browser.get(change)
    slug = re.search(r'name="slug" value="([^"]+)"', page.text).group(1)
    saved = browser.post(change, {"csrfmiddlewaretoken": token, "name_en": "Renamed while Redis is down", "slug": slug})
    assert saved.status == 302
    assert "Renamed while Redis is down" in browser.get("/admin/agreements/sector/").text


def test_healthz_names_the_cache(server):
    answer = server.client().get("/healthz")
    assert answer.status == 503
    assert json.loads(answer.body) == {"status": "error", "cache": "unreachable"}


def test_the_log_says_so_once_a_minute_not_once_a_request(server):
    browser = server.client()
    for _ in range(15):
        assert browser.get("/api/v1/agreements/").status == 200
    log = server.log()
    # One line per gunicorn worker (two): each process learns of the outage itself.
    assert 1 <= log.count(OUTAGE_LINE) <= 2, log
    assert " 500 " not in log and "Traceback" not in log


# --- in-process: a Redis that never answers, one that stops and starts -----------------------------


def cache_at(settings, port):
    settings.REDIS_URL = f"redis://127.0.0.1:{port}/0"
    settings.CACHES = {
        "default": {
            "BACKEND": "kzdeals.cache.ResilientRedisCache",
            "LOCATION": settings.REDIS_URL,
            "KEY_PREFIX": "kzdeals",
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }
    settings.REGISTER_CACHE_TIMEOUT = 300


@pytest.fixture(autouse=True)
def _fresh_breakers(monkeypatch):
    monkeypatch.setattr(resilient.ResilientRedisCache, "breakers", {})


@pytest.fixture
def silent_redis():
    """A port that accepts connections and never answers (a hung Redis, or one behind a dead network)."""
    with socket.socket() as listener:
        listener.bind((servers.HOST, 0))
        listener.listen(64)
        yield listener.getsockname()[1]


@pytest.mark.django_db
def test_a_redis_that_never_answers_costs_one_short_wait_not_one_per_request(settings, silent_redis):
    cache_at(settings, silent_redis)
    AgreementFactory()
    client = Client()
    started = time.monotonic()
    for _ in range(6):
        assert client.get("/api/v1/agreements/").status_code == 200
        assert client.get("/agreements/").status_code == 200
    # Without the breaker each request would wait half a second for each of its five to seven cache calls (35 s).
    assert time.monotonic() - started < 5


class RedisServer:
    """A redis-server of this test module's own, on a spare port, without persistence."""

    def __init__(self, port):
        self.port = port
        self.process = None

    def start(self):
        self.process = subprocess.Popen(  # noqa: S603 - a fixed command
            ["redis-server", "--port", str(self.port), "--bind", servers.HOST, "--save", "", "--appendonly", "no"],  # noqa: S607
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        probe = redis.Redis(host=servers.HOST, port=self.port, socket_timeout=1)
        deadline = time.monotonic() + 10
        while True:
            try:
                probe.ping()
                return
            except redis.ConnectionError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=10)


@pytest.fixture(scope="module")
def redis_server():
    server = RedisServer(servers.free_port())
    server.start()
    yield server
    server.stop()


@pytest.fixture
def shared_cache(settings, redis_server, monkeypatch):
    cache_at(settings, redis_server.port)
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
    monkeypatch.setattr(resilient, "RETRY_AFTER", 0.2)
    redis.Redis(host=servers.HOST, port=redis_server.port).flushdb()
    return redis_server


def api_slugs(client):
    response = client.get("/api/v1/agreements/")
    assert response.status_code == 200
    return {row["slug"] for row in response.json()["results"]}, response.get("X-Cache")


def after_the_retry_delay():
    time.sleep(resilient.RETRY_AFTER + 0.1)


@pytest.mark.django_db
def test_redis_that_comes_back_is_used_again_without_a_restart(shared_cache, client):
    agreement = AgreementFactory()
    assert api_slugs(client) == ({agreement.slug}, None)
    assert api_slugs(client) == ({agreement.slug}, "hit")

    shared_cache.stop()
    try:
        assert api_slugs(client) == ({agreement.slug}, None)
        assert client.get("/agreements/").status_code == 200
        assert client.get("/healthz").json() == {"status": "error", "cache": "unreachable"}
    finally:
        shared_cache.start()

    after_the_retry_delay()
    assert client.get("/healthz").json() == {"status": "ok", "database": "ok", "cache": "ok"}
    assert api_slugs(client) == ({agreement.slug}, None)
    assert api_slugs(client) == ({agreement.slug}, "hit")


@pytest.mark.django_db
def test_what_redis_kept_from_before_an_outage_is_never_used_after_it(shared_cache, client, admin_user, settings):
    """Cut off with its data (a partition), Redis misses a save's new register version and a sign-out's delete:
    when it answers again, the answer kept from before and the signed-out session must not come back."""
    unpublished, still_public = AgreementFactory(), AgreementFactory()
    assert api_slugs(client)[0] == {unpublished.slug, still_public.slug}
    assert api_slugs(client)[1] == "hit"
    staff = Client()
    staff.force_login(admin_user)
    session_cookie = staff.cookies[settings.SESSION_COOKIE_NAME].value
    assert staff.get("/admin/").status_code == 200

    cut_off = redis.ConnectionError("Error 113 connecting to 127.0.0.1. No route to host.")
    with mock.patch.object(RedisCacheClient, "get_client", side_effect=cut_off):
        unpublished.publication_state = PublicationState.DRAFT
        unpublished.save()
        staff.logout()
        assert api_slugs(client) == ({still_public.slug}, None)

    after_the_retry_delay()
    assert api_slugs(client)[0] == {still_public.slug}
    returning = Client()
    returning.cookies[settings.SESSION_COOKIE_NAME] = session_cookie
    assert returning.get("/admin/").status_code == 302
    assert get_user_model().objects.filter(pk=admin_user.pk).exists()


@pytest.mark.django_db
def test_the_outage_and_its_end_are_logged_once(shared_cache, client, caplog):
    AgreementFactory()
    with mock.patch.object(RedisCacheClient, "get_client", side_effect=redis.ConnectionError("refused")):
        for _ in range(5):
            api_slugs(client)
            after_the_retry_delay()
    api_slugs(client)
    messages = [record.getMessage() for record in caplog.records if record.name == "kzdeals.cache"]
    assert len(messages) == 2, messages
    assert messages[0].startswith(OUTAGE_LINE)
    assert messages[1].startswith("The cache (Redis) answers again")
