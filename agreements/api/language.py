"""The language of an API answer (PRODUCT.md, "Languages"): `lang` (en, ru, kk) or else `Accept-Language`
chooses it, for every answer under /api/ (lists, details, exports, errors); the answer says
`Content-Language` and `Vary: Accept-Language`. An unknown `lang` is a 400 naming it, in the API's one
error shape. Only names and texts change with the language: the JSON's shape is the serializers' in every
one, and the answer cache keys its answers by the language (api/conditional.py).
"""

from django.http import JsonResponse
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext

from agreements import content_language

from .errors import INVALID_QUERY

PARAMETER = "lang"


def requested(request):
    """The answer's language, or None for a `lang` that is not one of the register's."""
    values = request.GET.getlist(PARAMETER)
    if values:
        return content_language.normalize(values[-1]) if values[-1] in content_language.CODES else None
    header = request.META.get("HTTP_ACCEPT_LANGUAGE", "")
    for code, _ in translation.trans_real.parse_accept_lang_header(header):
        if code == "*":
            break
        language = content_language.normalize(code)
        if language:
            return language
    return content_language.DEFAULT


class APILanguageMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not request.path_info.startswith("/api/"):
            return self.get_response(request)
        language = requested(request)
        if language is None:
            message = gettext("Use one of: %(codes)s.") % {"codes": ", ".join(content_language.CODES)}
            response = JsonResponse({"detail": gettext(INVALID_QUERY), "errors": {PARAMETER: [message]}}, status=400)
            language = content_language.DEFAULT
        else:
            with translation.override(language):
                response = self.get_response(request)
        response["Content-Language"] = language
        patch_vary_headers(response, ["Accept-Language"])
        return response


def document_lang(result, generator, request, public):
    """drf-spectacular hook: `lang` documented once (a parameter component) and referred to by every
    operation, exports included."""
    result.setdefault("components", {}).setdefault("parameters", {})[PARAMETER] = {
        "name": PARAMETER,
        "in": "query",
        "required": False,
        "description": "The language of names and texts: en, ru or kk (else Accept-Language, else en). A "
        "text not yet translated falls back (kk to ru to en, ru to en); an unknown value is a 400.",
        "schema": {"type": "string", "enum": list(content_language.CODES)},
    }
    for path in result.get("paths", {}).values():
        for method, operation in path.items():
            if method in ("get", "head"):
                operation.setdefault("parameters", []).append({"$ref": f"#/components/parameters/{PARAMETER}"})
                # An unknown `lang` is a 400 in the API's one error shape, on every operation.
                operation.setdefault("responses", {}).setdefault(
                    "400",
                    {
                        "description": "An unknown lang (or another invalid query parameter).",
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/InvalidQuery"}}},
                    },
                )
    return result
