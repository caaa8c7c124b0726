"""A Frictionless (Table Schema) data package describing the CSV exports of the same filtered set.

Each resource's path is the CSV endpoint with the request's own query string, so the package
describes exactly the rows the matching CSV download holds. Field names and order are the CSV
columns (`tabular.*_COLUMNS`), which a test checks.
"""

from django.urls import reverse

from agreements import links
from agreements.licence import data_license
from agreements.models import Basis, Kind, OrgType, Role, Side, Status, Supports

from . import tabular

PARTIAL_DATE = r"^[0-9]{4}(-[0-9]{2}(-[0-9]{2})?)?$"
CURRENCY = r"^[A-Z]{3}$"
LIST_NOTE = "Several values are separated by '; '."
SLUG_TO_AGREEMENT = {"fields": "agreement", "reference": {"resource": "agreements", "fields": "slug"}}


def field(name, type_="string", description="", required=False, unique=False, format_=None, **constraints):
    entry = {"name": name, "type": type_}
    if format_:
        entry["format"] = format_
    if description:
        entry["description"] = description
    if required:
        constraints["required"] = True
    if unique:
        constraints["unique"] = True
    if constraints:
        entry["constraints"] = constraints
    return entry


def choices(values):
    return [str(value) for value in values]


AGREEMENT_FIELDS = [
    field("slug", description="The agreement's stable identifier.", required=True, unique=True),
    field("title", description="In English.", required=True),
    field("title_ru", description="In Russian, where translated."),
    field("title_kk", description="In Kazakh, where translated."),
    field("kind", required=True, enum=choices(Kind.values)),
    field("binding", "boolean", "Whether the kind of instrument creates obligations.", required=True),
    field("status", description="The deal's life.", required=True, enum=choices(Status.values)),
    field("sector", description="The sector's slug.", required=True),
    field("event", description="The slug of the event at which it was signed."),
    field("signed_on", description="YYYY-MM-DD, or YYYY-MM / YYYY for a partial date.", pattern=PARTIAL_DATE),
    field("value_amount", "number", "The agreement's own value.", minimum=0),
    field("value_currency", description="ISO 4217.", pattern=CURRENCY),
    field("value_approximate", "boolean"),
    field("value_basis", enum=choices(Basis.values)),
    field("group", description="The slug of the group whose shared value covers this agreement."),
    field("group_amount", "number", "The group's shared value, to be counted once per group.", minimum=0),
    field("group_currency", pattern=CURRENCY),
    field("kz_parties", description=f"Kazakh parties. {LIST_NOTE}"),
    field("us_parties", description=f"US parties. {LIST_NOTE}"),
    field("signatories", description=f"Who signed, in what office, for which party. {LIST_NOTE}"),
    field("places", description=LIST_NOTE),
    field("url", description="The agreement's public page.", required=True, format_="uri"),
    field(
        "status_history",
        description="The dated steps of the deal's life, oldest first (by date, then as entered), the last one "
        "its current status. Entries are separated by '; ', each 'date|status|source|note': the date as "
        "YYYY-MM-DD, or YYYY-MM / YYYY when the source gives only the month or the year; the status code; the "
        "key of the source that says so (its 'source' in sources.csv), empty for none; a short note. Trailing "
        "empty parts are left out. A backslash keeps a ';', '|' or '\\' that belongs to the text. The same "
        "form as the spreadsheet import's column.",
    ),
    field(
        "last_verified_on",
        "date",
        "The day staff last checked the record against its sources; empty when never.",
    ),
    field(
        "news_since",
        description="The date of the newest dated fact on the record (signature, status entry, commitment "
        "update), to the precision its source gives: no news since then.",
        pattern=PARTIAL_DATE,
    ),
    field(
        "stale",
        "boolean",
        "Never verified, or last verified more than REGISTER_STALE_AFTER_DAYS (180) days before the export.",
        required=True,
    ),
]
PARTY_FIELDS = [
    field("agreement", required=True),
    field("organization", description="The organisation's slug.", required=True),
    field("organization_name", required=True),
    field("country", description="ISO 3166 alpha-2.", required=True, pattern=r"^[A-Z]{2}$"),
    field("org_type", enum=choices(OrgType.values)),
    field("side", required=True, enum=choices(Side.values)),
    field("role", required=True, enum=choices(Role.values)),
    field("signed_by", description="The person who signed for this party."),
    field("signer_title", description="That person's office when signing."),
]
SOURCE_FIELDS = [
    field("agreement", required=True),
    field("source", description="The source's key.", required=True),
    field("supports", description="What the source backs.", required=True, enum=choices(Supports.values)),
    field("publisher", required=True),
    field("title", required=True),
    field("url", format_="uri"),
    field("published_on", "date"),
    field("language", description="BCP 47."),
    field("retrieved_on", "date"),
    field("claim", description="What this source says, in a few words."),
    field("claim_amount", "number", minimum=0),
    field("claim_currency", pattern=CURRENCY),
    field("disputes", "boolean", "The source disagrees with the register's figure.", required=True),
]

RESOURCES = [
    ("agreements", "exports:agreements-csv", "Agreements", AGREEMENT_FIELDS, ["slug"], []),
    (
        "parties",
        "exports:parties-csv",
        "Parties and signatories",
        PARTY_FIELDS,
        ["agreement", "organization"],
        [SLUG_TO_AGREEMENT],
    ),
    (
        "sources",
        "exports:sources-csv",
        "Sources cited",
        SOURCE_FIELDS,
        ["agreement", "source", "supports"],
        [SLUG_TO_AGREEMENT],
    ),
]
COLUMNS = {
    "agreements": tabular.AGREEMENT_COLUMNS,
    "parties": tabular.PARTY_COLUMNS,
    "sources": tabular.SOURCE_COLUMNS,
}


def descriptor(request):
    query = request.GET.urlencode()
    resources = []
    for name, url_name, title, fields, primary_key, foreign_keys in RESOURCES:
        path = links.absolute_url(reverse(url_name))
        schema = {"fields": fields, "primaryKey": primary_key, "missingValues": [""]}
        if foreign_keys:
            schema["foreignKeys"] = foreign_keys
        resources.append(
            {
                "name": name,
                "title": title,
                "profile": "tabular-data-resource",
                "path": f"{path}?{query}" if query else path,
                "format": "csv",
                "mediatype": "text/csv",
                "encoding": "utf-8",
                "schema": schema,
            }
        )
    return {
        "profile": "tabular-data-package",
        "name": "kzdeals-agreements",
        "title": "Agreements between Kazakhstan and the United States",
        "homepage": links.absolute_url("/"),
        "licenses": [data_license()],
        "resources": resources,
    }
