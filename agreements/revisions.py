"""Every public change is reviewed: an agreement as a snapshot, pending revisions, and their publication.

A snapshot is an agreement's own fields and its inline rows (parties, commitments and their updates, the
status timeline, citations, relations to other agreements), serialized by Django's serializers into JSON.
Three things produce one: the live rows (`snapshot_of`), the history as it stood at a moment
(`snapshot_as_of`, for compare and restore), and an editor's save of a published record, which the admin
runs in full inside a savepoint (every validation, inline and trigger as usual), snapshots, then rolls back
(`agreements/admin_review.py`). `apply_snapshot` writes a snapshot onto the live rows: a publisher's
publication of a revision, or a restore. The public reads the live rows only (`Agreement.objects.public()`),
so a pending revision never reaches a page, the API, an export, a feed or the change log.
"""

import copy
import json
from dataclasses import dataclass

from django.core import serializers
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy

from .models import (
    Agreement,
    Citation,
    Commitment,
    CommitmentUpdate,
    Party,
    Relation,
    ReviewComment,
    Revision,
    RevisionState,
    StatusEntry,
)


@dataclass(frozen=True)
class Child:
    """Inline rows of an agreement, in the order they are written (a commitment before its updates)."""

    name: str
    model: type
    parent: str  # the field naming the parent row
    label: object  # shown in compare
    unique: tuple = ()  # the fields a row is unique by, beside its parent
    under_commitment: bool = False

    def key(self, row):
        return tuple(row["fields"].get(name) for name in self.unique) if self.unique else (row["pk"],)

    def live(self, agreement_id):
        if self.under_commitment:
            return self.model.objects.filter(commitment__agreement_id=agreement_id)
        return self.model.objects.filter(**{f"{self.parent}_id": agreement_id})

    def history_rows(self, agreement_id, commitment_ids):
        history = self.model.history.model.objects
        if self.under_commitment:
            return history.filter(commitment_id__in=commitment_ids)
        return history.filter(**{f"{self.parent}_id": agreement_id})


CHILDREN = (
    Child("parties", Party, "agreement", gettext_lazy("Parties"), ("organization",)),
    Child("commitments", Commitment, "agreement", gettext_lazy("Commitments"), ("position",)),
    Child("status_entries", StatusEntry, "agreement", gettext_lazy("Status timeline"), ("date", "status")),
    Child(
        "commitment_updates",
        CommitmentUpdate,
        "commitment",
        gettext_lazy("Commitment updates"),
        ("commitment", "date", "status"),
        under_commitment=True,
    ),
    Child("citations", Citation, "agreement", gettext_lazy("Sources"), ("source", "supports")),
    Child(
        "relations", Relation, "from_agreement", gettext_lazy("Relations to other agreements"), ("to_agreement", "kind")
    ),
)
# Kept as they are on the live record whatever a snapshot says: the status is its timeline's (the database
# writes it), publication is the publisher's, the rest the database's own.
KEPT = {"status", "publication_state", "published_at", "created_at", "updated_at", "search_document"}


def serialize(objects):
    return json.loads(serializers.serialize("json", objects))


def snapshot_of(agreement_id):
    """The live agreement and its inline rows: 1 + 6 queries."""
    agreement = Agreement.objects.get(pk=agreement_id)
    snapshot = {"agreement": serialize([agreement])[0]}
    for child in CHILDREN:
        snapshot[child.name] = serialize(child.live(agreement_id).order_by("pk"))
    return snapshot


def rows_as_of(history_queryset, when):
    """The history's rows as they stood at `when`: each object's latest version then, if not deleted."""
    latest = {}
    for row in history_queryset.filter(history_date__lte=when).order_by("id", "history_date", "history_id"):
        latest[row.id] = row
    return [row.instance for row in latest.values() if row.history_type != "-"]


def snapshot_as_of(agreement_id, when):
    """The agreement and its inline rows as the history says they stood at `when`, or None before its first
    version (loaddata gives every record a first one: agreements/changelog.py `populate`)."""
    versions = rows_as_of(Agreement.history.filter(id=agreement_id), when)
    if not versions:
        return None
    snapshot = {"agreement": serialize(versions)[0]}
    commitment_ids = []
    for child in CHILDREN:
        rows = sorted(rows_as_of(child.history_rows(agreement_id, commitment_ids), when), key=lambda row: row.pk)
        if child.model is Commitment:
            commitment_ids = [row.pk for row in rows]
        snapshot[child.name] = serialize(rows)
    return snapshot


# Dated news, never undone by a restore: a timeline entry or a commitment update says what a source said when.
FOLLOW_UP = ("status_entries", "commitment_updates")


def restore_snapshot(agreement, when):
    """What a restore of the version standing at `when` writes: the agreement's fields as `agreement` holds them
    (the reverted instance), its parties, commitments, citations and relations as they stood, and its timeline
    and commitment updates as they are now (the status stays the timeline's)."""
    snapshot = snapshot_as_of(agreement.pk, when)
    now = snapshot_of(agreement.pk)
    snapshot["agreement"] = serialize([agreement])[0]
    snapshot["status_entries"] = now["status_entries"]
    commitments = {row["pk"] for row in snapshot["commitments"]}
    snapshot["commitment_updates"] = [
        row for row in now["commitment_updates"] if row["fields"]["commitment"] in commitments
    ]
    return snapshot


def deserialize(model, row):
    data = [{"model": model._meta.label_lower, "pk": row["pk"], "fields": row["fields"]}]
    return next(serializers.deserialize("python", data)).object


def copy_fields(target, source, skip=()):
    """Copy the concrete fields of `source` onto `target`; whether any differed."""
    changed = False
    for field in target._meta.concrete_fields:
        if field.primary_key or field.name in skip:
            continue
        value = getattr(source, field.attname)
        if getattr(target, field.attname) != value:
            setattr(target, field.attname, value)
            changed = True
    return changed


def apply_snapshot(agreement_id, snapshot):
    """Make the live agreement and its inline rows what `snapshot` says (its publication state, status and
    timestamps aside). Rows are matched by id; a row the snapshot lacks is deleted, one the live record lacks
    is created (a new commitment's updates follow it). Each write goes through the model, so history, the
    change log, the totals and the caches follow as for any save."""
    with transaction.atomic():
        live = Agreement.objects.select_for_update().get(pk=agreement_id)
        # Foreign keys are checked at commit: a row the snapshot points at that was deleted since (an organisation,
        # a source) is found now, where the caller can say so. One indexed query per model pointed at.
        for model, ids in references(snapshot).items():
            if ids - set(model._default_manager.filter(pk__in=ids).values_list("pk", flat=True)):
                raise IntegrityError(f"The snapshot points at a {model._meta.verbose_name} deleted since.")
        incoming = deserialize(Agreement, snapshot["agreement"])
        if copy_fields(live, incoming, skip=KEPT):
            live.save()
        wanted = {child.name: {row["pk"] for row in snapshot.get(child.name, [])} for child in CHILDREN}
        existing = {}
        # Deletions first (updates before their commitments), so a row removed and added again does not collide.
        for child in reversed(CHILDREN):
            rows = {row.pk: row for row in child.live(agreement_id)}
            for pk in sorted(rows.keys() - wanted[child.name]):
                rows.pop(pk).delete()
            existing[child.name] = rows
        new_ids = {}  # a commitment's id in the snapshot -> its live id
        for child in CHILDREN:
            for row in snapshot.get(child.name, []):
                incoming = deserialize(child.model, row)
                if child.under_commitment:  # its parent is a commitment, a new one's by its new id
                    incoming.commitment_id = new_ids.get(incoming.commitment_id, incoming.commitment_id)
                else:
                    setattr(incoming, f"{child.parent}_id", agreement_id)
                current = existing[child.name].get(row["pk"])
                if current is not None:
                    # A commitment's status is its updates' (the database writes it).
                    if copy_fields(current, incoming, skip={"status"} if child.model is Commitment else ()):
                        current.save()
                    saved = current
                else:
                    incoming.pk = None
                    incoming.save()
                    saved = incoming
                if child.model is Commitment:
                    new_ids[row["pk"]] = saved.pk
        return live


def open_revision(agreement_id):
    return Revision.objects.open().filter(agreement_id=agreement_id).first()


def resolve_requests(agreement_id, user):
    """Submitting again answers every open request for changes on the record."""
    return (
        ReviewComment.objects.unresolved()
        .filter(agreement_id=agreement_id)
        .update(resolved_at=timezone.now(), resolved_by=user)
    )


def submit_revision(agreement_id, snapshot, user):
    """Store `snapshot` as the record's pending revision and resolve open requests. An open revision is
    replaced, its changes carried into the new one wherever the new save left the record as it is live
    (`carry_over`): a second save, the editor's own or a colleague's, adds to what waits for review rather
    than dropping it. Returns the revision and what of the open one could not be carried over."""
    with transaction.atomic():
        Agreement.objects.select_for_update().filter(pk=agreement_id).first()
        live = snapshot_of(agreement_id)
        previous = Revision.objects.open().filter(agreement_id=agreement_id).order_by("-created_at", "-pk").first()
        clashes = []
        if previous is not None and previous.base:
            snapshot, clashes = carry_over(snapshot, live, previous.base, previous.snapshot)
        Revision.objects.open().filter(agreement_id=agreement_id).update(state=RevisionState.SUPERSEDED)
        resolve_requests(agreement_id, user)
        revision = Revision.objects.create(agreement_id=agreement_id, snapshot=snapshot, base=live, created_by=user)
        return revision, clashes


def carry_over(snapshot, live, before, after):
    """`snapshot` (a save made from the `live` record) with the changes from `before` to `after` (an open
    revision and the live record it was made from) replayed, and the labels of those that were not.

    A change of the revision is replayed where both the new save and the live record left it as the revision
    found it: a field takes the revision's value, a row the revision added is added (with a new negative id,
    see `detach_new_rows`), a row it removed is removed. Where the new save changed the same field or row, the
    new save, made last, wins; where the live record changed since the revision was made (a publisher's save),
    the live value stays and the change is named in what is returned, so that nothing is overwritten silently.
    A row the revision added whose key (its unique fields) the new save already has is not added twice."""
    merged = copy.deepcopy(snapshot)
    clashes = replay_fields(merged["agreement"], live["agreement"], before["agreement"], after["agreement"], KEPT)
    next_id = min([0, *(row["pk"] for child in CHILDREN for row in merged[child.name])])
    renamed = {}  # a commitment the revision added: its id there -> its id in `merged`
    kept_commitments = {row["pk"] for row in after.get("commitments", [])}
    for child in CHILDREN:
        rows = {row["pk"]: row for row in merged[child.name]}
        live_rows = {row["pk"]: row for row in live[child.name]}
        before_rows = {row["pk"]: row for row in before.get(child.name, [])}
        after_rows = {row["pk"]: row for row in after.get(child.name, [])}
        database_written = {"status"} if child.model is Commitment else set()
        for pk, row in after_rows.items():
            if pk in before_rows:
                if pk in rows and pk in live_rows:
                    names = replay_fields(rows[pk], live_rows[pk], before_rows[pk], row, database_written)
                    clashes += [f"{child.label}: {name}" for name in names]
                continue
            added = copy.deepcopy(row)
            if child.under_commitment:
                added["fields"]["commitment"] = renamed.get(row["fields"]["commitment"], row["fields"]["commitment"])
            same = next((other for other in merged[child.name] if child.key(other) == child.key(added)), None)
            if same is not None:  # the new save has a row with this key: it wins (its updates follow it)
                if child.model is Commitment:
                    renamed[pk] = same["pk"]
                continue
            next_id -= 1
            if child.model is Commitment:
                renamed[pk] = next_id
            added["pk"] = next_id
            merged[child.name].append(added)
        removed = set()
        for pk in before_rows.keys() - after_rows.keys():
            if child.under_commitment and before_rows[pk]["fields"]["commitment"] not in kept_commitments:
                continue  # gone with its commitment: goes only if the commitment does (below)
            if pk not in rows or rows[pk] != live_rows.get(pk):
                continue  # the new save changed or removed it
            if live_rows[pk]["fields"] != before_rows[pk]["fields"]:
                clashes.append(f"{child.label}: {gettext('removed')}")
                continue
            removed.add(pk)
        merged[child.name] = [row for row in merged[child.name] if row["pk"] not in removed]
    # An update follows its commitment out.
    commitments = {row["pk"] for row in merged["commitments"]}
    merged["commitment_updates"] = [
        row for row in merged["commitment_updates"] if row["fields"]["commitment"] in commitments
    ]
    return merged, clashes


def replay_fields(row, live_row, before_row, after_row, unreported=()):
    """Replay on `row` the fields `after_row` changed from `before_row` where `row` is as live; the names of those
    left as they are because the live row changed them since (`unreported` aside: the database's own)."""
    clashes = []
    for name, value in after_row["fields"].items():
        was = before_row["fields"].get(name)
        if was == value or row["fields"].get(name) != live_row["fields"].get(name):
            continue  # the revision left it, or the new save changed it
        if live_row["fields"].get(name) != was:
            if name not in unreported:
                clashes.append(name)
            continue
        row["fields"][name] = value
    return clashes


def publish_revision(revision, user):
    with transaction.atomic():
        apply_snapshot(revision.agreement_id, revision.snapshot)
        Revision.objects.filter(pk=revision.pk).update(
            state=RevisionState.PUBLISHED, decided_by=user, decided_at=timezone.now()
        )
        resolve_requests(revision.agreement_id, user)


def withdraw_revision(revision, user):
    """Its author or a publisher takes an open revision back: the published version stays, the revision is kept
    (withdrawn) and the record's next save starts again from the published version."""
    Revision.objects.open().filter(pk=revision.pk).update(
        state=RevisionState.WITHDRAWN, decided_by=user, decided_at=timezone.now()
    )
    resolve_requests(revision.agreement_id, user)


def request_changes(agreement, revision, user, body):
    """A publisher sends a revision, or a record in review, back to its editor with a comment."""
    with transaction.atomic():
        if revision is not None:
            Revision.objects.filter(pk=revision.pk).update(
                state=RevisionState.CHANGES_REQUESTED, decided_by=user, decided_at=timezone.now()
            )
        return ReviewComment.objects.create(agreement=agreement, revision=revision, author=user, body=body)


# Compare


def describe(model, fields, names):
    """{field name: (label, shown value)} for one serialized row."""
    shown = {}
    for field in model._meta.concrete_fields:
        if field.primary_key or field.name in KEPT or field.name not in fields:
            continue
        if field.name.endswith("_en") and field.name.removesuffix("_en") in fields:
            continue  # a translated field's original column is its English one (agreements/translation.py)
        value = fields[field.name]
        if field.is_relation:
            text = names.get((field.related_model, value), "" if value is None else f"#{value}")
        elif field.choices and value not in (None, ""):
            text = str(dict(field.flatchoices).get(value, value))
        elif isinstance(value, bool):
            text = gettext("yes") if value else gettext("no")
        else:
            text = "" if value is None else str(value)
        shown[field.name] = (str(field.verbose_name), text)
    return shown


def references(snapshot, parents=False):
    """{model: ids} of the rows outside the record that a snapshot points at (with `parents`, also its own
    agreement and commitments, which `apply_snapshot` sets itself)."""
    wanted = {}
    for model, rows, child in [(Agreement, [snapshot["agreement"]], None)] + [
        (child.model, snapshot.get(child.name, []), child) for child in CHILDREN
    ]:
        for field in model._meta.concrete_fields:
            if not field.is_relation or (not parents and child is not None and field.name == child.parent):
                continue
            for row in rows:
                value = row["fields"].get(field.name)
                if value is not None:
                    wanted.setdefault(field.related_model, set()).add(value)
    return wanted


def related_names(*snapshots):
    """The names of every row the snapshots point at, one query per model pointed at."""
    wanted = {}
    for snapshot in snapshots:
        for model, ids in references(snapshot, parents=True).items():
            wanted.setdefault(model, set()).update(ids)
    names = {}
    for model, ids in wanted.items():
        for obj in model._default_manager.filter(Q(pk__in=ids)):
            names[(model, obj.pk)] = str(obj)
    return names


def compare(old, new):
    """What differs from snapshot `old` to snapshot `new`: the agreement's fields, then each kind of inline
    row added, removed or changed (only the fields that differ)."""
    names = related_names(old, new)
    before = describe(Agreement, old["agreement"]["fields"], names)
    after = describe(Agreement, new["agreement"]["fields"], names)
    fields = [
        {"label": label, "before": before[name][1], "after": text}
        for name, (label, text) in after.items()
        if name in before and before[name][1] != text
    ]
    sections = []
    for child in CHILDREN:
        old_rows = {row["pk"]: describe(child.model, row["fields"], names) for row in old.get(child.name, [])}
        new_rows = {row["pk"]: describe(child.model, row["fields"], names) for row in new.get(child.name, [])}
        rows = []
        for pk in sorted(new_rows.keys() - old_rows.keys()):
            rows.append({"change": gettext("added"), "after": summary(child, new_rows[pk])})
        for pk in sorted(old_rows.keys() - new_rows.keys()):
            rows.append({"change": gettext("removed"), "before": summary(child, old_rows[pk])})
        for pk in sorted(old_rows.keys() & new_rows.keys()):
            changed = [
                {"label": label, "before": old_rows[pk][name][1], "after": text}
                for name, (label, text) in new_rows[pk].items()
                if name != child.parent and name in old_rows[pk] and old_rows[pk][name][1] != text
            ]
            if changed:
                rows.append({"change": gettext("changed"), "before": summary(child, old_rows[pk]), "fields": changed})
        if rows:
            sections.append({"label": child.label, "rows": rows})
    return {"fields": fields, "sections": sections, "empty": not fields and not sections}


def summary(child, described):
    return " · ".join(text for name, (_label, text) in described.items() if name != child.parent and text)
