"""The request log (`kzdeals.requests`) cannot be forged or made binary by what a client puts in a URL."""

import logging
import re

import pytest

from tests.test_production import run_python

pytestmark = pytest.mark.django_db

FORGED = "GET /admin/ 200 1.0ms"
HOSTILE_PATHS = [
    # (what the client sends, what the log line shows)
    (f"/agreements/%0a{FORGED.replace(' ', '%20')}", f"/agreements/\\n{FORGED}"),
    ("/agreements/%0d%0aINFO%20forged", "/agreements/\\r\\nINFO forged"),
    ("/agreements/a%00b/", "/agreements/a\\x00b/"),
    ("/organizations/%D0%BA%D1%82%D0%B6/", "/organizations/\\u043a\\u0442\\u0436/"),
    ("/agreements/back%5Cslash/", "/agreements/back\\\\slash/"),
]

RECORD_START = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} (INFO|WARNING) (kzdeals\.requests|django\.request) ")


def request_messages(caplog):
    return [record.getMessage() for record in caplog.records if record.name == "kzdeals.requests"]


@pytest.mark.parametrize(("sent", "logged"), HOSTILE_PATHS)
def test_the_path_is_logged_escaped_as_django_logs_it(client, caplog, sent, logged):
    caplog.set_level(logging.INFO, logger="kzdeals.requests")
    client.get(sent)
    [message] = request_messages(caplog)
    assert re.fullmatch(rf"GET {re.escape(logged)} 404 \d+\.\dms", message), message
    assert message.isascii() and message.isprintable()


def test_hostile_paths_write_one_printable_line_each_to_stdout(tmp_path):
    paths = [sent for sent, _ in HOSTILE_PATHS]
    script = (
        "import django; django.setup(); from django.test import Client; client = Client()\n"
        f"for path in {paths!r}: client.get(path)\n"
    )
    result = run_python(["-c", script], DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    # Every line is a record of its own (Django's "Not Found" warnings among them): none was forged.
    assert all(RECORD_START.match(line) for line in lines), lines
    requests = [line for line in lines if " kzdeals.requests " in line]
    for line, (_, logged) in zip(requests, HOSTILE_PATHS, strict=True):
        assert re.search(rf"INFO kzdeals\.requests GET {re.escape(logged)} 404 \d+\.\dms$", line), line
        assert line.isascii() and line.isprintable()
