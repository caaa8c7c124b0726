"""The editors' workplace: every page answers, lists cost a fixed number of queries, bad input is a form error."""

from decimal import Decimal

import pytest
from django import forms
from django.apps import apps
from django.contrib import admin
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from agreements.models import Agreement, PublicationState
from tests.factories import (
    AgreementFactory,
    EventFactory,
    GroupFactory,
    OrganizationFactory,
    PartyFactory,
    SectorFactory,
)

INLINE_PREFIXES = ["parties", "commitments", "status_entries", "commitment_updates", "citations", "relations_out"]
# A new record has no commitments yet to update.
ADD_VIEW_INLINE_PREFIXES = [prefix for prefix in INLINE_PREFIXES if prefix != "commitment_updates"]


def bound_values(form):
    """What a browser would post for this form as it was rendered."""
    data = {}
    for bound in form:
        if bound.field.disabled:
            continue
        value = bound.value()
        if isinstance(bound.field, forms.BooleanField):
            if value:
                data[bound.html_name] = "on"
            continue
        data[bound.html_name] = "" if value is None else value
    return data


def form_data(response):
    """The POST data of an admin change (or history) form page, inlines included."""
    data = bound_values(response.context["adminform"].form)
    for inline in response.context.get("inline_admin_formsets") or []:
        data.update(bound_values(inline.formset.management_form))
        for form in inline.formset.forms:
            data.update(bound_values(form))
    return data


def agreement_post(sector, **overrides):
    """POST data for the add view: a valid draft whose timeline has one entry (signed on the signature day),
    other inlines empty, changed by `overrides`."""
    data = {
        "title_en": "Locomotive supply",
        "slug": "locomotive-supply",
        "kind": "contract",
        "sector": str(sector.pk),
        "event": "",
        "group": "",
        "summary_en": "",
        "places_en": "",
        "signed_on": "2025-09-16",
        "signed_on_precision": "day",
        "entry_into_force_on": "",
        "expires_on": "",
        "value_amount": "4200000000",
        "value_currency": "USD",
        "value_basis": "contracted",
        "publication_state": "draft",
    }
    for prefix in ADD_VIEW_INLINE_PREFIXES:
        data.update(
            {
                f"{prefix}-TOTAL_FORMS": "0",
                f"{prefix}-INITIAL_FORMS": "0",
                f"{prefix}-MIN_NUM_FORMS": "0",
                f"{prefix}-MAX_NUM_FORMS": "1000",
            }
        )
    data.update(
        {
            "status_entries-TOTAL_FORMS": "1",
            "status_entries-MIN_NUM_FORMS": "1",
            "status_entries-0-date": "2025-09-16",
            "status_entries-0-date_precision": "day",
            "status_entries-0-status": "signed",
            "status_entries-0-source": "",
            "status_entries-0-note": "",
        }
    )
    data.update(overrides)
    return data


def form_errors(response):
    """Every error the change form shows: fields, whole form and inline formsets."""
    errors = [str(error) for error in response.context["errors"]]
    for inline in response.context.get("inline_admin_formsets") or []:
        errors += [str(error) for error in inline.formset.non_form_errors()]
    return " ".join(errors)


def model_admin_urls():
    for model in admin.site._registry:
        if model._meta.app_label == "agreements":
            yield pytest.param(model._meta.model_name, id=model._meta.model_name)


@pytest.mark.django_db
@pytest.mark.parametrize("model_name", list(model_admin_urls()))
def test_changelist_and_add_views_answer(admin_client, admin_user, model_name):
    AgreementFactory(group=GroupFactory(), value_amount=None, event=EventFactory())
    model_admin = admin.site._registry[apps.get_model("agreements", model_name)]
    request = RequestFactory().get("/")
    request.user = admin_user
    # Timeline entries and updates are added on their agreement; their own admin has no add view.
    offers_add = model_admin.has_add_permission(request)
    for view in ("changelist", "add") if offers_add else ("changelist",):
        response = admin_client.get(reverse(f"admin:agreements_{model_name}_{view}"))
        assert response.status_code == 200, view


@pytest.mark.django_db
@pytest.mark.parametrize("model_name", list(model_admin_urls()))
def test_change_and_search_views_answer_with_the_real_dataset(admin_client, register, model_name):
    model = apps.get_model("agreements", model_name)
    instance = model.objects.order_by("pk").first()
    change = admin_client.get(reverse(f"admin:agreements_{model_name}_change", args=[instance.pk]))
    assert change.status_code == 200
    # Searched by the start of its first search field (an entry's agreement title, an organisation's name).
    value = instance
    for name in admin.site._registry[model].search_fields[0].split("__"):
        value = getattr(value, name)
    search = admin_client.get(reverse(f"admin:agreements_{model_name}_changelist"), {"q": str(value)[:12]})
    assert search.status_code == 200
    assert search.context["cl"].result_count >= 1


@pytest.mark.django_db
@pytest.mark.parametrize("model_name", list(model_admin_urls()))
def test_every_changelist_query_count_does_not_grow_with_rows(admin_client, model_name):
    def count_queries():
        with CaptureQueriesContext(connection) as context:
            assert admin_client.get(reverse(f"admin:agreements_{model_name}_changelist")).status_code == 200
        return len(context.captured_queries)

    for _ in range(2):
        PartyFactory(agreement=AgreementFactory(group=GroupFactory(), value_amount=None, event=EventFactory()))
    few = count_queries()
    for _ in range(20):
        PartyFactory(agreement=AgreementFactory(group=GroupFactory(), value_amount=None, event=EventFactory()))
    assert count_queries() == few


@pytest.mark.django_db
def test_every_model_of_the_register_has_an_admin():
    registered = {model._meta.model_name for model in admin.site._registry if model._meta.app_label == "agreements"}
    assert {"agreement", "organization", "source", "event", "group", "sector"} <= registered


@pytest.mark.django_db
def test_change_view_answers_with_all_inlines(admin_client):
    party = PartyFactory()
    response = admin_client.get(reverse("admin:agreements_agreement_change", args=[party.agreement.pk]))
    assert response.status_code == 200
    prefixes = {inline.formset.prefix for inline in response.context["inline_admin_formsets"]}
    assert prefixes == set(INLINE_PREFIXES)


def make_agreements(count, sector, group):
    for index in range(count):
        if index % 3 == 0:
            agreement = AgreementFactory(sector=sector, group=group, value_amount=None, event=group.event)
        else:
            agreement = AgreementFactory(sector=sector, value_approximate=bool(index % 2))
        PartyFactory(agreement=agreement)
        PartyFactory(agreement=agreement, organization=OrganizationFactory(country="US"), side="US")


@pytest.mark.django_db
def test_changelist_query_count_does_not_grow_with_rows(admin_client, django_assert_max_num_queries):
    sector = SectorFactory()
    group = GroupFactory(event=EventFactory())
    url = reverse("admin:agreements_agreement_changelist")
    make_agreements(3, sector, group)
    admin_client.get(url)  # the session and content types are warm for both measured requests
    with CaptureQueriesContext(connection) as few:
        response = admin_client.get(url)
    assert len(response.context["cl"].result_list) == 3

    make_agreements(27, sector, group)
    with django_assert_max_num_queries(len(few)), CaptureQueriesContext(connection) as many:
        response = admin_client.get(url)
    assert len(response.context["cl"].result_list) == 30
    assert len(many) == len(few)


@pytest.mark.django_db
def test_value_column_is_short_marks_approximate_values_and_shared_group_values(admin_client):
    group = GroupFactory(name="Rail package", amount=Decimal("1000000000"), approximate=True)
    AgreementFactory(title="Member", group=group, value_amount=None)
    AgreementFactory(title="Approximate", value_amount=Decimal("2500000"), value_approximate=True)
    AgreementFactory(title="Exact <b>", value_amount=Decimal("7000"), value_currency="EUR")
    response = admin_client.get(reverse("admin:agreements_agreement_changelist"))
    html = response.content.decode()
    assert 'title="Shared by the group Rail package: USD 1,000,000,000">≈ USD 1 bn' in html
    assert '<span class="shared-mark">shared</span>' in html
    assert 'title="≈ USD 2,500,000">≈ USD 2.5 mn</span>' in html
    assert ">EUR 7,000</span>" in html
    assert "Exact &lt;b&gt;" in html
    assert "4000000000.00" not in html and "2500000.00" not in html


@pytest.mark.django_db
def test_search_finds_an_agreement_by_party_organisation(admin_client):
    wanted = AgreementFactory(title="Locomotives")
    PartyFactory(agreement=wanted, organization=OrganizationFactory(name="Wabtec Corporation"))
    PartyFactory(agreement=wanted, organization=OrganizationFactory(name="Wabtec Kazakhstan"))
    AgreementFactory(title="Aircraft")
    response = admin_client.get(reverse("admin:agreements_agreement_changelist"), {"q": "wabtec"})
    assert [row.title for row in response.context["cl"].result_list] == ["Locomotives"]


@pytest.mark.django_db
def test_organisation_autocomplete_answers_for_the_party_inline(admin_client):
    OrganizationFactory(name="Kazakhstan Temir Zholy")
    OrganizationFactory(name="Boeing")
    response = admin_client.get(
        reverse("admin:autocomplete"),
        {"app_label": "agreements", "model_name": "party", "field_name": "organization", "term": "temir"},
    )
    assert response.status_code == 200
    assert [item["text"] for item in response.json()["results"]] == ["Kazakhstan Temir Zholy"]


@pytest.mark.django_db
def test_valid_add_creates_a_draft_with_its_parties(admin_client):
    sector = SectorFactory()
    first, second = OrganizationFactory(), OrganizationFactory(country="US")
    data = agreement_post(
        sector,
        **{
            "parties-TOTAL_FORMS": "2",
            "parties-0-organization": str(first.pk),
            "parties-0-side": "KZ",
            "parties-0-role": "buyer",
            "parties-1-organization": str(second.pk),
            "parties-1-side": "US",
            "parties-1-role": "supplier",
        },
    )
    response = admin_client.post(reverse("admin:agreements_agreement_add"), data)
    assert response.status_code == 302
    agreement = Agreement.objects.get(slug="locomotive-supply")
    assert agreement.publication_state == PublicationState.DRAFT
    assert agreement.parties.count() == 2


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        pytest.param({"value_amount": "-5"}, "an amount is never negative", id="negative-value"),
        pytest.param({"value_amount": "250 million"}, "words are not read", id="value-in-words"),
        pytest.param({"group": "GROUP"}, "A member of a group has no value of its own", id="group-member-value"),
        pytest.param(
            {"expires_on": "2025-01-01"}, "The expiry date cannot be before the signature date", id="expiry-first"
        ),
        pytest.param(
            {"entry_into_force_on": "2026-01-01", "expires_on": "2025-12-01"},
            "The expiry date cannot be before the entry into force",
            id="expiry-before-force",
        ),
        pytest.param({"slug": "taken"}, "Agreement with this Slug already exists", id="duplicate-slug"),
        pytest.param({"value_currency": "usd"}, "three-letter ISO 4217 code", id="currency"),
        pytest.param({"kind": "treaty"}, "Select a valid choice", id="kind"),
        pytest.param({"signed_on": "2025-13-45"}, "Enter a valid date", id="bad-date"),
        pytest.param(
            {"signed_on": "2025-11-06", "signed_on_precision": "month"}, "first of that month", id="partial-date"
        ),
    ],
)
def test_bad_input_is_a_form_error_and_nothing_is_saved(admin_client, overrides, message):
    AgreementFactory(slug="taken")
    sector = SectorFactory()
    if overrides.get("group") == "GROUP":
        overrides = {**overrides, "group": str(GroupFactory().pk)}
    response = admin_client.post(reverse("admin:agreements_agreement_add"), agreement_post(sector, **overrides))
    assert response.status_code == 200
    assert message in form_errors(response)
    assert not Agreement.objects.filter(slug="locomotive-supply").exists()


@pytest.mark.django_db
def test_duplicate_party_organisation_is_an_inline_error(admin_client):
    sector = SectorFactory()
    organization = OrganizationFactory()
    data = agreement_post(
        sector,
        **{
            "parties-TOTAL_FORMS": "2",
            "parties-0-organization": str(organization.pk),
            "parties-0-side": "KZ",
            "parties-0-role": "party",
            "parties-1-organization": str(organization.pk),
            "parties-1-side": "KZ",
            "parties-1-role": "buyer",
        },
    )
    response = admin_client.post(reverse("admin:agreements_agreement_add"), data)
    assert response.status_code == 200
    assert "Please correct the duplicate data for organization" in form_errors(response)
    assert not Agreement.objects.filter(slug="locomotive-supply").exists()


@pytest.mark.django_db
def test_relation_to_itself_is_an_inline_error(admin_client):
    agreement = AgreementFactory(publication_state=PublicationState.DRAFT)
    response = admin_client.get(reverse("admin:agreements_agreement_change", args=[agreement.pk]))
    data = form_data(response)
    data.update(
        {
            "relations_out-TOTAL_FORMS": "1",
            "relations_out-0-to_agreement": str(agreement.pk),
            "relations_out-0-kind": "amends",
        }
    )
    response = admin_client.post(reverse("admin:agreements_agreement_change", args=[agreement.pk]), data)
    assert response.status_code == 200
    inline_errors = [inline.formset.errors for inline in response.context["inline_admin_formsets"]]
    assert "An agreement cannot relate to itself" in str(inline_errors)
    assert not agreement.relations_out.exists()


@pytest.mark.django_db
def test_edit_is_recorded_in_history_with_the_user(admin_client, admin_user):
    agreement = AgreementFactory(title="Old title", publication_state=PublicationState.DRAFT)
    url = reverse("admin:agreements_agreement_change", args=[agreement.pk])
    data = form_data(admin_client.get(url))
    data["title_en"] = "New title"
    assert admin_client.post(url, data).status_code == 302

    latest = agreement.history.latest("history_date")
    assert latest.title == "New title"
    assert latest.history_user == admin_user
    response = admin_client.get(reverse("admin:agreements_agreement_history", args=[agreement.pk]))
    assert response.status_code == 200
    assert "New title" in response.content.decode()


@pytest.mark.django_db
def test_revert_through_the_history_form_restores_the_old_title(admin_client, admin_user):
    agreement = AgreementFactory(title="Old title", publication_state=PublicationState.DRAFT)
    original = agreement.history.earliest("history_date")
    url = reverse("admin:agreements_agreement_change", args=[agreement.pk])
    data = form_data(admin_client.get(url))
    data["title_en"] = "Vandalised"
    admin_client.post(url, data)
    agreement.refresh_from_db()
    assert agreement.title == "Vandalised"

    revert_url = reverse("admin:agreements_agreement_simple_history", args=[agreement.pk, original.history_id])
    response = admin_client.get(revert_url)
    assert response.status_code == 200
    response = admin_client.post(revert_url, form_data(response))
    assert response.status_code == 302

    agreement.refresh_from_db()
    assert agreement.title == "Old title"
    assert agreement.history.latest("history_date").history_user == admin_user


@pytest.mark.django_db
def test_the_row_checkbox_is_the_one_django_writes_and_selects_for_actions(admin_client):
    agreement = AgreementFactory(title='Tom & Jerry\'s "<deal>"')
    model_admin = admin.site._registry[Agreement]
    assert model_admin.action_checkbox(agreement) == admin.ModelAdmin.action_checkbox(model_admin, agreement)
    page = admin_client.get(reverse("admin:agreements_agreement_changelist")).content.decode()
    assert str(model_admin.action_checkbox(agreement)) in page


@pytest.mark.django_db
def test_the_changelist_page_query_keeps_to_outer_joins(admin_client):
    """An inner join to the sector let SQLite read the sectors first and sort every agreement (3.5 s a
    page at 1,000,000); the sector comes in its own query, and the page still shows it."""
    agreement = AgreementFactory(event=EventFactory())
    with CaptureQueriesContext(connection) as captured:
        page = admin_client.get(reverse("admin:agreements_agreement_changelist")).content.decode()
    listing = [query["sql"] for query in captured if 'FROM "agreements_agreement"' in query["sql"]]
    assert listing and not any("INNER JOIN" in sql for sql in listing)
    assert agreement.sector.name in page and agreement.event.name in page
