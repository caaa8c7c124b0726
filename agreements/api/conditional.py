"""Conditional GET and the server-side cache for the API.

- A strong ETag from the body: always right (an organisation renamed, a source added, a record
  unpublished all change it); a matching If-None-Match gets a 304.
- Last-Modified: when what the answer shows last changed. Saving a party, citation, organisation,
  source, group, event or sector moves the `updated_at` of the agreements that show it
  (agreements/caching.py), and a list's date is its selection's moment in the tally, which a removal
  moves too. If-None-Match wins over If-Modified-Since when both are sent, as RFC 9110 says.
- `Cache-Control: public, max-age=60` for shared caches.
- With REGISTER_CACHE_TIMEOUT on (a shared cache), a 200 is kept per full path and day (`stale`,
  `overdue` and the follow-up counts depend on the day) with the register version it was computed
  under, and goes out again before any of the framework's work (one cache read, no SQL; the rate
  limit, a middleware, has counted it already); any save changes the version, so every kept answer is
  stale at once.
"""

import hashlib

from django.core.cache import cache
from django.http import HttpResponse
from django.utils.cache import get_conditional_response
from django.utils.http import http_date, quote_etag

from agreements.caching import VERSION_KEY, answer_key, cache_timeout, register_version
from agreements.models import followup

CACHE_CONTROL = "public, max-age=60"


def body_etag(content):
    return quote_etag(hashlib.blake2b(content, digest_size=16).hexdigest())


def kept_answer(key):
    """(the register version now, the answer kept under `key` for that version or None): one round trip. The
    version is None when the cache does not answer: then nothing is read or kept."""
    found = cache.get_many([VERSION_KEY, key])
    version = found.get(VERSION_KEY) or register_version()
    kept = found.get(key)
    if version is not None and kept is not None and kept[0] == version:
        return version, kept[1]
    return version, None


class ConditionalGetMixin:
    last_modified = None
    answer_to_keep = None  # (cache key, register version) of an answer to keep once it is built

    def dispatch(self, request, *args, **kwargs):
        if cache_timeout() and request.method in ("GET", "HEAD"):
            key = answer_key("api", followup.today().isoformat(), request.get_full_path())
            version, kept = kept_answer(key)
            if kept is not None:
                return self.replay(request, kept)
            if version is not None:
                self.answer_to_keep = (key, version)
        return super().dispatch(request, *args, **kwargs)

    @staticmethod
    def replay(request, kept):
        response = HttpResponse(kept["content"])
        for name, value in kept["headers"].items():
            response.headers[name] = value
        response.headers["X-Cache"] = "hit"
        return get_conditional_response(
            request, etag=kept["etag"], last_modified=kept["last_modified"], response=response
        )

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        if request.method not in ("GET", "HEAD") or response.status_code != 200:
            return response
        if hasattr(response, "render"):
            response.render()
        etag = body_etag(response.content)
        response.headers["ETag"] = etag
        response.headers["Cache-Control"] = CACHE_CONTROL
        # HTTP dates have whole seconds: round down, or a copy fetched this second would never match.
        last_modified = int(self.last_modified.timestamp()) if self.last_modified else None
        if last_modified is not None:
            response.headers["Last-Modified"] = http_date(last_modified)
        if self.answer_to_keep:
            key, version = self.answer_to_keep
            kept = {
                "content": response.content,
                "headers": dict(response.headers),
                "etag": etag,
                "last_modified": last_modified,
            }
            cache.set(key, (version, kept), cache_timeout())
        return get_conditional_response(request, etag=etag, last_modified=last_modified, response=response)
