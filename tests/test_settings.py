"""Production settings fail loudly when unsafe and pass Django's deployment checks when set up."""

import os
import secrets
import subprocess
import sys

import pytest
from django.conf import settings

BOOT = "import django; django.setup()"


def run(args, **env):
    environment = {**os.environ, "DJANGO_SETTINGS_MODULE": "kzdeals.settings", **env}
    return subprocess.run(  # noqa: S603 - our own interpreter with fixed arguments
        [sys.executable, *args], cwd=settings.BASE_DIR, env=environment, capture_output=True, text=True, timeout=120
    )


@pytest.mark.parametrize("secret_key", ["", "   ", "dev-only-insecure-secret-key-change-me"])
def test_production_refuses_to_start_without_a_real_secret_key(secret_key):
    result = run(["-c", BOOT], DJANGO_DEBUG="false", DJANGO_SECRET_KEY=secret_key)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "DJANGO_SECRET_KEY must be set" in result.stderr


def test_production_refuses_to_start_with_no_secret_key_at_all():
    environment = {key: value for key, value in os.environ.items() if key != "DJANGO_SECRET_KEY"}
    result = subprocess.run(  # noqa: S603 - our own interpreter with fixed arguments
        [sys.executable, "-c", BOOT],
        cwd=settings.BASE_DIR,
        env={**environment, "DJANGO_SETTINGS_MODULE": "kzdeals.settings", "DJANGO_DEBUG": "false"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must be set" in result.stderr


def test_an_unreadable_debug_flag_is_refused():
    result = run(["-c", BOOT], DJANGO_DEBUG="maybe")
    assert result.returncode != 0
    assert "DJANGO_DEBUG must be true or false" in result.stderr


def test_laptop_defaults_start_without_any_environment():
    result = run(["-c", BOOT + "; from django.conf import settings; print(settings.DEBUG)"], DJANGO_DEBUG="")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "True"


def test_production_settings_pass_the_deployment_checks():
    result = run(
        ["manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        DJANGO_DEBUG="false",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DJANGO_ALLOWED_HOSTS="kzdeals.example.org",
        DATABASE_URL=os.environ.get("DATABASE_URL", ""),
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout
