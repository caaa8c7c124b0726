"""A database that is gone is a 503 with Retry-After: the site's own short page for pages, JSON under the API,
never a traceback. Against the production setup (gunicorn, debug off) whose DATABASE_URL points at a PostgreSQL
port where nothing listens, or at a SQLite file in a folder that does not exist."""

import json

import pytest

from tests import servers

PAGES = ["/", "/agreements/", "/agreements/wabtec-locomotives/", "/organizations/", "/feeds/agreements/"]
API = [
    "/api/v1/agreements/",
    "/api/v1/agreements/wabtec-locomotives/",
    "/api/v1/organizations/",
    # Streamed downloads: the first query runs before the status line goes out.
    "/api/v1/exports/agreements.csv",
    "/api/v1/exports/parties.csv",
    "/api/v1/exports/sources.csv",
    "/api/v1/exports/agreements.json",
    "/api/v1/exports/ocds.json",
]


@pytest.fixture(
    scope="module",
    params=["postgres://postgres@127.0.0.1:{port}/kzdeals", "sqlite:////nonexistent-{port}/kzdeals.sqlite3"],
    ids=["postgresql-port-closed", "sqlite-folder-missing"],
)
def server(request, server_env, tmp_path_factory):
    database_url = request.param.format(port=servers.closed_port())
    log_path = tmp_path_factory.mktemp("database-down") / "gunicorn.log"
    with servers.gunicorn(log_path, {**server_env, "DATABASE_URL": database_url}, workers=1) as server:
        yield server


def assert_unavailable(answer, where):
    assert answer.status == 503, (where, answer.status, answer.text[:300])
    assert int(answer.headers["Retry-After"]) > 0, where
    assert "Traceback" not in answer.text, where
    assert "OperationalError" not in answer.text, where


def test_pages_answer_the_sites_own_503_page(server):
    browser = server.client()
    for path in PAGES:
        answer = browser.get(path)
        assert_unavailable(answer, path)
        assert answer.headers["Content-Type"].startswith("text/html"), path
        assert "The register is temporarily unavailable" in answer.text, path
        assert "'unsafe-inline'" not in answer.headers["Content-Security-Policy"], path
        assert "<script" not in answer.text and "style=" not in answer.text, path


def test_the_api_and_its_downloads_answer_503_in_json(server):
    browser = server.client()
    for path in API:
        answer = browser.get(path)
        assert_unavailable(answer, path)
        assert answer.headers["Content-Type"] == "application/json", path
        assert json.loads(answer.body) == {"detail": "The register's database is unavailable; try again shortly."}


def test_signing_in_answers_503(server):
    browser = server.client()
    answer = browser.post("/admin/login/", {"username": "editor", "password": "whatever it is"})
    # CSRF is checked before the database is asked; with a token, the sign-in reaches the database.
    assert answer.status == 403
    token = browser.csrf_token("/admin/login/")
    answer = browser.post("/admin/login/", {"csrfmiddlewaretoken": token, "username": "editor", "password": "x"})
    assert_unavailable(answer, "sign-in")


def test_healthz_says_the_database_is_unreachable(server):
    answer = server.client().get("/healthz")
    assert answer.status == 503
    assert json.loads(answer.body)["database"] == "unreachable"


def test_the_log_has_the_error_and_the_client_did_not(server):
    server.client().get("/agreements/")
    log = server.log()
    assert "Service Unavailable: /agreements/" in log
    assert "Traceback" in log
