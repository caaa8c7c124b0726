"""The domain: invariants held by the database, partial dates, honest totals, what is public."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from agreements import models
from agreements.models import Agreement, DatePrecision, Kind, PublicationState
from tests.factories import (
    AgreementFactory,
    CitationFactory,
    CommitmentFactory,
    EventFactory,
    GroupFactory,
    OrganizationFactory,
    PartyFactory,
    SectorFactory,
    SourceFactory,
)

pytestmark = pytest.mark.django_db


def refused_by_database(action):
    with pytest.raises(IntegrityError), transaction.atomic():
        action()


AGREEMENT_UPDATES = {
    "agreement_value_not_negative": {"value_amount": Decimal("-1")},
    "agreement_group_member_has_no_own_value": {"group": "GROUP"},
    "agreement_expires_not_before_signature": {"expires_on": datetime.date(2025, 1, 1)},
    "agreement_expires_not_before_entry_into_force": {
        "signed_on": None,
        "entry_into_force_on": datetime.date(2026, 1, 1),
        "expires_on": datetime.date(2025, 12, 31),
    },
    "agreement_currency_iso4217": {"value_currency": "usd"},
    "agreement_publication_state_valid": {"publication_state": "public"},
    "agreement_kind_valid": {"kind": "treaty"},
    "agreement_status_valid": {"status": "pending"},
}


@pytest.mark.parametrize("updates", AGREEMENT_UPDATES.values(), ids=AGREEMENT_UPDATES.keys())
def test_agreement_constraints_are_enforced_by_the_database(updates):
    agreement = AgreementFactory()
    if updates.get("group") == "GROUP":
        updates = {"group": GroupFactory()}
    refused_by_database(lambda: Agreement.objects.filter(pk=agreement.pk).update(**updates))
    refused_by_database(lambda: AgreementFactory(**updates))


def test_organisation_country_must_be_alpha2_in_the_database():
    refused_by_database(lambda: OrganizationFactory(country="kz"))


def test_event_constraints_are_enforced_by_the_database():
    refused_by_database(lambda: EventFactory(announced_amount=Decimal("-1")))
    refused_by_database(lambda: EventFactory(starts_on=datetime.date(2025, 11, 6), ends_on=datetime.date(2025, 11, 5)))


def test_group_amount_cannot_be_negative_in_the_database():
    refused_by_database(lambda: GroupFactory(amount=Decimal("-1")))


def test_party_constraints_are_enforced_by_the_database():
    party = PartyFactory()
    refused_by_database(lambda: PartyFactory(agreement=party.agreement, organization=party.organization))
    refused_by_database(lambda: PartyFactory(side="RU"))


def test_commitment_constraints_are_enforced_by_the_database():
    commitment = CommitmentFactory()
    refused_by_database(lambda: CommitmentFactory(agreement=commitment.agreement, position=commitment.position))
    refused_by_database(lambda: CommitmentFactory(quantity=Decimal("-3")))


def test_citation_constraints_are_enforced_by_the_database():
    citation = CitationFactory()
    refused_by_database(
        lambda: CitationFactory(agreement=citation.agreement, source=citation.source, supports=citation.supports)
    )
    refused_by_database(lambda: CitationFactory(claim_amount=Decimal("-1")))


def test_relation_constraints_are_enforced_by_the_database():
    first, second = AgreementFactory(), AgreementFactory()
    models.Relation.objects.create(from_agreement=first, to_agreement=second, kind="amends")
    refused_by_database(
        lambda: models.Relation.objects.create(from_agreement=first, to_agreement=second, kind="amends")
    )
    refused_by_database(lambda: models.Relation.objects.create(from_agreement=first, to_agreement=first, kind="amends"))


def test_unique_slugs_are_enforced_by_the_database():
    AgreementFactory(slug="taken")
    refused_by_database(lambda: AgreementFactory(slug="taken"))


@pytest.mark.parametrize(
    ("kind", "binding"),
    [
        (Kind.MEMORANDUM, False),
        (Kind.LETTER_OF_INTENT, False),
        (Kind.ROADMAP, False),
        (Kind.PROJECT, False),
        (Kind.AGREEMENT, True),
        (Kind.CONTRACT, True),
        (Kind.PARTNERSHIP, True),
    ],
)
def test_kind_says_whether_an_instrument_binds(kind, binding):
    assert kind.is_binding is binding
    assert (kind in Kind.binding()) is binding
    assert (kind in Kind.non_binding()) is not binding
    assert AgreementFactory.build(kind=kind).binding is binding


def test_binding_queryset_methods_split_by_kind():
    contract = AgreementFactory(kind=Kind.CONTRACT)
    memorandum = AgreementFactory(kind=Kind.MEMORANDUM)
    assert list(Agreement.objects.binding()) == [contract]
    assert list(Agreement.objects.non_binding()) == [memorandum]


@pytest.mark.parametrize(
    ("signed_on", "precision", "shown"),
    [
        (datetime.date(2025, 11, 6), DatePrecision.DAY, "2025-11-06"),
        (datetime.date(2025, 11, 1), DatePrecision.MONTH, "2025-11"),
        (datetime.date(2025, 1, 1), DatePrecision.YEAR, "2025"),
        (None, DatePrecision.DAY, None),
    ],
)
def test_signed_on_display_follows_the_precision(signed_on, precision, shown):
    assert AgreementFactory.build(signed_on=signed_on, signed_on_precision=precision).signed_on_display == shown


def test_public_excludes_drafts_and_records_in_review():
    published = AgreementFactory(publication_state=PublicationState.PUBLISHED)
    AgreementFactory(publication_state=PublicationState.DRAFT)
    AgreementFactory(publication_state=PublicationState.REVIEW)
    assert list(Agreement.objects.public()) == [published]


def test_first_publication_sets_published_at_once():
    agreement = AgreementFactory(publication_state=PublicationState.DRAFT)
    assert agreement.published_at is None
    agreement.publication_state = PublicationState.PUBLISHED
    agreement.save()
    first = agreement.published_at
    assert first is not None
    agreement.title = "Edited"
    agreement.save()
    assert agreement.published_at == first


def test_totals_add_own_values_and_each_group_once():
    group = GroupFactory(amount=Decimal("1000"), approximate=True)
    AgreementFactory(value_amount=Decimal("100"), kind=Kind.CONTRACT)
    AgreementFactory(value_amount=Decimal("50"), kind=Kind.MEMORANDUM)
    AgreementFactory(value_amount=None)
    for _ in range(3):
        AgreementFactory(group=group, value_amount=None, kind=Kind.AGREEMENT)

    totals = Agreement.objects.totals()
    usd = totals.in_currency("USD")
    assert (totals.count, totals.valued, totals.unvalued) == (6, 5, 1)
    assert usd.total == Decimal("1150")
    assert usd.binding == Decimal("1100")
    assert usd.non_binding == Decimal("50")
    assert usd.approximate is True


def test_group_counts_as_binding_only_when_every_selected_member_binds():
    group = GroupFactory(amount=Decimal("1000"))
    contract = AgreementFactory(group=group, value_amount=None, kind=Kind.CONTRACT)
    memorandum = AgreementFactory(group=group, value_amount=None, kind=Kind.MEMORANDUM)

    mixed = Agreement.objects.totals().in_currency("USD")
    assert (mixed.binding, mixed.non_binding) == (Decimal("0"), Decimal("1000"))

    binding_only = Agreement.objects.filter(pk=contract.pk).totals().in_currency("USD")
    assert (binding_only.binding, binding_only.non_binding) == (Decimal("1000"), Decimal("0"))

    assert Agreement.objects.filter(pk=memorandum.pk).totals().in_currency("USD").total == Decimal("1000")


def test_totals_keep_currencies_apart():
    AgreementFactory(value_amount=Decimal("100"), value_currency="USD")
    AgreementFactory(value_amount=Decimal("200"), value_currency="EUR")
    AgreementFactory(group=GroupFactory(amount=Decimal("300"), currency="KZT"), value_amount=None)
    totals = Agreement.objects.totals()
    assert [(row.currency, row.total) for row in totals.currencies] == [
        ("USD", Decimal("100")),
        ("EUR", Decimal("200")),
        ("KZT", Decimal("300")),
    ]
    usd = totals.as_dict()["by_currency"][0]
    assert (usd["currency"], usd["approximate"]) == ("USD", False)
    assert [Decimal(usd[key]) for key in ("total", "binding", "non_binding")] == [100, 100, 0]


def test_totals_of_nothing_are_empty():
    totals = Agreement.objects.totals()
    assert (totals.count, totals.valued, totals.currencies) == (0, 0, [])


def test_clean_refuses_a_group_member_with_its_own_value():
    agreement = AgreementFactory.build(group=GroupFactory(), value_amount=Decimal("5"), sector=SectorFactory())
    with pytest.raises(ValidationError) as error:
        agreement.clean()
    assert "value_amount" in error.value.message_dict


@pytest.mark.parametrize(
    ("signed_on", "precision", "message"),
    [
        (datetime.date(2025, 11, 6), DatePrecision.MONTH, "first of that month"),
        (datetime.date(2025, 11, 1), DatePrecision.YEAR, "first of January"),
    ],
)
def test_clean_refuses_a_partial_date_that_is_not_its_first_day(signed_on, precision, message):
    agreement = AgreementFactory.build(signed_on=signed_on, signed_on_precision=precision)
    with pytest.raises(ValidationError, match=message):
        agreement.clean()


def test_clean_resets_the_precision_of_a_missing_date():
    agreement = AgreementFactory.build(signed_on=None, signed_on_precision=DatePrecision.YEAR)
    agreement.clean()
    assert agreement.signed_on_precision == DatePrecision.DAY


def test_full_clean_reports_constraint_messages():
    agreement = AgreementFactory.build(
        sector=SectorFactory(), signed_on=datetime.date(2025, 11, 6), expires_on=datetime.date(2025, 1, 1)
    )
    with pytest.raises(ValidationError, match="The expiry date cannot be before the signature date"):
        agreement.full_clean()


def test_natural_keys_round_trip():
    party = PartyFactory()
    commitment = CommitmentFactory(agreement=party.agreement)
    citation = CitationFactory(agreement=party.agreement, source=SourceFactory())
    relation = models.Relation.objects.create(
        from_agreement=party.agreement, to_agreement=AgreementFactory(), kind="implements"
    )
    records = [
        party,
        commitment,
        citation,
        relation,
        party.agreement,
        party.organization,
        party.agreement.sector,
        citation.source,
        EventFactory(),
        GroupFactory(),
    ]
    for record in records:
        manager = type(record)._default_manager
        assert manager.get_by_natural_key(*record.natural_key()) == record


def test_every_model_reads_well():
    party = PartyFactory(organization=OrganizationFactory(name="Wabtec"), agreement__title="Locomotives")
    assert str(party) == "Wabtec (Kazakhstan) in Locomotives"
    agreement = AgreementFactory.build(places="Astana; Almaty ;")
    assert agreement.place_list == ["Astana", "Almaty"]
