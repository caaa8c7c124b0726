"""No lost updates: a change form saved from an older version of its record is refused.

A record's version is where its history stood when the form was opened: the latest history row
(django-simple-history) of the record and of each kind of row edited with it (an agreement's parties,
commitments and their updates, timeline, citations and relations; an event's claims), so a colleague's change
to inline rows only is a change too. The form carries it in a hidden field (`edit_version`). On save, the record's
row is locked (select_for_update; on SQLite the write transaction is IMMEDIATE, kzdeals/settings.py) and the
version read again: if history moved on and changed anything, the save is refused with a message naming the
fields and rows that changed and who changed them, the user's input kept in the form (a field only the
colleague changed shows the colleague's value: `take_colleagues_values`). The form then carries the current
version, so saving it again, once checked, goes through. Check and write happen in one transaction (the
admin's change and revert views are atomic), so of two saves racing from the same version one waits for the
other's commit and is refused.
"""

from django import forms
from django.core.exceptions import FieldDoesNotExist
from django.db import router, transaction
from django.db.models import F, Max
from django.utils.text import capfirst
from django.utils.translation import gettext, gettext_lazy

from .models import (
    Agreement,
    Citation,
    Commitment,
    CommitmentUpdate,
    Event,
    EventClaim,
    Group,
    Organization,
    Party,
    Relation,
    Revision,
    Source,
    StatusEntry,
)

# Changes that are not an editor's: moved by every save of a child row (agreements/caching.py).
UNTRACKED = {"updated_at", "published_at"}
ROWS = gettext_lazy("%(rows)s (%(action)s)")  # what happened to an inline row: "parties (added)"
SUBMITTED = gettext_lazy("the record (a change now waiting for review)")


def rows_of(model, lookup):
    def history(pk):
        return model.history.filter(**{lookup: pk})

    history.model = model
    return history


def commitment_updates(pk):
    # Through the commitments' history: an update of a commitment deleted since is still this agreement's.
    return CommitmentUpdate.history.filter(commitment_id__in=Commitment.history.filter(agreement_id=pk).values("id"))


commitment_updates.model = CommitmentUpdate


def pending_revisions(pk):
    """The record's revisions waiting for review (agreements/revisions.py), numbered as history rows are: a
    colleague's change submitted for review moves the version too, so that saving a form opened before it (which
    would replace that revision) is refused as any other colleague's change."""
    return Revision.objects.filter(agreement_id=pk).annotate(history_id=F("id"))


pending_revisions.model = Revision

# What a record's version is made of: its own history first, then that of the rows edited with it.
PARTS = {
    Agreement: [
        rows_of(Agreement, "id"),
        rows_of(Party, "agreement_id"),
        rows_of(Commitment, "agreement_id"),
        commitment_updates,
        rows_of(StatusEntry, "agreement_id"),
        rows_of(Citation, "agreement_id"),
        rows_of(Relation, "from_agreement_id"),
        pending_revisions,
    ],
    Event: [rows_of(Event, "id"), rows_of(EventClaim, "event_id")],
    Group: [rows_of(Group, "id")],
    Organization: [rows_of(Organization, "id")],
    Source: [rows_of(Source, "id")],
}


def version_of(model, pk):
    """The record's version: the latest history id of each of its parts, as text ("41.7.0.0.12.3.0")."""
    return ".".join(str(part(pk).aggregate(latest=Max("history_id"))["latest"] or 0) for part in PARTS[model])


def parse_version(text, model):
    parts = str(text or "").split(".")
    if len(parts) != len(PARTS[model]) or not all(part.isdigit() for part in parts):
        return None
    return [int(part) for part in parts]


def changed_fields(row):
    """The verbose names of the fields this history row changed from the one before it, or None where there is
    none before it (a record that predates its history: which fields changed is not known)."""
    previous = row.prev_record
    if previous is None:
        return None
    names = [field.name for field in type(row).tracked_fields if field.name not in UNTRACKED and field.name != "id"]
    delta = row.diff_against(previous, included_fields=names)
    changed = {change.field for change in delta.changes}
    # The original column of a translated field is its English one (agreements/translation.py): named once.
    changed -= {f"{name}_en" for name in changed}
    return [str(row.instance_type._meta.get_field(name).verbose_name) for name in names if name in changed]


def who(row):
    return person(row.history_user)


def person(user):
    if user is None:
        return gettext("an import or a script")
    return user.get_full_name() or user.get_username()


def changes_since(model, pk, opened):
    """{person: [what they changed]} in the record since the version `opened`: field names of the record,
    then "parties (added)"-style notes for its rows. Empty when nothing changed but history rows were written."""
    found = {}
    for part, since in zip(PARTS[model], opened, strict=True):
        if part is pending_revisions:
            for revision in part(pk).filter(history_id__gt=since).select_related("created_by"):
                items = found.setdefault(person(revision.created_by), [])
                if str(SUBMITTED) not in items:
                    items.append(str(SUBMITTED))
            continue
        rows = list(part(pk).filter(history_id__gt=since).select_related("history_user").order_by("history_id"))
        for index, row in enumerate(rows):
            if row.history_type in "+-" and part.model is not model:
                action = gettext("added") if row.history_type == "+" else gettext("deleted")
                what = [ROWS % {"rows": part.model._meta.verbose_name_plural, "action": action}]
            else:
                fields = changed_fields(row)
                if fields is None and any(later.id == row.id for later in rows[index + 1 :]):
                    fields = []  # a baseline written just before the change that follows it (agreements/changelog.py)
                if part.model is model:
                    what = [gettext("the record (its history starts here)")] if fields is None else fields
                elif fields != []:
                    what = [ROWS % {"rows": part.model._meta.verbose_name_plural, "action": gettext("changed")}]
                else:
                    what = []
            for item in what:
                items = found.setdefault(who(row), [])
                if item not in items:
                    items.append(item)
    return found


STALE = gettext_lazy(
    "Not saved: this record changed after you opened it. %(changes)s. The form below now shows their values in "
    "the fields you had not changed, and your input where you had: check it, then save again."
)


def same(one, other):
    """Equal, an empty text and none counting as the same (a translation not yet written is stored as null)."""
    return one == other or (one in (None, "") and other in (None, ""))


def form_data_value(field, value):
    """`value` as a browser would post it for `field`."""
    if value is None:
        return ""
    if isinstance(field.widget, forms.Select):
        return str(value)
    return field.widget.format_value(value) or str(value)


class VersionedForm:
    """Mixed into a change form by `VersionedAdminMixin`: the version check, under the record's row lock."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound and self.instance.pk is not None:
            self.initial["edit_version"] = version_of(type(self.instance), self.instance.pk)

    def clean(self):
        cleaned_data = super().clean()
        if self.instance.pk is None or self.instance._state.adding:
            return cleaned_data
        model = type(self.instance)
        using = router.db_for_write(model)
        # Held until the save commits: a colleague's save of the same record waits here, then sees ours.
        list(model._default_manager.using(using).select_for_update().filter(pk=self.instance.pk).values("pk"))
        current = version_of(model, self.instance.pk)
        opened = parse_version(self.cleaned_data.get("edit_version"), model)
        if opened is None:
            self.refresh_version(current)
            raise forms.ValidationError(
                gettext("Not saved: the form did not say which version of the record it was opened at. Save again."),
                code="version_missing",
            )
        if opened == [int(part) for part in current.split(".")]:
            return cleaned_data
        changes = changes_since(model, self.instance.pk, opened)
        self.refresh_version(current)
        if not changes:
            return cleaned_data  # history moved, nothing changed: nothing of a colleague's to lose
        self.take_colleagues_values(model, opened[0])
        described = "; ".join(
            gettext("%(person)s changed %(what)s") % {"person": person, "what": ", ".join(items)}
            for person, items in changes.items()
        )
        raise forms.ValidationError(STALE, code="stale_version", params={"changes": capfirst(described)})

    def take_colleagues_values(self, model, opened_at):
        """In the form shown again, a field a colleague changed and this form did not takes the colleague's value,
        so that saving again keeps their change; a field both changed keeps this form's input. Compared with the
        record's history row at the version opened (none for a record that predates its history: then the
        form keeps all its input, and the message names the fields)."""
        then = model.history.filter(id=self.instance.pk, history_id__lte=opened_at).order_by("-history_id").first()
        now = model._default_manager.filter(pk=self.instance.pk).first()
        if then is None or now is None:
            return
        for name, field in self.fields.items():
            if name == "edit_version" or field.disabled or name not in self.cleaned_data:
                continue
            try:
                attname = model._meta.get_field(name).attname
            except FieldDoesNotExist:
                continue
            if not hasattr(then, attname):
                continue
            opened_value, current_value = getattr(then, attname), getattr(now, attname)
            posted = self.cleaned_data[name]
            if same(opened_value, current_value) or not same(getattr(posted, "pk", posted), opened_value):
                continue
            key = self.add_prefix(name)
            if isinstance(field, forms.BooleanField):
                if current_value:
                    self.data[key] = "on"
                else:
                    self.data.pop(key, None)
            else:
                self.data[key] = form_data_value(field, current_value)

    def refresh_version(self, current):
        """The form shown again carries the current version: saving it again is a decision, not a race."""
        data = self.data.copy()
        data[self.add_prefix("edit_version")] = current
        self.data = data


def versioned(form):
    """`form` with the hidden version field and its check."""
    attrs = {
        "edit_version": forms.CharField(widget=forms.HiddenInput, required=False),
        "__module__": __name__,
    }
    return type(form)(f"Versioned{form.__name__}", (VersionedForm, form), attrs)


class VersionedAdminMixin:
    """For the admin of a model in `PARTS`: its change form and history (revert) form carry the version."""

    def get_form(self, request, obj=None, change=False, **kwargs):
        kwargs["form"] = versioned(kwargs.get("form", self.form))
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if obj is None or any("edit_version" in options["fields"] for _, options in fieldsets):
            return fieldsets
        (name, options), *rest = fieldsets
        return [(name, {**options, "fields": [*options["fields"], "edit_version"]}), *rest]

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        # The check and the revert in one transaction, as the change form's (ModelAdmin.changeform_view).
        with transaction.atomic(using=router.db_for_write(self.model)):
            return super().history_form_view(request, object_id, version_id, extra_context)
