"""How to cite a record: a sentence on its page, CSL-JSON (for Zotero, Pandoc, citeproc) and BibTeX.

Each names the register, the record's title, its address on SITE_URL, its version date (the day of its latest
published change, else of its publication) and the day it was accessed (today)."""

import re

from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from . import links
from .models import PublishedVersion, followup

REGISTER = "kzdeals: Kazakhstan\u2013USA agreements register"
CONTROL = re.compile(r"[\x00-\x1f\x7f]+")
# LaTeX's special characters in BibTeX field text, each as LaTeX writes it literally.
LATEX = {
    "\\": r"\textbackslash{}",
    "{": r"\{",
    "}": r"\}",
    "$": r"\$",
    "&": r"\&",
    "#": r"\#",
    "^": r"\textasciicircum{}",
    "_": r"\_",
    "%": r"\%",
    "~": r"\textasciitilde{}",
}


def version_date(agreement):
    """The day of the record's latest published change, else of its first publication (one query)."""
    latest = PublishedVersion.objects.changes().filter(agreement=agreement).aggregate(latest=Max("at"))["latest"]
    moment = latest or agreement.published_at or agreement.updated_at
    return timezone.localdate(moment)


def citation(agreement, version=None):
    """What every format says: {"title", "url", "version", "accessed"}; `version` when the caller knows it."""
    return {
        "title": agreement.title,
        "url": links.absolute_url(agreement.get_absolute_url()),
        "version": version or version_date(agreement),
        "accessed": followup.today(),
    }


def date_parts(day):
    return {"date-parts": [[day.year, day.month, day.day]]}


def csl_json(agreement):
    """A CSL-JSON item list (one item) for the record, as a dataset entry of the register."""
    cited = citation(agreement)
    return [
        {
            "id": f"kzdeals-{agreement.slug}",
            "type": "dataset",
            "title": cited["title"],
            "container-title": REGISTER,
            "publisher": "kzdeals",
            "URL": cited["url"],
            "issued": date_parts(cited["version"]),
            "accessed": date_parts(cited["accessed"]),
            "version": cited["version"].isoformat(),
        }
    ]


def latex(text):
    """Text for a BibTeX field: LaTeX's specials escaped, control characters as spaces, braces balanced."""
    text = CONTROL.sub(" ", text)
    return "".join(LATEX.get(character, character) for character in text)


def bibtex(agreement):
    """A BibTeX @misc entry for the record (biblatex's `urldate` and `version` too)."""
    cited = citation(agreement)
    version, accessed = cited["version"].isoformat(), cited["accessed"].isoformat()
    fields = [
        ("title", "{" + latex(cited["title"]) + "}"),  # double braces keep the title's capitals
        ("author", "{kzdeals}"),
        ("organization", latex(REGISTER)),
        ("howpublished", "\\url{" + cited["url"] + "}"),
        ("url", cited["url"]),
        ("year", str(cited["version"].year)),
        ("version", version),
        ("urldate", accessed),
        (
            "note",
            latex(_("Version of %(version)s, accessed %(accessed)s") % {"version": version, "accessed": accessed}),
        ),
    ]
    body = ",\n".join(f"  {name} = {{{value}}}" for name, value in fields)
    return f"@misc{{kzdeals-{agreement.slug},\n{body}\n}}\n"
