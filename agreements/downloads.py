"""The downloads page's facts: the data's licence, and each export's format, size and last update.

A size is the length of the whole register's file, measured by making it once after each change of the
public register (the tally's moment) and kept in the cache under that moment: a visit reads the moment (one
query) and the cached sizes; only the first visit after a change pays for making the files."""

from django.conf import settings
from django.core.cache import cache
from django.test import RequestFactory
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from .exports import views as exports
from .licence import data_license  # noqa: F401 (the page states it)
from .tally import changed_at

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


def measured_size(url_name):
    """The length in bytes of the whole register's file at `url_name`, made here as a visitor would get it."""
    view = {
        "exports:agreements-csv": exports.agreements_csv,
        "exports:parties-csv": exports.parties_csv,
        "exports:sources-csv": exports.sources_csv,
        "exports:agreements-xlsx": exports.agreements_xlsx,
        "exports:agreements-json": exports.agreements_json,
        "exports:ocds-release-package": exports.ocds_release_package,
        "exports:datapackage": exports.datapackage_descriptor,
    }[url_name]
    response = view(RequestFactory().get(reverse(url_name)))
    if response.streaming:
        return sum(len(chunk) for chunk in response.streaming_content)
    return len(response.content)


def exports_with_sizes():
    """[(url name, format, description, size in bytes)] and the moment the public register last changed."""
    moment = changed_at("all")
    key = f"kzdeals:download-sizes:{settings.REGISTER_DATA_LICENSE}:{moment.isoformat() if moment else 'empty'}"
    sizes = cache.get(key)
    if sizes is None:
        sizes = {url_name: measured_size(url_name) for url_name, _format, _what in EXPORTS}
        cache.set(key, sizes, 24 * 3600)
    return [(url_name, kind, what, sizes[url_name]) for url_name, kind, what in EXPORTS], moment
