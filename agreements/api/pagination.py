"""Page-number pagination: `{"count", "next", "previous", "results"}`, 25 rows a page, at most 100.

A `page` that is not a positive whole number, or a `page_size` that is not a whole number from 1 to 100, is a
400 naming it (the page shows a message instead); a `page` past the last page of the results is a 404.
"""

import re

from django.core.paginator import Paginator as DjangoPaginator
from django.utils.translation import gettext
from rest_framework.pagination import PageNumberPagination
from rest_framework.utils.urls import remove_query_param, replace_query_param

from agreements import links

from .errors import InvalidQuery

PAGE_SIZE = 25
POSITIVE_WHOLE_NUMBER = re.compile(r"0*[1-9][0-9]*")
MAX_PAGE_SIZE = 100


class Pagination(PageNumberPagination):
    page_size = PAGE_SIZE
    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE
    page_size_query_description = f"Number of results per page, from 1 to {MAX_PAGE_SIZE} (default {PAGE_SIZE})."
    page_query_description = "A page number from 1; past the last page is a 404."
    last_page_strings = ()

    def get_page_number(self, request, paginator):
        raw = request.query_params.get(self.page_query_param)
        if raw is None:
            return 1
        if not POSITIVE_WHOLE_NUMBER.fullmatch(raw):
            raise InvalidQuery({self.page_query_param: [gettext("Must be a whole number from 1.")]})
        return int(raw)

    def get_page_size(self, request):
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        try:
            value = int(raw)
        except (TypeError, ValueError, OverflowError):
            value = 0
        if not 1 <= value <= self.max_page_size:
            raise InvalidQuery(
                {
                    self.page_size_query_param: [
                        gettext("Must be a whole number from 1 to %(max)s.") % {"max": self.max_page_size}
                    ]
                }
            )
        return value

    def get_next_link(self):
        if not self.page.has_next():
            return None
        return replace_query_param(self.this_page_url(), self.page_query_param, self.page.next_page_number())

    def get_previous_link(self):
        if not self.page.has_previous():
            return None
        number = self.page.previous_page_number()
        if number == 1:
            return remove_query_param(self.this_page_url(), self.page_query_param)
        return replace_query_param(self.this_page_url(), self.page_query_param, number)

    def this_page_url(self):
        """This page's address on SITE_URL: DRF's own links follow the request's Host, which the answer
        cache would then hand to every later client."""
        return links.absolute_url(self.request.get_full_path())

    def get_schema_operation_parameters(self, view):
        page, page_size = super().get_schema_operation_parameters(view)
        page["schema"]["minimum"] = 1
        page_size["schema"].update(minimum=1, maximum=self.max_page_size, default=self.page_size)
        return [page, page_size]


TOTALS_SCHEMA = {
    "type": "object",
    "description": "What the whole filtered selection adds up to, a group's shared value counted once.",
    "required": ["count", "valued", "unvalued", "by_currency"],
    "properties": {
        "count": {"type": "integer"},
        "valued": {"type": "integer"},
        "unvalued": {"type": "integer"},
        "by_currency": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["currency", "total", "binding", "non_binding", "approximate"],
                "properties": {
                    "currency": {"type": "string"},
                    "total": {"type": "string", "format": "decimal"},
                    "binding": {"type": "string", "format": "decimal"},
                    "non_binding": {"type": "string", "format": "decimal"},
                    "approximate": {"type": "boolean"},
                },
            },
        },
    },
}


class CountedPaginator(DjangoPaginator):
    """A paginator told its count (by `totals()`, which has it anyway) instead of asking with a COUNT."""

    def __init__(self, object_list, per_page, count=None, **kwargs):
        super().__init__(object_list, per_page, **kwargs)
        if count is not None:
            self.__dict__["count"] = count


class AgreementPagination(Pagination):
    """Adds `totals` of the whole filtered selection, not of the page: the list page's figures."""

    known_count = None

    def django_paginator_class(self, object_list, per_page):
        return CountedPaginator(object_list, per_page, count=self.known_count)

    def get_paginated_response(self, data, totals=None):
        response = super().get_paginated_response(data)
        response.data["totals"] = totals
        return response

    def get_paginated_response_schema(self, schema):
        paginated = super().get_paginated_response_schema(schema)
        paginated["properties"]["totals"] = TOTALS_SCHEMA
        paginated["required"] = [*paginated.get("required", []), "totals"]
        return paginated
