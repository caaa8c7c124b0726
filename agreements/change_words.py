"""The public change log in a reader's words, for `/changes/` and the change feeds.

`PublishedVersion.changes` holds canonical text (agreements/changelog.py): field names such as
`commitments.2.status`, status codes, slugs and source keys, partial dates as ISO text, decimals as
strings, and a row added or removed as its values joined by " · ". Here each change becomes a label
("Commitment 2 · status"), what it was and what it became, with codes as their labels, dates as a reader
writes them and slugs or keys as the names they stand for. The names are read once per kind of object
for all the versions shown (at most six queries, whatever their number); an agreement is named only if
it is public now.
"""

import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.utils.translation import get_language_info, gettext_lazy
from django.utils.translation import gettext as _

from .content_language import OTHERS as OTHER_LANGUAGES
from .models import (
    Agreement,
    Basis,
    Event,
    Group,
    Kind,
    MilestoneStatus,
    Organization,
    PublishedVersion,
    RelationKind,
    Role,
    Sector,
    Side,
    Source,
    Status,
    Supports,
    parse_partial_date,
)
from .templatetags.register_tags import format_money, format_number, partial_date_words

AGREEMENT_LABELS = {
    "title": gettext_lazy("Title"),
    "slug": gettext_lazy("Web address"),
    "kind": gettext_lazy("Kind"),
    "status": gettext_lazy("Status"),
    "sector": gettext_lazy("Sector"),
    "event": gettext_lazy("Event"),
    "group": gettext_lazy("Group sharing a value"),
    "signed_on": gettext_lazy("Signed"),
    "entry_into_force_on": gettext_lazy("In force from"),
    "expires_on": gettext_lazy("Expires"),
    "value": gettext_lazy("Value"),
    "summary": gettext_lazy("Summary"),
    "places": gettext_lazy("Places"),
}
COLLECTION_LABELS = {
    "parties": gettext_lazy("Parties"),
    "commitments": gettext_lazy("Commitments"),
    "commitment_updates": gettext_lazy("Commitment updates"),
    "status_history": gettext_lazy("Status timeline"),
    "sources": gettext_lazy("Sources"),
    "relations": gettext_lazy("Related agreements"),
}
ROW_FIELD_LABELS = {
    "side": gettext_lazy("side"),
    "role": gettext_lazy("role"),
    "signed_by": gettext_lazy("signed by"),
    "signer_title": gettext_lazy("signer's office"),
    "description": gettext_lazy("description"),
    "quantity": gettext_lazy("quantity"),
    "unit": gettext_lazy("unit"),
    "due_on": gettext_lazy("due"),
    "status": gettext_lazy("status"),
    "source": gettext_lazy("source"),
    "date": gettext_lazy("date"),
    "progress": gettext_lazy("progress"),
    "note": gettext_lazy("note"),
    "claim": gettext_lazy("claim"),
    "claim_amount": gettext_lazy("amount claimed"),
    "claim_currency": gettext_lazy("currency claimed"),
    "claim_approximate": gettext_lazy("claim approximate"),
    "disputes": gettext_lazy("disputes the register"),
}
# How the canonical text of a field reads (anything not named here is text, shown as it is).
AGREEMENT_KINDS = {
    "kind": "kind",
    "status": "status",
    "sector": "sector",
    "event": "event",
    "group": "group",
    "signed_on": "date",
    "entry_into_force_on": "date",
    "expires_on": "date",
    "value": "value",
}
ROW_KINDS = {
    ("parties", "side"): "side",
    ("parties", "role"): "role",
    ("commitments", "quantity"): "number",
    ("commitments", "due_on"): "date",
    ("commitments", "status"): "milestone",
    ("commitments", "source"): "source",
    ("commitment_updates", "date"): "date",
    ("commitment_updates", "progress"): "number",
    ("commitment_updates", "source"): "source",
    ("status_history", "date"): "date",
    ("status_history", "source"): "source",
    ("sources", "claim_amount"): "number",
    ("sources", "claim_approximate"): "bool",
    ("sources", "disputes"): "bool",
}
CHOICES = {
    "kind": Kind,
    "status": Status,
    "milestone": MilestoneStatus,
    "side": Side,
    "role": Role,
    "supports": Supports,
    "relation": RelationKind,
}
# The objects a slug or key names, and the text that names them.
NAMED = {
    "sector": (Sector.objects, "slug", ("name",)),
    "event": (Event.objects, "slug", ("name",)),
    "group": (Group.objects, "slug", ("name",)),
    "organization": (Organization.objects, "slug", ("name",)),
    "source": (Source.objects, "key", ("publisher", "title")),
    "agreement": (Agreement.objects.public(), "slug", ("title",)),
}


def label_of(labels, name):
    """The label of a field name, a translated column's (`title_ru`) being its field's with its language."""
    if name in labels:
        return labels[name]
    field_name, _sep, code = name.rpartition("_")
    if code in OTHER_LANGUAGES and field_name in labels:
        language = get_language_info(code)["name_translated"]
        return _("%(field)s (%(language)s)") % {"field": labels[field_name], "language": language}
    return None


SLUG = re.compile(r"^[-\w]+$")
DECIMAL = re.compile(r"^-?\d+\.\d+$")
PARTIAL_DATE = re.compile(r"^\d{4}(-\d{2}){0,2}$")
VALUE = re.compile(r"^(≈ )?(\d+(?:\.\d+)?) ([A-Z]{3}) \((\w+)\)$")


def published_changes(agreement=None):
    """The public change log (`PublishedVersion.objects.changes()`), newest first, or one record's; each
    version with its agreement, as `describe()` needs it."""
    versions = PublishedVersion.objects.changes().select_related("agreement").order_by("-at", "-id")
    return versions if agreement is None else versions.filter(agreement=agreement)


@dataclass
class Item:
    """One change: `label`, and what it was (`before`) and became (`after`), in words; a row added has
    no `before`, a row removed no `after`."""

    label: str
    action: str  # "changed", "added" or "removed"
    before: str | None = None
    after: str | None = None

    def as_text(self):
        if self.action == "added":
            return _("%(label)s: added %(value)s") % {"label": self.label, "value": self.after}
        if self.action == "removed":
            return _("%(label)s: removed %(value)s") % {"label": self.label, "value": self.before}
        return _("%(label)s: %(before)s → %(after)s") % {
            "label": self.label,
            "before": _("(none)") if self.before is None else self.before,
            "after": _("(none)") if self.after is None else self.after,
        }


@dataclass
class Entry:
    """A published version as the public sees it: the record, when, and its changes."""

    version: object
    items: list = field(default_factory=list)

    @property
    def agreement(self):
        return self.version.agreement

    @property
    def at(self):
        return self.version.at

    def as_text(self):
        return "\n".join(item.as_text() for item in self.items)


class Words:
    """Parts of canonical text, (kind, raw), rendered once the names they need are read."""

    def __init__(self):
        self.wanted = {}
        self.names = {}

    def part(self, kind, raw):
        if isinstance(raw, str) and (kind in NAMED or kind == "maybe-source"):
            self.wanted.setdefault("source" if kind == "maybe-source" else kind, set()).add(raw)
        return (kind, raw)

    def read_names(self):
        for kind, values in self.wanted.items():
            queryset, attribute, fields = NAMED[kind]
            rows = queryset.filter(**{f"{attribute}__in": values}).values_list(attribute, *fields)
            self.names[kind] = {row[0]: ": ".join(row[1:]) for row in rows}

    def render(self, part):
        kind, raw = part
        if raw is None:
            return None
        if kind in CHOICES:
            return str(dict(CHOICES[kind].choices).get(raw, raw))
        if kind == "date" and PARTIAL_DATE.match(raw):
            return partial_date_words(*parse_partial_date(raw))
        if kind == "number":
            try:
                return format_number(Decimal(raw))
            except InvalidOperation:
                return raw
        if kind == "value":
            return self.value(raw)
        if kind == "bool":
            return _("yes") if raw in (True, "True") else _("no")
        if kind == "position":
            return _("commitment %(position)s") % {"position": raw}
        if kind == "agreement":
            # A draft's title is not public: say so rather than name it.
            return self.names.get(kind, {}).get(raw) or _("a record not yet published")
        if kind in NAMED or kind == "maybe-source":
            return self.names.get("source" if kind == "maybe-source" else kind, {}).get(raw, raw)
        if kind == "flag-approximate":
            return _("approximate") if raw == "True" else ""
        if kind == "flag-disputes":
            return _("disputes the register") if raw == "True" else ""
        return raw

    def value(self, raw):
        match = VALUE.match(raw)
        if not match:
            return raw
        approximate, amount, currency, basis = match.groups()
        money = format_money(Decimal(amount), currency, bool(approximate))
        return f"{money} ({dict(Basis.choices).get(basis, basis).lower()})"

    def joined(self, parts):
        return " · ".join(text for text in (self.render(part) for part in parts) if text)


# A row's summary (agreements.changelog.Namer.summary) is the key fields its public fields leave out, then
# those fields, empty ones skipped: the leading parts are always there; the rest are read by their look.
SUMMARY_SHAPES = {
    "parties": (("organization", "side", "role"), ()),
    "commitments": (("position",), ("number", "date", "milestone", "maybe-source")),
    "commitment_updates": (("position", "milestone", "date"), ("number", "maybe-source")),
    "status_history": (("status", "date"), ("maybe-source",)),
    "sources": (("source", "supports"), ("number",)),
    "relations": (("relation", "agreement"), ()),
}
LOOKS = {
    "number": DECIMAL.match,
    "date": PARTIAL_DATE.match,
    "milestone": lambda token: token in MilestoneStatus.values,
    "maybe-source": SLUG.match,
}


def summary_parts(words, collection, text):
    """The parts of a row added or removed, from its summary."""
    tokens = text.split(" · ")
    lead, looks = SUMMARY_SHAPES.get(collection, ((), ()))
    # A citation's two flags (approximate, disputes) are never empty: they close its summary.
    flags = ("flag-approximate", "flag-disputes") if collection == "sources" else ()
    if len(tokens) < len(lead) + len(flags):
        return [words.part("text", text)]
    parts = [words.part(kind, token) for kind, token in zip(lead, tokens, strict=False)]
    for token in tokens[len(lead) : len(tokens) - len(flags)]:
        kind = next((kind for kind in looks if LOOKS[kind](token)), "text")
        parts.append(words.part(kind, token))
    parts += [words.part(kind, token) for kind, token in zip(flags, tokens[len(tokens) - len(flags) :], strict=True)]
    return parts


def row_label_parts(words, collection, key):
    """The parts naming a row of a collection, from its key (changelog.Collection.key_fields joined by "/")."""
    keys = key.split("/")
    if collection == "parties" and len(keys) == 1:
        return _("party %(name)s"), {"name": words.part("organization", keys[0])}
    if collection == "commitments" and len(keys) == 1:
        return "%(position)s", {"position": words.part("position", keys[0])}
    if collection == "commitment_updates" and len(keys) == 3:
        return _("%(position)s, update of %(date)s (%(status)s)"), {
            "position": words.part("position", keys[0]),
            "date": words.part("text", keys[1]),  # the day only: its precision is not in the key
            "status": words.part("milestone", keys[2]),
        }
    if collection == "status_history" and len(keys) == 2:
        return _("status timeline, entry of %(date)s (%(status)s)"), {
            "date": words.part("text", keys[0]),
            "status": words.part("status", keys[1]),
        }
    if collection == "sources" and len(keys) == 2:
        return _("source %(source)s (%(supports)s)"), {
            "source": words.part("source", keys[0]),
            "supports": words.part("supports", keys[1]),
        }
    return "%(key)s", {"key": words.part("text", key)}


def describe(versions):
    """[Entry] for PublishedVersions (their `agreement` selected with them), in their order."""
    words = Words()
    pending = []  # (entry, label template, label parts, action, before parts, after parts)
    entries = []
    for version in versions:
        entry = Entry(version)
        entries.append(entry)
        for change in version.changes:
            name, before, after = change["field"], change.get("before"), change.get("after")
            if label_of(AGREEMENT_LABELS, name) is not None:
                kind = AGREEMENT_KINDS.get(name, "text")
                parts = (words.part(kind, before), words.part(kind, after))
                pending.append((entry, "%(label)s", {"label": label_of(AGREEMENT_LABELS, name)}, "changed", *parts))
            elif name in COLLECTION_LABELS:
                action = "added" if before is None else "removed"
                parts = summary_parts(words, name, after if before is None else before)
                label = {"label": COLLECTION_LABELS[name]}
                pending.append((entry, "%(label)s", label, action, parts if before else None, parts if after else None))
            else:
                collection, _dot, rest = name.partition(".")
                key, _dot, row_field = rest.rpartition(".")
                template, label_parts = row_label_parts(words, collection, key)
                kind = ROW_KINDS.get((collection, row_field), "text")
                label = {"row": (template, label_parts), "field": label_of(ROW_FIELD_LABELS, row_field) or row_field}
                parts = (words.part(kind, before), words.part(kind, after))
                pending.append((entry, None, label, "changed", *parts))
    words.read_names()
    for entry, template, label, action, before, after in pending:
        if template is None:
            row_template, row_parts = label["row"]
            row = row_template % {key: words.render(part) for key, part in row_parts.items()}
            text = f"{row[:1].upper()}{row[1:]} · {label['field']}"
        else:
            text = str(label["label"])
        if action == "changed":
            entry.items.append(Item(text, action, words.render(before), words.render(after)))
        else:
            render = words.joined
            entry.items.append(Item(text, action, render(before) if before else None, render(after) if after else None))
    return entries
