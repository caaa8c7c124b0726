"""The production setup in a subprocess, for the tests of failing dependencies: gunicorn serving kzdeals.wsgi
with debug off, static files collected, on a free port of 127.0.0.1, plus a small HTTP client that keeps cookies.

Faults are injected from outside, as in life: a setting pointing at a port where nothing listens.
"""

import contextlib
import http.client
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
from http.cookies import SimpleCookie
from urllib.parse import urlencode, urlsplit, urlunsplit

from django.conf import settings

ADMIN_PASSWORD = "a long enough password"
HOST = "127.0.0.1"

PRODUCTION_ENV = {
    "DJANGO_DEBUG": "false",
    "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
    "DJANGO_ALLOWED_HOSTS": HOST,
    # Plain HTTP on loopback: the proxy that would terminate TLS is not part of the test.
    "DJANGO_SECURE_SSL_REDIRECT": "false",
    "DJANGO_SETTINGS_MODULE": "tests.server_settings",
}

PREPARE = """
import django
django.setup()
from django.contrib.auth import get_user_model
from django.core.management import call_command
call_command("migrate", verbosity=0)
call_command("loaddata", "register", verbosity=0)
get_user_model().objects.create_superuser("editor", password={password!r})
"""


def free_port():
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def closed_port():
    """A port where nothing listens (bound, then released)."""
    return free_port()


def python(args, env, timeout=120):
    return subprocess.run(  # noqa: S603 - our own interpreter with fixed arguments
        [sys.executable, *args],
        cwd=settings.BASE_DIR,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=timeout,
        check=True,
    )


def collect_static(env):
    python(["manage.py", "collectstatic", "--no-input", "--verbosity", "0"], {**PRODUCTION_ENV, **env})


def prepare_database(env):
    """Migrated, with the dataset and a superuser `editor`."""
    python(["-c", PREPARE.format(password=ADMIN_PASSWORD)], {**PRODUCTION_ENV, **env})


@contextlib.contextmanager
def database_for_servers(tmp_path):
    """A database of the suite's engine for servers to share: a file for SQLite, a database of its own beside the
    suite's on PostgreSQL (dropped on the way out). Yields its URL."""
    suite_url = os.environ.get("DATABASE_URL", "")
    if not suite_url.startswith(("postgres://", "postgresql://")):
        yield f"sqlite:///{tmp_path / 'served.sqlite3'}"
        return
    import psycopg

    parts = urlsplit(suite_url)
    name = f"{parts.path.lstrip('/')}_served"
    maintenance = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(maintenance, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')
    try:
        yield urlunsplit(parts._replace(path=f"/{name}"))
    finally:
        with psycopg.connect(maintenance, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


class Server:
    def __init__(self, port, log_path):
        self.port = port
        self.log_path = log_path

    def log(self):
        return self.log_path.read_text(errors="replace")

    def client(self):
        return Browser(self.port)


@contextlib.contextmanager
def gunicorn(log_path, env, workers=2, config=None, app="kzdeals.wsgi"):
    """gunicorn as `make serve` starts it (or serving a test's `app`); stops it on the way out."""
    port = free_port()
    args = ["-m", "gunicorn", app, "--bind", f"{HOST}:{port}", "--workers", str(workers)]
    if config:
        args += ["--config", config]
    with log_path.open("wb") as log:
        process = subprocess.Popen(  # noqa: S603 - our own interpreter with fixed arguments
            [sys.executable, *args],
            cwd=settings.BASE_DIR,
            env={**os.environ, **PRODUCTION_ENV, "PYTHONUNBUFFERED": "1", **env},
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        wait_for(port, process, log_path)
        yield Server(port, log_path)
    finally:
        process.send_signal(signal.SIGINT)  # gunicorn's quick shutdown
        process.wait(timeout=20)


def wait_for(port, process, log_path, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited: {log_path.read_text(errors='replace')}")
        with contextlib.suppress(OSError), socket.create_connection((HOST, port), timeout=1):
            return
        time.sleep(0.1)
    raise RuntimeError(f"gunicorn did not start: {log_path.read_text(errors='replace')}")


class Answer:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers
        self.body = body

    @property
    def text(self):
        return self.body.decode("utf-8", errors="replace")


class Browser:
    """Requests one at a time, keeping cookies like a browser; never follows redirects."""

    def __init__(self, port, timeout=10):
        self.port = port
        self.timeout = timeout
        self.cookies = {}

    def request(self, method, path, data=None, headers=None):
        connection = http.client.HTTPConnection(HOST, self.port, timeout=self.timeout)
        headers = dict(headers or {})
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        body = None
        if data is not None:
            body = urlencode(data, doseq=True)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            answer = Answer(response.status, response.headers, response.read())
        finally:
            connection.close()
        for header in answer.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                self.cookies[name] = morsel.value
        return answer

    def get(self, path, **kwargs):
        return self.request("GET", path, **kwargs)

    def post(self, path, data, **kwargs):
        return self.request("POST", path, data=data, **kwargs)

    def csrf_token(self, path):
        page = self.get(path)
        return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)

    def sign_in(self, username="editor", password=ADMIN_PASSWORD):
        token = self.csrf_token("/admin/login/")
        return self.post("/admin/login/", {"csrfmiddlewaretoken": token, "username": username, "password": password})
