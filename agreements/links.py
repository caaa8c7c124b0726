"""Absolute URLs of the register: `SITE_URL` and a path, never the request's Host or scheme.

The Host header (and X-Forwarded-Host or -Proto, where trusted) is the client's to choose: a link
built from it would send the readers of a feed, a sitemap, an export or a cached API answer wherever
the first requester pointed it. Every absolute URL in public output comes from here.
"""

from urllib.parse import urlsplit

from django.conf import settings


def absolute_url(path="/"):
    """`path` (absolute, from `reverse()` or `get_absolute_url()`, query string allowed) on SITE_URL."""
    return f"{settings.SITE_URL}{path}"


def site_scheme_and_host():
    """SITE_URL's scheme and host (with any port), for what asks for them apart (the sitemap)."""
    parts = urlsplit(settings.SITE_URL)
    return parts.scheme, parts.netloc
