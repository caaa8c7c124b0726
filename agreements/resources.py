"""CSV/XLSX import and export of agreements (django-import-export).

An import never publishes: new rows are drafts and an existing row keeps its publication state, so
every imported record goes through review before the public sees it. Every row is validated like
an admin form (`full_clean`), and one bad row rolls the whole file back. Each saved row is recorded
in the history with the importing user.

Besides the agreement's own columns, a row carries its relations, each a list of items separated
by ";" whose parts are separated by "|":

- `group`: the slug of the group whose shared value the agreement belongs to (optional; a member
  has no `value_amount` of its own).
- `kz_parties`, `us_parties`: the organisations on each side, `slug|role|signed_by|signer_title`;
  only the slug is required and the role defaults to "party", e.g.
  `ktz|buyer|Talgat Alpysbayev|Chairman; samruk-kazyna`.
- `sources`: the sources cited, `key|supports`; what a citation supports defaults to "record",
  e.g. `akorda-2025-11-06; wabtec-2025-09-16|value`.
- `status_history`: the status timeline, `date|status|source|note` (agreements/flattened.py), e.g.
  `2025-11|signed|mfa-2025-11-07|Signed during the visit; 2026-03-12|in_force`. The row's `status` must be
  its latest entry's (by date, then as listed), or the record's latest without the column: the status
  comes from the timeline, and a row that contradicts it is refused, naming the column. Sources must
  exist first.

`title`, `summary` and `places` are the English text; `title_ru`, `title_kk`, `summary_ru` and `summary_kk`
its translations (an empty cell: not translated), whatever language the editor reads the admin in.

A backslash keeps a ";", "|" or "\\" that belongs to a name. When a row has one of these columns,
the agreement's parties of that side (or its citations, or its timeline) become exactly the file's
list: items that are not listed are removed, listed items are added or updated (a citation's claim
is kept). A file without the column leaves them alone. `last_verified_on` is a date (YYYY-MM-DD). The
export writes the same columns, so an exported file imports back to the same data: in a workbook, text
that starts with "=" is a text cell, not a formula (`TextOnlyXLSX`); in a CSV file, text that a
spreadsheet would run gets a leading apostrophe, which the import takes off again (`DefusedCSV`).
"""

import datetime
import io
import re
from collections import defaultdict, namedtuple

import openpyxl
import tablib
from diff_match_patch import diff_match_patch
from django.core.exceptions import ValidationError
from django.db.models import Prefetch, QuerySet
from django.utils.encoding import force_str
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext
from import_export import fields, resources, widgets
from import_export.formats import base_formats

from .amounts import parse_amount
from .exports.tabular import FORMULA_PREFIXES
from .flattened import STATUS_HISTORY_FORMAT, join_items, split_items, status_history_text
from .models import (
    Agreement,
    Citation,
    Event,
    Group,
    Organization,
    Party,
    PublicationState,
    Role,
    Sector,
    Side,
    Source,
    Status,
    StatusEntry,
    Supports,
    format_partial_date,
    parse_partial_date,
)

PartyItem = namedtuple("PartyItem", "organization role signed_by signer_title")
CitationItem = namedtuple("CitationItem", "source supports")
TimelineItem = namedtuple("TimelineItem", "date precision status source note")
PARTIAL_DATE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")


def party_key(item):
    return (item.organization.slug, item.role, item.signed_by, item.signer_title)


def citation_key(item):
    return (item.source.key, item.supports)


def timeline_key(item):
    """What tells two entries of one timeline apart (the database's unique constraint)."""
    return (item.date, item.status)


def timeline_order(items):
    """Entries in the timeline's order: by date (a month or a year at its first day), then as listed."""
    return sorted(items, key=lambda item: item.date)


def choices_text(values):
    return ", ".join(values)


def sentence(problems):
    return " ".join(problems)


class SlugWidget(widgets.ForeignKeyWidget):
    """A foreign key given by slug; an unknown slug is a row error that names the slug."""

    def __init__(self, model, **kwargs):
        super().__init__(model, field="slug", **kwargs)

    def clean(self, value, row=None, **kwargs):
        try:
            return super().clean(value, row=row, **kwargs)
        except self.model.DoesNotExist:
            raise ValueError(f"No {self.model._meta.verbose_name} with the slug {value!r}.") from None


class AmountWidget(widgets.DecimalWidget):
    """An amount as the admin's form reads it (agreements/amounts.py): 2,500,000,000 or 2 500 000 000, never
    "250 million"; the row's error says why."""

    def clean(self, value, row=None, **kwargs):
        if isinstance(value, float):  # a workbook's number cell
            value = repr(value)
        try:
            return parse_amount(value)
        except ValidationError as error:
            raise ValueError(error.messages[0]) from None


class TranslationWidget(widgets.CharWidget):
    """A translation's cell: empty (or blank) is "not translated", null, as the admin stores it."""

    def clean(self, value, row=None, **kwargs):
        text = super().clean(value, row, **kwargs)
        return text if text and text.strip() else None


class IsoDateWidget(widgets.DateWidget):
    """A date in ISO form (or a spreadsheet's date cell); anything else is a row error that says what was expected."""

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)

    def clean(self, value, row=None, **kwargs):
        if isinstance(value, datetime.datetime):
            return value.date()
        try:
            return super().clean(value, row=row, **kwargs)
        except ValueError:
            raise ValueError(gettext("Enter a date as YYYY-MM-DD, not %(value)s.") % {"value": repr(value)}) from None


class PartyListWidget(widgets.Widget):
    """`slug|role|signed_by|signer_title` items separated by ";"; cleans to sorted `PartyItem`s."""

    def clean(self, value, row=None, **kwargs):
        items = split_items(str(value)) if value not in (None, "") else []
        problems = []
        slugs = [item[0] for item in items if item[0]]
        organizations = Organization.objects.in_bulk(slugs, field_name="slug")
        max_lengths = {name: Party._meta.get_field(name).max_length for name in ("signed_by", "signer_title")}
        cleaned, seen = [], set()
        for item in items:
            if len(item) > 4:
                problems.append(
                    f"{join_items([item])!r} has more than four parts: use slug|role|signed_by|signer_title."
                )
                continue
            slug, role, signed_by, signer_title = (*item, "", "", "")[:4]
            role = role or Role.PARTY
            if not slug:
                problems.append(f"{join_items([item])!r} names no organisation: the slug comes first.")
                continue
            if slug in seen:
                problems.append(gettext("The organisation %(slug)s is listed twice.") % {"slug": repr(slug)})
                continue
            seen.add(slug)
            organization = organizations.get(slug)
            if organization is None:
                problems.append(gettext("No organisation with the slug %(slug)s.") % {"slug": repr(slug)})
            if role not in Role.values:
                problems.append(f"{role!r} is not a role (for {slug!r}): use one of {choices_text(Role.values)}.")
            for name, text in (("signed_by", signed_by), ("signer_title", signer_title)):
                if len(text) > max_lengths[name]:
                    problems.append(f"The {name} of {slug!r} is longer than {max_lengths[name]} characters.")
            if organization is not None:
                cleaned.append(PartyItem(organization, role, signed_by, signer_title))
        if problems:
            raise ValueError(sentence(problems))
        return sorted(cleaned, key=party_key)

    def render(self, value, obj=None, **kwargs):
        rendered = []
        for item in value or []:
            parts = [item.organization.slug, item.role, item.signed_by, item.signer_title]
            while parts and not parts[-1]:
                parts.pop()
            rendered.append(parts[:1] if parts == [item.organization.slug, Role.PARTY] else parts)
        return join_items(rendered)


class CitationListWidget(widgets.Widget):
    """`key|supports` items separated by ";"; cleans to sorted `CitationItem`s."""

    def clean(self, value, row=None, **kwargs):
        items = split_items(str(value)) if value not in (None, "") else []
        problems = []
        sources = Source.objects.in_bulk([item[0] for item in items if item[0]], field_name="key")
        cleaned, seen = [], set()
        for item in items:
            if len(item) > 2:
                problems.append(f"{join_items([item])!r} has more than two parts: use key|supports.")
                continue
            key, supports = (*item, "")[:2]
            supports = supports or Supports.RECORD
            if not key:
                problems.append(f"{join_items([item])!r} names no source: the key comes first.")
                continue
            if (key, supports) in seen:
                problems.append(
                    gettext("The source %(key)s is cited twice for %(supports)s.")
                    % {"key": repr(key), "supports": repr(supports)}
                )
                continue
            seen.add((key, supports))
            source = sources.get(key)
            if source is None:
                problems.append(gettext("No source with the key %(key)s.") % {"key": repr(key)})
            if supports not in Supports.values:
                problems.append(
                    f"{supports!r} is not something a citation supports (for {key!r}): "
                    f"use one of {choices_text(Supports.values)}."
                )
            elif source is not None:
                cleaned.append(CitationItem(source, supports))
        if problems:
            raise ValueError(sentence(problems))
        return sorted(cleaned, key=citation_key)

    def render(self, value, obj=None, **kwargs):
        return join_items(
            [item.source.key] if item.supports == Supports.RECORD else [item.source.key, item.supports]
            for item in value or []
        )


class StatusHistoryWidget(widgets.Widget):
    """`date|status|source|note` items separated by ";" (agreements/flattened.py); cleans to `TimelineItem`s in
    the file's order. Every bad entry is named with its reason: a malformed date, an unknown status or source."""

    def clean(self, value, row=None, **kwargs):
        items = split_items(str(value)) if value not in (None, "") else []
        keys = {item[2] for item in items if len(item) > 2 and item[2]}
        sources = Source.objects.in_bulk(keys, field_name="key")
        max_length = StatusEntry._meta.get_field("note").max_length
        problems, cleaned, seen = [], [], set()
        for item in items:
            shown = join_items([item])
            if len(item) > 4:
                problems.append(
                    gettext("%(entry)s has more than four parts: use %(format)s.")
                    % {"entry": repr(shown), "format": STATUS_HISTORY_FORMAT}
                )
                continue
            text, status, key, note = (*item, "", "", "")[:4]
            entry_problems = []
            date, precision = partial_date(text)
            if date is None:
                entry_problems.append(
                    gettext("%(entry)s has no valid date: use YYYY-MM-DD, YYYY-MM or YYYY, not %(date)s.")
                    % {"entry": repr(shown), "date": repr(text)}
                )
            if not status:
                entry_problems.append(
                    gettext("%(entry)s names no status: use %(format)s.")
                    % {"entry": repr(shown), "format": STATUS_HISTORY_FORMAT}
                )
            elif status not in Status.values:
                entry_problems.append(
                    gettext("%(status)s is not a status (in %(entry)s): use one of %(choices)s.")
                    % {"status": repr(status), "entry": repr(shown), "choices": choices_text(Status.values)}
                )
            source = sources.get(key) if key else None
            if key and source is None:
                entry_problems.append(
                    gettext("No source with the key %(key)s (in %(entry)s).") % {"key": repr(key), "entry": repr(shown)}
                )
            if len(note) > max_length:
                entry_problems.append(
                    gettext("The note of %(entry)s... is longer than %(max)s characters.")
                    % {"entry": repr(shown[:40]), "max": max_length}
                )
            if not entry_problems:
                entry = TimelineItem(date, precision, status, source, note)
                if timeline_key(entry) in seen:
                    entry_problems.append(
                        gettext("%(entry)s: the timeline already has this status on this date.")
                        % {"entry": repr(shown)}
                    )
                seen.add(timeline_key(entry))
                cleaned.append(entry)
            problems += entry_problems
        if problems:
            raise ValueError(sentence(problems))
        return cleaned

    def render(self, value, obj=None, **kwargs):
        return status_history_text(
            (item.date, item.precision, item.status, item.source.key if item.source else None, item.note)
            for item in value or []
        )


def partial_date(text):
    """(date, precision) from "2026-03-12", "2026-03" or "2026"; (None, None) for anything else."""
    if not PARTIAL_DATE.match(text):
        return None, None
    try:
        return parse_partial_date(text)
    except ValueError:  # 2026-02-30, month 13
        return None, None


def related(agreement, name, *select_related):
    """A reverse relation's rows, from the prefetch cache when the export filled it."""
    if name in getattr(agreement, "_prefetched_objects_cache", {}):
        return list(getattr(agreement, name).all())
    return list(getattr(agreement, name).select_related(*select_related))


def stored_parties(side):
    def read(agreement):
        parties = related(agreement, "parties", "organization")
        return sorted(
            (PartyItem(p.organization, p.role, p.signed_by, p.signer_title) for p in parties if p.side == side),
            key=party_key,
        )

    return read


def stored_citations(agreement):
    citations = related(agreement, "citations", "source")
    return sorted((CitationItem(c.source, c.supports) for c in citations), key=citation_key)


def stored_timeline(agreement):
    """The status entries in the timeline's order (the model's: by date, then as entered)."""
    entries = related(agreement, "status_entries", "source")
    return [TimelineItem(e.date, e.date_precision, e.status, e.source, e.note) for e in entries]


class RelatedListField(fields.Field):
    """A column holding a list of related rows.

    On import the cleaned list waits on the instance until the agreement is saved
    (`AgreementResource` applies it around the save); until then, and on export, the value is
    what the database holds, so "skip unchanged" and the preview compare like with like.
    """

    def __init__(self, name, widget, read):
        super().__init__(attribute=name, column_name=name, widget=widget)
        self.read = read

    @property
    def pending_attribute(self):
        return f"_imported_{self.attribute}"

    def save(self, instance, row, is_m2m=False, **kwargs):
        setattr(instance, self.pending_attribute, self.clean(row, **kwargs))

    def get_value(self, instance):
        if hasattr(instance, self.pending_attribute):
            return getattr(instance, self.pending_attribute)
        if instance.pk is None:
            return []
        return self.read(instance)

    def pending(self, instance):
        return getattr(instance, self.pending_attribute, None)


def repeated_slug_message(numbers):
    times = "twice" if len(numbers) == 2 else f"{len(numbers)} times"
    rows = ", ".join(str(number) for number in numbers[:-1]) + f" and {numbers[-1]}"
    return f"slug appears {times} in this file: rows {rows}."


DIFF_PARTS = {
    diff_match_patch.DIFF_INSERT: "<ins>{}</ins>",
    diff_match_patch.DIFF_DELETE: "<del>{}</del>",
    diff_match_patch.DIFF_EQUAL: "<span>{}</span>",
}


class StylelessDiff(resources.Diff):
    """The import preview's changes as import-export shows them, with `<ins>` and `<del>` but without the
    style attributes that diff_match_patch writes (the CSP blocks them; import-export's import.css
    colours both). Each part is escaped by `format_html`."""

    def as_html(self):
        matcher = diff_match_patch()
        cells = []
        for before, after in zip(self.left, self.right, strict=False):
            if before != after and self.new:
                before = ""
            diff = matcher.diff_main(force_str(before), force_str(after))
            matcher.diff_cleanupSemantic(diff)
            parts = (format_html(DIFF_PARTS[op], part_html(text)) for op, text in diff if text)
            cells.append(format_html_join("", "{}", ((part,) for part in parts)))
        return cells


def part_html(text):
    """A changed part, escaped, its line breaks shown as diff_match_patch shows them."""
    return format_html_join(format_html("{}<br>", "\N{PILCROW SIGN}"), "{}", ((line,) for line in text.split("\n")))


class AgreementResource(resources.ModelResource):
    signed_on = fields.Field(attribute="signed_on", column_name="signed_on", widget=IsoDateWidget())
    entry_into_force_on = fields.Field(
        attribute="entry_into_force_on", column_name="entry_into_force_on", widget=IsoDateWidget()
    )
    expires_on = fields.Field(attribute="expires_on", column_name="expires_on", widget=IsoDateWidget())
    # `title`, `summary` and `places` are the English text (the original column, agreements/translation.py),
    # whatever language the importing editor reads in; `title_ru`... are the translations, where an empty
    # cell is "not translated" (null).
    title = fields.Field(attribute="title_en", column_name="title", widget=widgets.CharWidget())
    # An empty spreadsheet cell reads as None; the summary is text that may be blank, never null.
    value_amount = fields.Field(attribute="value_amount", column_name="value_amount", widget=AmountWidget())
    summary = fields.Field(attribute="summary_en", column_name="summary", widget=widgets.CharWidget(allow_blank=True))
    places = fields.Field(attribute="places_en", column_name="places", widget=widgets.CharWidget(allow_blank=True))
    title_ru = fields.Field(attribute="title_ru", column_name="title_ru", widget=TranslationWidget())
    title_kk = fields.Field(attribute="title_kk", column_name="title_kk", widget=TranslationWidget())
    summary_ru = fields.Field(attribute="summary_ru", column_name="summary_ru", widget=TranslationWidget())
    summary_kk = fields.Field(attribute="summary_kk", column_name="summary_kk", widget=TranslationWidget())
    sector = fields.Field(attribute="sector", column_name="sector", widget=SlugWidget(Sector))
    event = fields.Field(attribute="event", column_name="event", widget=SlugWidget(Event))
    group = fields.Field(attribute="group", column_name="group", widget=SlugWidget(Group))
    kz_parties = RelatedListField("kz_parties", PartyListWidget(), stored_parties(Side.KZ))
    us_parties = RelatedListField("us_parties", PartyListWidget(), stored_parties(Side.US))
    sources = RelatedListField("sources", CitationListWidget(), stored_citations)
    status_history = RelatedListField("status_history", StatusHistoryWidget(), stored_timeline)
    last_verified_on = fields.Field(
        attribute="last_verified_on", column_name="last_verified_on", widget=IsoDateWidget()
    )

    class Meta:
        model = Agreement
        fields = (
            "slug",
            "title",
            "title_ru",
            "title_kk",
            "kind",
            "status",
            "sector",
            "event",
            "signed_on",
            "signed_on_precision",
            "value_amount",
            "value_currency",
            "value_approximate",
            "value_basis",
            "summary",
            "summary_ru",
            "summary_kk",
            "places",
            "group",
            "kz_parties",
            "us_parties",
            "sources",
            "entry_into_force_on",
            "expires_on",
            "status_history",
            "last_verified_on",
        )
        export_order = fields
        import_id_fields = ("slug",)
        clean_model_instances = True
        use_transactions = True
        skip_unchanged = True
        report_skipped = True

    def get_diff_class(self):
        return StylelessDiff

    def import_data(self, dataset, dry_run=False, raise_errors=False, use_transactions=None, **kwargs):
        # All or nothing: a file with one invalid row changes nothing, whoever calls the import.
        kwargs["rollback_on_validation_errors"] = True
        return super().import_data(
            dataset, dry_run=dry_run, raise_errors=raise_errors, use_transactions=use_transactions, **kwargs
        )

    def filter_export(self, queryset, **kwargs):
        if not isinstance(queryset, QuerySet):
            return queryset
        return queryset.select_related("sector", "event", "group").prefetch_related(
            Prefetch("parties", queryset=Party.objects.select_related("organization")),
            Prefetch("citations", queryset=Citation.objects.select_related("source")),
            Prefetch("status_entries", queryset=StatusEntry.objects.select_related("source")),
        )

    def before_import(self, dataset, **kwargs):
        self.importing_user = importing_user(kwargs)
        rows = defaultdict(list)
        if dataset.headers and "slug" in dataset.headers:
            for number, slug in enumerate(dataset["slug"], 1):
                slug = str(slug or "").strip()
                if slug:
                    rows[slug].append(number)
        self.repeated_slugs = {slug: numbers for slug, numbers in rows.items() if len(numbers) > 1}

    def import_instance(self, instance, row, **kwargs):
        errors = {}
        try:
            super().import_instance(instance, row, **kwargs)
        except ValidationError as error:
            errors = error.update_error_dict(errors)
        numbers = getattr(self, "repeated_slugs", {}).get(str(row.get("slug") or "").strip())
        if numbers:
            errors.setdefault("slug", []).append(
                ValidationError(repeated_slug_message(numbers), code="slug_repeated_in_file")
            )
        kz, us = self.fields["kz_parties"].pending(instance), self.fields["us_parties"].pending(instance)
        both = sorted({item.organization.slug for item in kz or []} & {item.organization.slug for item in us or []})
        if both:
            errors.setdefault("us_parties", []).append(
                ValidationError(
                    f"{', '.join(repr(slug) for slug in both)} also in kz_parties: an organisation is a party "
                    "on one side only.",
                    code="party_on_both_sides",
                )
            )
        if "status_history" not in errors:
            problem = self.status_problem(instance, row)
            if problem:
                errors.setdefault("status", []).append(ValidationError(problem, code="status_not_latest"))
        if errors:
            raise ValidationError(errors)

    def validate_instance(self, instance, import_validation_errors=None, validate_unique=True):
        """A row that would change a published record is refused for a user who cannot publish: an editor's change
        to a public record waits for review (agreements/revisions.py), which an import cannot offer. An unchanged
        row is skipped before this check."""
        errors = dict(import_validation_errors or {})
        user = getattr(self, "importing_user", None)
        if (
            instance.pk is not None
            and user is not None
            and not user.has_perm("agreements.publish_agreement")
            and Agreement.objects.public().filter(pk=instance.pk).exists()
        ):
            errors.setdefault("slug", []).append(
                ValidationError(
                    gettext(
                        "%(slug)s is published: an editor's import cannot change it. Edit it in the admin (the "
                        "change waits for a publisher's review) or ask a publisher to import this row."
                    )
                    % {"slug": repr(instance.slug)},
                    code="published_needs_review",
                )
            )
        super().validate_instance(instance, errors, validate_unique)

    def status_problem(self, instance, row):
        """Why the row's status is not its timeline's latest (the file's status_history, or else the record's),
        or None. The database refuses a status that contradicts a timeline (agreements/timeline.py): the row
        says so first. A file without a status column takes the timeline's."""
        pending = self.fields["status_history"].pending(instance)
        if pending is not None:
            latest = timeline_order(pending)[-1] if pending else None
            where = gettext("the file's status_history")
        elif instance.pk is not None:
            entry = StatusEntry.objects.filter(agreement=instance.pk).order_by("-date", "-id").first()
            latest = entry and TimelineItem(entry.date, entry.date_precision, entry.status, None, "")
            where = gettext("the record's timeline")
        else:
            latest = None
        if latest is None or instance.status == latest.status:
            return None
        if "status" not in row:
            instance.status = latest.status
            return None
        return gettext(
            "%(status)s is not the latest status of %(where)s (%(date)s: %(latest)s): status comes from the "
            "timeline: add an entry to status_history."
        ) % {
            "status": repr(instance.status),
            "where": where,
            "date": format_partial_date(latest.date, latest.precision),
            "latest": repr(latest.status),
        }

    def before_save_instance(self, instance, row, **kwargs):
        if instance._state.adding:
            instance.publication_state = PublicationState.DRAFT
        user = kwargs.get("user")
        if user is not None and user.is_authenticated:
            # simple_history takes the user from the request in the admin; a script has none.
            instance._history_user = user
        file_name = kwargs.get("file_name")
        instance._change_reason = f"Imported from {file_name}" if file_name else "Imported from a file"
        timeline = self.fields["status_history"].pending(instance)
        if timeline is not None and not instance._state.adding and self.writes(kwargs):
            # The timeline first: the database moves the record's status to its new latest entry, the row's
            # status (checked in import_instance), which it would refuse before.
            replace_timeline(instance, timeline, importing_user(kwargs))
            instance._timeline_written = True

    def writes(self, kwargs):
        """Whether saving writes anything (a dry run without a transaction saves nothing, undoes nothing)."""
        return not (self._is_dry_run(kwargs) and not self._is_using_transactions(kwargs))

    def after_save_instance(self, instance, row, **kwargs):
        if not self.writes(kwargs):
            return
        user = importing_user(kwargs)
        timeline = self.fields["status_history"].pending(instance)
        if timeline is not None and not getattr(instance, "_timeline_written", False):
            replace_timeline(instance, timeline, user)  # a new record: its entries need its id
        sides = {
            side: self.fields[name].pending(instance)
            for side, name in ((Side.KZ, "kz_parties"), (Side.US, "us_parties"))
            if self.fields[name].pending(instance) is not None
        }
        if sides:
            replace_parties(instance, sides, user)
        citations = self.fields["sources"].pending(instance)
        if citations is not None:
            replace_citations(instance, citations)


def importing_user(kwargs):
    user = kwargs.get("user")
    return user if user is not None and user.is_authenticated else None


def replace_timeline(agreement, items, user):
    """The status entries become the file's, in the timeline's order; the database's triggers then keep the
    status the latest entry's. An entry still listed keeps its row (its precision, source and note updated);
    when keeping rows would put entries of one date in another order than the file's (a new entry is always
    entered last), every entry is written anew, so that the latest is the file's."""
    wanted = timeline_order(items)
    keys = [timeline_key(item) for item in wanted]
    existing = {timeline_key(entry): entry for entry in agreement.status_entries.all()}
    kept = {key: existing[key].pk for key in keys if key in existing}
    rank = {key: (0, kept[key]) if key in kept else (1, position) for position, key in enumerate(keys)}
    if sorted(keys, key=lambda key: (key[0], rank[key])) != keys:
        kept = {}
    for key, entry in existing.items():
        if key not in kept:
            entry._history_user = user
            entry.delete()
    for key, item in zip(keys, wanted, strict=True):
        entry = existing[key] if key in kept else StatusEntry(agreement=agreement, date=item.date, status=item.status)
        values = {"date_precision": item.precision, "source_id": item.source and item.source.pk, "note": item.note}
        if entry.pk is not None and all(getattr(entry, name) == value for name, value in values.items()):
            continue
        for name, value in values.items():
            setattr(entry, name, value)
        entry._history_user = user
        entry.save()


def replace_parties(agreement, sides, user):
    """The parties of the given sides become the lists; a listed organisation keeps its row (and note)."""
    existing = {party.organization_id: party for party in agreement.parties.all()}
    wanted = {item.organization.pk: (side, item) for side, items in sides.items() for item in items}
    for organization_id, party in existing.items():
        if party.side in sides and organization_id not in wanted:
            if user is not None:
                party._history_user = user
            party.delete()
    for organization_id, (side, item) in wanted.items():
        party = existing.get(organization_id) or Party(agreement=agreement, organization=item.organization)
        values = {"side": side, "role": item.role, "signed_by": item.signed_by, "signer_title": item.signer_title}
        if party.pk is not None and all(getattr(party, name) == value for name, value in values.items()):
            continue
        for name, value in values.items():
            setattr(party, name, value)
        if user is not None:
            party._history_user = user
        party.save()


def replace_citations(agreement, items):
    """The citations become the list; a citation still listed keeps its claim."""
    existing = {(citation.source_id, citation.supports): citation for citation in agreement.citations.all()}
    wanted = {(item.source.pk, item.supports): item for item in items}
    Citation.objects.filter(pk__in=[citation.pk for key, citation in existing.items() if key not in wanted]).delete()
    Citation.objects.bulk_create(
        Citation(agreement=agreement, source=item.source, supports=item.supports)
        for key, item in wanted.items()
        if key not in existing
    )


class TextOnlyXLSX(base_formats.XLSX):
    """XLSX whose cells hold values only: text that starts with "=" stays text.

    openpyxl writes such a string as a formula, which a spreadsheet would run and which reads back
    empty (the file holds no computed value), so a title like "=SUM(1,2)" would not survive an
    export and re-import. Written as a text cell it shows as written and imports back unchanged.
    """

    def export_data(self, dataset, **kwargs):
        content = super().export_data(dataset, **kwargs)
        if not any(isinstance(value, str) and value.startswith("=") for row in dataset for value in row):
            return content
        workbook = openpyxl.load_workbook(io.BytesIO(content))
        for row in workbook.active.iter_rows():
            for cell in row:
                if cell.data_type == "f":
                    cell.data_type = "s"
        buffer = io.BytesIO()
        workbook.save(buffer)
        return buffer.getvalue()


# What gets the apostrophe: what a spreadsheet runs, and text that already starts with one, so that the
# import can take exactly one off and give back what was written.
DEFUSED_PREFIXES = (*FORMULA_PREFIXES, "'")


def defuse(value):
    return f"'{value}" if isinstance(value, str) and value.startswith(DEFUSED_PREFIXES) else value


def restore(value):
    """`defuse` undone: only an apostrophe that `defuse` could have written comes off."""
    if isinstance(value, str) and value.startswith("'") and value[1:].startswith(DEFUSED_PREFIXES):
        return value[1:]
    return value


def mapped(dataset, function):
    return tablib.Dataset(*([function(value) for value in row] for row in dataset), headers=dataset.headers)


class DefusedCSV(base_formats.CSV):
    """CSV in which no cell starts a formula (`=HYPERLINK(...)`, `+cmd|...`, `@SUM`, `-2+3`, a leading
    tab or CR): such text is written with a leading apostrophe, as the public CSV export writes it,
    so a spreadsheet shows it as text. Text that starts with an apostrophe gets one more. The import
    takes one off again, so an exported file imports back to the same data.

    The uploaded file is read as bytes (the admin then hands over no encoding: UTF-8, with or without
    a byte-order mark): read as text, a CR in a cell would come back as LF.
    """

    ENCODING = "utf-8-sig"

    def is_binary(self):
        return True

    def get_read_mode(self):
        return "rb"

    def export_data(self, dataset, **kwargs):
        return super().export_data(mapped(dataset, defuse), **kwargs)

    def create_dataset(self, in_stream, **kwargs):
        if isinstance(in_stream, bytes):
            in_stream = in_stream.decode(self.ENCODING)
        return mapped(super().create_dataset(in_stream, **kwargs), restore)
