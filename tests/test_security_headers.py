"""Every answer carries the same security headers: pages, API, admin, static files, errors, and the 400 for a
Host the site does not serve (refused before most of the middleware runs)."""

import json

import pytest
from django.test import Client

from tests.test_production import PRODUCTION_ENV, directives, run_python

DENIED_FEATURES = ["camera", "microphone", "geolocation", "payment", "usb", "interest-cohort", "browsing-topics"]


def assert_security_headers(headers, where):
    assert headers["X-Content-Type-Options"] == "nosniff", where
    assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin", where
    assert headers["X-Frame-Options"] == "DENY", where
    assert headers["Cross-Origin-Opener-Policy"] == "same-origin", where
    assert headers["Cross-Origin-Resource-Policy"] in ("same-origin", "cross-origin"), where
    policy = directives(headers["Content-Security-Policy"])
    assert policy["default-src"] == ["'none'"], where
    assert policy["frame-ancestors"] == ["'none'"], where
    features = dict(item.strip().split("=", 1) for item in headers["Permissions-Policy"].split(","))
    for feature in DENIED_FEATURES:
        assert features[feature] == "()", (where, feature)


@pytest.mark.django_db
def test_every_kind_of_answer_denies_the_browser_features_the_site_does_not_use(client, admin_user):
    answers = {
        "/": 200,
        "/agreements/": 200,
        "/api/v1/agreements/": 200,
        "/api/v1/agreements/?kind=nonsense": 400,
        "/api/v1/exports/agreements.csv": 200,
        "/healthz": 200,
        "/static/css/site.css": 200,
        "/admin/login/": 200,
        "/no-such-page/": 404,
    }
    for url, status in answers.items():
        response = client.get(url)
        assert response.status_code == status, url
        assert_security_headers(response.headers, url)
    client.force_login(admin_user)
    response = client.get("/admin/agreements/agreement/")
    assert response.status_code == 200
    assert_security_headers(response.headers, "admin changelist")


@pytest.mark.django_db
def test_a_disallowed_host_gets_a_400_with_the_same_headers():
    for url in ["/", "/api/v1/agreements/", "/admin/login/"]:
        response = Client().get(url, HTTP_HOST="attacker.example")
        assert response.status_code == 400, url
        assert_security_headers(response.headers, url)
    assert Client().get("/api/v1/agreements/", HTTP_HOST="attacker.example")["Cross-Origin-Resource-Policy"] == (
        "cross-origin"
    )


def test_in_production_a_disallowed_host_refused_by_the_https_redirect_has_the_headers_too(tmp_path):
    """Over plain HTTP the HTTPS redirect asks for the host first, before any other middleware has run."""
    script = (
        "import django, json; django.setup(); from django.test import Client;"
        "answers = [Client().get('/', HTTP_HOST='attacker.example', secure=secure) for secure in (False, True)];"
        "print(json.dumps([[answer.status_code, dict(answer.headers)] for answer in answers]))"
    )
    result = run_python(["-c", script], **PRODUCTION_ENV, DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}")
    assert result.returncode == 0, result.stderr
    for status, headers in json.loads(result.stdout.strip().splitlines()[-1]):
        assert status == 400
        assert_security_headers(headers, "production")
