"""Conditional GET for the API: a strong ETag from the body, a 304 when the client has it.

A hash of the rendered body is always right (an organisation renamed, a source added, a record
unpublished all change it) at the price of building the answer before comparing; the 304 saves
the transfer, and `Cache-Control: public, max-age=60` lets shared caches skip the request. There
is no Last-Modified: no timestamp moves when a related organisation or source changes, so a date
could answer 304 to a client holding an outdated body.
"""

import hashlib

from django.utils.cache import get_conditional_response
from django.utils.http import quote_etag

CACHE_CONTROL = "public, max-age=60"


def body_etag(content):
    return quote_etag(hashlib.blake2b(content, digest_size=16).hexdigest())


class ConditionalGetMixin:
    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        if request.method not in ("GET", "HEAD") or response.status_code != 200:
            return response
        response.render()
        etag = body_etag(response.content)
        response.headers["ETag"] = etag
        response.headers["Cache-Control"] = CACHE_CONTROL
        return get_conditional_response(request, etag=etag, response=response)
