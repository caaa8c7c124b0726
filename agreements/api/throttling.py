"""The API's rate limit: every request under /api/ counts against its client's address.

- In Django's default cache: Redis when REDIS_URL is set, so every gunicorn worker (and every
  server) adds to one count; without it each process counts alone, which suits a laptop.
- One counter per client and fixed window, raised with `incr` (atomic in Redis). DRF's throttle reads
  a list of times and writes it back whole, so two workers at once lose each other's requests.
- As middleware, before any view: the answer cache's replays (api/conditional.py), which skip DRF,
  and the exports, which are not DRF views, count like every other request.
- The client is `kzdeals.clients.client_address`: REMOTE_ADDR, or X-Forwarded-For only behind a
  proxy that overwrites it (DJANGO_BEHIND_PROXY).
- Every answer carries RateLimit-Limit, RateLimit-Remaining and RateLimit-Reset (seconds until the
  window ends, as in the IETF httpapi draft); a 429 adds Retry-After.
"""

import math
import time

from django.conf import settings
from django.core.cache import cache
from django.http import JsonResponse
from django.utils.translation import gettext

from kzdeals.clients import client_address
from kzdeals.middleware import API_PREFIX

PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_rate(rate):
    """`"120/minute"` -> (120, 60), in DRF's notation (`n/s`, `n/m`, `n/h`, `n/d`, words allowed)."""
    number, period = rate.split("/")
    return int(number), PERIODS[period.strip()[0]]


def count_request(key, timeout):
    """This window's count for `key`, this request included."""
    try:
        return cache.incr(key)
    except ValueError:  # the window's first request
        if cache.add(key, 1, timeout):
            return 1
        return cache.incr(key)  # another worker started the window meanwhile


class RateLimitMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not request.path_info.startswith(API_PREFIX):
            return self.get_response(request)
        limit, period = parse_rate(settings.API_THROTTLE_ANON)
        now = time.time()
        window = int(now // period)
        reset = max(1, math.ceil((window + 1) * period - now))
        try:
            # Twice the period: a key must outlive its window even on a server whose clock runs behind.
            count = count_request(f"kzdeals:rate:{client_address(request)}:{period}:{window}", 2 * period)
        except Exception:
            # A cache that is gone must not take the API down with it: unlimited until it is back.
            return self.get_response(request)
        if count > limit:
            response = JsonResponse(
                {
                    "detail": gettext("Request was throttled. Expected available in %(seconds)s seconds.")
                    % {"seconds": reset}
                },
                status=429,
            )
            response["Retry-After"] = str(reset)
        else:
            response = self.get_response(request)
        response["RateLimit-Limit"] = str(limit)
        response["RateLimit-Remaining"] = str(max(0, limit - count))
        response["RateLimit-Reset"] = str(reset)
        return response
