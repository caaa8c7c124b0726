"""The editorial desk: pending revisions of published records and the review conversation.

A `Revision` is an editor's change to a published agreement, kept as a snapshot (the record's fields and
its inline rows, `agreements/revisions.py`) until a publisher publishes it onto the live rows. Nothing
public reads this table: `Agreement.objects.public()` and every surface built on it see the live rows
only. A `ReviewComment` is a publisher's request for changes; it never leaves the admin.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .core import Agreement

__all__ = ["ReviewComment", "Revision", "RevisionState"]


class RevisionState(models.TextChoices):
    PENDING = "pending", _("Awaiting review")
    CHANGES_REQUESTED = "changes_requested", _("Changes requested")
    PUBLISHED = "published", _("Published")
    SUPERSEDED = "superseded", _("Superseded")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class RevisionQuerySet(models.QuerySet):
    def open(self):
        """Revisions still waiting for a publisher (or for the editor, when changes were requested)."""
        return self.filter(state__in=[RevisionState.PENDING, RevisionState.CHANGES_REQUESTED])


class Revision(models.Model):
    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="revisions")
    snapshot = models.JSONField(help_text=_("The record's fields and inline rows as the editor saved them."))
    base = models.JSONField(
        default=dict, help_text=_("The live record the revision was made from, to tell what changed on it since.")
    )
    state = models.CharField(max_length=20, choices=RevisionState.choices, default=RevisionState.PENDING)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("author")
    )
    created_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    objects = RevisionQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("pending revision")
        constraints = [
            models.CheckConstraint(condition=Q(state__in=RevisionState.values), name="revision_state_valid"),
            # One open revision a record: a new one supersedes the last (agreements/revisions.py).
            models.UniqueConstraint(
                fields=["agreement"],
                condition=Q(state__in=["pending", "changes_requested"]),
                name="revision_one_open_per_agreement",
            ),
        ]

    def __str__(self):
        return _("Revision of “%(title)s” (%(state)s)") % {"title": self.agreement, "state": self.get_state_display()}


class ReviewCommentQuerySet(models.QuerySet):
    def unresolved(self):
        return self.filter(resolved_at__isnull=True)


class ReviewComment(models.Model):
    """A publisher's request for changes on a record in review or on a pending revision."""

    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="review_comments")
    revision = models.ForeignKey(Revision, null=True, blank=True, on_delete=models.SET_NULL, related_name="comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    body = models.TextField(_("comment"))
    created_at = models.DateTimeField(auto_now_add=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = ReviewCommentQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("review comment")
        constraints = [
            models.CheckConstraint(condition=~Q(body=""), name="review_comment_not_empty"),
        ]

    def __str__(self):
        return self.body[:60]
