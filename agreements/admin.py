"""The editors' workplace.

Editors (group "editors") prepare records and submit them for review; only users with
`agreements.publish_agreement` (group "publishers") move a record to or from "published". The rule
is enforced by the change form (the choices offered and the validation of what is posted, which
also guards the history "revert" form) and by the permissions of the admin actions.
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.humanize.templatetags.humanize import intcomma
from django.db import models
from django.utils.html import format_html
from django.utils.translation import gettext
from import_export.admin import ImportExportModelAdmin
from import_export.formats import base_formats
from simple_history.admin import SimpleHistoryAdmin

from .models import (
    Agreement,
    Citation,
    Commitment,
    Event,
    Group,
    Organization,
    Party,
    PublicationState,
    Relation,
    Sector,
    Source,
)
from .resources import AgreementResource, DefusedCSV, TextOnlyXLSX

PUBLISH_PERMISSION = "agreements.publish_agreement"


def can_publish(user):
    return user.has_perm(PUBLISH_PERMISSION)


def money(amount, currency, approximate):
    return format_html("{}{} {}", "≈ " if approximate else "", intcomma(amount), currency)


class AgreementAdminForm(forms.ModelForm):
    """The change form; `user_can_publish` is set per request by `AgreementAdmin.get_form`."""

    user_can_publish = False

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Compared with the stored row, not the form's instance: the history form's instance is an
        # old version, and reverting to it must not change the state around the rule.
        self.stored_state = None
        if self.instance.pk is not None:
            self.stored_state = (
                Agreement.objects.filter(pk=self.instance.pk).values_list("publication_state", flat=True).first()
            )
        field = self.fields.get("publication_state")
        if field is None or self.user_can_publish:
            return
        if self.stored_state == PublicationState.PUBLISHED:
            field.widget.choices = [(PublicationState.PUBLISHED, PublicationState.PUBLISHED.label)]
            self.initial["publication_state"] = PublicationState.PUBLISHED
            field.help_text = "Published. Only a publisher can take a record off the public register."
        else:
            field.widget.choices = [(state, state.label) for state in (PublicationState.DRAFT, PublicationState.REVIEW)]
            field.help_text = "Submit for review when the record is ready; a publisher publishes it."

    def clean_publication_state(self):
        state = self.cleaned_data["publication_state"]
        if self.user_can_publish:
            return state
        was_published = self.stored_state == PublicationState.PUBLISHED
        if state == PublicationState.PUBLISHED and not was_published:
            raise forms.ValidationError(
                "Only a publisher can publish a record: choose Draft or In review.", code="publish_denied"
            )
        if was_published and state != PublicationState.PUBLISHED:
            raise forms.ValidationError(
                "Only a publisher can take a published record back to draft or review.", code="unpublish_denied"
            )
        return state


def move_to(modeladmin, request, agreements, state, done):
    """Save each agreement in its new state one by one, so history records the user for each."""
    changed = 0
    for agreement in agreements:
        agreement.publication_state = state
        agreement.save()
        changed += 1
    modeladmin.message_user(request, f"{changed} agreement(s) {done}.", messages.SUCCESS)


@admin.action(description="Submit for review", permissions=["change"])
def submit_for_review(modeladmin, request, queryset):
    drafts = queryset.filter(publication_state=PublicationState.DRAFT)
    move_to(modeladmin, request, drafts, PublicationState.REVIEW, "submitted for review")


@admin.action(description="Publish", permissions=["publish"])
def publish(modeladmin, request, queryset):
    unpublished = queryset.exclude(publication_state=PublicationState.PUBLISHED)
    move_to(modeladmin, request, unpublished, PublicationState.PUBLISHED, "published")


@admin.action(description="Unpublish (back to draft)", permissions=["publish"])
def unpublish(modeladmin, request, queryset):
    published = queryset.filter(publication_state=PublicationState.PUBLISHED)
    move_to(modeladmin, request, published, PublicationState.DRAFT, "taken back to draft")


class PartyInline(admin.TabularInline):
    model = Party
    extra = 0
    autocomplete_fields = ["organization"]


class CommitmentInline(admin.TabularInline):
    model = Commitment
    extra = 0
    autocomplete_fields = ["source"]


class CitationInline(admin.TabularInline):
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
            raise forms.ValidationError("An agreement cannot relate to itself.", code="relation_to_itself")
        return cleaned_data


class RelationInline(admin.TabularInline):
    model = Relation
    form = RelationInlineForm
    fk_name = "from_agreement"
    extra = 0
    autocomplete_fields = ["to_agreement"]
    verbose_name = "relation to another agreement"
    verbose_name_plural = "relations to other agreements"


@admin.register(Agreement)
class AgreementAdmin(ImportExportModelAdmin, SimpleHistoryAdmin):
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
        "title",
        "kind",
        "status",
        "sector",
        "event",
        "value_display",
        "publication_state",
        "updated_at",
    ]
    list_filter = [
        "publication_state",
        "kind",
        "status",
        ("signed_on", admin.DateFieldListFilter),
        "sector",
        "event",
        "value_basis",
    ]
    search_fields = [
        "title",
        "slug",
        "summary",
        "parties__organization__name",
        "parties__organization__short_name",
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
    readonly_fields = ["published_at", "created_at", "updated_at"]
    inlines = [PartyInline, CommitmentInline, CitationInline, RelationInline]
    actions = [submit_for_review, publish, unpublish]
    fieldsets = [
        (None, {"fields": ["title", "slug", "kind", "status", "sector", "event", "summary", "places"]}),
        ("Dates", {"fields": ["signed_on", "signed_on_precision", "entry_into_force_on", "expires_on"]}),
        ("Value", {"fields": ["group", "value_amount", "value_currency", "value_approximate", "value_basis"]}),
        ("Publication", {"fields": ["publication_state", "published_at", "created_at", "updated_at"]}),
    ]

    @admin.display(description="value", ordering="value_amount")
    def value_display(self, obj):
        """The value with "≈" when approximate; a group member shows its group (selected with the row)."""
        if obj.group_id:
            return format_html("(group: {})", obj.group.name)
        if obj.value_amount is None:
            return None
        return money(obj.value_amount, obj.value_currency, obj.value_approximate)

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


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    formfield_overrides = URL_FIELDS
    list_display = ["name", "short_name", "country", "org_type", "wikidata_qid"]
    list_filter = ["country", "org_type"]
    search_fields = ["name", "short_name", "slug", "wikidata_qid"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Source)
class SourceAdmin(admin.ModelAdmin):
    formfield_overrides = URL_FIELDS
    list_display = ["key", "publisher", "title", "published_on", "language"]
    list_filter = ["publisher", "language"]
    search_fields = ["key", "publisher", "title", "url"]
    date_hierarchy = "published_on"
    prepopulated_fields = {"key": ["publisher", "title"]}


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):
    list_display = ["name", "starts_on", "ends_on", "place", "announced_documents", "announced_display"]
    search_fields = ["name", "slug", "place"]
    prepopulated_fields = {"slug": ["name"]}
    autocomplete_fields = ["announced_source"]
    date_hierarchy = "starts_on"

    @admin.display(description="announced value", ordering="announced_amount")
    def announced_display(self, obj):
        if obj.announced_amount is None:
            return None
        return money(obj.announced_amount, obj.announced_currency, obj.announced_approximate)


@admin.register(Group)
class GroupAdmin(admin.ModelAdmin):
    list_display = ["name", "event", "amount_display", "basis"]
    list_filter = ["basis", "event"]
    list_select_related = ["event"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    autocomplete_fields = ["event", "source"]

    @admin.display(description="shared value", ordering="amount")
    def amount_display(self, obj):
        return money(obj.amount, obj.currency, obj.approximate)


@admin.register(Sector)
class SectorAdmin(admin.ModelAdmin):
    list_display = ["name", "slug"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
