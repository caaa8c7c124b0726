"""A streamed download that fails says so. At the first query, before anything is sent: a real status (a JSON
503 for a database that is unavailable, a JSON 500 for another database error). After rows have gone out: the
stream raises, so the server ends the connection without the chunked body's terminating chunk and the client
sees an incomplete download, never a complete-looking file."""

import http.client

import pytest
from django.db import DatabaseError, OperationalError, connection
from django.test import Client
from django.urls import reverse

from agreements.exports import tabular
from tests import servers

STREAMED = ["agreements-csv", "parties-csv", "sources-csv", "agreements-json", "ocds-release-package"]


class Fault:
    """A query wrapper (connection.execute_wrapper) that fails every query once armed.

    A new exception each time: one kept here would keep its traceback, and with it the export's open cursor,
    past the end of the test (PostgreSQL would then close that cursor inside the next test's transaction)."""

    def __init__(self, error, message, armed=True):
        self.error = error
        self.message = message
        self.armed = armed

    def __call__(self, execute, sql, params, many, context):
        if self.armed:
            raise self.error(self.message)
        return execute(sql, params, many, context)


@pytest.mark.parametrize("name", STREAMED)
@pytest.mark.parametrize(
    ("error", "status", "detail"),
    [
        (OperationalError, 503, "The register's database is unavailable; try again shortly."),
        (DatabaseError, 500, "Server error."),
    ],
)
def test_a_failing_first_query_is_a_real_status_in_json(deals, name, error, status, detail):
    deals(2)
    with connection.execute_wrapper(Fault(error, "could not connect to server")):
        response = Client(raise_request_exception=False).get(reverse(f"exports:{name}"))
    assert response.status_code == status
    assert not response.streaming
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": detail}
    assert ("Retry-After" in response) == (status == 503)


@pytest.mark.parametrize("name", STREAMED)
def test_a_failure_after_the_first_rows_breaks_the_stream(deals, name, monkeypatch):
    monkeypatch.setattr(tabular, "CHUNK_SIZE", 2)  # the third agreement needs the database again
    deals(5)
    url = reverse(f"exports:{name}")
    complete = b"".join(Client().get(url).streaming_content)
    fault = Fault(OperationalError, "server closed the connection unexpectedly", armed=False)
    with connection.execute_wrapper(fault):
        response = Client().get(url)
        assert response.status_code == 200
        chunks = iter(response.streaming_content)
        received = [next(chunks) for _ in range(3)]
        fault.armed = True
        with pytest.raises(OperationalError):
            received.extend(chunks)
    partial = b"".join(received)
    assert complete.startswith(partial)
    assert len(partial) < len(complete)


@pytest.fixture(scope="module")
def failing_server(server_env, served_database, tmp_path_factory):
    log_path = tmp_path_factory.mktemp("stream-fault") / "gunicorn.log"
    env = {**server_env, "DATABASE_URL": served_database}
    with servers.gunicorn(log_path, env, workers=1, config="tests/stream_fault.py") as server:
        yield server


@pytest.mark.parametrize(
    ("path", "first_line"),
    [
        ("/api/v1/exports/agreements.csv", b"slug,title,"),
        ("/api/v1/exports/parties.csv", b"agreement,organization,"),
        ("/api/v1/exports/sources.csv", b"agreement,source,"),
        ("/api/v1/exports/agreements.json", b'{"totals":'),
        ("/api/v1/exports/ocds.json", b'{"uri":'),
    ],
)
def test_the_client_of_a_real_server_sees_an_incomplete_download(failing_server, path, first_line):
    connection = http.client.HTTPConnection(servers.HOST, failing_server.port, timeout=10)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        assert response.status == 200
        assert response.headers["Transfer-Encoding"] == "chunked"
        with pytest.raises(http.client.IncompleteRead) as incomplete:
            response.read()
    finally:
        connection.close()
    assert incomplete.value.partial.startswith(first_line)
    assert "server closed the connection unexpectedly" in failing_server.log()
