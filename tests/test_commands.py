"""ensure_admin and load_register: what `make run` calls, safe to run again and again."""

import io
import stat

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from agreements.models import Agreement

pytestmark = pytest.mark.django_db


def ensure_admin(password_file, capsys):
    call_command("ensure_admin", username="boss", password_file=str(password_file))
    return capsys.readouterr().out


def test_creates_a_superuser_with_a_random_password_in_a_private_file(tmp_path, capsys):
    password_file = tmp_path / "admin-password"
    output = ensure_admin(password_file, capsys)

    username, password = password_file.read_text().splitlines()
    user = get_user_model().objects.get(username="boss")
    assert username == "boss"
    assert user.is_superuser and user.is_staff
    assert user.check_password(password)
    assert len(password) >= 20
    assert stat.S_IMODE(password_file.stat().st_mode) == 0o600
    assert "Created admin account 'boss'" in output


def test_passwords_differ_between_installations(tmp_path, capsys):
    ensure_admin(tmp_path / "first", capsys)
    get_user_model().objects.filter(username="boss").delete()
    ensure_admin(tmp_path / "second", capsys)
    assert (tmp_path / "first").read_text() != (tmp_path / "second").read_text()


def test_second_run_creates_nothing_and_keeps_the_password(tmp_path, capsys):
    password_file = tmp_path / "admin-password"
    ensure_admin(password_file, capsys)
    user = get_user_model().objects.get(username="boss")
    saved = password_file.read_text()

    output = ensure_admin(password_file, capsys)
    assert get_user_model().objects.count() == 1
    assert get_user_model().objects.get(username="boss").password == user.password
    assert password_file.read_text() == saved
    assert "already exists" in output


def test_load_register_fills_an_empty_register_and_then_keeps_edits():
    call_command("load_register", stdout=io.StringIO())
    assert Agreement.objects.count() == 22
    wabtec = Agreement.objects.get(slug="wabtec-locomotives")
    wabtec.title = "Edited in the admin"
    wabtec.save()

    out = io.StringIO()
    call_command("load_register", stdout=out)

    assert "not reloading" in out.getvalue()
    assert Agreement.objects.count() == 22
    assert Agreement.objects.get(slug="wabtec-locomotives").title == "Edited in the admin"
