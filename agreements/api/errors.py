"""One shape for every bad query parameter: `{"detail": ..., "errors": {"<param>": ["reason", ...]}}`.

The same shape as the export endpoints under `/api/v1/exports/`.
"""

from django.utils.translation import gettext, gettext_lazy
from rest_framework import status
from rest_framework.exceptions import APIException

INVALID_QUERY = gettext_lazy("Invalid query parameters.")


class InvalidQuery(APIException):
    status_code = status.HTTP_400_BAD_REQUEST
    default_code = "invalid_query"

    def __init__(self, errors):
        super().__init__({"detail": INVALID_QUERY, "errors": errors})


def null_character_errors(query_params, names):
    """The named parameters holding a NUL byte, which PostgreSQL refuses in any text comparison."""
    return {
        name: [gettext("Contains a null character.")]
        for name in names
        if any("\x00" in value for value in query_params.getlist(name))
    }
