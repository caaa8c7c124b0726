"""The editors' workplace.

Editors (group "editors") prepare records and submit them for review; only users with
`agreements.publish_agreement` (group "publishers") move a record to or from "published". The rule
is enforced by the change form (the choices offered and the validation of what is posted, which
also guards the history "revert" form) and by the permissions of the admin actions.

An agreement's status, and a commitment's, is the latest entry of its timeline (agreements/timeline.py):
read-only here, changed by adding an entry (agreements/admin_followup.py). No admin path writes a status
that contradicts the timeline, which the database would refuse.
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.db import models, router, transaction
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext, gettext_lazy, ngettext
from import_export.admin import ImportExportModelAdmin
from import_export.formats import base_formats
from modeltranslation.admin import TranslationAdmin, TranslationStackedInline
from simple_history.admin import SimpleHistoryAdmin

from . import content_language
from .admin_followup import (
    STATUS_HELP,
    CommitmentUpdateInline,
    EventClaimInline,
    MilestoneStatusForm,
    OverdueFilter,
    StaleFilter,
    StatusEntryInline,
    record_timeline_statuses,
    verified_display,
)
from .admin_forms import AmountFieldsMixin
from .admin_review import DeskFilter, ReviewedChangesMixin
from .admin_shared import SharedRecordInlineMixin, SharedRecordMixin
from .amounts import format_amount, short_amount
from .locking import VersionedAdminMixin
from .models import (
    Agreement,
    Citation,
    Commitment,
    Event,
    Group,
    Organization,
    OrganizationAlias,
    Party,
    PublicationState,
    Relation,
    Sector,
    Source,
    Status,
    followup,
)
from .resources import AgreementResource, DefusedCSV, TextOnlyXLSX
from .revisions import resolve_requests

PUBLISH_PERMISSION = "agreements.publish_agreement"


def can_publish(user):
    return user.has_perm(PUBLISH_PERMISSION)


def money(amount, currency, approximate):
    """A changelist's amount: short ("USD 2.5 bn"), every digit in its title ("USD 2,500,000,000")."""
    return format_html(
        '<span class="amount" title="{}{} {}">{}{}</span>',
        "≈ " if approximate else "",
        currency,
        format_amount(amount),
        "≈ " if approximate else "",
        short_amount(amount, currency),
    )


def clipped(text, title=None):
    """Text cut to one line by the stylesheet (static/css/admin-forms.css), whole in its title."""
    return format_html('<span class="clip" title="{}">{}</span>', text if title is None else title, text)


def event_label(event):
    """An event in a few words: its place and month, or its name's start where it has no place."""
    if event.place:
        return f"{event.place}, {event.starts_on:%Y-%m}"
    return event.name


class AgreementAdminForm(forms.ModelForm):
    """The change form; `user_can_publish` is set per request by `AgreementAdmin.get_form`."""

    user_can_publish = False

    class Meta:
        help_texts = {"status": STATUS_HELP}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Compared with the stored row, not the form's instance: the history form's instance is an
        # old version, and reverting to it must not change the state around the rule.
        self.stored_state = None
        # The status a revert to an old version did not restore: the timeline's stands (`AgreementAdmin.save_model`).
        self.kept_status = None
        if self.instance.pk is not None:
            stored = Agreement.objects.filter(pk=self.instance.pk)
            if self.is_bound:
                # Locked until the save commits, so that no entry added meanwhile makes the status written stale.
                stored = stored.select_for_update()
            row = stored.values_list("publication_state", "status").first()
            if row is not None:  # None: restoring a deleted record from its history
                self.stored_state, stored_status = row
                if self.instance.status != stored_status:
                    self.kept_status = self.instance.status
                    self.instance.status = stored_status
        field = self.fields.get("publication_state")
        if field is None or self.user_can_publish:
            return
        if self.stored_state == PublicationState.PUBLISHED:
            field.widget.choices = [(PublicationState.PUBLISHED, PublicationState.PUBLISHED.label)]
            self.initial["publication_state"] = PublicationState.PUBLISHED
            field.help_text = gettext("Published. Only a publisher can take a record off the public register.")
        else:
            field.widget.choices = [(state, state.label) for state in (PublicationState.DRAFT, PublicationState.REVIEW)]
            field.help_text = gettext("Submit for review when the record is ready; a publisher publishes it.")

    def clean_publication_state(self):
        state = self.cleaned_data["publication_state"]
        if self.user_can_publish:
            return state
        was_published = self.stored_state == PublicationState.PUBLISHED
        if state == PublicationState.PUBLISHED and not was_published:
            raise forms.ValidationError(
                gettext("Only a publisher can publish a record: choose Draft or In review."), code="publish_denied"
            )
        if was_published and state != PublicationState.PUBLISHED:
            raise forms.ValidationError(
                gettext("Only a publisher can take a published record back to draft or review."),
                code="unpublish_denied",
            )
        return state


def move_to(request, agreements, state):
    """Save each agreement in its new state one by one, so history records the user for each (only the
    fields the move changes: the status is its timeline's); how many moved."""
    changed = 0
    for agreement in agreements:
        agreement.publication_state = state
        agreement.save(update_fields=["publication_state", "published_at", "updated_at"])
        if state == PublicationState.REVIEW:
            resolve_requests(agreement.pk, request.user)
        changed += 1
    return changed


@admin.action(description=gettext_lazy("Submit for review"), permissions=["change"])
def submit_for_review(modeladmin, request, queryset):
    changed = move_to(request, queryset.filter(publication_state=PublicationState.DRAFT), PublicationState.REVIEW)
    message = ngettext(
        "%(count)d agreement submitted for review.", "%(count)d agreements submitted for review.", changed
    )
    modeladmin.message_user(request, message % {"count": changed}, messages.SUCCESS)


@admin.action(description=gettext_lazy("Publish"), permissions=["publish"])
def publish(modeladmin, request, queryset):
    changed = move_to(
        request, queryset.exclude(publication_state=PublicationState.PUBLISHED), PublicationState.PUBLISHED
    )
    message = ngettext("%(count)d agreement published.", "%(count)d agreements published.", changed)
    modeladmin.message_user(request, message % {"count": changed}, messages.SUCCESS)


@admin.action(description=gettext_lazy("Unpublish (back to draft)"), permissions=["publish"])
def unpublish(modeladmin, request, queryset):
    changed = move_to(request, queryset.filter(publication_state=PublicationState.PUBLISHED), PublicationState.DRAFT)
    message = ngettext("%(count)d agreement taken back to draft.", "%(count)d agreements taken back to draft.", changed)
    modeladmin.message_user(request, message % {"count": changed}, messages.SUCCESS)


@admin.action(description=gettext_lazy("Mark verified today"), permissions=["change"])
def mark_verified_today(modeladmin, request, queryset):
    """Staff checked these records against their sources today. Saved one by one (`queryset.update` would
    write no history), so history records the user for each."""
    day = followup.today()
    changed = 0
    for agreement in queryset:
        agreement.last_verified_on = day
        agreement.save(update_fields=["last_verified_on", "updated_at"])
        changed += 1
    message = ngettext(
        "%(count)d agreement marked verified on %(day)s.", "%(count)d agreements marked verified on %(day)s.", changed
    )
    modeladmin.message_user(request, message % {"count": changed, "day": day.isoformat()}, messages.SUCCESS)


class PartyInline(admin.TabularInline):
    model = Party
    extra = 0
    autocomplete_fields = ["organization"]


class CommitmentInline(AmountFieldsMixin, TranslationStackedInline):
    """Stacked: its description and unit in three languages would not fit a row at 1280 px."""

    model = Commitment
    form = MilestoneStatusForm
    extra = 0
    autocomplete_fields = ["source"]
    readonly_fields = ["status"]


class CitationInline(AmountFieldsMixin, admin.TabularInline):
    model = Citation
    extra = 0
    autocomplete_fields = ["source"]


class RelationInlineForm(forms.ModelForm):
    def clean(self):
        # The database refuses a self-relation, but the inline form skips that constraint because it
        # involves the parent's key: without this check the editor would get a server error.
        cleaned_data = super().clean()
        target = cleaned_data.get("to_agreement")
        if target is not None and target.pk == self.instance.from_agreement_id:
            raise forms.ValidationError(gettext("An agreement cannot relate to itself."), code="relation_to_itself")
        return cleaned_data


class RelationInline(admin.TabularInline):
    model = Relation
    form = RelationInlineForm
    fk_name = "from_agreement"
    extra = 0
    autocomplete_fields = ["to_agreement"]
    verbose_name = gettext_lazy("relation to another agreement")
    verbose_name_plural = gettext_lazy("relations to other agreements")


@admin.register(Agreement)
class AgreementAdmin(
    ReviewedChangesMixin,
    VersionedAdminMixin,
    AmountFieldsMixin,
    TranslationAdmin,
    ImportExportModelAdmin,
    SimpleHistoryAdmin,
):
    form = AgreementAdminForm

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("sector")

    def action_checkbox(self, obj):
        """The row's checkbox, written as Django's CheckboxInput writes it (tests/test_admin.py) without a
        template render per row: those were a third of the changelist's time."""
        label = format_html(gettext("Select this object for an action - {}"), str(obj))
        return format_html(
            '<input type="checkbox" name="{}" value="{}" class="action-select" aria-label="{}">',
            helpers.ACTION_CHECKBOX_NAME,
            obj.pk,
            label,
        )

    resource_classes = [AgreementResource]
    import_formats = [DefusedCSV, base_formats.XLSX]
    export_formats = [DefusedCSV, TextOnlyXLSX]
    list_display = [
        "title_display",
        "kind",
        "status",
        "sector",
        "event_display",
        "value_display",
        "verified",
        "publication_badge",
        "updated_display",
    ]
    list_display_links = ["title_display"]
    list_filter = [
        DeskFilter,
        "publication_state",
        "kind",
        "status",
        StaleFilter,
        OverdueFilter,
        ("signed_on", admin.DateFieldListFilter),
        "sector",
        "event",
        "value_basis",
    ]
    search_fields = [
        *content_language.every_column("title")[1:],
        "slug",
        *content_language.every_column("summary")[1:],
        *(f"parties__organization__{name}" for name in content_language.every_column("name")[1:]),
        "parties__organization__short_name",
        "parties__organization__aliases__name",
    ]
    # The sector comes in one more query (get_queryset), not in a join: joined, SQLite went through the
    # dozen sectors first and sorted every agreement (3.5 s a page at 1,000,000), where it otherwise reads
    # the page off the ordering's index. Event and group are outer joins, which keep that order.
    list_select_related = ["event", "group"]
    show_full_result_count = False
    # No date_hierarchy here: its DISTINCT over every row's year costs 200 ms at 100,000 agreements;
    # the date filter below needs no query.
    prepopulated_fields = {"slug": ["title"]}
    autocomplete_fields = ["sector", "event", "group"]
    readonly_fields = ["status", "published_at", "created_at", "updated_at"]
    # Saved in this order (save_related): the commitments before their updates, whose triggers then move the
    # commitments' statuses; nothing saved after the timeline and the updates writes a status.
    inlines = [
        PartyInline,
        CommitmentInline,
        StatusEntryInline,
        CommitmentUpdateInline,
        CitationInline,
        RelationInline,
    ]
    actions = [submit_for_review, publish, unpublish, mark_verified_today]
    fieldsets = [
        (None, {"fields": ["title", "slug", "kind", "status", "sector", "event", "summary", "places"]}),
        ("Dates", {"fields": ["signed_on", "signed_on_precision", "entry_into_force_on", "expires_on"]}),
        ("Value", {"fields": ["group", "value_amount", "value_currency", "value_approximate", "value_basis"]}),
        (gettext_lazy("Follow-up"), {"fields": ["last_verified_on"]}),
        ("Publication", {"fields": ["publication_state", "published_at", "created_at", "updated_at"]}),
    ]

    @admin.display(description=gettext_lazy("title"), ordering="title")
    def title_display(self, obj):
        return clipped(obj.title)

    @admin.display(description=gettext_lazy("event"), ordering="event__starts_on")
    def event_display(self, obj):
        """The event's place and month ("Washington, D.C., 2025-11"), its full name in the title (selected
        with the row)."""
        if obj.event is None:
            return None
        return clipped(event_label(obj.event), title=obj.event.name)

    @admin.display(description=gettext_lazy("value"), ordering="value_amount")
    def value_display(self, obj):
        """The value, short, with "≈" when approximate; a group member shows its group's shared value, marked
        "shared" (the group is selected with the row)."""
        if obj.group_id:
            group = obj.group
            return format_html(
                '<span class="amount shared" title="{}">{}{} <span class="shared-mark">{}</span></span>',
                gettext("Shared by the group %(group)s: %(amount)s")
                % {"group": group.name, "amount": f"{group.currency} {format_amount(group.amount)}"},
                "≈ " if group.approximate else "",
                short_amount(group.amount, group.currency),
                gettext("shared"),
            )
        if obj.value_amount is None:
            return None
        return money(obj.value_amount, obj.value_currency, obj.value_approximate)

    @admin.display(description=gettext_lazy("updated"), ordering="updated_at")
    def updated_display(self, obj):
        """The day, the moment in the title (the whole date and time took a fifth of the row)."""
        moment = timezone.localtime(obj.updated_at)
        return format_html('<span title="{}">{}</span>', moment.isoformat(sep=" ", timespec="minutes"), moment.date())

    @admin.display(description=gettext_lazy("publication"), ordering="publication_state")
    def publication_badge(self, obj):
        return format_html(
            '<span class="badge badge-{}">{}</span>', obj.publication_state, obj.get_publication_state_display()
        )

    @admin.display(description=gettext_lazy("verified"), ordering="last_verified_on")
    def verified(self, obj):
        return verified_display(obj)

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if obj is not None:
            return fieldsets
        # A new record's status is its first timeline entry's: nothing to show before.
        return [
            (name, {**options, "fields": [field for field in options["fields"] if field != "status"]})
            for name, options in fieldsets
        ]

    def get_inlines(self, request, obj):
        # Updates belong to saved commitments: a new record has none yet.
        return [inline for inline in self.inlines if obj is not None or inline is not CommitmentUpdateInline]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if form.kept_status is not None:
            message = gettext(
                "The status stays %(status)s, as its latest timeline entry says (this version had %(old)s): add a "
                "timeline entry to change it."
            ) % {"status": obj.get_status_display(), "old": Status(form.kept_status).label}
            self.message_user(request, message, messages.WARNING)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        record_timeline_statuses(request, [form.instance.pk])

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        # Atomic as the change form is: the stored row is read under lock (AgreementAdminForm) until the revert saves.
        with transaction.atomic(using=router.db_for_write(self.model)):
            return super().history_form_view(request, object_id, version_id, extra_context)

    def has_publish_permission(self, request):
        return can_publish(request.user)

    def has_import_permission(self, request):
        # Imported rows are drafts, so whoever may add and change agreements may import them.
        return self.has_add_permission(request) and self.has_change_permission(request)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        return type(form.__name__, (form,), {"user_can_publish": can_publish(request.user)})


# Editors paste bare domains; "https://" is the right guess (and Django 6's default).
URL_FIELDS = {models.URLField: {"assume_scheme": "https"}}


class OrganizationAliasInline(SharedRecordInlineMixin, admin.TabularInline):
    model = OrganizationAlias
    extra = 0
    autocomplete_fields = ["source"]


@admin.register(Organization)
class OrganizationAdmin(SharedRecordMixin, VersionedAdminMixin, TranslationAdmin, SimpleHistoryAdmin):
    formfield_overrides = URL_FIELDS
    inlines = [OrganizationAliasInline]
    list_display = ["name", "short_name", "country", "org_type", "wikidata_qid"]
    list_filter = ["country", "org_type"]
    search_fields = [*content_language.every_column("name")[1:], "short_name", "aliases__name", "slug", "wikidata_qid"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Source)
class SourceAdmin(SharedRecordMixin, VersionedAdminMixin, SimpleHistoryAdmin):
    formfield_overrides = URL_FIELDS
    list_display = ["key", "publisher", "title", "published_on", "language"]
    list_filter = ["publisher", "language"]
    search_fields = ["key", "publisher", "title", "url"]
    date_hierarchy = "published_on"
    prepopulated_fields = {"key": ["publisher", "title"]}


@admin.register(Event)
class EventAdmin(SharedRecordMixin, VersionedAdminMixin, AmountFieldsMixin, TranslationAdmin, SimpleHistoryAdmin):
    inlines = [EventClaimInline]
    list_display = ["name", "starts_on", "ends_on", "place", "announced_documents", "announced_display"]
    search_fields = [*content_language.every_column("name")[1:], "slug", *content_language.every_column("place")[1:]]
    prepopulated_fields = {"slug": ["name"]}
    autocomplete_fields = ["announced_source"]
    date_hierarchy = "starts_on"

    @admin.display(description=gettext_lazy("announced value"), ordering="announced_amount")
    def announced_display(self, obj):
        if obj.announced_amount is None:
            return None
        return money(obj.announced_amount, obj.announced_currency, obj.announced_approximate)


@admin.register(Group)
class GroupAdmin(SharedRecordMixin, VersionedAdminMixin, AmountFieldsMixin, TranslationAdmin, SimpleHistoryAdmin):
    list_display = ["name", "event", "amount_display", "basis"]
    list_filter = ["basis", "event"]
    list_select_related = ["event"]
    search_fields = [*content_language.every_column("name")[1:], "slug"]
    prepopulated_fields = {"slug": ["name"]}
    autocomplete_fields = ["event", "source"]

    @admin.display(description=gettext_lazy("shared value"), ordering="amount")
    def amount_display(self, obj):
        return money(obj.amount, obj.currency, obj.approximate)


@admin.register(Sector)
class SectorAdmin(SharedRecordMixin, TranslationAdmin):
    list_display = ["name", "slug"]
    search_fields = [*content_language.every_column("name")[1:], "slug"]
    prepopulated_fields = {"slug": ["name"]}
