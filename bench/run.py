"""Throughput and latency of kzdeals at scale, beside Datasette serving the same SQLite file.

`make bench` (or `.venv/bin/python bench/run.py`): for each size, builds a SQLite register of synthetic
agreements with `generate_register` (or reuses the one a previous run finished for that size and
schema), serves it with gunicorn (2 sync workers, production settings) and, when bench/.venv has it
(bench/requirements.txt), with Datasette, then loads each URL in turn with wrk (or a small Python
load generator). Then the same kzdeals requests on PostgreSQL (Datasette reads SQLite only). One
table with every figure goes to bench/results/latest.md (and latest.json).

Environment: BENCH_SIZES ("10000 100000 1000000"), BENCH_POSTGRES_SIZES ("100000"; empty to skip),
BENCH_POSTGRES_URL (postgres://postgres@127.0.0.1:5432/kzdeals_bench, dropped and made anew),
BENCH_DURATION seconds per URL (10), BENCH_CONNECTIONS (16), BENCH_ROUNDS (2), BENCH_FRESH_DB=1 to
generate every SQLite database anew.
"""

import json
import os
import platform
import re
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from datetime import UTC, datetime
from http.client import HTTPConnection
from itertools import zip_longest
from pathlib import Path
from urllib.parse import urlencode, urlsplit

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
PYTHON = ROOT / ".venv" / "bin" / "python"
GUNICORN = ROOT / ".venv" / "bin" / "gunicorn"
DATASETTE = BENCH / ".venv" / "bin" / "datasette"

SIZES = [int(size) for size in os.environ.get("BENCH_SIZES", "10000 100000 1000000").split()]
POSTGRES_SIZES = [int(size) for size in os.environ.get("BENCH_POSTGRES_SIZES", "100000").split()]
POSTGRES_URL = os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/kzdeals_bench")
DURATION = int(os.environ.get("BENCH_DURATION", "10"))
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "16"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "2"))
CACHE_REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")
FRESH_DB = os.environ.get("BENCH_FRESH_DB") == "1"
SECTOR_SLUG = "synthetic-energy"
PAIRED = "api_list_beside_postgresql"  # SQLite's API list, loaded in turn with PostgreSQL's
SEARCH_WORD = "pipeline"


class Target:
    """One database to measure: a SQLite file (which Datasette serves too) or a PostgreSQL database."""

    def __init__(self, size, engine):
        self.size, self.engine = size, engine
        if engine == "sqlite":
            self.path = BENCH / f"register-{size}.sqlite3"
            self.url = f"sqlite:///{self.path}"
        else:
            self.path, self.url = None, POSTGRES_URL

    @property
    def label(self):
        return f"{self.size:,} agreements, {'SQLite' if self.engine == 'sqlite' else 'PostgreSQL'}"

    @property
    def marker(self):
        """Written when generation finished: the size, seed and schema the file was made with."""
        return BENCH / f"register-{self.size}.sqlite3.done"


def server_env(target):
    """Production settings against the benchmark database; no throttling, no HTTPS redirect on loopback."""
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "kzdeals.settings",
        "DATABASE_URL": target.url,
        "DJANGO_DEBUG": "false",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DJANGO_SECURE_SSL_REDIRECT": "false",
        "DJANGO_LOG_LEVEL": "WARNING",
        "API_THROTTLE_ANON": "100000000/second",
        "REDIS_URL": "",
        "REGISTER_CACHE_TIMEOUT": "0",
    }


def cached_server_env(target):
    """The same, with the shared Redis cache: the answer cache on (invalidated by every save)."""
    return {**server_env(target), "REDIS_URL": CACHE_REDIS_URL, "REGISTER_CACHE_TIMEOUT": "300"}


def manage(target, *args):
    subprocess.run([PYTHON, "manage.py", *args], cwd=ROOT, env=server_env(target), check=True)


def generation_marker(target):
    """What a reusable register was made with; the generator's revision changes when what it writes does."""
    return f"{target.size} agreements, seed 1, generator 2"


def reusable(target):
    return (
        not FRESH_DB
        and target.path.exists()
        and target.marker.exists()
        and target.marker.read_text() == generation_marker(target)
    )


def build_database(target):
    """Generate the synthetic register; returns the seconds it took, or None when an earlier one is reused
    (brought up to date by `migrate`, as a production database would be)."""
    if target.engine == "sqlite":
        if reusable(target):
            print(f"Reusing {target.path.name}: BENCH_FRESH_DB=1 makes it anew")
            manage(target, "migrate", "--no-input", "--verbosity", "0")
            return None
        for path in BENCH.glob(f"{target.path.name}*"):
            path.unlink()
    elif not FRESH_DB and postgres_marker() == generation_marker(target):
        print(f"Reusing {POSTGRES_URL}: BENCH_FRESH_DB=1 makes it anew")
        manage(target, "migrate", "--no-input", "--verbosity", "0")
        return None
    else:
        recreate_postgres_database()
    manage(target, "migrate", "--no-input", "--verbosity", "0")
    started = time.monotonic()
    manage(target, "generate_register", "--agreements", str(target.size), "--seed", "1")
    took = time.monotonic() - started
    if target.engine == "sqlite":
        target.marker.write_text(generation_marker(target))
    else:
        set_postgres_marker(generation_marker(target))
    return took


def postgres_admin():
    """The benchmark database's name, and a URL of the server's `postgres` database to manage it from."""
    parts = urlsplit(POSTGRES_URL)
    name = parts.path.lstrip("/")
    if not re.fullmatch(r"[a-z_][a-z0-9_]*", name):
        raise SystemExit(f"BENCH_POSTGRES_URL must name a plain database, not {name!r}")
    return name, parts._replace(path="/postgres").geturl().replace("postgres://", "postgresql://", 1)


def postgres_marker():
    """What a finished generation wrote on the database (its comment, like the SQLite files' marker), or None."""
    import psycopg

    name, admin = postgres_admin()
    with psycopg.connect(admin, autocommit=True) as connection:
        row = connection.execute(
            "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s", [name]
        ).fetchone()
    return row[0] if row else None


def set_postgres_marker(text):
    import psycopg
    from psycopg import sql

    name, admin = postgres_admin()
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(sql.SQL("COMMENT ON DATABASE {} IS {}").format(sql.Identifier(name), sql.Literal(text)))


def recreate_postgres_database():
    """Drop and create the benchmark database (never the one DATABASE_URL names for the project)."""
    import psycopg

    name, admin = postgres_admin()
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')


def postgres_reachable():
    import psycopg

    parts = urlsplit(POSTGRES_URL)
    admin = parts._replace(path="/postgres").geturl().replace("postgres://", "postgresql://", 1)
    try:
        with psycopg.connect(admin, connect_timeout=3):
            return True
    except psycopg.OperationalError as error:
        print(f"PostgreSQL not reachable at {POSTGRES_URL} ({error}): its rows are left out.")
        return False


def targets_and_query_counts():
    """Run in a child process with the server's settings: what to request, and the SQL each costs."""
    import django

    django.setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from agreements.models import Agreement, Sector

    sector = Sector.objects.get(slug=SECTOR_SLUG)
    latest = Agreement.objects.public().filter(sector=sector).order_by("-signed_on", "title").first()
    paths = {
        "api_list": f"/api/v1/agreements/?sector={sector.slug}&ordering=-signed_on&page_size=50",
        "api_detail": f"/api/v1/agreements/{latest.slug}/",
        "html_list": f"/agreements/?sector={sector.slug}",
        "api_search": f"/api/v1/agreements/?q={SEARCH_WORD}&page_size=50",
    }
    client = Client(HTTP_HOST="127.0.0.1")
    queries, statuses, plans = {}, {}, {}
    for name, path in paths.items():
        client.get(path)  # warm: content types, connection set-up
        sent = []  # each statement as the driver got it: text with placeholders, and its parameters

        def keep(execute, sql, params, many, context, sent=sent):
            sent.append((sql, params))
            return execute(sql, params, many, context)

        with CaptureQueriesContext(connection) as captured, connection.execute_wrapper(keep):
            statuses[name] = client.get(path).status_code
        queries[name] = len(captured)
        if name == "api_list":
            plans[name] = query_plans(connection, captured.captured_queries, sent)
    print(
        json.dumps(
            {
                "plans": plans,
                "admin": admin_changelist_timings(sector),
                "sector_id": sector.pk,
                "latest_id": latest.pk,
                "published_in_sector": Agreement.objects.public().filter(sector=sector).count(),
                "paths": paths,
                "queries": queries,
                "statuses": statuses,
            }
        )
    )


def query_plans(connection, captured, sent):
    """Each statement of one request with its plan, as the database ran it: PostgreSQL's EXPLAIN (ANALYZE,
    BUFFERS) of the statement prepared with its parameters and planned for any values (the generic plan a
    prepared statement runs: kzdeals/settings.py), SQLite's EXPLAIN QUERY PLAN (the indexes it takes)."""
    plans = []
    for query, (sql, params) in zip(captured, sent, strict=True):
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                lines = postgresql_generic_plan(cursor, sql, params)
            else:
                # The logged SQL has its parameters inlined, as the database received them.
                cursor.execute("EXPLAIN QUERY PLAN " + query["sql"])
                lines = [str(row[-1]) for row in cursor.fetchall()]
        plans.append({"sql": query["sql"], "ms": float(query["time"]) * 1000, "plan": lines})
    return plans


def postgresql_generic_plan(cursor, sql, params):
    """The plan PostgreSQL runs for a prepared statement: `sql` prepared with $1, $2... where Django's %s are,
    then executed under EXPLAIN with the request's values, the plan made for any values."""
    import psycopg

    numbers = iter(range(1, len(params or ()) + 1))
    text = re.sub(r"%(%|s)", lambda match: "%" if match.group(1) == "%" else f"${next(numbers)}", sql)
    values = ", ".join(["%s"] * len(params or ()))
    arguments = psycopg.ClientCursor(cursor.connection).mogrify(f"({values})", params) if params else ""
    cursor.execute(f"PREPARE bench_plan AS {text}")
    cursor.execute("SET plan_cache_mode = force_generic_plan")
    try:
        cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) EXECUTE bench_plan{arguments}")
        return [row[0] for row in cursor.fetchall()]
    finally:
        cursor.execute("RESET plan_cache_mode")
        cursor.execute("DEALLOCATE bench_plan")


def write_plans(runs):
    """bench/results/plans.md: the API list's statements at each size and database, with their plans."""
    written = f"Written by `make bench` ({datetime.now(UTC):%Y-%m-%d %H:%M} UTC), one request of each database."
    how = (
        "PostgreSQL: each statement prepared, as psycopg prepares it on a connection (kzdeals/settings.py), and run "
        "under `EXPLAIN (ANALYZE, BUFFERS)` with its generic plan, the one made for any values that a prepared "
        "statement runs; its planning time is paid once a connection. SQLite: `EXPLAIN QUERY PLAN`."
    )
    lines = ["# Query plans of the API list", "", written, "", how, ""]
    for run in runs:
        lines += [f"## {run['label']}", ""]
        for number, plan in enumerate(run.get("plans", {}).get("api_list", []), start=1):
            lines += [f"### Statement {number} ({plan['ms']:.2f} ms as logged)", "", "```sql", plan["sql"], "```", ""]
            lines += ["```", *plan["plan"], "```", ""]
    (BENCH / "results" / "plans.md").write_text("\n".join(lines))


def admin_changelist_timings(sector, repeats=5):
    """The admin's agreement list in-process (staff are few: latency, not throughput, is what counts):
    the median of `repeats` loads and the SQL of one, unfiltered and filtered by sector. Logs in a
    `bench-admin` superuser, made in the benchmark database if it is missing."""
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    user, _ = get_user_model().objects.get_or_create(
        username="bench-admin", defaults={"is_staff": True, "is_superuser": True}
    )
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(user)
    timings = {}
    for name, path in {
        "changelist": "/admin/agreements/agreement/",
        "changelist_sector": f"/admin/agreements/agreement/?sector__id__exact={sector.pk}",
    }.items():
        assert client.get(path).status_code == 200, path
        took = []
        for _ in range(repeats):
            started = time.perf_counter()
            client.get(path)
            took.append((time.perf_counter() - started) * 1000)
        with CaptureQueriesContext(connection) as captured:
            client.get(path)
        timings[name] = {"path": path, "median_ms": statistics.median(took), "queries": len(captured)}
    return timings


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_up(url, process, seconds=60):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode} before answering {url}")
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"no answer from {url} in {seconds} s")


def fetch(url):
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def load_with_wrk(url, headers=()):
    header_args = [arg for header in headers for arg in ("-H", header)]
    output = subprocess.run(
        ["wrk", "-t2", f"-c{CONNECTIONS}", f"-d{DURATION}s", "--timeout", "10s", "--latency", *header_args, url],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    print(output, flush=True)

    def milliseconds(label):
        match = re.search(rf"^\s*{label}\s+([\d.]+)(us|ms|s)\s*$", output, re.MULTILINE)
        if not match:
            return None
        value, unit = float(match.group(1)), match.group(2)
        return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value

    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    socket_errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),
        "p50": milliseconds("50%"),
        "p99": milliseconds("99%"),
        "errors": (int(errors.group(1)) if errors else 0)
        + (sum(int(n) for n in socket_errors.groups()) if socket_errors else 0),
    }


def load_with_python(url, headers=()):
    """Keep-alive connections in threads: a fallback when wrk is missing (the client then costs CPU too)."""
    parts = urlsplit(url)
    target = parts.path + ("?" + parts.query if parts.query else "")
    latencies, errors, lock = [], [0], threading.Lock()
    deadline = time.monotonic() + DURATION

    def worker():
        connection = HTTPConnection(parts.hostname, parts.port, timeout=10)
        mine, failed = [], 0
        while time.monotonic() < deadline:
            started = time.perf_counter()
            try:
                connection.request("GET", target, headers=dict(header.split(": ", 1) for header in headers))
                response = connection.getresponse()
                response.read()
                if response.status >= 400:
                    failed += 1
            except OSError:
                failed += 1
                connection.close()
                connection = HTTPConnection(parts.hostname, parts.port, timeout=10)
            mine.append(time.perf_counter() - started)
        with lock:
            latencies.extend(mine)
            errors[0] += failed

    threads = [threading.Thread(target=worker) for _ in range(CONNECTIONS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    latencies.sort()
    return {
        "rps": len(latencies) / DURATION,
        "p50": statistics.median(latencies) * 1000,
        "p99": latencies[int(len(latencies) * 0.99) - 1] * 1000,
        "errors": errors[0],
    }


def load(url, headers=()):
    return load_with_wrk(url, headers) if shutil.which("wrk") else load_with_python(url, headers)


def datasette_query_count(base, path):
    """Datasette's own trace (`trace_debug`): the SQL statements behind one answer."""
    status, body = fetch(f"{base}{path}&_trace=1")
    if status != 200:
        return None
    return len(json.loads(body).get("_trace", {}).get("traces", [])) or None


def start(command, env=None):
    return subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True
    )


def stop(process):
    if process and process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()


def datasette_cases(base, info, target):
    """Datasette's counterparts of the kzdeals requests, over the very same SQLite file."""
    db = target.path.stem
    table = (
        f"/{db}/agreements_agreement.json?sector_id={info['sector_id']}"
        "&publication_state=published&_sort_desc=signed_on&_size=50&_shape=objects&_labels=on&_nosuggest=1"
    )
    nested_sql = (
        "select a.slug, a.title, a.kind, a.status, a.signed_on, a.value_amount, a.value_currency, "
        "(select json_group_array(json_object('organization', o.slug, 'name', o.name, 'country', o.country, "
        "'side', p.side, 'role', p.role)) from agreements_party p join agreements_organization o "
        "on o.id = p.organization_id where p.agreement_id = a.id) as parties "
        "from agreements_agreement a where a.sector_id = :sector and a.publication_state = 'published' "
        "order by a.signed_on desc limit 50"
    )
    sql = f"/{db}.json?" + urlencode({"sql": nested_sql, "sector": info["sector_id"], "_shape": "objects"})
    row = f"/{db}/agreements_agreement/{info['latest_id']}.json?_shape=objects"
    html = (
        f"/{db}/agreements_agreement?sector_id={info['sector_id']}&publication_state=published"
        "&_sort_desc=signed_on&_nosuggest=1"
    )
    search = (
        f"/{db}/agreements_agreement.json?title__contains={SEARCH_WORD}&publication_state=published"
        "&_size=50&_shape=objects&_nosuggest=1"
    )
    return {"table": table, "sql": sql, "row": row, "html": html, "search": search}


def measure(target):
    """Every request against one database: a list of result rows, and what the report says about it."""
    print(f"== {target.label}", flush=True)
    generation = build_database(target)
    env = server_env(target)
    child = subprocess.run(
        [PYTHON, __file__, "--targets"], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    )
    info = json.loads(child.stdout.strip().splitlines()[-1])
    paths, queries = info["paths"], info["queries"]

    port, cached_port = free_port(), free_port()
    command = [GUNICORN, "kzdeals.wsgi", "--workers", "2", "--log-level", "warning"]
    gunicorn = start([*command, "--bind", f"127.0.0.1:{port}"], env)
    cached = start([*command, "--bind", f"127.0.0.1:{cached_port}"], cached_server_env(target))
    datasette = lite_server = None
    rows = []
    try:
        base, cached_base = f"http://127.0.0.1:{port}", f"http://127.0.0.1:{cached_port}"
        wait_until_up(f"{base}/healthz", gunicorn)
        wait_until_up(f"{cached_base}/healthz", cached)
        fetch(cached_base + paths["api_list"])  # fill the answer cache
        etag = urllib.request.urlopen(base + paths["api_list"], timeout=30).headers["ETag"]
        # (key, label, server, base, path, SQL queries, headers, the Datasette case it is compared with)
        cases = [
            (
                "api_list",
                "API list: one sector, newest first, 50 a page, with count and totals",
                "kzdeals",
                base,
                paths["api_list"],
                queries["api_list"],
                (),
                "table",
            ),
            (
                "api_list_cached",
                "API list, answer cache on (Redis)",
                "kzdeals",
                cached_base,
                paths["api_list"],
                0,
                (),
                "table",
            ),
            (
                "api_list_304",
                "API list, If-None-Match (304), answer cache off",
                "kzdeals",
                base,
                paths["api_list"],
                1,  # the register's version (agreements/validators.py)
                (f"If-None-Match: {etag}",),
                "table",
            ),
            ("api_detail", "API detail", "kzdeals", base, paths["api_detail"], queries["api_detail"], (), "row"),
            (
                "html_list",
                "HTML list page: one sector",
                "kzdeals",
                base,
                paths["html_list"],
                queries["html_list"],
                (),
                "html",
            ),
            (
                "api_search",
                f"API search q={SEARCH_WORD}",
                "kzdeals",
                base,
                paths["api_search"],
                queries["api_search"],
                (),
                "search",
            ),
        ]
        lite = Target(target.size, "sqlite")
        if target.engine != "sqlite" and lite.path.exists():
            # Datasette reads SQLite only. Instead, the SQLite file of the same size served as before, its API
            # list loaded in turn with PostgreSQL's (A B A B): the ratio of two engines measured side by side,
            # not minutes apart (other work on the machine moves absolute figures that much).
            lite_port = free_port()
            lite_server = start([*command, "--bind", f"127.0.0.1:{lite_port}"], server_env(lite))
            wait_until_up(f"http://127.0.0.1:{lite_port}/healthz", lite_server)
            cases.append(
                (
                    PAIRED,
                    "API list on SQLite, loaded in turn with PostgreSQL's",
                    "kzdeals on SQLite",
                    f"http://127.0.0.1:{lite_port}",
                    paths["api_list"],
                    queries["api_list"],
                    (),
                    None,
                )
            )
        elif target.engine != "sqlite":
            pass  # Datasette reads SQLite only: kzdeals alone
        elif DATASETTE.exists():
            datasette_port = free_port()
            datasette = start(
                [
                    DATASETTE,
                    "serve",
                    target.path,
                    "--port",
                    str(datasette_port),
                    "--setting",
                    "num_sql_threads",
                    "2",
                    "--setting",
                    "trace_debug",
                    "1",
                    "--setting",
                    "sql_time_limit_ms",
                    "10000",
                ]
            )
            datasette_base = f"http://127.0.0.1:{datasette_port}"
            wait_until_up(f"{datasette_base}/-/versions.json", datasette)
            ds = datasette_cases(datasette_base, info, target)
            sep = lambda path: "&" if "?" in path else "?"  # noqa: E731
            cases += [
                (
                    "table",
                    "Datasette table JSON, same filter, with count",
                    "Datasette",
                    datasette_base,
                    ds["table"],
                    datasette_query_count(datasette_base, ds["table"]),
                    (),
                    None,
                ),
                (
                    "sql",
                    "Datasette SQL query, same rows with nested parties, no count",
                    "Datasette",
                    datasette_base,
                    ds["sql"],
                    datasette_query_count(datasette_base, ds["sql"] + sep(ds["sql"]) + "x=1"),
                    (),
                    None,
                ),
                (
                    "row",
                    "Datasette row JSON",
                    "Datasette",
                    datasette_base,
                    ds["row"],
                    datasette_query_count(datasette_base, ds["row"]),
                    (),
                    None,
                ),
                ("html", "Datasette HTML table page", "Datasette", datasette_base, ds["html"], None, (), None),
                (
                    "search",
                    f"Datasette title contains {SEARCH_WORD}",
                    "Datasette",
                    datasette_base,
                    ds["search"],
                    datasette_query_count(datasette_base, ds["search"]),
                    (),
                    None,
                ),
            ]
        else:
            print(f"Datasette not installed at {DATASETTE}: `make bench` installs bench/requirements.txt there.")

        # Interleaved: every case once per round (kzdeals and Datasette alternate), best round kept.
        ours = [case for case in cases if case[2] == "kzdeals"]
        theirs = [case for case in cases if case[2] != "kzdeals"]
        order = [case for pair in zip_longest(ours, theirs) for case in pair if case is not None]
        results = {}
        for round_number in range(ROUNDS):
            for key, label, server, server_base, path, _, headers, _ in order:
                status, _ = fetch(server_base + path) if not headers else (200, b"")
                if status != 200:
                    results.setdefault(key, []).append({"status": status})
                    continue
                print(f"round {round_number + 1}: {label} ({server}) ...", flush=True)
                results.setdefault(key, []).append(load(server_base + path, headers))
        for key, label, server, _, path, count, _, compare in cases:
            runs = [run for run in results[key] if "rps" in run]
            best = max(runs, key=lambda run: run["rps"]) if runs else None
            rows.append(
                {
                    "key": key,
                    "label": label,
                    "server": server,
                    "path": path,
                    "queries": count,
                    "compare": compare,
                    "best": best,
                    "status": None if runs else results[key][0]["status"],
                }
            )
    finally:
        stop(gunicorn)
        stop(cached)
        stop(datasette)
        stop(lite_server)

    for row in rows:
        row.update(size=target.size, engine="sqlite" if row["key"] == PAIRED else target.engine)
    return rows, {
        "size": target.size,
        "engine": target.engine,
        "label": target.label,
        "generated_in_s": generation,
        "published_in_sector": info["published_in_sector"],
        "admin": info["admin"],
        "plans": info.get("plans", {}),
    }


def main():
    manage(Target(SIZES[0] if SIZES else 10000, "sqlite"), "collectstatic", "--no-input", "--verbosity", "0")
    targets = [Target(size, "sqlite") for size in SIZES]
    if POSTGRES_SIZES and postgres_reachable():
        targets += [Target(size, "postgresql") for size in POSTGRES_SIZES]
    rows, runs = [], []
    for target in targets:
        target_rows, run = measure(target)
        rows += target_rows
        runs.append(run)
    report = render(rows, runs)
    (BENCH / "results").mkdir(exist_ok=True)
    (BENCH / "results" / "latest.md").write_text(report)
    write_plans(runs)
    summary = {
        "when": f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
        "machine": machine(),
        "connections": CONNECTIONS,
        "duration_s": DURATION,
        "rounds": ROUNDS,
        "runs": runs,
        "rows": rows,
    }
    (BENCH / "results" / "latest.json").write_text(json.dumps(summary, indent=1))
    print(report)


def machine():
    cpu = ""
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        match = re.search(r"^model name\s*:\s*(.+)$", cpuinfo.read_text(), re.MULTILINE)
        cpu = match.group(1).strip() if match else ""
    memory = ""
    meminfo = Path("/proc/meminfo")
    if meminfo.exists():
        match = re.search(r"^MemTotal:\s*(\d+) kB", meminfo.read_text(), re.MULTILINE)
        memory = f", {int(match.group(1)) / 1024 / 1024:.0f} GiB" if match else ""
    cpu = f", {cpu}" if cpu else ""
    return f"{platform.node()}, {os.cpu_count()} cores{memory}{cpu}, Python {platform.python_version()}"


def ratio(row, other):
    if row and other and row["best"] and other["best"]:
        return row["best"]["rps"] / other["best"]["rps"]
    return None


def render(rows, runs):
    tool = f"wrk -t2 -c{CONNECTIONS} -d{DURATION}s --latency" if shutil.which("wrk") else "Python threads"
    find = {(row["size"], row["engine"], row["key"]): row for row in rows}
    lines = [
        "# Benchmark: kzdeals at scale",
        "",
        f"- {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {machine()}",
        "- synthetic registers from `generate_register --seed 1`; SQLite in WAL mode; filter: sector "
        f"`{SECTOR_SLUG}`, published only, newest signature first, 50 a page",
        "- kzdeals: gunicorn, 2 sync workers, DJANGO_DEBUG=false, answer cache off except the row that says so; "
        "Datasette (bench/requirements.txt) on the same SQLite file: `--setting num_sql_threads 2`",
        f"- load: {tool}, loopback only; {ROUNDS} round(s), every request in turn, kzdeals and Datasette "
        "alternating (A B A B), best round kept",
        "",
    ]
    for run in runs:
        made = f"generated in {run['generated_in_s']:.1f} s" if run["generated_in_s"] else "reused from an earlier run"
        lines.append(f"- {run['label']}: {made}; {run['published_in_sector']:,} published agreements in the sector")
    lines += ["", "## Targets", ""]
    for run in runs:
        size, engine = run["size"], run["engine"]
        api = find.get((size, engine, "api_list"))
        if engine != "sqlite" or not api:
            continue
        table, sql = find.get((size, engine, "table")), find.get((size, engine, "sql"))
        cached = find.get((size, engine, "api_list_cached"))
        parts = []
        if ratio(api, sql) is not None:
            parts.append(f"uncached API list {ratio(api, sql):.2f}x Datasette's nested SQL (target 1.0x)")
        if ratio(api, table) is not None:
            parts.append(f"{ratio(api, table):.2f}x its table JSON (target 2x)")
        if ratio(cached, table) is not None:
            parts.append(f"cached {ratio(cached, table):.1f}x its table JSON (target 10x)")
        not_modified = find.get((size, engine, "api_list_304"))
        if ratio(not_modified, table) is not None:
            parts.append(
                f"conditional GET (304, no Redis) {ratio(not_modified, table):.1f}x its table JSON (target 10x)"
            )
        if parts:
            lines.append(f"- {size:,}: " + "; ".join(parts))
    sqlite_lists = [
        find[(run["size"], "sqlite", "api_list")]
        for run in runs
        if run["engine"] == "sqlite" and find.get((run["size"], "sqlite", "api_list"), {}).get("best")
    ]
    if len(sqlite_lists) > 1:
        small, large = sqlite_lists[0], sqlite_lists[-1]
        lines.append(
            f"- API list p50 from {small['size']:,} to {large['size']:,} agreements: {small['best']['p50']:.1f} ms to "
            f"{large['best']['p50']:.1f} ms, {large['best']['p50'] / small['best']['p50']:.2f}x (target at most 2x)"
        )
    for run in runs:
        admin = run.get("admin") or {}
        if "changelist" in admin:
            lines.append(
                f"- {run['label']}: admin changelist {admin['changelist']['median_ms']:.0f} ms a page "
                f"({admin['changelist']['queries']} queries), filtered by sector "
                f"{admin['changelist_sector']['median_ms']:.0f} ms ({admin['changelist_sector']['queries']} queries), "
                "in-process, median of 5 (target under 300 ms)"
            )
    for run in runs:
        if run["engine"] == "postgresql":
            pg, lite = find.get((run["size"], "postgresql", "api_list")), find.get((run["size"], "sqlite", "api_list"))
            paired = find.get((run["size"], "sqlite", PAIRED))
            parts = []
            if ratio(pg, paired) is not None:
                parts.append(f"{ratio(pg, paired):.2f}x the same on SQLite loaded in turn with it (target 1.0x)")
            if ratio(pg, lite) is not None:
                parts.append(f"{ratio(pg, lite):.2f}x SQLite's run above")
            if parts:
                lines.append(
                    f"- {run['size']:,} on PostgreSQL: API list " + "; ".join(parts) + "; query plans in `plans.md`"
                )
    lines += [
        "",
        "## Every figure",
        "",
        "| agreements | database | request | server | SQL queries | req/s | p50 ms | p99 ms | errors | ratio |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for row in rows:
        best, count = row["best"], row["queries"]
        database = "SQLite" if row["engine"] == "sqlite" else "PostgreSQL"
        count = "?" if count is None else count
        head = f"| {row['size']:,} | {database} | {row['label']} | {row['server']} | {count}"
        if best is None:
            lines.append(f"{head} | answered {row['status']} | | | | |")
            continue
        other = find.get((row["size"], row["engine"], row["compare"] or ""))
        compared = f"{ratio(row, other):.2f}x {other['label']}" if ratio(row, other) is not None else ""
        lines.append(
            f"{head} | {best['rps']:.0f} | {best['p50']:.1f} | {best['p99']:.1f} | {best['errors']} | {compared} |"
        )
    lines += ["", "URLs (at the largest size):", ""]
    largest = {}
    for row in rows:
        largest[row["label"]] = row["path"]
    lines += [f"- {label}: `{path}`" for label, path in largest.items()]
    lines += ["", "Absolute figures drift ±15-25% between runs on a shared 2-core machine: compare ratios.", ""]
    return "\n".join(lines)


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    if sys.argv[1:] == ["--targets"]:
        targets_and_query_counts()
    else:
        main()
