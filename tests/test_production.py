"""Production readiness: health check, security headers, login lockout, Redis cache, deploy checks."""

import json
import os
import secrets
import subprocess
import sys
from unittest import mock

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import caches
from django.db import OperationalError
from django.urls import reverse

from agreements.models import Sector

PRODUCTION_ENV = {
    "DJANGO_DEBUG": "false",
    "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
    "DJANGO_ALLOWED_HOSTS": "kzdeals.example.org",
}


def run_python(args, **env):
    environment = {**os.environ, "DJANGO_SETTINGS_MODULE": "kzdeals.settings", **env}
    return subprocess.run(  # noqa: S603 - our own interpreter with fixed arguments
        [sys.executable, *args], cwd=settings.BASE_DIR, env=environment, capture_output=True, text=True, timeout=120
    )


# --- /healthz -------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_healthz_answers_ok_as_json(client):
    response = client.get(reverse("healthz"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"status": "ok", "database": "ok"}
    assert "no-cache" in response["Cache-Control"]


def test_healthz_answers_503_when_the_database_is_unreachable(client):
    with mock.patch("kzdeals.views.connection") as connection:
        connection.cursor.side_effect = OperationalError("could not connect to server")
        response = client.get(reverse("healthz"))
    assert response.status_code == 503
    assert response.json() == {"status": "error", "database": "unreachable"}
    assert "could not connect" not in response.content.decode()


@pytest.mark.django_db
def test_healthz_refuses_to_be_posted_to(client):
    assert client.post(reverse("healthz")).status_code == 405


# --- security headers -----------------------------------------------------------------------------


def directives(header):
    parsed = {}
    for part in header.split(";"):
        name, *values = part.split()
        parsed[name] = values
    return parsed


@pytest.fixture
def admin_pages(admin_user):
    sector = Sector.objects.create(name="Energy", slug="energy")
    return [
        ("/admin/login/", None),
        (reverse("admin:index"), admin_user),
        (reverse("admin:agreements_agreement_changelist"), admin_user),
        (reverse("admin:agreements_agreement_add"), admin_user),
        (reverse("admin:agreements_sector_change", args=[sector.pk]), admin_user),
    ]


@pytest.mark.django_db
def test_security_headers_on_healthz_and_admin(client, admin_pages):
    for url, user in [("/healthz", None), *admin_pages]:
        if user is not None:
            client.force_login(user)
        response = client.get(url)
        assert response.status_code == 200, url
        assert response["X-Content-Type-Options"] == "nosniff", url
        assert response["Referrer-Policy"] == "strict-origin-when-cross-origin", url
        assert response["X-Frame-Options"] == "DENY", url
        assert response["Cross-Origin-Opener-Policy"] == "same-origin", url
        policy = directives(response["Content-Security-Policy"])
        assert policy["default-src"] == ["'none'"], url
        assert policy["frame-ancestors"] == ["'none'"], url
        for name in ("script-src", "style-src"):
            assert "'unsafe-inline'" not in policy[name], url
            assert "'unsafe-eval'" not in policy[name], url


@pytest.mark.django_db
def test_admin_pages_carry_no_inline_script(client, admin_pages):
    """A strict policy blocks inline code, so the admin pages must not rely on any."""
    for url, user in admin_pages:
        if user is not None:
            client.force_login(user)
        html = client.get(url).content.decode()
        for tag in html.split("<script")[1:]:
            opening, _, rest = tag.partition(">")
            assert "src=" in opening or "application/json" in opening, (url, opening)
            assert rest.lstrip().startswith("</script>") or "application/json" in opening, (url, rest[:80])
        assert " onclick=" not in html and " onload=" not in html, url


def test_production_settings_send_hsts_and_secure_cookies(tmp_path):
    script = (
        "import django, json; django.setup();"
        "from django.conf import settings; from django.test import Client;"
        "response = Client().get('/robots.txt', secure=True, HTTP_HOST='kzdeals.example.org');"
        "print(json.dumps({'status': response.status_code, 'headers': dict(response.headers),"
        " 'cookies': [settings.SESSION_COOKIE_SECURE, settings.CSRF_COOKIE_SECURE, settings.CSRF_COOKIE_NAME]}))"
    )
    result = run_python(["-c", script], **PRODUCTION_ENV, DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}")
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout.strip().splitlines()[-1])
    assert answer["status"] == 200
    assert answer["headers"]["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    assert "'unsafe-inline'" not in answer["headers"]["Content-Security-Policy"]
    assert answer["cookies"] == [True, True, "__Host-csrftoken"]


def test_production_redirects_plain_http_to_https(tmp_path):
    script = (
        "import django; django.setup();"
        "from django.test import Client;"
        "response = Client().get('/healthz', HTTP_HOST='kzdeals.example.org');"
        "print(response.status_code, response['Location'])"
    )
    result = run_python(["-c", script], **PRODUCTION_ENV, DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[-2:] == ["301", "https://kzdeals.example.org/healthz"]


def test_production_with_redis_passes_the_deployment_checks():
    result = run_python(
        ["manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        **PRODUCTION_ENV,
        REDIS_URL="redis://127.0.0.1:6379/15",
        DATABASE_URL=os.environ.get("DATABASE_URL", ""),
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


# --- login lockout (django-axes) ------------------------------------------------------------------


@pytest.fixture
def editor(db):
    return get_user_model().objects.create_user("editor", password="correct horse battery", is_staff=True)


def admin_login(client, password, username="editor"):
    return client.post(
        "/admin/login/", {"username": username, "password": password, "next": "/admin/"}, REMOTE_ADDR="203.0.113.7"
    )


def test_axes_is_first_to_see_every_login():
    assert settings.AUTHENTICATION_BACKENDS[0] == "axes.backends.AxesStandaloneBackend"
    assert settings.MIDDLEWARE[-1] == "axes.middleware.AxesMiddleware"
    assert settings.AXES_LOCKOUT_PARAMETERS == [["username", "ip_address"]]


def test_repeated_failed_logins_lock_the_account_out(client, editor, settings):
    settings.AXES_FAILURE_LIMIT = 3
    for _ in range(2):
        response = admin_login(client, "wrong")
        assert response.status_code == 200
        assert "_auth_user_id" not in client.session
    assert admin_login(client, "wrong").status_code == 429
    locked = admin_login(client, "correct horse battery")
    assert locked.status_code == 429
    assert "_auth_user_id" not in client.session


def test_the_lockout_is_per_username_and_address(client, editor, settings):
    settings.AXES_FAILURE_LIMIT = 2
    for _ in range(2):
        admin_login(client, "wrong")
    other = get_user_model().objects.create_user("other", password="another good password", is_staff=True)
    assert admin_login(client, "another good password", username=other.username).status_code == 302
    elsewhere = client.post(
        "/admin/login/",
        {"username": "editor", "password": "correct horse battery", "next": "/admin/"},
        REMOTE_ADDR="198.51.100.9",
    )
    assert elsewhere.status_code == 302


def test_a_good_password_before_the_limit_logs_in_and_resets_the_count(client, editor, settings):
    settings.AXES_FAILURE_LIMIT = 3
    admin_login(client, "wrong")
    admin_login(client, "wrong")
    assert admin_login(client, "correct horse battery").status_code == 302
    client.logout()
    admin_login(client, "wrong")
    admin_login(client, "wrong")
    assert admin_login(client, "correct horse battery").status_code == 302


def test_lockout_settings_come_from_the_environment():
    script = "import django; django.setup(); from django.conf import settings; print(settings.AXES_FAILURE_LIMIT)"
    assert run_python(["-c", script], AXES_FAILURE_LIMIT="4").stdout.split()[-1] == "4"
    assert settings.AXES_COOLOFF_TIME.total_seconds() == 3600


def test_force_login_still_works_with_axes(client, admin_user):
    client.force_login(admin_user)
    assert client.get(reverse("admin:index")).status_code == 200


# --- cache ----------------------------------------------------------------------------------------


def test_redis_url_selects_the_redis_cache():
    script = "import django; django.setup(); from django.conf import settings; print(settings.CACHES['default'])"
    result = run_python(["-c", script], REDIS_URL="redis://127.0.0.1:6379/15")
    assert result.returncode == 0, result.stderr
    assert "kzdeals.cache.ResilientRedisCache" in result.stdout
    assert "redis://127.0.0.1:6379/15" in result.stdout


def test_the_redis_cache_stores_and_returns_values(settings):
    """Needs the local Redis (CI starts it): database 15, emptied before and after."""
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:6379/15",
            "KEY_PREFIX": "kzdeals-test",
        }
    }
    cache = caches["default"]
    cache.clear()
    try:
        key = f"probe-{secrets.token_hex(4)}"
        assert cache.get(key) is None
        cache.set(key, {"agreements": 3, "title": "Қазақстан"}, timeout=30)
        assert cache.get(key) == {"agreements": 3, "title": "Қазақстан"}
        assert cache.incr("counter-" + key, 1) if cache.add("counter-" + key, 1) else False
        assert cache.get("counter-" + key) == 2
    finally:
        cache.clear()
