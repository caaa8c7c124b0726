"""The agreement JSON: every field of the public contract, on the list and the detail."""

import datetime
from decimal import Decimal

from django.conf import settings

from agreements.models import Basis, DatePrecision, Kind, PublicationState, RelationKind, Status
from tests.factories import AgreementFactory, EventFactory, GroupFactory, SectorFactory

from .conftest import LIST_URL, detail_url, get_json, make_deal

LIST_FIELDS = {
    "slug",
    "title",
    "kind",
    "status",
    "binding",
    "sector",
    "event",
    "signed_on",
    "value",
    "group",
    "parties",
    "commitments",
    "sources",
    "status_history",
    "last_verified_on",
    "news_since",
    "stale",
    "url",
}
DETAIL_FIELDS = LIST_FIELDS | {"summary", "places", "entry_into_force_on", "expires_on", "relations"}


def test_agreement_in_list_has_every_field_of_the_contract(client, db):
    event = EventFactory(slug="washington-2025", name="Washington visit")
    make_deal(
        slug="locomotives",
        title="Locomotive supply",
        kind=Kind.CONTRACT,
        status=Status.IN_FORCE,
        sector=SectorFactory(slug="transport", name="Transport"),
        event=event,
        signed_on=datetime.date(2025, 9, 12),
        value_amount=Decimal("4200000000"),
        value_currency="USD",
        value_approximate=True,
        value_basis=Basis.CONTRACTED,
    )

    data = get_json(client, LIST_URL)

    assert list(data) == ["count", "next", "previous", "results", "totals"]
    (row,) = data["results"]
    assert set(row) == LIST_FIELDS
    assert row["slug"] == "locomotives"
    assert row["title"] == "Locomotive supply"
    assert row["kind"] == "contract"
    assert row["status"] == "in_force"
    assert row["binding"] is True
    assert row["sector"] == {"slug": "transport", "name": "Transport"}
    assert row["event"] == {"slug": "washington-2025", "name": "Washington visit"}
    assert row["signed_on"] == "2025-09-12"
    assert row["value"] == {"amount": "4200000000.00", "currency": "USD", "approximate": True, "basis": "contracted"}
    assert row["group"] is None
    kz, us = row["parties"]
    assert set(kz["organization"]) == {"slug", "name", "country"}
    assert kz["organization"]["country"] == "KZ"
    assert (kz["side"], kz["role"], kz["signed_by"], kz["signer_title"]) == ("KZ", "buyer", "Ivan Ivanov", "Chair")
    assert (us["side"], us["role"], us["signed_by"], us["signer_title"]) == ("US", "party", "", "")
    assert row["commitments"] == [
        {
            "description": "At least 3,000 units",
            "quantity": "3000.00",
            "unit": "units",
            "due_on": "2027-12-31",
            "status": "scheduled",
            "overdue": False,
            "updates": [],
        }
    ]
    (source,) = row["sources"]
    assert source == {
        "publisher": "Kazinform",
        "title": "Deals signed",
        "url": source["url"],
        "published_on": "2025-11-07",
        "language": "ru",
        "supports": "value",
        "claim": "USD 4.2 billion",
        "claim_amount": "4200000000.00",
        "claim_currency": "USD",
        "claim_approximate": True,
        "disputes": True,
    }
    assert source["url"].startswith("https://example.org/")
    assert row["url"] == f"{settings.SITE_URL}/agreements/locomotives/"


def test_publication_state_never_appears(client, db):
    agreement = make_deal()

    list_body = client.get(LIST_URL).content
    detail_body = client.get(detail_url(agreement.slug)).content

    for body in (list_body, detail_body):
        assert b"publication" not in body
        assert b'"published"' not in body
        assert b"published_at" not in body


def test_detail_adds_summary_places_dates_and_relations(client, db):
    agreement = make_deal(
        slug="framework",
        summary="A framework for cooperation.",
        places="Astana; Washington",
        entry_into_force_on=datetime.date(2026, 1, 1),
        expires_on=datetime.date(2031, 1, 1),
    )
    amendment = make_deal(slug="amendment", title="Amendment")
    amendment.relations_out.create(to_agreement=agreement, kind=RelationKind.AMENDS)
    agreement.relations_out.create(to_agreement=make_deal(slug="earlier", title="Earlier"), kind=RelationKind.FOLLOWS)

    data = get_json(client, detail_url("framework"))

    assert set(data) == DETAIL_FIELDS
    assert data["summary"] == "A framework for cooperation."
    assert data["places"] == ["Astana", "Washington"]
    assert data["entry_into_force_on"] == "2026-01-01"
    assert data["expires_on"] == "2031-01-01"
    assert data["relations"] == [
        {
            "kind": "follows",
            "direction": "outgoing",
            "agreement": {"slug": "earlier", "title": "Earlier", "url": f"{settings.SITE_URL}/agreements/earlier/"},
        },
        {
            "kind": "amends",
            "direction": "incoming",
            "agreement": {
                "slug": "amendment",
                "title": "Amendment",
                "url": f"{settings.SITE_URL}/agreements/amendment/",
            },
        },
    ]


def test_relation_to_a_draft_is_not_shown(client, db):
    agreement = make_deal(slug="public-one")
    draft = make_deal(slug="draft-one", publication_state=PublicationState.DRAFT)
    agreement.relations_out.create(to_agreement=draft, kind=RelationKind.SUPERSEDES)
    draft.relations_out.create(to_agreement=agreement, kind=RelationKind.AMENDS)

    data = get_json(client, detail_url("public-one"))

    assert data["relations"] == []


def test_group_member_has_null_value_and_the_group_carries_it(client, db):
    group = GroupFactory(slug="boeing-package", name="Boeing package", amount=Decimal("1000000000"), approximate=True)
    AgreementFactory(slug="member", group=group, value_amount=None)

    row = get_json(client, LIST_URL)["results"][0]

    assert row["value"] is None
    assert row["group"] == {
        "slug": "boeing-package",
        "name": "Boeing package",
        "value": {"amount": "1000000000.00", "currency": "USD", "approximate": True, "basis": "announced"},
    }


def test_agreement_without_value_event_or_date_has_nulls(client, db):
    AgreementFactory(slug="bare", value_amount=None, event=None, signed_on=None)

    data = get_json(client, detail_url("bare"))

    assert (data["value"], data["event"], data["group"], data["signed_on"]) == (None, None, None, None)
    assert (data["parties"], data["commitments"], data["sources"], data["places"]) == ([], [], [], [])


def test_partial_dates_are_written_to_their_precision(client, db):
    AgreementFactory(slug="month", signed_on=datetime.date(2025, 11, 1), signed_on_precision=DatePrecision.MONTH)
    AgreementFactory(slug="year", signed_on=datetime.date(2024, 1, 1), signed_on_precision=DatePrecision.YEAR)
    AgreementFactory(slug="day", signed_on=datetime.date(2025, 11, 6))

    rows = get_json(client, LIST_URL, ordering="signed_on")["results"]

    assert [(row["slug"], row["signed_on"]) for row in rows] == [
        ("year", "2024"),
        ("month", "2025-11"),
        ("day", "2025-11-06"),
    ]


def test_non_binding_instrument_says_so(client, db):
    AgreementFactory(slug="mou", kind=Kind.MEMORANDUM)

    assert get_json(client, detail_url("mou"))["binding"] is False


def test_unknown_slug_is_a_json_404(client, db):
    data = get_json(client, detail_url("no-such-agreement"), expect=404)

    assert "detail" in data


def test_query_parameters_do_not_hide_a_record_asked_for_by_slug(client, db):
    make_deal(slug="kept", kind=Kind.CONTRACT)

    data = get_json(client, detail_url("kept"), kind="memorandum", sector="nowhere")

    assert data["slug"] == "kept"
