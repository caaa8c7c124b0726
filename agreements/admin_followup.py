"""What became of each deal, in the admin: an agreement's status timeline and its commitments' updates
edited on the agreement, claims on the event, the entries and updates found across the register, and the
changelist's filters for stale records and overdue commitments.

The database keeps each status its timeline's latest and refuses any other (agreements/timeline.py). So no
form here writes a status: it is read-only, and an editor changes it by adding an entry. The triggers move
it out of Django's sight, so `record_timeline_statuses` then writes the history row that shows the move,
naming the editor.
"""

from functools import partial

from django import forms
from django.contrib import admin
from django.contrib.admin.checks import InlineModelAdminChecks
from django.contrib.admin.utils import flatten_fieldsets
from django.db import router
from django.db.models import BLANK_CHOICE_DASH
from django.forms.models import BaseInlineFormSet, BaseModelFormSet, modelform_defines_fields, modelformset_factory
from django.utils.functional import cached_property
from django.utils.html import format_html
from django.utils.translation import gettext, gettext_lazy
from simple_history.admin import SimpleHistoryAdmin

from . import changelog
from .admin_forms import AmountFieldsMixin
from .admin_shared import RevertNeedsChangePermissionMixin, SharedRecordInlineMixin
from .amounts import format_amount
from .models import Agreement, Commitment, CommitmentUpdate, EventClaim, StatusEntry, is_stale

STATUS_HELP = gettext_lazy("Set by its latest timeline entry: add an entry to change it.")
MILESTONE_HELP = gettext_lazy("Set by its latest update: add an update to change it.")
# Django's tabular inline with a sentence above it (the inline's `note`): Django's template has no block for it.
TABULAR_WITH_NOTE = "admin/agreements/tabular_with_note.html"
# Keeps the two inlines within the change form's column at 1280 px (a file: the CSP allows no inline style).
INLINE_CSS = {"all": ["css/admin-followup.css"]}


def record_timeline_statuses(request, agreement_ids):
    """Write a history row, naming the editor, for each of these agreements and their commitments whose
    status the timeline just moved (a status moved by a trigger has none: Django never saw the change)."""
    using = router.db_for_write(Agreement)
    agreements = list(Agreement.objects.using(using).filter(pk__in=agreement_ids))
    changelog.latest_history(Agreement, agreements, using, user=request.user)
    commitments = list(Commitment.objects.using(using).filter(agreement__in=agreement_ids))
    changelog.latest_history(Commitment, commitments, using, user=request.user)


class StatusEntryFormSet(BaseInlineFormSet):
    default_error_messages = {
        "too_few_forms": gettext_lazy("A new agreement needs a status entry: its status is its timeline's latest."),
    }


class StatusEntryInline(admin.TabularInline):
    model = StatusEntry
    formset = StatusEntryFormSet
    fields = ["date", "date_precision", "status", "source", "note"]
    autocomplete_fields = ["source"]
    extra = 0
    template = TABULAR_WITH_NOTE
    note = gettext_lazy(
        "The agreement's status is the status of its latest entry (by date, then as entered). Deleting the last "
        "entry leaves the status as it is."
    )

    class Media:
        css = INLINE_CSS

    def get_min_num(self, request, obj=None, **kwargs):
        # A new agreement takes its status from its first entry; an existing one may lose its last entry.
        return 1 if obj is None else 0

    def get_formset(self, request, obj=None, **kwargs):
        return super().get_formset(request, obj, validate_min=True, **kwargs)


class GrandchildInlineChecks(InlineModelAdminChecks):
    """An inline whose rows reach the parent through another model (an update through its commitment): there
    is no foreign key to the parent to check or exclude, as for Django's generic inlines, whose checks these
    follow (django.contrib.contenttypes.admin)."""

    def _check_exclude_of_parent_model(self, obj, parent_model):
        return []

    def _check_relation(self, obj, parent_model):
        return []


class CommitmentUpdateFormSet(BaseModelFormSet):
    """The updates of an agreement's commitments, edited on the agreement: a model formset over
    `CommitmentUpdate.objects.filter(commitment__agreement=instance)`, made to answer the admin as an inline
    formset does (the `instance`, `save_as_new` and `queryset` it passes; a prefix of its own). Each row's
    commitment is one of the agreement's, read once for all rows."""

    def __init__(self, data=None, files=None, instance=None, save_as_new=False, prefix=None, queryset=None, **kwargs):
        self.instance = Agreement() if instance is None else instance
        self.save_as_new = save_as_new
        if queryset is None:
            queryset = self.model._default_manager.all()
        if self.instance._is_pk_set():
            self.commitments = Commitment.objects.filter(agreement=self.instance)
            queryset = queryset.filter(commitment__agreement=self.instance)
            queryset = queryset.order_by("commitment__position", "date", "id")
        else:
            self.commitments = Commitment.objects.none()
            queryset = queryset.none()
        super().__init__(data=data, files=files, prefix=prefix, queryset=queryset, **kwargs)

    @classmethod
    def get_default_prefix(cls):
        return "commitment_updates"

    def initial_form_count(self):
        return 0 if self.save_as_new else super().initial_form_count()

    @cached_property
    def commitment_choices(self):
        return [*BLANK_CHOICE_DASH, *((c.pk, f"{c.position}. {c.description}") for c in self.commitments)]

    def add_fields(self, form, index):
        super().add_fields(form, index)
        field = form.fields["commitment"]
        field.queryset = self.commitments  # what a posted choice is checked against
        field.choices = self.commitment_choices  # what each row offers, without a query per row

    def save(self, commit=True):
        # The commitments' inline is saved first: a commitment deleted there took its updates with it, and an
        # update added or edited for it in the same form has nothing left to belong to.
        self.live_commitments = set(self.commitments.values_list("pk", flat=True))
        saved = super().save(commit)
        self.new_objects = [obj for obj in self.new_objects if self.belongs(obj)]
        self.changed_objects = [(obj, fields) for obj, fields in self.changed_objects if self.belongs(obj)]
        self.deleted_objects = [obj for obj in self.deleted_objects if self.belongs(obj)]
        return [obj for obj in saved if self.belongs(obj)]

    def belongs(self, obj):
        return obj.commitment_id in self.live_commitments

    def save_new(self, form, commit=True):
        return super().save_new(form, commit) if self.belongs(form.instance) else form.instance

    def save_existing(self, form, obj, commit=True):
        return super().save_existing(form, obj, commit) if self.belongs(obj) else obj

    def delete_existing(self, obj, commit=True):
        if self.belongs(obj):
            super().delete_existing(obj, commit)


class CommitmentUpdateInline(AmountFieldsMixin, admin.TabularInline):
    """Updates of the agreement's commitments. CommitmentUpdate has no key to Agreement, so the formset is
    built here as Django builds a generic inline's (GenericInlineModelAdmin.get_formset), over
    `CommitmentUpdateFormSet`."""

    model = CommitmentUpdate
    formset = CommitmentUpdateFormSet
    checks_class = GrandchildInlineChecks
    fields = ["commitment", "date", "date_precision", "status", "progress", "source", "note"]
    autocomplete_fields = ["source"]
    extra = 0
    template = TABULAR_WITH_NOTE
    verbose_name_plural = gettext_lazy("commitment updates")
    note = gettext_lazy(
        "What the sources say of each commitment's progress; a commitment's status is its latest update's. A "
        "commitment added in this form can get its updates once the form is saved."
    )

    class Media:
        css = INLINE_CSS

    def get_formset(self, request, obj=None, **kwargs):
        fields = kwargs.pop("fields") if "fields" in kwargs else flatten_fieldsets(self.get_fieldsets(request, obj))
        exclude = [*(self.exclude or []), *self.get_readonly_fields(request, obj)]
        can_change = self.has_change_permission(request, obj) if request else True
        can_add = self.has_add_permission(request, obj) if request else True

        class PermissionProtectedForm(self.form):
            def has_changed(self):
                # As Django's inlines do: what a user may not change or add is never saved.
                if not can_change and not self.instance._state.adding:
                    return False
                if not can_add and self.instance._state.adding:
                    return False
                return super().has_changed()

        defaults = {
            "form": PermissionProtectedForm,
            "formset": self.formset,
            "fields": fields,
            "exclude": exclude or None,
            "formfield_callback": partial(self.formfield_for_dbfield, request=request),
            "extra": self.get_extra(request, obj),
            "min_num": self.get_min_num(request, obj),
            "max_num": self.get_max_num(request, obj),
            "can_delete": self.can_delete and self.has_delete_permission(request, obj),
            **kwargs,
        }
        if defaults["fields"] is None and not modelform_defines_fields(defaults["form"]):
            defaults["fields"] = forms.ALL_FIELDS
        return modelformset_factory(self.model, **defaults)


class MilestoneStatusForm(forms.ModelForm):
    class Meta:
        help_texts = {"status": MILESTONE_HELP}


class EventClaimInline(SharedRecordInlineMixin, AmountFieldsMixin, admin.TabularInline):
    model = EventClaim
    fields = ["source", "claim", "amount", "currency", "approximate"]
    autocomplete_fields = ["source"]
    extra = 0


class StaleFilter(admin.SimpleListFilter):
    title = gettext_lazy("stale")
    parameter_name = "stale"

    def lookups(self, request, model_admin):
        return [("yes", gettext_lazy("Yes")), ("no", gettext_lazy("No"))]

    def queryset(self, request, queryset):
        if self.value() in ("yes", "no"):
            return queryset.stale(self.value() == "yes")
        return queryset


class OverdueFilter(admin.SimpleListFilter):
    title = gettext_lazy("overdue commitments")
    parameter_name = "overdue"

    def lookups(self, request, model_admin):
        return [("yes", gettext_lazy("Yes")), ("no", gettext_lazy("No"))]

    def queryset(self, request, queryset):
        if self.value() in ("yes", "no"):
            return queryset.with_overdue_commitments(self.value() == "yes")
        return queryset


def verified_display(agreement):
    """Last verified, and "stale" where it is (computed from the row itself: no query)."""
    day = agreement.last_verified_on.isoformat() if agreement.last_verified_on else gettext("never")
    if is_stale(agreement.last_verified_on):
        return format_html("{} <strong>{}</strong>", day, gettext("stale"))
    return day


class TimelineRowForm(forms.ModelForm):
    """An entry or update edited (or restored from its history) on its own."""

    parent_field = None  # the key of the row it belongs to

    def clean(self):
        cleaned_data = super().clean()
        parent = self._meta.model._meta.get_field(self.parent_field)
        if not parent.related_model.objects.filter(pk=getattr(self.instance, parent.attname)).exists():
            # Restoring a deleted row whose agreement or commitment is gone too: nothing to restore it to.
            raise forms.ValidationError(
                gettext("Its %(parent)s no longer exists.") % {"parent": parent.related_model._meta.verbose_name},
                code="parent_gone",
            )
        return cleaned_data


class TimelineRowAdmin(RevertNeedsChangePermissionMixin, SimpleHistoryAdmin):
    """Entries and updates across the register: to find and correct them (they are added on their agreement,
    where the commitment is one of its own). Whatever is saved or deleted here moves a status the database
    keeps: `record_timeline_statuses` writes its history."""

    agreement_path = None  # from a row to its agreement's id

    def has_add_permission(self, request):
        return False

    def reviewed(self, request, obj):
        """An editor's change to a published record waits for review (agreements/revisions.py): here, where no
        revision can be made, the rows of a published record are read-only for editors; they change them on the
        agreement's change form, as a pending revision."""
        if obj is None or request.user.has_perm("agreements.publish_agreement"):
            return False
        state = self.agreement_path.removesuffix("_id") + "__publication_state"
        return self.model.objects.filter(pk=obj.pk, **{state: "published"}).exists()

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and not self.reviewed(request, obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and not self.reviewed(request, obj)

    def agreement_ids(self, queryset):
        return set(queryset.values_list(self.agreement_path, flat=True))

    def save_model(self, request, obj, form, change):
        rows = self.model.objects.filter(pk=obj.pk)
        before = self.agreement_ids(rows) if obj.pk is not None else set()
        super().save_model(request, obj, form, change)
        record_timeline_statuses(request, before | self.agreement_ids(rows))

    def delete_model(self, request, obj):
        ids = self.agreement_ids(self.model.objects.filter(pk=obj.pk))
        super().delete_model(request, obj)
        record_timeline_statuses(request, ids)

    def delete_queryset(self, request, queryset):
        ids = self.agreement_ids(queryset)
        super().delete_queryset(request, queryset)
        record_timeline_statuses(request, ids)


class StatusEntryForm(TimelineRowForm):
    parent_field = "agreement"


@admin.register(StatusEntry)
class StatusEntryAdmin(TimelineRowAdmin):
    form = StatusEntryForm
    agreement_path = "agreement_id"
    list_display = ["agreement", "date_display", "status", "source", "note"]
    list_filter = ["status", "date_precision", "agreement__publication_state"]
    list_select_related = ["agreement", "source"]
    search_fields = ["agreement__title", "agreement__slug", "note", "source__key", "source__publisher"]
    autocomplete_fields = ["source"]
    readonly_fields = ["agreement"]
    fields = ["agreement", "date", "date_precision", "status", "source", "note"]

    @admin.display(description=gettext_lazy("date"), ordering="date")
    def date_display(self, obj):
        return obj.date_display


class CommitmentUpdateForm(TimelineRowForm):
    parent_field = "commitment"


@admin.register(CommitmentUpdate)
class CommitmentUpdateAdmin(AmountFieldsMixin, TimelineRowAdmin):
    form = CommitmentUpdateForm
    agreement_path = "commitment__agreement_id"
    list_display = ["commitment", "agreement", "date_display", "status", "progress_display", "source"]
    list_filter = ["status", "date_precision", "commitment__agreement__publication_state"]
    list_select_related = ["commitment__agreement", "source"]
    search_fields = [
        "commitment__agreement__title",
        "commitment__agreement__slug",
        "commitment__description",
        "note",
        "source__key",
        "source__publisher",
    ]
    autocomplete_fields = ["source"]
    readonly_fields = ["commitment", "agreement"]
    fields = ["agreement", "commitment", "date", "date_precision", "status", "progress", "source", "note"]

    @admin.display(description=gettext_lazy("progress"), ordering="progress")
    def progress_display(self, obj):
        return format_amount(obj.progress) if obj.progress is not None else None

    @admin.display(description=gettext_lazy("agreement"), ordering="commitment__agreement__title")
    def agreement(self, obj):
        return obj.commitment.agreement

    @admin.display(description=gettext_lazy("date"), ordering="date")
    def date_display(self, obj):
        return obj.date_display
