"""The admin site: every model registered on it, ours and the libraries', gets the same guards.

- A NUL byte in any parameter is a 400: PostgreSQL refuses one in any text it compares (a 500 from a filter, a
  search or an autocomplete); no record holds one and no form field accepts one.
- A save the database refuses (a full disk, a read-only database) is rolled back whole and the form comes back
  with the editor's input and a message at the top, instead of a 500 that loses the work; an action on the
  changelist (publish, delete) is rolled back whole too, and the changelist says so.
"""

import logging
from functools import wraps

from django.contrib import admin, messages
from django.contrib.admin.apps import AdminConfig as DjangoAdminConfig
from django.core.exceptions import BadRequest
from django.db import InternalError, OperationalError, router, transaction
from django.http import HttpResponseRedirect
from django.utils.translation import gettext_lazy as _

logger = logging.getLogger("kzdeals.admin")

# What a database says when it cannot take a write: disk full, read-only, lost connection (OperationalError);
# a read-only transaction on PostgreSQL (InternalError).
WRITE_REFUSED = (OperationalError, InternalError)
WRITE_REFUSED_MESSAGE = _(
    "The database could not save this (it may be full or read-only), so nothing was saved. Your input is kept "
    "below: try saving again in a moment, and tell the site's administrator if this persists."
)
ACTION_REFUSED_MESSAGE = _(
    "The database could not save this action (it may be full or read-only), so nothing was changed. Try again in a "
    "moment, and tell the site's administrator if this persists."
)


def carries_null_character(request):
    for data in (request.GET, request.POST):
        for key, values in data.lists():
            if "\x00" in key or any("\x00" in value for value in values):
                return True
    return False


class UnsavedForm:
    """The form of a refused save, shown again: the same input, with the reason at the top."""

    def full_clean(self):
        super().full_clean()
        if self.is_bound:
            self.add_error(None, WRITE_REFUSED_MESSAGE)


class KeepInputWhenTheWriteFails:
    """Mixed into every ModelAdmin registered on the site (AdminSite.register)."""

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        view = super().changeform_view
        return self.kept_on_write_failure(view, request, object_id, form_url, extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        """simple_history's revert form, which saves outside a transaction of its own."""
        view = super().history_form_view
        return self.kept_on_write_failure(view, request, object_id, version_id, extra_context)

    def changelist_view(self, request, extra_context=None):
        if request.method != "POST":
            return super().changelist_view(request, extra_context)
        try:
            with transaction.atomic(using=router.db_for_write(self.model)):
                return super().changelist_view(request, extra_context)
        except WRITE_REFUSED:
            logger.exception("An admin action on %s failed; nothing of it was saved", self.opts.label)
        self.message_user(request, ACTION_REFUSED_MESSAGE, messages.ERROR)
        return HttpResponseRedirect(request.get_full_path())

    def kept_on_write_failure(self, view, request, *args):
        if request.method != "POST":
            return view(request, *args)
        try:
            with transaction.atomic(using=router.db_for_write(self.model)):
                return view(request, *args)
        except WRITE_REFUSED:
            logger.exception("Saving %s in the admin failed; the form goes back to the editor", self.opts.label)
        # The second pass reads the object and validates the input again, then shows the form (UnsavedForm) without
        # trying to save; a database that cannot even be read now fails it too, as any page would (a 503).
        request.kzdeals_write_refused = True
        return view(request, *args)

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        if getattr(request, "kzdeals_write_refused", False):
            return type(form.__name__, (UnsavedForm, form), {})
        return form


class AdminSite(admin.AdminSite):
    # The app list beside every page took a fifth of a 1280 px screen from the changelists and forms; the
    # breadcrumbs and the front page lead to the same places (static/css/admin.css: the screens that fit).
    enable_nav_sidebar = False

    def register(self, model_or_iterable, admin_class=None, **options):
        admin_class = admin_class or admin.ModelAdmin
        if not issubclass(admin_class, KeepInputWhenTheWriteFails):
            admin_class = type(admin_class.__name__, (KeepInputWhenTheWriteFails, admin_class), {})
        super().register(model_or_iterable, admin_class, **options)

    def index(self, request, extra_context=None):
        """The admin's front page is the editorial desk (agreements/admin_review.py), for staff who edit agreements."""
        from agreements.admin_review import desk

        if request.user.has_perm("agreements.change_agreement"):
            extra_context = {**(extra_context or {}), "desk": desk(request)}
        return super().index(request, extra_context)

    def admin_view(self, view, cacheable=False):
        guarded = super().admin_view(view, cacheable)

        @wraps(guarded)
        def inner(request, *args, **kwargs):
            if carries_null_character(request):
                raise BadRequest(_("A request parameter contains a null character."))
            return guarded(request, *args, **kwargs)

        return inner


class AdminConfig(DjangoAdminConfig):
    """django.contrib.admin, on the site above."""

    default_site = "kzdeals.admin.AdminSite"
