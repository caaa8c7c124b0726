"""Shared records (organisations, sources, events, value groups, sectors) under review too.

A published agreement shows the shared records it uses: its parties' names and aliases, its sector, event and
group, the sources it cites. An editor's edit to one of those would reach the public unreviewed, so for an
editor such a record is read-only (its form, its inlines and its history's revert): a publisher makes the
change, or the editor gives the agreement a new record through a reviewed revision. A shared record that no
published agreement shows yet (a new organisation for a draft, say) stays the editor's to change.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext_lazy

from .admin_review import can_publish
from .models import (
    Agreement,
    Citation,
    Commitment,
    CommitmentUpdate,
    Event,
    EventClaim,
    Group,
    Organization,
    OrganizationAlias,
    Party,
    Sector,
    Source,
    StatusEntry,
)


def _public(queryset, path="agreement"):
    return queryset.filter(**{f"{path}__in": Agreement.objects.public().values("pk")})


def _source_shown(pk):
    shown_events = Event.objects.filter(Exists(Agreement.objects.public().filter(event=OuterRef("pk"))))
    shown_groups = Group.objects.filter(Exists(Agreement.objects.public().filter(group=OuterRef("pk"))))
    shown_organizations = Organization.objects.filter(
        Exists(_public(Party.objects.filter(organization=OuterRef("pk"))))
    )
    return (
        _public(Citation.objects.filter(source_id=pk)).exists()
        or _public(Commitment.objects.filter(source_id=pk)).exists()
        or _public(StatusEntry.objects.filter(source_id=pk)).exists()
        or _public(CommitmentUpdate.objects.filter(source_id=pk), "commitment__agreement").exists()
        or shown_groups.filter(source_id=pk).exists()
        or shown_events.filter(
            Q(announced_source_id=pk) | Q(pk__in=EventClaim.objects.filter(source_id=pk).values("event"))
        ).exists()
        or OrganizationAlias.objects.filter(source_id=pk, organization__in=shown_organizations).exists()
    )


# Whether a published agreement shows the record with this id.
SHOWN = {
    Organization: lambda pk: _public(Party.objects.filter(organization_id=pk)).exists(),
    Event: lambda pk: Agreement.objects.public().filter(event_id=pk).exists(),
    Group: lambda pk: Agreement.objects.public().filter(group_id=pk).exists(),
    Sector: lambda pk: Agreement.objects.public().filter(sector_id=pk).exists(),
    Source: _source_shown,
}

LOCKED = gettext_lazy(
    "A published agreement shows this record, so a change to it would reach the public unreviewed: only a "
    "publisher can change it. Ask a publisher, or give the agreement another record in a revision."
)


def locked_for(request, model, obj):
    """Whether `obj` (a shared record) is read-only for this user: shown by a published agreement, and the user no
    publisher. Asked once per request and record."""
    if obj is None or obj.pk is None or can_publish(request.user):
        return False
    cache = request.__dict__.setdefault("kzdeals_shared_locked", {})
    key = (model, obj.pk)
    if key not in cache:
        cache[key] = SHOWN[model](obj.pk)
    return cache[key]


class RevertNeedsChangePermissionMixin:
    """For a SimpleHistoryAdmin: django-simple-history asks only for the view permission, even to revert a record
    to an older version; a revert is a change, refused to whoever may not change the record."""

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if request.method == "POST" and not self.has_change_permission(request, self.get_object(request, object_id)):
            raise PermissionDenied
        return super().history_form_view(request, object_id, version_id, extra_context)


class SharedRecordMixin(RevertNeedsChangePermissionMixin):
    """For a ModelAdmin of a shared record: read-only for editors once a published agreement shows it."""

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and not locked_for(request, self.model, obj)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        if request.method == "GET" and locked_for(request, self.model, self.get_object(request, object_id)):
            self.message_user(request, LOCKED, messages.INFO)
        return super().change_view(request, object_id, form_url, extra_context)


class SharedRecordInlineMixin:
    """For an inline of a shared record (an organisation's aliases, an event's claims): read-only with it."""

    def _locked(self, request, obj):
        return locked_for(request, self.parent_model, obj)

    def has_add_permission(self, request, obj=None):
        return super().has_add_permission(request, obj) and not self._locked(request, obj)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and not self._locked(request, obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and not self._locked(request, obj)
