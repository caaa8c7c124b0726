"""The register's addresses in each language: English at today's addresses, the others under a prefix
(`/ru/agreements/`, `/kk/agreements/`), as `i18n_patterns(..., prefix_default_language=False)` in
kzdeals/urls.py serves them.

The other languages' address of a page is its address with the prefix swapped, so it is found without
resolving the path again (and is right on a 404 too, whose path resolves to nothing).
"""

from functools import wraps

from django.conf import settings
from django.http import HttpResponsePermanentRedirect

from . import links

# The `og:locale` of each language (Open Graph wants a territory).
OG_LOCALES = {"en": "en_US", "ru": "ru_RU", "kk": "kk_KZ"}


def prefixed_languages():
    return [code for code, _name in settings.LANGUAGES if code != settings.LANGUAGE_CODE]


def split_path(path):
    """(the language of `path`, `path` without its language prefix): `/ru/agreements/` is ("ru",
    "/agreements/"), `/agreements/` is ("en", "/agreements/")."""
    for code in prefixed_languages():
        prefix = f"/{code}"
        if path == prefix or path.startswith(f"{prefix}/"):
            return code, path[len(prefix) :] or "/"
    return settings.LANGUAGE_CODE, path


def path_in(language, path):
    """`path` (an address of the public pages, in any language) in `language`."""
    bare = split_path(path)[1]
    return bare if language == settings.LANGUAGE_CODE else f"/{language}{bare}"


def is_public_page(request):
    """Whether this answer is one of the public pages, which exist in every language (not the admin's
    or the API's, which keep one address and follow the browser's language)."""
    match = getattr(request, "resolver_match", None)
    return match is None or "agreements" in match.namespaces


def alternates(request):
    """This page in every language, for the switcher and `<link rel="alternate" hreflang>`: a dict per
    language with `code`, `name`, `path` (with the query string, for the switcher), `url` (absolute on
    SITE_URL, without the query string, as the canonical address is), `current` and `default` (the
    `x-default`)."""
    current, bare = split_path(request.path)
    query = request.META.get("QUERY_STRING", "")
    result = []
    for code, name in settings.LANGUAGES:
        path = path_in(code, bare)
        result.append(
            {
                "code": code,
                "name": name,
                "path": f"{path}?{query}" if query else path,
                "url": links.absolute_url(path),
                "current": code == current,
                "default": code == settings.LANGUAGE_CODE,
            }
        )
    return result


def one_address(view):
    """For what has one address whatever the language (the sitemap, robots.txt): its address under a
    language prefix answers 301 to the unprefixed one."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        language, bare = split_path(request.path)
        if language != settings.LANGUAGE_CODE:
            query = request.META.get("QUERY_STRING", "")
            return HttpResponsePermanentRedirect(f"{bare}?{query}" if query else bare)
        return view(request, *args, **kwargs)

    return wrapped
