"""Rows for the tabular exports: one per agreement (agreements), per party (parties), per citation (sources).

Row builders return typed Python values (Decimal, bool, lists, None); `csv_cell` and `xlsx_cell`
flatten them. A status history is a list of entries (objects in JSON) and one cell in CSV and XLSX, in
the spreadsheet import's form (agreements/flattened.py): `date|status|source|note` per entry, "; "
between entries, a backslash before a ";", "|" or backslash of the text. CSV is UTF-8 without a
byte-order mark: the data package standard and most tools expect plain UTF-8, and a BOM would end up
in the first column's name.
"""

import csv
from decimal import Decimal

from django.db.models import Prefetch

from agreements import links
from agreements.api.serializers import StatusEntrySerializer, plain_reader
from agreements.flattened import status_history_text
from agreements.models import (
    Citation,
    Side,
    StatusEntry,
    agreement_news_since,
    is_stale,
)

CHUNK_SIZE = 500
LIST_SEPARATOR = "; "
# A spreadsheet treats a cell starting with one of these as a formula ("CSV injection").
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")

AGREEMENT_COLUMNS = [
    "slug",
    "title",
    "title_ru",
    "title_kk",
    "kind",
    "binding",
    "status",
    "sector",
    "event",
    "signed_on",
    "value_amount",
    "value_currency",
    "value_approximate",
    "value_basis",
    "group",
    "group_amount",
    "group_currency",
    "kz_parties",
    "us_parties",
    "signatories",
    "places",
    "url",
    "status_history",
    "last_verified_on",
    "news_since",
    "stale",
]
PARTY_COLUMNS = [
    "agreement",
    "organization",
    "organization_name",
    "country",
    "org_type",
    "side",
    "role",
    "signed_by",
    "signer_title",
]
SOURCE_COLUMNS = [
    "agreement",
    "source",
    "supports",
    "publisher",
    "title",
    "url",
    "published_on",
    "language",
    "retrieved_on",
    "claim",
    "claim_amount",
    "claim_currency",
    "disputes",
]


def with_citations(queryset):
    return queryset.prefetch_related(Prefetch("citations", queryset=Citation.objects.select_related("source")))


def with_follow_up(queryset):
    """What the status history and news since read: the entries with their sources, the commitments' updates."""
    return queryset.prefetch_related(
        Prefetch("status_entries", queryset=StatusEntry.objects.select_related("source")), "commitments__updates"
    )


read_status_entry = plain_reader(StatusEntrySerializer)


class StatusHistory(list):
    """An agreement's timeline in a row: its entries, oldest first (a list of objects in JSON), one cell of text
    in CSV and XLSX."""

    def cell(self):
        return status_history_text(
            (entry.date, entry.date_precision, entry.status, entry.source.key if entry.source else None, entry.note)
            for entry in self.entries
        )

    @classmethod
    def of(cls, agreement):
        entries = list(agreement.status_entries.all())
        history = cls(status_entry_object(entry) for entry in entries)
        history.entries = entries
        return history


def status_entry_object(entry):
    """A status entry as the API writes it (StatusEntrySerializer), its source with its key first (the
    `source` of sources.csv)."""
    written = read_status_entry(entry)
    if entry.source is not None:
        written["source"] = {"key": entry.source.key, **written["source"]}
    return written


def iterate(queryset):
    """Rows in chunks, each chunk with its prefetches: the same number of queries for 3 rows as for 300."""
    return queryset.iterator(chunk_size=CHUNK_SIZE)


def signatory(party):
    details = ", ".join(part for part in (party.signer_title, party.organization.name) if part)
    return f"{party.signed_by} ({details})"


def agreement_row(agreement):
    parties = list(agreement.parties.all())
    group = agreement.group
    has_own_value = agreement.value_amount is not None
    return {
        "slug": agreement.slug,
        # English, and its translations where staff gave them (agreements/translation.py), in any language.
        "title": agreement.title_en,
        "title_ru": agreement.title_ru,
        "title_kk": agreement.title_kk,
        "kind": agreement.kind,
        "binding": agreement.binding,
        "status": agreement.status,
        "sector": agreement.sector.slug,
        "event": agreement.event.slug if agreement.event else None,
        "signed_on": agreement.signed_on_display,
        "value_amount": agreement.value_amount,
        "value_currency": agreement.value_currency if has_own_value else None,
        "value_approximate": agreement.value_approximate if has_own_value else None,
        "value_basis": agreement.value_basis if has_own_value else None,
        "group": group.slug if group else None,
        "group_amount": group.amount if group else None,
        "group_currency": group.currency if group else None,
        "kz_parties": [party.organization.name for party in parties if party.side == Side.KZ],
        "us_parties": [party.organization.name for party in parties if party.side == Side.US],
        "signatories": [signatory(party) for party in parties if party.signed_by],
        "places": agreement.place_list,
        "url": links.absolute_url(agreement.get_absolute_url()),
        "status_history": StatusHistory.of(agreement),
        "last_verified_on": agreement.last_verified_on,
        "news_since": agreement_news_since(agreement),
        "stale": is_stale(agreement.last_verified_on),
    }


def agreement_rows(queryset):
    for agreement in iterate(with_follow_up(queryset.with_relations())):
        yield agreement_row(agreement)


def party_rows(queryset):
    for agreement in iterate(queryset.with_relations()):
        for party in agreement.parties.all():
            organization = party.organization
            yield {
                "agreement": agreement.slug,
                "organization": organization.slug,
                "organization_name": organization.name,
                "country": organization.country,
                "org_type": organization.org_type or None,
                "side": party.side,
                "role": party.role,
                "signed_by": party.signed_by or None,
                "signer_title": party.signer_title or None,
            }


def source_rows(queryset):
    for agreement in iterate(with_citations(queryset)):
        for citation in agreement.citations.all():
            source = citation.source
            yield {
                "agreement": agreement.slug,
                "source": source.key,
                "supports": citation.supports,
                "publisher": source.publisher,
                "title": source.title,
                "url": source.url or None,
                "published_on": source.published_on,
                "language": source.language or None,
                "retrieved_on": source.retrieved_on,
                "claim": citation.claim or None,
                "claim_amount": citation.claim_amount,
                "claim_currency": citation.claim_currency or None,
                "disputes": citation.disputes,
            }


def defuse(text):
    """Text a spreadsheet shows as written: a leading apostrophe stops it from being run as a formula."""
    return f"'{text}" if text.startswith(FORMULA_PREFIXES) else text


def cell_text(value):
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, StatusHistory):
        return defuse(value.cell())
    if isinstance(value, list):
        return defuse(LIST_SEPARATOR.join(value))
    if isinstance(value, str):
        return defuse(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def xlsx_cell(value):
    """Numbers and booleans stay typed in a workbook; text goes through the same formula guard as CSV."""
    if value is None or isinstance(value, bool | int | Decimal):
        return value
    return cell_text(value)


class _Echo:
    """A file-like object whose write returns the line, so csv.writer can feed a streaming response."""

    def write(self, value):
        return value


def csv_lines(columns, rows):
    writer = csv.writer(_Echo(), lineterminator="\r\n")
    yield writer.writerow(columns)
    for row in rows:
        yield writer.writerow([cell_text(row[column]) for column in columns])
