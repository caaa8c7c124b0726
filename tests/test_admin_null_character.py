"""A NUL byte in any admin filter, search or autocomplete is a 400, never a 500 (PostgreSQL refuses it in a
comparison). Every changelist of every registered model, every filter parameter it offers, and every
autocomplete field, the inlines' included."""

import pytest
from django.contrib import admin
from django.test import Client, RequestFactory
from django.urls import reverse

from tests.factories import AgreementFactory

pytestmark = pytest.mark.django_db

NUL = "\x00"


def changelist_parameters(model_admin, user):
    """Each query parameter the changelist's filters, date hierarchy and search box send."""
    request = RequestFactory().get("/")
    request.user = user
    changelist = model_admin.get_changelist_instance(request)
    names = [name for spec in changelist.filter_specs for name in spec.expected_parameters()]
    if model_admin.date_hierarchy:
        names += [f"{model_admin.date_hierarchy}__{part}" for part in ("year", "month", "day")]
    if model_admin.search_fields:
        names.append("q")
    return names


def autocomplete_fields(user):
    """(app_label, model_name, field_name) of every autocomplete widget of the admin."""
    found = []
    request = RequestFactory().get("/")
    request.user = user
    for model, model_admin in admin.site._registry.items():
        inlines = [(inline.model, inline) for inline in model_admin.get_inline_instances(request)]
        for owner, options in [(model, model_admin), *inlines]:
            found += [(owner._meta.app_label, owner._meta.model_name, name) for name in options.autocomplete_fields]
    return found


@pytest.fixture
def staff(admin_user):
    AgreementFactory()  # something for each filter to list
    client = Client(raise_request_exception=False)
    client.force_login(admin_user)
    return client


def test_every_changelist_filter_and_search_refuses_a_null_character(staff, admin_user):
    checked = 0
    for model, model_admin in admin.site._registry.items():
        url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        for name in changelist_parameters(model_admin, admin_user):
            assert staff.get(url, {name: "1"}).status_code in (200, 302), (url, name)
            for value in (NUL, f"energy{NUL}", f"{NUL}%"):
                assert staff.get(url, {name: value}).status_code == 400, (url, name, value)
            checked += 1
    assert checked > 20
    agreements = reverse("admin:agreements_agreement_changelist")
    assert staff.get(f"{agreements}?publication_state__exact=%00").status_code == 400
    assert staff.get(f"{agreements}?q=%00").status_code == 400


def test_every_autocomplete_refuses_a_null_character(staff, admin_user):
    fields = autocomplete_fields(admin_user)
    assert ("agreements", "party", "organization") in fields
    assert ("agreements", "agreement", "sector") in fields
    for app_label, model_name, field_name in fields:
        params = {"app_label": app_label, "model_name": model_name, "field_name": field_name}
        assert staff.get(reverse("admin:autocomplete"), {**params, "term": "a"}).status_code == 200, params
        assert staff.get(reverse("admin:autocomplete"), {**params, "term": NUL}).status_code == 400, params


def test_an_action_on_a_null_character_is_a_400(staff):
    changelist = reverse("admin:agreements_agreement_changelist")
    response = staff.post(changelist, {"action": "publish", "_selected_action": [NUL]})
    assert response.status_code == 400
