import secrets

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

CACHE_PROBE_KEY = "healthz:probe"


def cache_answers():
    """Round trip of a short-lived key through the shared cache."""
    token = secrets.token_hex(8)
    cache.set(CACHE_PROBE_KEY, token, timeout=10)
    return cache.get(CACHE_PROBE_KEY) == token


@require_safe
@never_cache
def healthz(request):
    """Up and able to reach the database (and Redis, when REDIS_URL is set): 200, else 503.

    For a load balancer or a monitor; the answer never says more than which part is unreachable.
    """
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:
        return JsonResponse({"status": "error", "database": "unreachable"}, status=503)
    if not settings.REDIS_URL:
        return JsonResponse({"status": "ok", "database": "ok"})
    try:
        reachable = cache_answers()
    except Exception:
        reachable = False
    if not reachable:
        return JsonResponse({"status": "error", "cache": "unreachable"}, status=503)
    return JsonResponse({"status": "ok", "database": "ok", "cache": "ok"})
