import os
import secrets
import sys
import time

from django.conf import settings
from django.core.cache import cache
from django.db import DatabaseError, InterfaceError, OperationalError, connection, transaction
from django.http import HttpResponse, JsonResponse
from django.template import loader
from django.utils.translation import gettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from .middleware import API_PREFIX
from .models import WriteProbe

CACHE_PROBE_KEY = "healthz:probe"
# The database could not be reached or could not do the work just now (connection refused or lost, disk full,
# locked): worth retrying, unlike a programming error.
DATABASE_UNAVAILABLE = (OperationalError, InterfaceError)
RETRY_AFTER_SECONDS = 30
# More than a page of the database file (SQLite's 4 KiB, PostgreSQL's 8 KiB), so that the probe needs new room in
# it, as a save does.
WRITE_PROBE_BYTES = 10_000


def cache_answers():
    """Round trip of a short-lived key through the shared cache."""
    token = secrets.token_hex(8)
    cache.set(CACHE_PROBE_KEY, token, timeout=10)
    return cache.get(CACHE_PROBE_KEY) == token


# The write probe's last answer in this process, and when: /healthz is public, and a probe per request would
# let anyone make the database write as fast as they ask (and queue behind editors' saves on SQLite).
WRITE_PROBE_SECONDS = 10
last_write_probe = {"at": None, "ok": True}


def database_takes_writes():
    """One row written and removed in one small transaction, at most every WRITE_PROBE_SECONDS a process: a
    full disk or a read-only database refuses it."""
    now = time.monotonic()
    if last_write_probe["at"] is not None and now - last_write_probe["at"] < WRITE_PROBE_SECONDS:
        return last_write_probe["ok"]
    try:
        with transaction.atomic():
            WriteProbe.objects.create(payload=os.urandom(WRITE_PROBE_BYTES)).delete()
        ok = True
    except DatabaseError:
        ok = False
    last_write_probe.update(at=now, ok=ok)
    return ok


@require_safe
@never_cache
def healthz(request):
    """Up, with a database that answers and takes writes (and Redis, when REDIS_URL is set): 200, else 503.

    For a load balancer or a monitor; the answer never says more than which part fails.
    """
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:
        return JsonResponse({"status": "error", "database": "unreachable"}, status=503)
    if not database_takes_writes():
        return JsonResponse({"status": "error", "database": "cannot write"}, status=503)
    if not settings.REDIS_URL:
        return JsonResponse({"status": "ok", "database": "ok"})
    try:
        reachable = cache_answers()
    except Exception:
        reachable = False
    if not reachable:
        return JsonResponse({"status": "error", "cache": "unreachable"}, status=503)
    return JsonResponse({"status": "ok", "database": "ok", "cache": "ok"})


def server_error(request):
    """handler500: a database that is unavailable is a 503 with Retry-After, anything else a 500; JSON under the
    API, the site's short page elsewhere. Rendered without a request context, so it needs no database."""
    unavailable = isinstance(sys.exception(), DATABASE_UNAVAILABLE)
    status = 503 if unavailable else 500
    if request.path_info.startswith(API_PREFIX):
        detail = (
            gettext("The register's database is unavailable; try again shortly.")
            if unavailable
            else gettext("Server error.")
        )
        response = JsonResponse({"detail": detail}, status=status)
    else:
        page = loader.get_template("503.html" if unavailable else "500.html").render()
        response = HttpResponse(page, status=status)
    if unavailable:
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response
