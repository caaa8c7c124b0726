"""The `/agreements/` page's query parameters on the API: each filter matches and misses, ordering,
pagination, totals, and a 400 naming the parameter for every kind of bad input."""

import datetime
from decimal import Decimal

import pytest
from django.conf import settings

from agreements.filters import AgreementFilterSet
from agreements.models import Agreement, Kind, Side, Status
from tests.factories import (
    AgreementFactory,
    EventFactory,
    GroupFactory,
    OrganizationFactory,
    PartyFactory,
    SectorFactory,
)

from .conftest import LIST_URL, get_json


@pytest.fixture
def pair(db):
    """Two public agreements that differ on every filter."""
    locomotives = AgreementFactory(
        slug="locomotives",
        title="Locomotive supply",
        summary="Diesel units for the national railway.",
        kind=Kind.CONTRACT,
        status=Status.SIGNED,
        sector=SectorFactory(slug="transport", name="Transport"),
        event=EventFactory(slug="washington"),
        signed_on=datetime.date(2025, 9, 12),
        value_amount=Decimal("4200000000"),
    )
    PartyFactory(
        agreement=locomotives,
        organization=OrganizationFactory(slug="wabtec", name="Wabtec", country="US"),
        side=Side.US,
    )
    minerals = AgreementFactory(
        slug="minerals",
        title="Critical minerals",
        kind=Kind.MEMORANDUM,
        status=Status.ANNOUNCED,
        sector=SectorFactory(slug="mining", name="Mining"),
        event=EventFactory(slug="other-visit"),
        signed_on=datetime.date(2025, 11, 6),
        value_amount=Decimal("1000000"),
    )
    PartyFactory(agreement=minerals, organization=OrganizationFactory(slug="tau-ken", name="Tau-Ken Samruk"))
    return locomotives, minerals


def slugs(client, **params):
    return {row["slug"] for row in get_json(client, LIST_URL, **params)["results"]}


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"q": "locomotive"}, {"locomotives"}),
        ({"q": "national railway"}, {"locomotives"}),
        ({"q": "wabtec"}, {"locomotives"}),
        ({"q": "nothing-like-this"}, set()),
        ({"sector": "transport"}, {"locomotives"}),
        ({"sector": "mining"}, {"minerals"}),
        ({"kind": "contract"}, {"locomotives"}),
        ({"kind": "roadmap"}, set()),
        ({"status": "signed"}, {"locomotives"}),
        ({"status": "completed"}, set()),
        ({"party": "wabtec"}, {"locomotives"}),
        ({"party": "tau-ken"}, {"minerals"}),
        ({"country": "US"}, {"locomotives"}),
        ({"country": "us"}, {"locomotives"}),
        ({"country": "CN"}, set()),
        ({"event": "washington"}, {"locomotives"}),
        ({"event": "other-visit"}, {"minerals"}),
        ({"signed_after": "2025-10-01"}, {"minerals"}),
        ({"signed_after": "2025-12-01"}, set()),
        ({"signed_before": "2025-10-01"}, {"locomotives"}),
        ({"signed_before": "2025-01-01"}, set()),
        ({"value_min": "1000000000"}, {"locomotives"}),
        ({"value_min": "5000000000"}, set()),
        ({"value_max": "1000000"}, {"minerals"}),
        ({"value_max": "100"}, set()),
        ({"binding": "true"}, {"locomotives"}),
        ({"binding": "false"}, {"minerals"}),
        ({"sector": "transport", "binding": "false"}, set()),
        ({}, {"locomotives", "minerals"}),
        ({"unknown_parameter": "ignored", "sector": ""}, {"locomotives", "minerals"}),
    ],
)
def test_filter(client, pair, params, expected):
    assert slugs(client, **params) == expected


@pytest.fixture
def three(db):
    group = GroupFactory(amount=Decimal("500"))
    AgreementFactory(slug="b-middle", title="B", signed_on=datetime.date(2025, 6, 1), value_amount=None, group=group)
    AgreementFactory(slug="a-first", title="A", signed_on=datetime.date(2024, 1, 1), value_amount=Decimal("900"))
    AgreementFactory(slug="c-undated", title="C", signed_on=None, value_amount=None)


@pytest.mark.parametrize(
    ("ordering", "expected"),
    [
        ("signed_on", ["a-first", "b-middle", "c-undated"]),
        ("-signed_on", ["b-middle", "a-first", "c-undated"]),
        ("value", ["b-middle", "a-first", "c-undated"]),
        ("-value", ["a-first", "b-middle", "c-undated"]),
        ("title", ["a-first", "b-middle", "c-undated"]),
        ("-title", ["c-undated", "b-middle", "a-first"]),
    ],
)
def test_ordering(client, three, ordering, expected):
    rows = get_json(client, LIST_URL, ordering=ordering)["results"]

    assert [row["slug"] for row in rows] == expected


def test_default_ordering_is_newest_signature_first(client, three):
    rows = get_json(client, LIST_URL)["results"]

    assert [row["slug"] for row in rows] == ["b-middle", "a-first", "c-undated"]


def test_pages_link_to_each_other_and_keep_the_query(client, db):
    for number in range(5):
        AgreementFactory(title=f"Deal {number}", kind=Kind.CONTRACT)

    first = get_json(client, LIST_URL, page_size=2, kind="contract")
    last = get_json(client, LIST_URL, page_size=2, kind="contract", page=3)

    assert first["count"] == 5
    assert len(first["results"]) == 2
    assert first["previous"] is None
    assert first["next"].startswith(f"{settings.SITE_URL}/api/v1/agreements/?")
    assert "page=2" in first["next"]
    assert "page_size=2" in first["next"]
    assert "kind=contract" in first["next"]
    assert len(last["results"]) == 1
    assert last["next"] is None
    assert "page=2" in last["previous"]
    assert first["totals"] == last["totals"]


def test_page_size_defaults_to_25_and_allows_100(client, db):
    AgreementFactory.create_batch(26)

    assert len(get_json(client, LIST_URL)["results"]) == 25
    assert len(get_json(client, LIST_URL, page_size=100)["results"]) == 26


@pytest.mark.parametrize("page", ["2", "99999999999999999999"])
def test_page_past_the_end_is_a_json_404(client, db, page):
    AgreementFactory()

    data = get_json(client, LIST_URL, expect=404, page=page)

    assert data["detail"]


@pytest.mark.parametrize("url", [LIST_URL, "/api/v1/organizations/", "/api/v1/events/", "/api/v1/sectors/"])
@pytest.mark.parametrize("page", ["0", "-1", "abc", "", "1.5", " 1", "last", "\u0661"])
def test_page_that_is_not_a_positive_whole_number_is_a_400_naming_it(client, db, url, page):
    AgreementFactory()

    data = get_json(client, url, expect=400, page=page)

    assert data == {"detail": "Invalid query parameters.", "errors": {"page": ["Must be a whole number from 1."]}}


@pytest.mark.parametrize("page_size", ["abc", "0", "-5", "101", "2.5", ""])
def test_bad_page_size_is_a_400_naming_it(client, db, page_size):
    data = get_json(client, LIST_URL, expect=400, page_size=page_size)

    assert data == {
        "detail": "Invalid query parameters.",
        "errors": {"page_size": ["Must be a whole number from 1 to 100."]},
    }


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"binding": "true"},
        {"binding": "false"},
        {"sector": "energy"},
        {"q": "package"},
        {"value_min": "100"},
        {"ordering": "-value", "page": "2", "page_size": "1"},
    ],
)
def test_totals_are_the_pages_totals_of_the_whole_selection(client, db, params):
    energy = SectorFactory(slug="energy")
    group = GroupFactory(name="Energy package", amount=Decimal("1000"), currency="USD")
    AgreementFactory(sector=energy, group=group, value_amount=None, kind=Kind.CONTRACT)
    AgreementFactory(sector=energy, group=group, value_amount=None, kind=Kind.MEMORANDUM)
    AgreementFactory(value_amount=Decimal("250.50"), value_currency="EUR", value_approximate=True)
    AgreementFactory(value_amount=Decimal("300"), kind=Kind.ROADMAP)
    AgreementFactory(value_amount=None)

    totals = get_json(client, LIST_URL, **params)["totals"]

    assert totals == AgreementFilterSet(params).qs.totals().as_dict()
    assert totals["count"] == AgreementFilterSet(params).qs.count()


def test_group_value_counts_once_in_totals(client, db):
    group = GroupFactory(amount=Decimal("1000"))
    AgreementFactory.create_batch(3, group=group, value_amount=None)

    totals = get_json(client, LIST_URL)["totals"]

    assert (totals["count"], totals["valued"], totals["unvalued"]) == (3, 3, 0)
    assert totals["by_currency"] == [
        {"currency": "USD", "total": "1000.00", "binding": "1000.00", "non_binding": "0.00", "approximate": True}
    ]


@pytest.mark.parametrize(
    ("param", "value"),
    [
        ("sector", "no-such-sector"),
        ("kind", "treaty"),
        ("status", "dormant"),
        ("party", "no-such-organisation"),
        ("country", "USA"),
        ("country", "1A"),
        ("event", "no-such-event"),
        ("signed_after", "2025-13-45"),
        ("signed_after", "yesterday"),
        ("signed_before", "2025-02-30"),
        ("value_min", "-1"),
        ("value_min", "abc"),
        ("value_min", "NaN"),
        ("value_max", "Infinity"),
        ("value_max", "1e30"),
        ("binding", "maybe"),
        ("ordering", "price"),
        ("q", "x" * 201),
        ("q", "null\x00byte"),
        ("sector", "transport\x00"),
        ("party", "\x00"),
        ("signed_after", "2025-01-01\x00"),
    ],
)
def test_bad_value_is_a_400_naming_the_parameter_and_the_reason(client, pair, param, value):
    data = get_json(client, LIST_URL, expect=400, **{param: value})

    assert data["detail"] == "Invalid query parameters."
    assert list(data["errors"]) == [param]
    reasons = data["errors"][param]
    assert reasons
    assert all(isinstance(reason, str) and len(reason) > 5 for reason in reasons)


def test_every_bad_parameter_is_named_at_once(client, db):
    data = get_json(client, LIST_URL, expect=400, kind="treaty", value_max="-3", signed_before="soon")

    assert set(data["errors"]) == {"kind", "value_max", "signed_before"}


def test_party_with_only_unpublished_agreements_is_refused_as_on_the_page(client, hidden):
    hidden_party = hidden[0].parties.first().organization

    data = get_json(client, LIST_URL, expect=400, party=hidden_party.slug)

    assert list(data["errors"]) == ["party"]
    assert Agreement.objects.filter(parties__organization=hidden_party).exists()


@pytest.mark.django_db
def test_each_filterset_has_filters_of_its_own():
    """AgreementFilterSet copies its filters without deepcopy (FilterCopies): nothing may be shared."""
    first = AgreementFilterSet({"ordering": "title"})
    second = AgreementFilterSet({"ordering": "-title"})
    base = AgreementFilterSet.base_filters

    for name in base:
        assert first.filters[name] is not second.filters[name] is not base[name]
        assert first.filters[name].parent is first and second.filters[name].parent is second
        assert first.filters[name].extra is not second.filters[name].extra
    # A method filter calls its own filterset's method, not another's.
    assert first.filters["ordering"].filter.f is first.filters["ordering"]
    assert list(first.qs.query.order_by) != list(second.qs.query.order_by)
    # Building a ModelChoiceFilter's field writes its queryset into its own extra, not the class's.
    assert first.filters["party"].field.queryset.model.__name__ == "Organization"
    assert "queryset" in first.filters["party"].extra
    assert first.filters["party"].extra is not base["party"].extra


@pytest.mark.django_db
def test_forms_share_a_class_but_no_field_and_see_new_rows():
    """The form class is built once (get_form_class); each form still has fields of its own, and a
    ModelChoiceFilter reads its rows afresh for each request."""
    first = AgreementFilterSet({"sector": "energy"})
    assert not first.is_valid()  # no such sector yet
    SectorFactory(slug="energy", name="Energy")
    second = AgreementFilterSet({"sector": "energy"})
    assert type(first.form) is type(second.form)
    assert second.is_valid() and second.form.cleaned_data["sector"].slug == "energy"
    for name, field in first.form.fields.items():
        assert field is not second.form.fields[name]
        assert field.widget is not second.form.fields[name].widget
    first.form.fields["q"].widget.attrs["data-test"] = "mine"
    assert "data-test" not in second.form.fields["q"].widget.attrs
    assert "data-test" not in AgreementFilterSet({}).form.fields["q"].widget.attrs
    # A choice field's choices follow its own field (the page relabels the empty choice), no other.
    first.form.fields["kind"].empty_label = "Any"
    first.form.fields["kind"].validators.append(lambda value: None)
    assert next(iter(first.form.fields["kind"].choices)) == ("", "Any")
    assert next(iter(second.form.fields["kind"].choices)) != ("", "Any")
    assert next(iter(AgreementFilterSet({}).form.fields["kind"].choices)) != ("", "Any")
    assert not AgreementFilterSet({}).form.fields["kind"].validators
    # A model choice field reads through a queryset of its own, for a widget of its own.
    sector = first.form.fields["sector"]
    assert sector.queryset is not second.form.fields["sector"].queryset
    assert sector.widget.choices.field is sector


def test_slug_choices_are_found_by_one_precompiled_statement_as_the_orm_finds_them(db, django_assert_num_queries):
    event = EventFactory(starts_on=datetime.date(2025, 11, 6))
    party = PartyFactory(organization=OrganizationFactory(slug="wabtec"), agreement=AgreementFactory(event=event))
    data = {"event": event.slug, "party": "wabtec", "sector": party.agreement.sector.slug}
    with django_assert_num_queries(3):  # one a choice
        filterset = AgreementFilterSet(data)
        assert filterset.is_valid(), filterset.errors
    found = filterset.form.cleaned_data
    # The same instances the ORM would make, converted the same way (a date, not SQLite's text).
    assert found["event"].starts_on == datetime.date(2025, 11, 6)
    for name, model_instance in (("event", event), ("party", party.organization), ("sector", party.agreement.sector)):
        orm = type(model_instance).objects.get(pk=model_instance.pk)
        assert {f.attname: getattr(found[name], f.attname) for f in orm._meta.concrete_fields} == {
            f.attname: getattr(orm, f.attname) for f in orm._meta.concrete_fields
        }
    # Compiled once: a second form reuses the statement (and still sees a change of the rows).
    statements = type(filterset.form).base_fields["sector"].statements  # shared by every form's copy
    compiled = dict(statements)
    assert list(compiled) == ["default"]
    party.agreement.sector.name = "Renamed"
    party.agreement.sector.save()
    again = AgreementFilterSet(data)
    assert again.is_valid() and again.form.cleaned_data["sector"].name == "Renamed"
    assert statements == compiled
    missing = AgreementFilterSet({"sector": "no-such-sector", "event": event.slug.upper()})
    assert not missing.is_valid() and set(missing.errors) == {"sector", "event"}
