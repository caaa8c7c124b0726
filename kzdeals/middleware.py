"""Site-wide middleware: one log line per request, the security headers of every answer, and the
language of each answer."""

import functools
import logging
import time

from django.conf import settings
from django.middleware.locale import LocaleMiddleware
from django.middleware.security import SecurityMiddleware
from django.urls import LocalePrefixPattern, get_resolver
from django.utils import translation
from django.utils.cache import patch_vary_headers
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


class SecurityHeadersMiddleware(SecurityMiddleware):
    """The headers every answer carries, set this far out so that an answer made before the rest of the stack
    ran has them too: a disallowed Host is refused by SecurityMiddleware's HTTPS redirect or by CommonMiddleware,
    whose 400 never passes through the middleware inside them.

    Django's SecurityMiddleware headers (its redirect stays with the SecurityMiddleware further in),
    `Permissions-Policy` (no browser feature is used), and `Cross-Origin-Resource-Policy`: the API (open to every
    origin through CORS) may be loaded from anywhere; everything else, pages and static files, only by this site.
    """

    def process_request(self, request):
        return None

    def process_response(self, request, response):
        response = super().process_response(request, response)
        response.headers.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
        if "Cross-Origin-Resource-Policy" not in response:
            policy = "cross-origin" if request.path_info.startswith(API_PREFIX) else "same-origin"
            response["Cross-Origin-Resource-Policy"] = policy
        return response


@functools.cache
def one_address_patterns(urlconf):
    """The root URLconf's patterns outside `i18n_patterns` (the admin, the API, /healthz)."""
    patterns = get_resolver(urlconf).url_patterns
    return [pattern for pattern in patterns if not isinstance(pattern.pattern, LocalePrefixPattern)]


class AddressOrBrowserLocaleMiddleware(LocaleMiddleware):
    """The public pages' language is their address's (`/ru/...`, `/kk/...`, none for English), whatever
    the browser asks; the admin and the API, which have one address, follow the browser's language
    (Accept-Language) and say that their answer varies with it.

    Django's LocaleMiddleware, with `prefix_default_language=False`, gives every unprefixed address the
    default language, the admin's and the API's included.
    """

    def has_one_address(self, request):
        urlconf = getattr(request, "urlconf", settings.ROOT_URLCONF)
        path = request.path_info.removeprefix("/")
        return any(pattern.pattern.match(path) for pattern in one_address_patterns(urlconf))

    def process_request(self, request):
        if self.has_one_address(request):
            translation.activate(translation.get_language_from_request(request))
            request.LANGUAGE_CODE = translation.get_language()
        else:
            super().process_request(request)

    def process_response(self, request, response):
        if self.has_one_address(request):
            patch_vary_headers(response, ("Accept-Language",))
        response.headers.setdefault("Content-Language", translation.get_language())
        return response
