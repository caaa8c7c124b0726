"""The downloads page's facts: the data's licence, and each export's format, size and last update.

A size is the length of the whole register's file: made whole when the register holds at most SAMPLE
agreements, else made for the first SAMPLE and scaled by the count (an estimate, said "about": at 100,000
agreements the files take a minute and a half to write, which no visit may wait for). Measured once after
each change of the public register (the tally's moment) and kept in the cache under that moment: a visit
reads the moment (one query) and the cached sizes; the first visit after a change pays about half a second."""

import inspect

from django.conf import settings
from django.core.cache import cache
from django.test import RequestFactory
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from .exports import views as exports
from .licence import data_license  # noqa: F401 (the page states it)
from .models import Agreement
from .tally import changed_at, tallied_totals

SAMPLE = 200
# Files whose size does not grow with the rows.
FIXED = {"exports:datapackage"}

# (URL name, format, what it holds): every export, in the order the page lists them.
EXPORTS = [
    ("exports:agreements-csv", "CSV", _("Agreements, one row each (the list's columns)")),
    ("exports:parties-csv", "CSV", _("Parties and signatories, one row each")),
    ("exports:sources-csv", "CSV", _("Sources, one row each")),
    ("exports:agreements-xlsx", "XLSX", _("Agreements as a spreadsheet")),
    ("exports:agreements-json", "JSON", _("Agreements as the API describes them")),
    ("exports:ocds-release-package", "OCDS JSON", _("An Open Contracting Data Standard 1.1 release package")),
    ("exports:datapackage", "Data package JSON", _("A Frictionless data package describing the three CSV files")),
]


def measured_size(url_name, queryset):
    """The length in bytes of the file at `url_name` holding `queryset`, made as a visitor would get it."""
    view = {
        "exports:agreements-csv": exports.agreements_csv,
        "exports:parties-csv": exports.parties_csv,
        "exports:sources-csv": exports.sources_csv,
        "exports:agreements-xlsx": exports.agreements_xlsx,
        "exports:agreements-json": exports.agreements_json,
        "exports:ocds-release-package": exports.ocds_release_package,
        "exports:datapackage": exports.datapackage_descriptor,
    }[url_name]
    # The view without its parameter check: it is handed the rows to write.
    response = inspect.unwrap(view)(RequestFactory().get(reverse(url_name)), queryset)
    if response.streaming:
        return sum(len(chunk) for chunk in response.streaming_content)
    return len(response.content)


def measured_sizes():
    """{url name: (size in bytes, exact)} for the whole public register."""
    count = tallied_totals("all").count
    public = Agreement.objects.public()
    if count <= SAMPLE:
        return {url_name: (measured_size(url_name, public), True) for url_name, _kind, _what in EXPORTS}
    first = list(public.order_by("pk").values_list("pk", flat=True)[:SAMPLE])
    sample = public.filter(pk__in=first)
    sizes = {}
    for url_name, _kind, _what in EXPORTS:
        size = measured_size(url_name, sample)
        sizes[url_name] = (size, True) if url_name in FIXED else (round(size * count / len(first)), False)
    return sizes


def exports_with_sizes():
    """[(url name, format, description, size in bytes, exact)] and when the public register last changed."""
    moment = changed_at("all")
    key = f"kzdeals:download-sizes:{settings.REGISTER_DATA_LICENSE}:{moment.isoformat() if moment else 'empty'}"
    sizes = cache.get(key)
    if sizes is None:
        sizes = measured_sizes()
        cache.set(key, sizes, 24 * 3600)
    return [(url_name, kind, what, *sizes[url_name]) for url_name, kind, what in EXPORTS], moment
