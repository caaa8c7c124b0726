"""The editorial desk in the admin: reviewed changes, preview, the review conversation, compare, the desk.

An editor's save of a published agreement (the change form with its inlines, or a history revert) runs as any
save does, inside a savepoint: then the record is snapshot and the savepoint rolled back, so the live rows,
their history and the public change log stay as they were, and the snapshot waits as a pending `Revision`
(agreements/revisions.py). A publisher reviews it (compared with what is live, previewed by the public page's
own view), publishes it or requests changes with a comment. A publisher's own save goes live at once.
"""

from datetime import timedelta

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import Exists, F, OuterRef, Q
from django.db.models.functions import Coalesce, Now
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy

from . import revisions
from .models import Agreement, PublicationState, PublishedVersion, ReviewComment, Revision, RevisionState

RECENT_DAYS = 7
REVISION_CONFLICT = gettext_lazy(
    "This revision no longer fits the live record (a row it changes was changed or removed meanwhile): ask the "
    "editor to make it again from the live record."
)


def can_publish(user):
    return user.has_perm("agreements.publish_agreement")


def may_withdraw(user, revision):
    """A revision's author, or a publisher, may take it back."""
    return can_publish(user) or (revision.created_by_id is not None and revision.created_by_id == user.pk)


def version_moment(version):
    """The moment a history version stands for: its inline rows are saved just after the agreement's row, so a
    version lasts until the record's next version (or now)."""
    following = (
        Agreement.history.filter(id=version.id, history_date__gt=version.history_date).order_by("history_date").first()
    )
    return following.history_date - timedelta(microseconds=1) if following else timezone.now()


def detach_new_rows(snapshot, agreement_id):
    """Rows created inside the rolled-back savepoint had ids the database may give again: they get negative
    ids, which `apply_snapshot` always creates (a new commitment's updates point at its new id)."""
    renamed = {}
    counter = 0
    for child in revisions.CHILDREN:
        live = set(child.live(agreement_id).values_list("pk", flat=True))
        for row in snapshot[child.name]:
            if child.under_commitment and row["fields"]["commitment"] in renamed:
                row["fields"]["commitment"] = renamed[row["fields"]["commitment"]]
            if row["pk"] not in live:
                counter -= 1
                if child.name == "commitments":
                    renamed[row["pk"]] = counter
                row["pk"] = counter
    return snapshot


class DeskFilter(admin.SimpleListFilter):
    """The desk's queues, as a filter of the agreement list (the desk links here)."""

    title = gettext_lazy("desk")
    parameter_name = "desk"

    def lookups(self, request, model_admin):
        return [
            ("mine", gettext_lazy("My drafts")),
            ("review", gettext_lazy("Awaiting review")),
            ("changes", gettext_lazy("Changes requested")),
            ("published", gettext_lazy("Published in the last 7 days")),
        ]

    def queryset(self, request, queryset):
        queue = QUEUES.get(self.value())
        return queryset.filter(queue(request.user)) if queue else queryset


def my_drafts(user):
    """Drafts whose history names this user, and records with this user's open revision."""
    touched = Agreement.history.model.objects.filter(id=OuterRef("pk"), history_user=user)
    mine = Revision.objects.open().filter(agreement=OuterRef("pk"), created_by=user)
    return (Q(publication_state=PublicationState.DRAFT) & Exists(touched)) | Exists(mine)


def awaiting_review(user):
    pending = Revision.objects.filter(agreement=OuterRef("pk"), state=RevisionState.PENDING)
    return Q(publication_state=PublicationState.REVIEW) | Exists(pending)


def changes_requested(user):
    return Exists(ReviewComment.objects.unresolved().filter(agreement=OuterRef("pk")))


def recently_published(user):
    since = timezone.now() - timedelta(days=RECENT_DAYS)
    return Exists(PublishedVersion.objects.filter(agreement=OuterRef("pk"), at__gte=since))


QUEUES = {"mine": my_drafts, "review": awaiting_review, "changes": changes_requested, "published": recently_published}


def desk(request):
    """The desk's queues for this user: a count and a link each, one COUNT query a queue."""
    changelist = reverse("admin:agreements_agreement_changelist")
    base = Agreement.objects.all()
    queues = [
        (gettext("My drafts"), base.filter(my_drafts(request.user)), "desk=mine"),
        (gettext("Awaiting review"), base.filter(awaiting_review(request.user)), "desk=review"),
        (gettext("Changes requested"), base.filter(changes_requested(request.user)), "desk=changes"),
        (gettext("Stale records"), base.stale(), "stale=yes"),
        (gettext("Overdue commitments"), base.with_overdue_commitments(), "overdue=yes"),
        (
            gettext("Published changes, last %(days)d days") % {"days": RECENT_DAYS},
            base.filter(recently_published(request.user)),
            "desk=published",
        ),
    ]
    return [
        {"label": label, "count": queryset.count(), "url": f"{changelist}?{query}"} for label, queryset, query in queues
    ]


class RequestChangesForm(forms.Form):
    body = forms.CharField(
        label=gettext_lazy("What should change"),
        widget=forms.Textarea(attrs={"rows": 4}),
        strip=True,
        error_messages={"required": gettext_lazy("Say what should change: the editor reads this comment.")},
    )


def private(response):
    response["Cache-Control"] = "private, no-store"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


class ReviewedChangesMixin:
    """Mixed into AgreementAdmin (kept apart from its change form's own save path)."""

    # Saving

    def save_model(self, request, obj, form, change):
        if change and not can_publish(request.user) and form.stored_state == PublicationState.PUBLISHED:
            request.kzdeals_revision_savepoint = transaction.savepoint()
        super().save_model(request, obj, form, change)
        version = getattr(request, "kzdeals_revert_to", None)
        if version is not None:
            # A revert restores the inline rows as they stood at that version too.
            revisions.apply_snapshot(obj.pk, revisions.restore_snapshot(obj, version_moment(version)))
        if obj.publication_state == PublicationState.REVIEW and form.stored_state != PublicationState.REVIEW:
            revisions.resolve_requests(obj.pk, request.user)

    def log_change(self, request, obj, message):
        """Called once every part of a save is written (change form and history revert alike)."""
        savepoint = request.__dict__.pop("kzdeals_revision_savepoint", None)
        if savepoint is not None:
            snapshot = revisions.snapshot_of(obj.pk)
            transaction.savepoint_rollback(savepoint)
            snapshot = detach_new_rows(snapshot, obj.pk)
            request.kzdeals_revision, request.kzdeals_clashes = revisions.submit_revision(
                obj.pk, snapshot, request.user
            )
            message = [{"changed": {"fields": [gettext("Pending revision submitted for review")]}}]
        return super().log_change(request, obj, message)

    def response_change(self, request, obj):
        if getattr(request, "kzdeals_revision", None) is None:
            return super().response_change(request, obj)
        self.message_user(
            request,
            gettext(
                "Your change to “%(title)s” waits for review: the published version stays live until a publisher "
                "publishes it."
            )
            % {"title": Agreement.objects.get(pk=obj.pk)},
            messages.SUCCESS,
        )
        clashes = getattr(request, "kzdeals_clashes", None)
        if clashes:
            self.message_user(
                request,
                gettext(
                    "Not carried over from the revision your save replaced, because the published record changed "
                    "there since that revision was made: %(changes)s. Check the comparison below."
                )
                % {"changes": "; ".join(dict.fromkeys(str(clash) for clash in clashes))},
                messages.WARNING,
            )
        return HttpResponseRedirect(reverse("admin:agreements_agreement_review", args=[obj.pk]))

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if request.method == "POST" and str(object_id).isdigit() and str(version_id).isdigit():
            request.kzdeals_revert_to = get_object_or_404(Agreement.history.model, id=object_id, history_id=version_id)
        return super().history_form_view(request, object_id, version_id, extra_context)

    def history_view(self, request, object_id, extra_context=None):
        try:
            compare_url = reverse("admin:agreements_agreement_compare", args=[int(object_id)])
        except ValueError:
            compare_url = None
        return super().history_view(request, object_id, {**(extra_context or {}), "compare_url": compare_url})

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = {**(extra_context or {}), **self.review_context(object_id)}
        if not can_publish(request.user) and str(object_id).isdigit():
            extra_context["changes_reviewed"] = Agreement.objects.public().filter(pk=int(object_id)).exists()
        return super().change_view(request, object_id, form_url, extra_context)

    def review_context(self, object_id):
        try:
            agreement_id = int(object_id)
        except (TypeError, ValueError):
            return {}
        return {
            "open_requests": list(
                ReviewComment.objects.unresolved().filter(agreement_id=agreement_id).select_related("author")
            ),
            "open_revision": Revision.objects.open()
            .filter(agreement_id=agreement_id)
            .select_related("created_by")
            .first(),
            "review_url": reverse("admin:agreements_agreement_review", args=[agreement_id]),
            "preview_url": reverse("admin:agreements_agreement_preview", args=[agreement_id]),
        }

    def get_view_on_site_url(self, obj=None):
        """A draft has no public page yet: staff go to its preview."""
        if obj is not None and obj.publication_state != PublicationState.PUBLISHED:
            return reverse("admin:agreements_agreement_preview", args=[obj.pk])
        return super().get_view_on_site_url(obj)

    # Views

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("<int:object_id>/review/", view(self.review_view), name="agreements_agreement_review"),
            path("<int:object_id>/preview/", view(self.preview_view), name="agreements_agreement_preview"),
            path(
                "<int:object_id>/revisions/<int:revision_id>/preview/",
                view(self.preview_view),
                name="agreements_agreement_revision_preview",
            ),
            path("<int:object_id>/compare/", view(self.compare_view), name="agreements_agreement_compare"),
            *super().get_urls(),
        ]

    def agreement_or_404(self, request, object_id):
        agreement = Agreement.objects.filter(pk=object_id).first()
        if agreement is None or not self.has_view_or_change_permission(request, agreement):
            raise Http404
        return agreement

    def review_view(self, request, object_id):
        """The record's review: what is pending compared with what is live, the thread, and for a publisher the
        decision (publish, or request changes with a comment)."""
        agreement = self.agreement_or_404(request, object_id)
        revision = revisions.open_revision(agreement.pk)
        publisher = can_publish(request.user)
        in_review = revision is None and agreement.publication_state == PublicationState.REVIEW
        pending = (revision is not None and revision.state == RevisionState.PENDING) or in_review
        form = RequestChangesForm()
        if request.method == "POST":
            if request.POST.get("decision") == "withdraw":
                return self.withdraw(request, agreement, revision)
            if not publisher:
                raise PermissionDenied
            if not pending:
                self.message_user(request, gettext("Nothing waits for review on this record."), messages.WARNING)
                return HttpResponseRedirect(request.path)
            decision = request.POST.get("decision")
            if decision == "publish":
                return self.publish_pending(request, agreement, revision)
            if decision == "request_changes":
                form = RequestChangesForm(request.POST)
                if form.is_valid():
                    with transaction.atomic():
                        revisions.request_changes(agreement, revision, request.user, form.cleaned_data["body"])
                        if in_review:
                            agreement.publication_state = PublicationState.DRAFT
                            agreement.save(update_fields=["publication_state", "updated_at"])
                    self.message_user(request, gettext("Changes requested: the editor sees your comment."))
                    return HttpResponseRedirect(request.path)
        live = revisions.snapshot_of(agreement.pk)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": agreement,
            "title": gettext("Review “%(title)s”") % {"title": agreement},
            "revision": revision,
            "in_review": in_review,
            "pending": pending,
            "can_decide": publisher and pending,
            "can_withdraw": revision is not None and may_withdraw(request.user, revision),
            "comparison": revisions.compare(live, revision.snapshot) if revision is not None else None,
            # A publisher's save since the revision was made would be overwritten by publishing it: said first.
            "changed_since": (
                revisions.compare(revision.base, live) if revision is not None and revision.base else None
            ),
            "thread": list(ReviewComment.objects.filter(agreement=agreement).select_related("author", "resolved_by")),
            "form": form,
            "preview_url": (
                reverse("admin:agreements_agreement_revision_preview", args=[agreement.pk, revision.pk])
                if revision is not None
                else reverse("admin:agreements_agreement_preview", args=[agreement.pk])
            ),
        }
        return private(TemplateResponse(request, "admin/agreements/agreement/review.html", context))

    def withdraw(self, request, agreement, revision):
        if revision is None or not may_withdraw(request.user, revision):
            raise PermissionDenied
        revisions.withdraw_revision(revision, request.user)
        self.log_change(request, agreement, [{"changed": {"fields": [gettext("Pending revision withdrawn")]}}])
        self.message_user(
            request,
            gettext("Revision withdrawn: the published version stays, and the next save starts from it."),
            messages.SUCCESS,
        )
        return HttpResponseRedirect(reverse("admin:agreements_agreement_change", args=[agreement.pk]))

    def publish_pending(self, request, agreement, revision):
        try:
            with transaction.atomic():
                if revision is not None:
                    revisions.publish_revision(revision, request.user)
                else:
                    agreement.publication_state = PublicationState.PUBLISHED
                    agreement.save(update_fields=["publication_state", "published_at", "updated_at"])
                    revisions.resolve_requests(agreement.pk, request.user)
        except IntegrityError:
            self.message_user(request, REVISION_CONFLICT, messages.ERROR)
            return HttpResponseRedirect(request.path)
        self.log_change(request, agreement, [{"changed": {"fields": [gettext("Published after review")]}}])
        self.message_user(request, gettext("Published: the public now sees this version."), messages.SUCCESS)
        return HttpResponseRedirect(reverse("admin:agreements_agreement_change", args=[agreement.pk]))

    def preview_view(self, request, object_id, revision_id=None):
        """The public page's own view and template, for a draft or a pending revision: both are written as if
        published inside a savepoint, the page rendered, and everything rolled back."""
        from .views import AgreementDetailView

        agreement = self.agreement_or_404(request, object_id)
        revision = None
        if revision_id is not None:
            revision = get_object_or_404(Revision, pk=revision_id, agreement=agreement)
        with transaction.atomic():
            savepoint = transaction.savepoint()
            try:
                if revision is not None:
                    try:
                        revisions.apply_snapshot(agreement.pk, revision.snapshot)
                    except IntegrityError:
                        self.message_user(request, REVISION_CONFLICT, messages.ERROR)
                        return HttpResponseRedirect(reverse("admin:agreements_agreement_review", args=[agreement.pk]))
                rows = Agreement.objects.filter(pk=agreement.pk)
                rows.update(
                    publication_state=PublicationState.PUBLISHED, published_at=Coalesce(F("published_at"), Now())
                )
                slug = rows.values_list("slug", flat=True).get()
                response = AgreementDetailView.as_view()(request, slug=slug)
                response.render()
            finally:
                transaction.savepoint_rollback(savepoint)
        return private(response)

    def compare_view(self, request, object_id):
        """Two versions from the record's history side by side: only what differs, and a way back to either."""
        agreement = self.agreement_or_404(request, object_id)
        history = Agreement.history.model
        try:
            ids = [int(request.GET[name]) for name in ("from", "to")]
        except (KeyError, ValueError):
            ids = None
        versions = ids and list(history.objects.filter(id=agreement.pk, history_id__in=ids))
        if not versions or len({version.history_id for version in versions}) != len(set(ids)):
            self.message_user(request, gettext("Choose two versions of this record to compare."), messages.WARNING)
            return HttpResponseRedirect(reverse("admin:agreements_agreement_history", args=[agreement.pk]))
        by_id = {version.history_id: version for version in versions}
        old, new = sorted(
            (by_id[ids[0]], by_id[ids[1]]), key=lambda version: (version.history_date, version.history_id)
        )
        comparison = revisions.compare(
            revisions.snapshot_as_of(agreement.pk, version_moment(old)),
            revisions.snapshot_as_of(agreement.pk, version_moment(new)),
        )
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": agreement,
            "title": gettext("Compare versions of “%(title)s”") % {"title": agreement},
            "old": old,
            "new": new,
            "comparison": comparison,
            "reviewed": not can_publish(request.user) and agreement.is_public,
        }
        return private(TemplateResponse(request, "admin/agreements/agreement/compare.html", context))
