"""Hardening: sessions on Redis, /healthz and the cache, request log, CORP, CSP nonces, the admin's
address, login lockout page, password rules, inactive staff, restoring a deleted agreement, backups."""

import datetime
import json
import logging
import re
from io import StringIO
from unittest import mock

import pytest
import redis
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import connection
from django.urls import NoReverseMatch, reverse

from agreements.models import Agreement, Party
from kzdeals.views import CACHE_PROBE_KEY
from tests.dumps import as_instants
from tests.factories import AgreementFactory, PartyFactory
from tests.test_production import directives, run_python

SETTING = "import django; django.setup(); from django.conf import settings; print(settings.{})"


# --- 1. sessions --------------------------------------------------------------------------------


def test_sessions_are_cached_in_redis_and_written_to_the_database_when_redis_is_set():
    result = run_python(["-c", SETTING.format("SESSION_ENGINE")], REDIS_URL="redis://127.0.0.1:6379/15")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[-1] == "django.contrib.sessions.backends.cached_db"


def test_sessions_stay_in_the_database_without_redis():
    result = run_python(["-c", SETTING.format("SESSION_ENGINE")], REDIS_URL="")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[-1] == "django.contrib.sessions.backends.db"


# --- 2. /healthz and the cache --------------------------------------------------------------------


class DictCache:
    """A cache that answers, for the mock."""

    def __init__(self):
        self.values = {}

    def set(self, key, value, timeout=None):
        self.values[key] = value

    def get(self, key, default=None):
        return self.values.get(key, default)


@pytest.mark.django_db
def test_healthz_checks_the_cache_when_redis_is_configured(client, settings):
    settings.REDIS_URL = "redis://127.0.0.1:6379/15"
    fake = DictCache()
    with mock.patch("kzdeals.views.cache", fake):
        response = client.get(reverse("healthz"))
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "cache": "ok"}
    assert CACHE_PROBE_KEY in fake.values


@pytest.mark.django_db
def test_healthz_answers_503_when_the_cache_is_unreachable(client, settings):
    settings.REDIS_URL = "redis://127.0.0.1:6379/15"
    with mock.patch("kzdeals.views.cache") as cache:
        cache.set.side_effect = redis.exceptions.ConnectionError("Error 111 connecting to 127.0.0.1:6379")
        response = client.get(reverse("healthz"))
    assert response.status_code == 503
    assert response.json() == {"status": "error", "cache": "unreachable"}
    assert "111" not in response.content.decode()


@pytest.mark.django_db
def test_healthz_answers_503_when_the_cache_loses_the_probe(client, settings):
    settings.REDIS_URL = "redis://127.0.0.1:6379/15"
    with mock.patch("kzdeals.views.cache") as cache:
        cache.get.return_value = None
        response = client.get(reverse("healthz"))
    assert response.status_code == 503
    assert response.json() == {"status": "error", "cache": "unreachable"}


@pytest.mark.django_db
def test_healthz_leaves_the_cache_alone_without_redis(client, settings):
    settings.REDIS_URL = ""
    with mock.patch("kzdeals.views.cache") as cache:
        response = client.get(reverse("healthz"))
    assert response.json() == {"status": "ok", "database": "ok"}
    cache.set.assert_not_called()


@pytest.mark.django_db
def test_healthz_against_the_real_redis(client, settings):
    """Needs the local Redis (CI starts it): database 15."""
    settings.REDIS_URL = "redis://127.0.0.1:6379/15"
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": settings.REDIS_URL,
            "KEY_PREFIX": "kzdeals-test",
        }
    }
    response = client.get(reverse("healthz"))
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "cache": "ok"}


# --- 3. one log line per request ------------------------------------------------------------------

LOG_LINE = re.compile(r"^(GET|HEAD|POST) (\S+) (\d{3}) \d+\.\dms$")


def request_lines(caplog):
    return [record for record in caplog.records if record.name == "kzdeals.requests"]


@pytest.mark.django_db
def test_every_request_logs_one_line_with_method_path_status_and_duration(client, caplog):
    caplog.set_level(logging.INFO, logger="kzdeals.requests")
    client.get("/healthz?token=secret")
    client.get("/no-such-page/")
    client.post("/healthz")
    records = request_lines(caplog)
    assert [record.levelno for record in records] == [logging.INFO] * 3
    lines = [LOG_LINE.match(record.getMessage()) for record in records]
    assert all(lines), [record.getMessage() for record in records]
    assert [line.groups()[:3] for line in lines] == [
        ("GET", "/healthz", "200"),
        ("GET", "/no-such-page/", "404"),
        ("POST", "/healthz", "405"),
    ]
    assert "secret" not in caplog.text
    assert records[0].duration_ms >= 0
    assert records[0].status_code == 200


def test_the_request_log_goes_to_stdout(tmp_path):
    # robots.txt needs no table: the database here is an empty file.
    script = "import django; django.setup(); from django.test import Client; Client().get('/robots.txt')"
    result = run_python(["-c", script], DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}")
    assert result.returncode == 0, result.stderr
    assert re.search(r"INFO kzdeals\.requests GET /robots\.txt 200 \d+\.\dms", result.stdout), result.stdout


def test_the_request_log_is_early_and_gunicorn_keeps_no_access_log_of_its_own(settings):
    assert settings.MIDDLEWARE[0] == "kzdeals.middleware.RequestLogMiddleware"
    makefile = (settings.BASE_DIR / "Makefile").read_text()
    serve = makefile[makefile.index("\nserve:") :].split("\n\n")[0]
    assert "gunicorn" in serve
    assert "--access-logfile" not in serve


# --- 4. Cross-Origin-Resource-Policy --------------------------------------------------------------


@pytest.mark.django_db
def test_pages_are_same_origin_resources(client):
    for url in ["/", "/agreements/", "/healthz", "/admin/login/", "/static/css/site.css"]:
        response = client.get(url)
        assert response.status_code == 200, url
        assert response["Cross-Origin-Resource-Policy"] == "same-origin", url


@pytest.mark.django_db
def test_the_api_is_a_cross_origin_resource(client):
    for url in ["/api/v1/agreements/", "/api/v1/", "/api/v1/exports/agreements.csv", "/api/v1/no-such/"]:
        response = client.get(url, HTTP_ORIGIN="https://newsroom.example")
        assert response["Cross-Origin-Resource-Policy"] == "cross-origin", url
    assert client.get("/api/v1/agreements/").status_code == 200


# --- 5. Content-Security-Policy with nonces -------------------------------------------------------

NONCE = re.compile(r"'nonce-([A-Za-z0-9+/=]+)'")


def assert_strict(policy, url):
    assert policy["default-src"] == ["'none'"], url
    assert policy["frame-ancestors"] == ["'none'"], url
    assert policy["form-action"] == ["'self'"], url
    assert policy["base-uri"] == ["'none'"], url
    for name in ("script-src", "style-src"):
        assert policy[name][0] == "'self'", url
        assert "'unsafe-inline'" not in policy[name], url
        assert "'unsafe-eval'" not in policy[name], url
        assert all(value == "'self'" or NONCE.fullmatch(value) for value in policy[name]), (url, policy[name])


@pytest.mark.django_db
def test_csp_on_pages_api_docs_and_admin_login(client):
    for url in ["/", "/api/v1/agreements/", "/api/v1/docs/", "/admin/login/"]:
        response = client.get(url)
        assert response.status_code == 200, url
        header = response["Content-Security-Policy"]
        assert_strict(directives(header), url)
        # A nonce is announced only on an answer that used it, and then the body carries it.
        for nonce in NONCE.findall(header):
            assert f'nonce="{nonce}"' in response.content.decode(), url


@pytest.mark.django_db
def test_html_pages_use_a_fresh_nonce_for_scripts_and_styles(client):
    for url in ["/", "/api/v1/docs/"]:
        nonces = []
        for _ in range(2):
            response = client.get(url)
            policy = directives(response["Content-Security-Policy"])
            script_nonce = NONCE.fullmatch(policy["script-src"][-1]).group(1)
            style_nonce = NONCE.fullmatch(policy["style-src"][-1]).group(1)
            assert script_nonce == style_nonce, url
            link = rf'<link rel="stylesheet" href="[^"]+" nonce="{re.escape(script_nonce)}">'
            assert re.search(link, response.content.decode()), url
            nonces.append(script_nonce)
        assert nonces[0] != nonces[1], url


@pytest.mark.django_db
def test_the_docs_page_loads_every_script_from_a_file_with_the_nonce(client):
    response = client.get("/api/v1/docs/")
    nonce = NONCE.search(response["Content-Security-Policy"]).group(1)
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", response.content.decode(), re.S)
    assert len(scripts) == 3
    for attributes, body in scripts:
        assert "src=" in attributes and f'nonce="{nonce}"' in attributes
        assert body.strip() == ""
    assert "<style" not in response.content.decode()


@pytest.mark.django_db
def test_the_json_api_announces_no_nonce(client):
    header = client.get("/api/v1/agreements/")["Content-Security-Policy"]
    assert "nonce-" not in header


# --- 6. DJANGO_ADMIN_URL --------------------------------------------------------------------------


def test_the_admin_can_move_to_another_path():
    result = run_python(
        ["manage.py", "shell", "-c", "from django.urls import reverse; print(reverse('admin:index'))"],
        DJANGO_ADMIN_URL="staff-desk/",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[-1] == "/staff-desk/"


def test_a_moved_admin_is_no_longer_at_admin(tmp_path):
    script = (
        "import django; django.setup(); from django.test import Client; client = Client();"
        "print(client.get('/staff-desk/login/').status_code, client.get('/admin/login/').status_code)"
    )
    result = run_python(
        ["-c", script], DJANGO_ADMIN_URL="staff-desk/", DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}"
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[-2:] == ["200", "404"]


def test_the_admin_is_at_admin_by_default(settings):
    assert settings.ADMIN_URL == "admin/"
    assert reverse("admin:index") == "/admin/"


@pytest.mark.parametrize("value", ["/staff-desk/", "staff-desk", "/", "//", "/admin"])
def test_a_malformed_admin_path_is_refused(value):
    result = run_python(["-c", "import django; django.setup()"], DJANGO_ADMIN_URL=value)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "DJANGO_ADMIN_URL must be a relative path ending with '/'" in result.stderr


# --- 7. login lockout -----------------------------------------------------------------------------


@pytest.fixture
def editor(db):
    return get_user_model().objects.create_user("editor", password="correct horse battery", is_staff=True)


def admin_login(client, password, username="editor", **extra):
    extra.setdefault("REMOTE_ADDR", "203.0.113.7")
    return client.post("/admin/login/", {"username": username, "password": password, "next": "/admin/"}, **extra)


def test_the_failure_limit_defaults_to_five(settings):
    environment_free = run_python(
        ["-c", "import os; os.environ.pop('AXES_FAILURE_LIMIT', None); " + SETTING.format("AXES_FAILURE_LIMIT")]
    )
    assert environment_free.stdout.split()[-1] == "5"
    assert settings.AXES_LOCKOUT_TEMPLATE == "axes/lockout.html"


def test_the_fifth_failure_shows_the_lockout_page(client, editor, settings):
    assert settings.AXES_FAILURE_LIMIT == 5
    for _ in range(4):
        response = admin_login(client, "wrong")
        assert response.status_code == 200
    locked = admin_login(client, "wrong")
    assert locked.status_code == 429
    # The login view rendered its form; django-axes then answered with its lockout page instead.
    assert {"axes/lockout.html", "base.html"} <= {template.name for template in locked.templates}
    text = locked.content.decode()
    assert "<h1>Sign-in locked</h1>" in text
    assert "too many failed sign-in attempts" in text
    assert "locked for an hour" in text
    assert "contact the register's administrators" in text
    assert_strict(directives(locked["Content-Security-Policy"]), "lockout")
    # The right password does not get through either, and gets the same page.
    again = admin_login(client, "correct horse battery")
    assert again.status_code == 429
    assert "locked for an hour" in again.content.decode()
    assert "_auth_user_id" not in client.session


def test_behind_a_proxy_the_lockout_counts_the_forwarded_address():
    script = SETTING.format("BEHIND_PROXY, settings.AXES_CLIENT_IP_CALLABLE")
    expected = "{} kzdeals.clients.client_address"
    assert run_python(["-c", script], DJANGO_BEHIND_PROXY="true").stdout.split("\n")[-2] == expected.format(True)
    assert run_python(["-c", script], DJANGO_BEHIND_PROXY="").stdout.split("\n")[-2] == expected.format(False)


def test_behind_a_proxy_two_clients_do_not_lock_each_other_out(client, editor, settings):
    settings.BEHIND_PROXY = True
    settings.AXES_FAILURE_LIMIT = 2
    proxy = {"REMOTE_ADDR": "127.0.0.1"}
    for _ in range(2):
        admin_login(client, "wrong", HTTP_X_FORWARDED_FOR="203.0.113.7", **proxy)
    assert admin_login(client, "correct horse battery", HTTP_X_FORWARDED_FOR="203.0.113.7", **proxy).status_code == 429
    other = admin_login(client, "correct horse battery", HTTP_X_FORWARDED_FOR="198.51.100.9", **proxy)
    assert other.status_code == 302


def test_without_the_proxy_setting_a_client_cannot_choose_its_address(client, editor, settings):
    settings.AXES_FAILURE_LIMIT = 2
    for address in ("198.51.100.1", "198.51.100.2"):
        admin_login(client, "wrong", HTTP_X_FORWARDED_FOR=address)
    assert admin_login(client, "correct horse battery", HTTP_X_FORWARDED_FOR="198.51.100.3").status_code == 429


# --- 8. passwords and inactive staff --------------------------------------------------------------


def test_the_admin_user_form_refuses_a_weak_password(client, admin_user):
    client.force_login(admin_user)
    response = client.post(
        reverse("admin:auth_user_add"),
        {"username": "newcomer", "usable_password": "true", "password1": "password123", "password2": "password123"},
    )
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert "password2" in errors or "password1" in errors, errors
    messages = " ".join(str(message) for field in errors.values() for message in field)
    assert "This password is too short. It must contain at least 12 characters." in messages
    assert "This password is too common." in messages
    assert not get_user_model().objects.filter(username="newcomer").exists()


def test_a_staff_user_set_inactive_is_sent_to_the_login_on_the_next_request(client, editor):
    assert admin_login(client, "correct horse battery").status_code == 302
    assert client.get(reverse("admin:index")).status_code == 200
    editor.is_active = False
    editor.save(update_fields=["is_active"])
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('admin:login')}?next={reverse('admin:index')}"


# --- 9. restoring a deleted agreement from its history --------------------------------------------


def form_data(form):
    """What a browser would post back from the form as rendered (an unticked box is left out)."""
    data = {}
    for name in form.fields:
        value = form[name].value()
        if value is None or value is False:
            continue
        data[name] = "on" if value is True else value
    return data


def test_simple_history_has_no_recover_view():
    """`recoverlist`/`recover` are django-reversion's; simple_history restores through its history form."""
    with pytest.raises(NoReverseMatch):
        reverse("admin:agreements_agreement_recoverlist")
    with pytest.raises(NoReverseMatch):
        reverse("admin:agreements_agreement_recover", args=[1])


def test_a_deleted_agreement_is_restored_from_its_history_form(client, admin_user):
    agreement = AgreementFactory(title="Locomotive supply", slug="locomotive-supply", summary="300 locomotives")
    party = PartyFactory(agreement=agreement, signed_by="A. Signer")
    pk = agreement.pk
    client.force_login(admin_user)

    response = client.post(reverse("admin:agreements_agreement_delete", args=[pk]), {"post": "yes"})
    assert response.status_code == 302
    assert not Agreement.objects.filter(pk=pk).exists()
    assert not Party.objects.filter(pk=party.pk).exists()

    # The history page still lists a deleted agreement; its last state before the deletion is restored.
    history_page = client.get(reverse("admin:agreements_agreement_history", args=[pk]))
    assert history_page.status_code == 200
    version = Agreement.history.filter(id=pk).exclude(history_type="-").latest("history_date", "history_id")
    url = reverse("admin:agreements_agreement_simple_history", args=[pk, version.history_id])
    assert url in history_page.content.decode()

    form_page = client.get(url)
    assert form_page.status_code == 200
    response = client.post(url, form_data(form_page.context["adminform"].form))
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else None

    restored = Agreement.objects.get(pk=pk)
    assert (restored.title, restored.slug, restored.summary) == (
        "Locomotive supply",
        "locomotive-supply",
        "300 locomotives",
    )
    assert restored.publication_state == agreement.publication_state
    # Saved back as a new row, so the history records a creation ("+") by the restoring user.
    latest = restored.history.latest("history_date", "history_id")
    assert (latest.history_type, latest.history_user) == ("+", admin_user)
    # What is true about its parties: the restore brings back the agreement's own fields only. Its
    # parties were deleted with it (on_delete=CASCADE) and stay deleted; their rows survive only in
    # the party history, from where nothing in the admin puts them back.
    assert restored.parties.count() == 0
    assert Party.history.filter(id=party.pk, history_type="-").exists()


# --- 11. backup and restore of the register with its history --------------------------------------


def flush():
    # Inside the test's transaction PostgreSQL will not TRUNCATE rows whose deferred checks are pending.
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    call_command("flush", interactive=False, verbosity=0)


def test_a_backup_with_history_needs_the_accounts_and_restores_with_them(
    register, tmp_path, django_capture_on_commit_callbacks
):
    editor = get_user_model().objects.create_user("editor", password="correct horse battery", is_staff=True)
    agreement = Agreement.objects.order_by("pk").first()
    agreement._history_user = editor
    agreement.summary += " (edited)"
    with django_capture_on_commit_callbacks(execute=True):  # the public change log, as a commit writes it
        agreement.save()
    # A time whose milliseconds are zero and microseconds not: dumped as ".000", dumped again without a fraction
    # (tests/dumps.py); the edit's time made so, so that every run meets the case a run met one time in a few.
    edited = Agreement.history.get(history_type="~")
    moment = edited.history_date.replace(microsecond=412) + datetime.timedelta(seconds=1)  # still the latest
    Agreement.history.filter(pk=edited.pk).update(history_date=moment)

    def dump(*labels):
        out = StringIO()
        # Ids kept (no natural_primary): a history row names its record by id, which must come back the same.
        call_command("dumpdata", *labels, natural_foreign=True, indent=1, stdout=out)
        return out.getvalue()

    register_only = tmp_path / "register-only.json"
    register_only.write_text(dump("agreements"))
    with_accounts = tmp_path / "backup.json"
    with_accounts.write_text(dump("auth.group", "auth.user", "agreements"))
    before = json.loads(dump("agreements"))

    flush()
    assert Agreement.objects.count() == 0
    with pytest.raises(Exception, match="User matching query does not exist"):
        call_command("loaddata", str(register_only), verbosity=0)

    # loaddata is all or nothing: the refused file left the database empty.
    assert Agreement.objects.count() == 0
    assert not Agreement.history.exists()
    call_command("loaddata", str(with_accounts), verbosity=0)
    assert as_instants(json.loads(dump("agreements"))) == as_instants(before)
    edit = Agreement.history.get(history_type="~")
    assert Agreement.objects.get(pk=edit.id).slug == agreement.slug  # the same record's history, not another's
    assert edit.history_user.username == "editor"
    assert edit.summary.endswith("(edited)")
