"""Conditional GET and the server-side cache for the API.

- A strong ETag from the body: always right (an organisation renamed, a source added, a record
  unpublished all change it); a matching If-None-Match gets a 304.
- Last-Modified: the latest `updated_at` of what the answer shows. Saving a party, citation,
  organisation, source, group, event or sector moves the `updated_at` of the agreements that show
  it (agreements/caching.py), so the date moves whenever the body can. If-None-Match wins over
  If-Modified-Since when both are sent, as RFC 9110 says.
- `Cache-Control: public, max-age=60` for shared caches.
- With REGISTER_CACHE_TIMEOUT on (a shared cache), a 200 is kept per register version and full
  path: a repeated request costs no SQL, and any save makes the kept answers unreachable at once.
"""

import hashlib

from django.core.cache import cache
from django.http import HttpResponse
from django.utils.cache import get_conditional_response
from django.utils.http import http_date, quote_etag

from agreements.caching import cache_key, cache_timeout

CACHE_CONTROL = "public, max-age=60"


def body_etag(content):
    return quote_etag(hashlib.blake2b(content, digest_size=16).hexdigest())


class ConditionalGetMixin:
    last_modified = None
    answer_cache_key = None

    def cached_or(self, request, build):
        """The kept answer for this request, or `build()` (then kept by finalize_response)."""
        if not cache_timeout() or request.method not in ("GET", "HEAD"):
            return build()
        self.answer_cache_key = cache_key("api", request.get_full_path())
        kept = cache.get(self.answer_cache_key)
        if kept is None:
            return build()
        content, content_type, last_modified = kept
        self.last_modified = last_modified
        self.answer_cache_key = None  # already kept
        response = HttpResponse(content, content_type=content_type)
        response.headers["X-Cache"] = "hit"
        return response

    def list(self, request, *args, **kwargs):
        return self.cached_or(request, lambda: super(ConditionalGetMixin, self).list(request, *args, **kwargs))

    def retrieve(self, request, *args, **kwargs):
        return self.cached_or(request, lambda: super(ConditionalGetMixin, self).retrieve(request, *args, **kwargs))

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        if request.method not in ("GET", "HEAD") or response.status_code != 200:
            return response
        if hasattr(response, "render"):
            response.render()
        if self.answer_cache_key:
            cache.set(
                self.answer_cache_key,
                (response.content, response.headers["Content-Type"], self.last_modified),
                cache_timeout(),
            )
        etag = body_etag(response.content)
        response.headers["ETag"] = etag
        response.headers["Cache-Control"] = CACHE_CONTROL
        # HTTP dates have whole seconds: round down, or a copy fetched this second would never match.
        last_modified = int(self.last_modified.timestamp()) if self.last_modified else None
        if last_modified is not None:
            response.headers["Last-Modified"] = http_date(last_modified)
        return get_conditional_response(request, etag=etag, last_modified=last_modified, response=response)
