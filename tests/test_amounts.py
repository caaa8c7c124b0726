"""Amounts that cannot be mistyped: typed with thousands separators, refused otherwise with a message naming the
field, shown in groups and as the number understood, the same in the admin's forms and in the import."""

from decimal import Decimal

import pytest
import tablib
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse

from agreements.admin_forms import currency_field_name
from agreements.amounts import describe_amount, format_amount, parse_amount, short_amount
from agreements.models import Agreement, Citation, Commitment, Event, EventClaim, Group, Sector
from agreements.resources import AgreementResource
from tests.factories import (
    AgreementFactory,
    CitationFactory,
    CommitmentFactory,
    CommitmentUpdateFactory,
    EventFactory,
    GroupFactory,
    SectorFactory,
)
from tests.test_admin import agreement_post, form_data, form_errors

ACCEPTED = [
    ("2,500,000,000", Decimal("2500000000")),
    ("2 500 000 000", Decimal("2500000000")),
    ("2\u00a0500\u00a0000\u00a0000", Decimal("2500000000")),
    ("2\u202f500\u202f000\u202f000.50", Decimal("2500000000.50")),
    ("2\u2009500\u2009000", Decimal("2500000")),
    (" 4200000000 ", Decimal("4200000000")),
    ("4000000000.00", Decimal("4000000000.00")),
    ("12,500.5", Decimal("12500.5")),
    ("0", Decimal("0")),
    ("", None),
]
REFUSED = [
    ("250 million", "words are not read"),
    ("USD 250,000", "words are not read"),
    ("2.500.000,00", "is not an amount"),
    ("2,500,000,00", "is not an amount"),
    ("1,23,456", "is not an amount"),
    ("2,500 000", "is not an amount"),
    ("25,00", "is not an amount"),
    ("2.505", "more than two decimals"),
    ("-5", "never negative"),
    ("-2,500", "never negative"),
    ("1e9", "words are not read"),
]


@pytest.mark.parametrize(("text", "value"), ACCEPTED)
def test_digits_with_thousands_separators_are_read(text, value):
    assert parse_amount(text) == value


@pytest.mark.parametrize(("text", "problem"), REFUSED)
def test_anything_else_is_refused_with_a_reason(text, problem):
    with pytest.raises(ValidationError) as refused:
        parse_amount(text)
    assert problem in refused.value.messages[0]
    assert refused.value.code == "invalid_amount"


@pytest.mark.parametrize(
    ("value", "grouped", "said", "short"),
    [
        (Decimal("4000000000.00"), "4,000,000,000", "USD 4 billion", "USD 4 bn"),
        (Decimal("2500000000"), "2,500,000,000", "USD 2.5 billion", "USD 2.5 bn"),
        (Decimal("250000000"), "250,000,000", "USD 250 million", "USD 250 mn"),
        (Decimal("17000000000000"), "17,000,000,000,000", "USD 17 trillion", "USD 17 tn"),
        (Decimal("1234567"), "1,234,567", "USD 1.23 million", "USD 1.23 mn"),
        (Decimal("12500.50"), "12,500.50", "USD 12,500.50", "USD 12,500.50"),
    ],
)
def test_amounts_are_shown_in_groups_and_in_words(value, grouped, said, short):
    assert format_amount(value) == grouped
    assert describe_amount(value, "USD") == said
    assert short_amount(value, "USD") == short


def test_each_amount_field_finds_its_currency_or_has_none():
    assert currency_field_name(Agreement, "value_amount") == "value_currency"
    assert currency_field_name(Event, "announced_amount") == "announced_currency"
    assert currency_field_name(Group, "amount") == "currency"
    assert currency_field_name(EventClaim, "amount") == "currency"
    assert currency_field_name(Citation, "claim_amount") == "claim_currency"
    assert currency_field_name(Commitment, "quantity") is None
    assert currency_field_name(Sector, "amount") is None


@pytest.mark.django_db
@pytest.mark.parametrize("typed", ["2,500,000,000", "2 500 000 000", "2\u00a0500\u00a0000\u00a0000.00"])
def test_the_agreement_form_saves_an_amount_typed_with_separators(admin_client, typed):
    response = admin_client.post(
        reverse("admin:agreements_agreement_add"), agreement_post(SectorFactory(), value_amount=typed)
    )
    assert response.status_code == 302, form_errors(response)
    assert Agreement.objects.get(slug="locomotive-supply").value_amount == Decimal("2500000000")


@pytest.mark.django_db
@pytest.mark.parametrize(("typed", "problem"), REFUSED[:5])
def test_the_agreement_form_refuses_other_text_naming_the_field_and_keeps_it(admin_client, typed, problem):
    response = admin_client.post(
        reverse("admin:agreements_agreement_add"), agreement_post(SectorFactory(), value_amount=typed)
    )
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors["value_amount"]
    assert errors[0].startswith("Value: ")
    assert problem in errors[0]
    html = response.content.decode()
    assert 'name="value_amount"' in html and "Not an amount yet" in html
    assert response.context["adminform"].form["value_amount"].value() == typed
    assert not Agreement.objects.exists()


@pytest.mark.django_db
def test_the_change_form_shows_the_amount_in_groups_and_understood(admin_client):
    agreement = AgreementFactory(value_amount=Decimal("4000000000.00"), value_currency="USD")
    response = admin_client.get(reverse("admin:agreements_agreement_change", args=[agreement.pk]))
    html = response.content.decode()
    assert 'value="4,000,000,000"' in html
    assert "4000000000.00" not in html
    assert '<output class="amount-understood" for="id_value_amount" aria-live="polite"' in html
    assert "Understood: USD 4 billion</output>" in html
    assert "js/admin-amounts.js" in html
    # Saved back unchanged from what the form shows.
    data = form_data(response)
    data["value_amount"] = "4,000,000,000"
    assert admin_client.post(response.request["PATH_INFO"], data).status_code == 302
    agreement.refresh_from_db()
    assert agreement.value_amount == Decimal("4000000000")


@pytest.mark.django_db
def test_a_refused_amount_shows_the_understood_line_for_the_currency_typed(admin_client):
    response = admin_client.post(
        reverse("admin:agreements_agreement_add"),
        agreement_post(SectorFactory(), value_amount="3 700 000 000", value_currency="EUR", slug="BAD SLUG"),
    )
    assert response.status_code == 200
    assert "Understood: EUR 3.7 billion</output>" in response.content.decode()


@pytest.mark.django_db
def test_group_event_and_inline_amounts_take_the_same_field(admin_client):
    group = GroupFactory(amount=Decimal("1000000000"), event=EventFactory(announced_amount=Decimal("17000000000")))
    response = admin_client.get(reverse("admin:agreements_group_change", args=[group.pk]))
    assert 'value="1,000,000,000"' in response.content.decode()
    data = form_data(response)
    data["amount"] = "1,200,000,000"
    assert admin_client.post(response.request["PATH_INFO"], data).status_code == 302
    assert Group.objects.get(pk=group.pk).amount == Decimal("1200000000")

    response = admin_client.get(reverse("admin:agreements_event_change", args=[group.event.pk]))
    html = response.content.decode()
    assert 'value="17,000,000,000"' in html and "Understood: USD 17 billion" in html
    data = form_data(response)
    data["announced_amount"] = "17 billion"
    response = admin_client.post(response.request["PATH_INFO"], data)
    assert response.status_code == 200
    assert "Announced amount: " in form_errors(response)

    agreement_page = admin_client.get(reverse("admin:agreements_agreement_add"))
    for prefix, name in (("citations", "claim_amount"), ("commitments", "quantity")):
        field = agreement_page.context["inline_admin_formsets"]
        formset = next(inline.formset for inline in field if inline.formset.prefix == prefix)
        assert "amount-input" in str(formset.empty_form[name])


@pytest.mark.django_db
def test_changelists_show_amounts_in_groups(admin_client):
    EventFactory(announced_amount=Decimal("17000000000"), announced_approximate=True)
    GroupFactory(amount=Decimal("3700000000"), approximate=False)
    CommitmentUpdateFactory(progress=Decimal("3000"))
    pages = {
        "event": ('title="≈ USD 17,000,000,000">≈ USD 17 bn</span>',),
        "group": ('title="USD 3,700,000,000">USD 3.7 bn</span>',),
        "commitmentupdate": ('<td class="field-progress_display">3,000</td>',),
    }
    for model_name, expected in pages.items():
        html = admin_client.get(reverse(f"admin:agreements_{model_name}_changelist")).content.decode()
        for text in expected:
            assert text in html, model_name
        assert "17000000000.00" not in html and "3700000000.00" not in html


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("factory", "field"),
    [
        (AgreementFactory, "value_amount"),
        (GroupFactory, "amount"),
        (EventFactory, "announced_amount"),
        (CommitmentFactory, "quantity"),
        (CitationFactory, "claim_amount"),
    ],
)
def test_the_database_refuses_a_negative_amount_the_form_would_refuse(factory, field):
    record = factory()
    with pytest.raises(IntegrityError), transaction.atomic():
        type(record).objects.filter(pk=record.pk).update(**{field: Decimal("-1")})


HEADER = "slug,title,kind,status,sector,signed_on,signed_on_precision,value_amount,value_currency,value_basis"


def import_rows(*amounts):
    SectorFactory(slug="transport")
    rows = [
        f'row-{number},Row {number},contract,signed,transport,2025-09-16,day,"{amount}",USD,contracted'
        for number, amount in enumerate(amounts, 1)
    ]
    return AgreementResource().import_data(tablib.Dataset().load("\n".join([HEADER, *rows]), format="csv"))


@pytest.mark.django_db
def test_the_import_reads_amounts_as_the_form_does():
    result = import_rows("2,500,000,000", "2 500 000 000", "4200000000.00", "")
    assert not result.has_validation_errors() and not result.has_errors()
    assert dict(Agreement.objects.values_list("slug", "value_amount")) == {
        "row-1": Decimal("2500000000"),
        "row-2": Decimal("2500000000"),
        "row-3": Decimal("4200000000"),
        "row-4": None,
    }


@pytest.mark.django_db
def test_the_import_refuses_what_the_form_refuses_line_by_line():
    result = import_rows("2,500,000,000", "250 million", "2.500.000,00", "-5")
    errors = {row.number: row.error_dict["value_amount"][0] for row in result.invalid_rows}
    assert sorted(errors) == [2, 3, 4]
    assert "words are not read" in errors[2]
    assert "is not an amount" in errors[3]
    assert "never negative" in errors[4]
    assert not Agreement.objects.exists()


def test_the_apis_decimal_text_writes_sqlites_numbers_as_a_decimal_would():
    """SQLite hands amounts back as whole numbers or floats: decimal_text writes them to the cent exactly as
    Decimal(amount).quantize(CENT) does (the float's exact value, rounded half-even), and PostgreSQL's Decimal."""
    import random

    from agreements.api.serializers import decimal_text
    from agreements.models import CENT

    rng = random.Random(7)
    cents = [rng.randrange(0, 10**17) for _ in range(5000)] + [1, 5, 10, 99, 100, 12550, 10**16 - 1, 10**17 - 1]
    for value in cents:
        as_float = value / 100
        assert decimal_text(as_float) == str(Decimal(as_float).quantize(CENT)), as_float
        whole = value // 100
        assert decimal_text(whole) == str(Decimal(whole).quantize(CENT))
    for edge in (0.125, 0.135, 2.675, 1e15 + 0.5, 0.005, 0.015):
        assert decimal_text(edge) == str(Decimal(edge).quantize(CENT)), edge
    assert decimal_text(Decimal("2.5")) == "2.50"
    assert decimal_text(None) is None
