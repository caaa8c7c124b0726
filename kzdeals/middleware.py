"""Site-wide middleware: one log line per request, and the Cross-Origin-Resource-Policy header."""

import logging
import time

from django.utils.log import log_message

logger = logging.getLogger("kzdeals.requests")

API_PREFIX = "/api/"


class RequestLogMiddleware:
    """Logs `METHOD path status duration` at INFO once per request (the query string is left out).

    The method and path come from the client: like Django's own request logging, they go through
    `log_message`, which writes them with `unicode_escape`, so a `%0a`, `%0d` or `%00` in a URL shows
    as `\\n`, `\\r` or `\\x00` and can neither start a forged line nor make the log binary.

    First in MIDDLEWARE, so the duration covers the whole stack and whitenoise's static answers are
    logged too; an exception further in has already become a 500 answer by the time it gets here.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        response = self.get_response(request)
        duration_ms = (time.perf_counter() - started) * 1000
        log_message(
            logger,
            "%s %s %s %.1fms",
            request.method,
            request.path,
            response.status_code,
            duration_ms,
            level="info",
            request=request,
            status_code=response.status_code,
            duration_ms=round(duration_ms, 1),
        )
        return response


class CrossOriginResourcePolicyMiddleware:
    """`Cross-Origin-Resource-Policy`: the API (open to every origin through CORS) may be loaded from
    anywhere; everything else, pages and static files, only by this site."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if "Cross-Origin-Resource-Policy" not in response:
            policy = "cross-origin" if request.path_info.startswith(API_PREFIX) else "same-origin"
            response["Cross-Origin-Resource-Policy"] = policy
        return response
