"""Export endpoints: the filtered public set of `/agreements/`, whole, in each format.

Bad query parameters get a 400 JSON answer naming each parameter and the reason; nothing here
looks at anything but `Agreement.objects.public()`, through `AgreementFilterSet`.

A streamed answer runs its first query before the status line goes out (`started`), so a database that fails
then is a real status (kzdeals.views.server_error: a JSON 503). One that fails later, once rows have gone out,
raises out of the stream: the server then drops the connection without the chunked body's last chunk, and the
client sees an incomplete download, never a complete-looking file.
"""

import io
import itertools
from functools import wraps

from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpResponse, JsonResponse, StreamingHttpResponse
from django.utils.translation import gettext
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_safe
from openpyxl import Workbook

from agreements.api.errors import INVALID_QUERY
from agreements.filters import AgreementFilterSet
from agreements.validators import conditional

from . import datapackage, ocds, tabular

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def filtered(view):
    """Validate the query parameters once, and hand the view the filtered public queryset."""

    @wraps(view)
    def wrapper(request):
        filterset = AgreementFilterSet(request.GET)
        if not filterset.is_valid():
            errors = {
                name: list(dict.fromkeys(error["message"] for error in items))
                for name, items in filterset.errors.get_json_data().items()
            }
            return JsonResponse({"detail": INVALID_QUERY, "errors": errors}, status=400)
        return view(request, filterset.qs)

    # The register's validators (agreements/validators.py): a current copy gets its 304 before any row is read.
    # Read-only and anonymous: no CSRF check, so any other method is the 405 it is (the API's views are the same).
    return csrf_exempt(require_safe(conditional(wrapper)))


def attachment(response, filename):
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def started(items):
    """`items` with its first item already read, which runs the first query here, in the view."""
    items = iter(items)
    try:
        first = next(items)
    except StopIteration:
        return iter(())
    return itertools.chain([first], items)


def streamed_csv(columns, rows, filename):
    lines = tabular.csv_lines(columns, started(rows))
    response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
    return attachment(response, filename)


@filtered
def agreements_csv(request, queryset):
    rows = tabular.agreement_rows(queryset)
    return streamed_csv(tabular.AGREEMENT_COLUMNS, rows, "kzdeals-agreements.csv")


@filtered
def parties_csv(request, queryset):
    return streamed_csv(tabular.PARTY_COLUMNS, tabular.party_rows(queryset), "kzdeals-parties.csv")


@filtered
def sources_csv(request, queryset):
    return streamed_csv(tabular.SOURCE_COLUMNS, tabular.source_rows(queryset), "kzdeals-sources.csv")


@filtered
def agreements_xlsx(request, queryset):
    """A write-only workbook keeps one row in memory at a time; the finished file is sent whole."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("agreements")
    sheet.append(tabular.AGREEMENT_COLUMNS)
    for row in tabular.agreement_rows(queryset):
        sheet.append([tabular.xlsx_cell(row[column]) for column in tabular.AGREEMENT_COLUMNS])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return attachment(HttpResponse(buffer.getvalue(), content_type=XLSX_TYPE), "kzdeals-agreements.xlsx")


def json_value(value):
    return str(value) if value is not None and not isinstance(value, bool | str | list) else value


def streamed_json_object(head, array_key, items):
    """`{**head, array_key: [items...]}` written piece by piece: memory stays flat in the number of items."""
    encoder = DjangoJSONEncoder(ensure_ascii=False)
    yield encoder.encode(head)[:-1] + ("," if head else "") + encoder.encode(array_key) + ":["
    for position, item in enumerate(items):
        yield ("," if position else "") + encoder.encode(item)
    yield "]}"


def streamed_json(chunks, status=200):
    return StreamingHttpResponse(chunks, content_type="application/json; charset=utf-8", status=status)


@filtered
def agreements_json(request, queryset):
    """Typed rows with the CSV's columns: amounts as decimal strings, lists as lists; streamed."""
    rows = ({key: json_value(value) for key, value in row.items()} for row in tabular.agreement_rows(queryset))
    head = {"totals": queryset.totals().as_dict()}
    return streamed_json(streamed_json_object(head, "agreements", started(rows)))


@filtered
def ocds_release_package(request, queryset):
    if not queryset.exists():
        # The schema requires at least one release: an empty package would not be valid OCDS.
        return JsonResponse({"detail": gettext("No public agreement matches these parameters.")}, status=404)
    header, releases = ocds.release_package_parts(queryset, request)
    return streamed_json(streamed_json_object(header, "releases", started(releases)))


@filtered
def datapackage_descriptor(request, queryset):
    return JsonResponse(datapackage.descriptor(request), json_dumps_params={"ensure_ascii": False})
