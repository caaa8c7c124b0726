"""Throughput and latency of kzdeals at scale, beside Datasette serving the same SQLite file.

`make bench` (or `.venv/bin/python bench/run.py`): builds a fresh SQLite register of synthetic
agreements with `generate_register`, serves it with gunicorn (2 sync workers, production settings)
and, when bench/.venv has it (bench/requirements.txt), with Datasette, then loads each URL in turn
with wrk (or a small Python load generator) and writes the table to bench/results/latest.md.

Environment: BENCH_AGREEMENTS (100000), BENCH_DURATION seconds per URL (10), BENCH_CONNECTIONS (16),
BENCH_ROUNDS (1), BENCH_REUSE_DB=1 to keep a database already built for that size.
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
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
PYTHON = ROOT / ".venv" / "bin" / "python"
GUNICORN = ROOT / ".venv" / "bin" / "gunicorn"
DATASETTE = BENCH / ".venv" / "bin" / "datasette"

AGREEMENTS = int(os.environ.get("BENCH_AGREEMENTS", "100000"))
DURATION = int(os.environ.get("BENCH_DURATION", "10"))
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "16"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "1"))
REUSE_DB = os.environ.get("BENCH_REUSE_DB") == "1"
DATABASE = BENCH / f"register-{AGREEMENTS}.sqlite3"
SECTOR_SLUG = "synthetic-energy"


def server_env():
    """Production settings against the benchmark database; no throttling, no HTTPS redirect on loopback."""
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "kzdeals.settings",
        "DATABASE_URL": f"sqlite:///{DATABASE}",
        "DJANGO_DEBUG": "false",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DJANGO_SECURE_SSL_REDIRECT": "false",
        "DJANGO_LOG_LEVEL": "WARNING",
        "API_THROTTLE_ANON": "100000000/second",
        "REDIS_URL": "",
    }


def manage(*args):
    subprocess.run([PYTHON, "manage.py", *args], cwd=ROOT, env=server_env(), check=True)


def build_database():
    if REUSE_DB and DATABASE.exists():
        print(f"Reusing {DATABASE.name}")
        return None
    for path in BENCH.glob(f"{DATABASE.name}*"):
        path.unlink()
    manage("migrate", "--no-input", "--verbosity", "0")
    started = time.monotonic()
    manage("generate_register", "--agreements", str(AGREEMENTS), "--seed", "1")
    return time.monotonic() - started


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
    }
    client = Client(HTTP_HOST="127.0.0.1")
    queries, statuses = {}, {}
    for name, path in paths.items():
        client.get(path)  # warm: content types, connection set-up
        with CaptureQueriesContext(connection) as captured:
            statuses[name] = client.get(path).status_code
        queries[name] = len(captured)
    print(
        json.dumps(
            {
                "sector_id": sector.pk,
                "published_in_sector": Agreement.objects.public().filter(sector=sector).count(),
                "paths": paths,
                "queries": queries,
                "statuses": statuses,
            }
        )
    )


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


def load_with_wrk(url):
    output = subprocess.run(
        ["wrk", "-t2", f"-c{CONNECTIONS}", f"-d{DURATION}s", "--timeout", "10s", "--latency", url],
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


def load_with_python(url):
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
                connection.request("GET", target)
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


def load(url):
    return load_with_wrk(url) if shutil.which("wrk") else load_with_python(url)


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


def main():
    generation = build_database()
    env = server_env()
    manage("collectstatic", "--no-input", "--verbosity", "0")
    child = subprocess.run(
        [PYTHON, __file__, "--targets"], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    )
    info = json.loads(child.stdout.strip().splitlines()[-1])
    paths, queries = info["paths"], info["queries"]

    port = free_port()
    gunicorn = start(
        [GUNICORN, "kzdeals.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", "2", "--log-level", "warning"], env
    )
    datasette = None
    rows = []
    try:
        base = f"http://127.0.0.1:{port}"
        wait_until_up(f"{base}/healthz", gunicorn)
        cases = [
            ("API list: one sector, newest first, 50 a page", "kzdeals", base, paths["api_list"], queries["api_list"]),
            ("API detail", "kzdeals", base, paths["api_detail"], queries["api_detail"]),
            ("HTML list page: one sector", "kzdeals", base, paths["html_list"], queries["html_list"]),
        ]
        if DATASETTE.exists():
            datasette_port = free_port()
            datasette = start(
                [
                    DATASETTE,
                    "serve",
                    DATABASE,
                    "--port",
                    str(datasette_port),
                    "--setting",
                    "num_sql_threads",
                    "2",
                    "--setting",
                    "trace_debug",
                    "1",
                ]
            )
            datasette_base = f"http://127.0.0.1:{datasette_port}"
            wait_until_up(f"{datasette_base}/-/versions.json", datasette)
            datasette_path = (
                f"/{DATABASE.stem}/agreements_agreement.json?sector_id={info['sector_id']}"
                "&publication_state=published&_sort_desc=signed_on&_size=50&_shape=objects&_labels=on&_nosuggest=1"
            )
            count = datasette_query_count(datasette_base, datasette_path)
            cases.insert(1, ("Datasette table JSON, same filter", "Datasette", datasette_base, datasette_path, count))
        else:
            print(f"Datasette not installed at {DATASETTE}: `make bench` installs bench/requirements.txt there.")

        results = {}
        for round_number in range(ROUNDS):
            for label, server, server_base, path, _ in cases:
                status, _ = fetch(server_base + path)
                if status != 200:
                    results.setdefault(label, []).append({"status": status})
                    continue
                print(f"round {round_number + 1}: {label} ({server}) ...", flush=True)
                results.setdefault(label, []).append(load(server_base + path))
        for label, server, _, path, count in cases:
            runs = [run for run in results[label] if "rps" in run]
            if not runs:
                rows.append((label, server, path, count, None, results[label][0]["status"]))
                continue
            best = max(runs, key=lambda run: run["rps"])
            rows.append((label, server, path, count, best, None))
    finally:
        stop(gunicorn)
        stop(datasette)

    report = render(rows, info, generation)
    (BENCH / "results").mkdir(exist_ok=True)
    (BENCH / "results" / "latest.md").write_text(report)
    (BENCH / "results" / f"agreements-{AGREEMENTS}.md").write_text(report)
    print(report)


def render(rows, info, generation):
    tool = f"wrk -t2 -c{CONNECTIONS} -d{DURATION}s --latency" if shutil.which("wrk") else "Python threads"
    lines = [
        "# Benchmark: kzdeals at scale",
        "",
        f"- {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {platform.node()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}",
        f"- {AGREEMENTS:,} synthetic agreements (`generate_register --seed 1`), SQLite in WAL mode"
        + (f", generated in {generation:.1f} s" if generation else ""),
        f"- filter: sector `{SECTOR_SLUG}` ({info['published_in_sector']:,} published agreements), "
        "published only, newest signature first, 50 a page",
        f"- kzdeals: gunicorn, 2 sync workers, DJANGO_DEBUG=false; Datasette: `--setting num_sql_threads 2`; "
        f"load: {tool}, {ROUNDS} round(s), best kept",
        "",
        "| request | server | SQL queries | req/s | p50 ms | p99 ms | errors |",
        "|---|---|---|---|---|---|---|",
    ]
    by_label = {}
    for label, server, path, count, best, status in rows:
        by_label[label] = best
        if best is None:
            lines.append(f"| {label} (`{path}`) | {server} | {count} | answered {status} | | | |")
            continue
        lines.append(
            f"| {label} (`{path}`) | {server} | {count if count is not None else '?'} | {best['rps']:.0f} "
            f"| {best['p50']:.1f} | {best['p99']:.1f} | {best['errors']} |"
        )
    api, datasette = (
        by_label.get("API list: one sector, newest first, 50 a page"),
        by_label.get("Datasette table JSON, same filter"),
    )
    if api and datasette:
        lines += [
            "",
            f"Ratio kzdeals API list / Datasette table JSON: **{api['rps'] / datasette['rps']:.2f}** "
            f"({api['rps']:.0f} / {datasette['rps']:.0f} req/s, measured in the same run).",
        ]
    html = by_label.get("HTML list page: one sector")
    if html and datasette:
        lines.append(f"Ratio kzdeals HTML list / Datasette table JSON: {html['rps'] / datasette['rps']:.2f}.")
    lines += ["", "Absolute figures drift ±15-25% between runs on a shared 2-core machine: compare ratios.", ""]
    return "\n".join(lines)


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    if sys.argv[1:] == ["--targets"]:
        targets_and_query_counts()
    else:
        main()
