"""The public change log: what changed between two published states of a record, field by field.

A published state is an agreement's history row (django-simple-history) with the history rows of its
parties, commitments and their updates, citations, status entries and relations as they stood. Each time a
change to a published record commits (or a record is published), `record()` takes the current state,
compares it with the agreement's last `PublishedVersion` (`diff_against` for each row present in both;
a row in one only was added or removed) and, when a reader would see a difference, writes a new
`PublishedVersion` with the changes. What happened while a record was a draft or in review shows, if at
all, as the difference at its next publication; editors' names and review comments are never read here.

Every writer reaches it: the signals below collect the agreements a saved or deleted row belongs to, and
the log is written once the transaction commits. A state whose rows lack a history row (loaddata writes
none; a trigger moves a status) gets one first, so that history shows it and can restore it.
"""

import logging
from dataclasses import dataclass
from decimal import Decimal

from django.db import connections, transaction
from django.db.models.signals import post_delete, post_save, pre_save
from django.utils import timezone, translation

from .content_language import DEFAULT as DEFAULT_LANGUAGE
from .content_language import OTHERS as OTHER_LANGUAGES
from .models import (
    Agreement,
    Citation,
    Commitment,
    CommitmentUpdate,
    Event,
    Group,
    Organization,
    Party,
    PublicationState,
    PublishedVersion,
    Relation,
    Sector,
    Source,
    StatusEntry,
    format_partial_date,
)
from .translation import FIELDS as TRANSLATED

logger = logging.getLogger(__name__)

# The agreement's public fields, as the change log names them, and the model fields each reads. Its
# last verification is not a change of the record's facts, and its publication state never public.
AGREEMENT_FIELDS = {
    "title": ("title",),
    "slug": ("slug",),
    "kind": ("kind",),
    "status": ("status",),
    "sector": ("sector",),
    "event": ("event",),
    "group": ("group",),
    "signed_on": ("signed_on", "signed_on_precision"),
    "entry_into_force_on": ("entry_into_force_on",),
    "expires_on": ("expires_on",),
    "value": ("value_amount", "value_currency", "value_approximate", "value_basis"),
    "summary": ("summary",),
    "places": ("places",),
}


def with_translations(fields, model):
    """`fields` and, after them, each translated one's columns in the other languages (`title_ru`): a
    translation added or changed is a change a reader of that language sees."""
    translated = [name for name in fields if name in TRANSLATED.get(model, ())]
    return {**fields, **{f"{name}_{code}": (f"{name}_{code}",) for code in OTHER_LANGUAGES for name in translated}}


AGREEMENT_FIELDS = with_translations(AGREEMENT_FIELDS, Agreement)


@dataclass(frozen=True)
class Collection:
    """Child rows of an agreement, as the change log names and compares them."""

    name: str
    model: type
    agreement_lookup: str  # from a row of `model` to its agreement's id
    key_fields: tuple  # what identifies a row across versions
    fields: dict  # public name: model fields
    public: dict = None  # a filter the rows must pass to be part of the public record


COLLECTIONS = (
    Collection(
        "parties",
        Party,
        "agreement_id",
        ("organization",),
        {"side": ("side",), "role": ("role",), "signed_by": ("signed_by",), "signer_title": ("signer_title",)},
    ),
    Collection(
        "commitments",
        Commitment,
        "agreement_id",
        ("position",),
        with_translations(
            {
                "description": ("description",),
                "quantity": ("quantity",),
                "unit": ("unit",),
                "due_on": ("due_on", "due_precision"),
                "status": ("status",),
                "source": ("source",),
            },
            Commitment,
        ),
    ),
    Collection(
        "commitment_updates",
        CommitmentUpdate,
        "commitment__agreement_id",
        ("commitment", "date", "status"),
        {"date": ("date", "date_precision"), "progress": ("progress",), "note": ("note",), "source": ("source",)},
    ),
    Collection(
        "status_history",
        StatusEntry,
        "agreement_id",
        ("date", "status"),
        {"date": ("date", "date_precision"), "note": ("note",), "source": ("source",)},
    ),
    Collection(
        "sources",
        Citation,
        "agreement_id",
        ("source", "supports"),
        {
            "claim": ("claim",),
            "claim_amount": ("claim_amount",),
            "claim_currency": ("claim_currency",),
            "claim_approximate": ("claim_approximate",),
            "disputes": ("disputes",),
        },
    ),
    # A link shows only while its other end is public: a draft's slug is never part of a published state.
    Collection(
        "relations",
        Relation,
        "from_agreement_id",
        ("kind", "to_agreement"),
        {},
        public={"to_agreement__publication_state": PublicationState.PUBLISHED},
    ),
)
# Foreign keys are named by the slug (or key) of the row they point at.
NAMES = {
    "sector": (Sector, "slug"),
    "event": (Event, "slug"),
    "group": (Group, "slug"),
    "organization": (Organization, "slug"),
    "source": (Source, "key"),
    "to_agreement": (Agreement, "slug"),
    "commitment": (Commitment, "position"),
}
# A record is named only while it is public: a link's other end may since have gone back to draft under a
# new slug, which the log must not show.
PUBLIC_ONLY = {"to_agreement"}
NOT_PUBLIC = "(not public)"
GONE = "(deleted)"


def tracked(fields):
    return sorted({name for names in fields.values() for name in names})


class Namer:
    """Public text for the raw values of history rows, with the rows they point at read once each."""

    def __init__(self, using):
        self.using = using
        self.known = {}

    def prefetch(self, rows):
        wanted = {}
        for row in rows:
            for name in NAMES:
                value = getattr(row, f"{name}_id", None)
                if value is not None:
                    wanted.setdefault(name, set()).add(value)
        for name, ids in wanted.items():
            model, attribute = NAMES[name]
            rows = model.objects.using(self.using)
            if name in PUBLIC_ONLY:
                rows = rows.public()
            self.known.setdefault(name, {}).update(rows.filter(pk__in=ids).values_list("pk", attribute))

    def value(self, row, names):
        """The public value of the model fields `names` of a history row: text, a number as text, a bool."""
        if names[0] in NAMES:
            pk = getattr(row, f"{names[0]}_id")
            if pk is None:
                return None
            missing = NOT_PUBLIC if names[0] in PUBLIC_ONLY else GONE
            return str(self.known.get(names[0], {}).get(pk, missing))
        values = [getattr(row, name) for name in names]
        if len(names) == 2:  # a date and its precision
            return format_partial_date(*values)
        if len(names) == 4:  # a value: amount, currency, approximate, basis
            amount, currency, approximate, basis = values
            if amount is None:
                return None
            return f"{'≈ ' if approximate else ''}{Decimal(amount):.2f} {currency} ({basis})"
        value = values[0]
        if value is None or isinstance(value, bool | str):
            return value
        if isinstance(value, Decimal):
            return f"{value:.2f}"
        return value.isoformat() if hasattr(value, "isoformat") else str(value)

    def key(self, collection, row):
        return "/".join(str(self.value(row, (name,)) or "") for name in collection.key_fields)

    def summary(self, collection, row):
        """A row in a few words, for one added or removed: what identifies it, then its public fields."""
        shown = {name for names in collection.fields.values() for name in names}
        values = [self.value(row, (name,)) for name in collection.key_fields if name not in shown]
        values += [self.value(row, names) for names in collection.fields.values()]
        return " · ".join(str(value) for value in values if value not in (None, ""))


def latest_history(model, objects, using, user=None):
    """The latest history row of each object, written first for one that has none or whose history no
    longer says what the row holds (a trigger moved its status; loaddata saved it raw). The rows written
    name `user`: the editor whose timeline entry moved a status, or nobody for a state the database wrote.
    Read in English: a translated field's own attribute answers in the active language, and its history
    column, like its table's, holds the English text (agreements/translation.py)."""
    with translation.override(DEFAULT_LANGUAGE):
        return _latest_history(model, objects, using, user)


def _latest_history(model, objects, using, user):
    history = model.history.model
    # updated_at moves whenever a child of the record is saved (agreements/caching.py): not a state of its own.
    fields = [field.attname for field in history.tracked_fields if field.attname != "updated_at"]
    rows = {}
    for row in (
        history.objects.using(using)
        .filter(id__in=[obj.pk for obj in objects])
        .order_by("id", "history_date", "history_id")
    ):
        rows[row.id] = row  # the last per id wins
    stale = [
        obj
        for obj in objects
        if obj.pk not in rows or any(getattr(rows[obj.pk], name) != getattr(obj, name) for name in fields)
    ]
    if stale:
        for obj in stale:
            obj._history_user = user
        model.history.bulk_history_create(stale, update=True)
        for row in (
            history.objects.using(using)
            .filter(id__in=[obj.pk for obj in stale])
            .order_by("id", "history_date", "history_id")
        ):
            rows[row.id] = row
    return [rows[obj.pk] for obj in objects]


def current_state(agreement, using):
    """{"agreement": history row, collection name: [history rows]} for the agreement as it stands."""
    state = {"agreement": latest_history(Agreement, [agreement], using)[0]}
    for collection in COLLECTIONS:
        rows = collection.model.objects.using(using).filter(**{collection.agreement_lookup: agreement.pk})
        objects = list(rows.filter(**(collection.public or {})))
        state[collection.name] = latest_history(collection.model, objects, using)
    return state


def state_ids(state):
    """The history rows of a state, by id, as a PublishedVersion keeps them."""
    ids = {name: sorted(row.history_id for row in rows) for name, rows in state.items() if isinstance(rows, list)}
    return {"agreement": state["agreement"].history_id, **ids}


def load_state(versions, using):
    state = {"agreement": Agreement.history.using(using).get(history_id=versions["agreement"])}
    for collection in COLLECTIONS:
        ids = versions.get(collection.name, [])
        state[collection.name] = list(collection.model.history.using(using).filter(history_id__in=ids))
    return state


def diff(old, new, namer):
    """[{"field", "before", "after"}] from `old` to `new`, in a stable order: the agreement's fields, then
    each collection's rows added, removed and changed."""
    changes = []
    agreement_delta = new["agreement"].diff_against(old["agreement"], included_fields=tracked(AGREEMENT_FIELDS))
    touched = set(agreement_delta.changed_fields)
    for name, fields in AGREEMENT_FIELDS.items():
        if touched.intersection(fields):
            before, after = namer.value(old["agreement"], fields), namer.value(new["agreement"], fields)
            if before != after:
                changes.append({"field": name, "before": before, "after": after})
    for collection in COLLECTIONS:
        before = {namer.key(collection, row): row for row in old[collection.name]}
        after = {namer.key(collection, row): row for row in new[collection.name]}
        for key in sorted(after.keys() - before.keys()):
            changes.append({"field": collection.name, "before": None, "after": namer.summary(collection, after[key])})
        for key in sorted(before.keys() - after.keys()):
            changes.append({"field": collection.name, "before": namer.summary(collection, before[key]), "after": None})
        for key in sorted(before.keys() & after.keys()):
            delta = after[key].diff_against(before[key], included_fields=tracked(collection.fields))
            touched = set(delta.changed_fields)
            for name, fields in collection.fields.items():
                if touched.intersection(fields):
                    old_value = namer.value(before[key], fields)
                    new_value = namer.value(after[key], fields)
                    if old_value != new_value:
                        changes.append(
                            {"field": f"{collection.name}.{key}.{name}", "before": old_value, "after": new_value}
                        )
    return changes


def record(agreement_id, using="default"):
    """Write the agreement's published version if its public state changed since the last one (or it has
    none yet); the new PublishedVersion, or None."""
    with transaction.atomic(using=using):
        # Locked: two commits recording one record at once would both compare with the same last version.
        agreement = Agreement.objects.using(using).select_for_update().filter(pk=agreement_id).first()
        if agreement is None or agreement.publication_state != PublicationState.PUBLISHED:
            return None
        state = current_state(agreement, using)
        ids = state_ids(state)
        last = PublishedVersion.objects.using(using).filter(agreement=agreement).order_by("-at", "-id").first()
        if last is not None and last.versions == ids:
            return None
        changes = []
        if last is not None:
            old = load_state(last.versions, using)
            namer = Namer(using)
            namer.prefetch(row for each in (old, state) for rows in each.values() for row in as_list(rows))
            changes = diff(old, state, namer)
            if not changes:
                return None  # nothing a reader sees: the last version still describes the public record
        # Now, when the change committed: a removed row leaves no current history row to date it by.
        return PublishedVersion.objects.using(using).create(
            agreement=agreement, at=timezone.now(), versions=ids, changes=changes
        )


def as_list(rows):
    return rows if isinstance(rows, list) else [rows]


def populate(using="default"):
    """History from the start: a first history row for every row of the register that has none (loaddata
    writes none), then a published version for every public agreement whose state has none. Idempotent."""
    for model in (Agreement, *(collection.model for collection in COLLECTIONS)):
        history = model.history.model
        missing = model.objects.using(using).exclude(pk__in=history.objects.using(using).values("id"))
        objects = list(missing)
        if objects:
            with translation.override(DEFAULT_LANGUAGE):  # a translated field's history column is English
                model.history.bulk_history_create(objects, default_change_reason="Loaded from the dataset")
    for pk in Agreement.objects.using(using).public().values_list("pk", flat=True):
        record(pk, using)


# Fields of an agreement that no reader sees as a change: a save of these only records nothing.
UNSEEN = {"last_verified_on", "updated_at", "published_at", "search_document"}


def linking(row, using):
    """The records that link to `row`: their links show only while it is public."""
    return Relation.objects.using(using).filter(to_agreement_id=row.pk).values_list("from_agreement_id", flat=True)


# What a saved or deleted row tells: the agreements whose public state may have changed.
AGREEMENT_OF = {
    Agreement: lambda row, using: [row.pk, *linking(row, using)],
    Party: lambda row, using: [row.agreement_id],
    Commitment: lambda row, using: [row.agreement_id],
    Citation: lambda row, using: [row.agreement_id],
    StatusEntry: lambda row, using: [row.agreement_id],
    Relation: lambda row, using: [row.from_agreement_id],
    CommitmentUpdate: lambda row, using: (
        Commitment.objects.using(using).filter(pk=row.commitment_id).values_list("agreement_id", flat=True)
    ),
}
PENDING = "kzdeals_pending_versions"


def flush(using):
    """Record every agreement changed in the transaction that just committed (the first callback does all)."""
    pending = connections[using].__dict__.setdefault(PENDING, set())
    agreement_ids = sorted(pending)
    pending.clear()
    for agreement_id in agreement_ids:
        record(agreement_id, using)


def row_changed(sender, instance, using, raw=False, update_fields=None, **kwargs):
    if raw:
        return  # loaddata: `populate()` runs once the fixture is in
    if sender is Agreement and update_fields is not None and set(update_fields) <= UNSEEN:
        return  # "Mark verified today", a publication date: nothing a reader sees as a change
    agreement_ids = set(AGREEMENT_OF[sender](instance, using))
    if not agreement_ids:
        return
    connections[using].__dict__.setdefault(PENDING, set()).update(agreement_ids)
    # Once the transaction commits (at once outside one); robust: the log catches up on the next change.
    transaction.on_commit(lambda: flush(using), using=using, robust=True)


def before_change(sender, instance, using, raw=False, **kwargs):
    """Before a change to a public record that has no published version yet (a database from before the
    change log), write one from the record as it still stands, so that the change shows against it: one
    indexed query a save."""
    if raw or (sender is Agreement and instance.pk is None):
        return
    for agreement_id in set(AGREEMENT_OF[sender](instance, using)):
        if (
            agreement_id is not None
            and not PublishedVersion.objects.using(using).filter(agreement_id=agreement_id).exists()
        ):
            record(agreement_id, using)


def connect_signals():
    for model in AGREEMENT_OF:
        uid = f"kzdeals-changelog-{model.__name__}"
        # Before saves only: a version written before a delete would escape the deletion it precedes (Django
        # collects what a delete cascades to before it sends pre_delete).
        pre_save.connect(before_change, sender=model, dispatch_uid=f"{uid}-before-save")
        post_save.connect(row_changed, sender=model, dispatch_uid=f"{uid}-save")
        post_delete.connect(row_changed, sender=model, dispatch_uid=f"{uid}-delete")
