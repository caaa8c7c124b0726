"""Organisations, events and sectors: reference data, all listed, looked up by slug."""

import datetime
from decimal import Decimal

from django.conf import settings

from agreements.models import PublicationState
from tests.factories import AgreementFactory, EventFactory, OrganizationFactory, PartyFactory, SectorFactory

from .conftest import get_json


def test_organization_list_and_detail(client, db):
    wabtec = OrganizationFactory(
        slug="wabtec",
        name="Wabtec",
        short_name="Wabtec",
        country="US",
        website="https://wabtec.com",
        wikidata_qid="Q7958836",
    )
    OrganizationFactory(slug="idle", name="Idle body")
    PartyFactory(organization=wabtec, agreement=AgreementFactory(value_amount=Decimal("4200000000")))
    PartyFactory(organization=wabtec, agreement=AgreementFactory(publication_state=PublicationState.DRAFT))

    listing = get_json(client, "/api/v1/organizations/")
    detail = get_json(client, "/api/v1/organizations/wabtec/")

    # An organisation with no public agreement is not published: not listed, and its page is a 404.
    assert listing["count"] == 1
    assert [row["slug"] for row in listing["results"]] == ["wabtec"]
    assert client.get("/api/v1/organizations/idle/").status_code == 404
    assert detail == {
        "slug": "wabtec",
        "name": "Wabtec",
        "short_name": "Wabtec",
        "country": "US",
        "type": "private_company",
        "website": "https://wabtec.com",
        "wikidata_qid": "Q7958836",
        "registry_number": "",
        "agreement_count": 1,
        "url": f"{settings.SITE_URL}/organizations/wabtec/",
        "aliases": [],
        "totals": {
            "count": 1,
            "valued": 1,
            "unvalued": 0,
            "by_currency": [
                {
                    "currency": "USD",
                    "total": "4200000000.00",
                    "binding": "4200000000.00",
                    "non_binding": "0.00",
                    "approximate": False,
                }
            ],
        },
    }


def test_event_list_and_detail(client, db):
    event = EventFactory(
        slug="washington-2025",
        name="Washington visit",
        starts_on=datetime.date(2025, 11, 6),
        ends_on=datetime.date(2025, 11, 7),
        announced_documents=29,
        announced_amount=Decimal("17000000000"),
        announced_approximate=True,
    )
    EventFactory(slug="older", starts_on=datetime.date(2024, 1, 1))
    AgreementFactory.create_batch(2, event=event)

    listing = get_json(client, "/api/v1/events/")
    detail = get_json(client, "/api/v1/events/washington-2025/")

    # An event with no public agreement yet (one being prepared) is not published.
    assert [row["slug"] for row in listing["results"]] == ["washington-2025"]
    assert client.get("/api/v1/events/older/").status_code == 404
    assert detail["name"] == "Washington visit"
    assert (detail["starts_on"], detail["ends_on"], detail["place"]) == ("2025-11-06", "2025-11-07", "Washington, D.C.")
    assert detail["announced"] == {
        "documents": 29,
        "amount": "17000000000.00",
        "currency": "USD",
        "approximate": True,
        "source": None,
    }
    assert detail["agreement_count"] == 2
    assert detail["totals"]["count"] == 2
    assert detail["url"] == f"{settings.SITE_URL}/events/washington-2025/"


def test_sector_list_and_detail(client, db):
    energy = SectorFactory(slug="energy", name="Energy")
    SectorFactory(slug="agriculture", name="Agriculture")
    AgreementFactory(sector=energy)

    listing = get_json(client, "/api/v1/sectors/")
    detail = get_json(client, "/api/v1/sectors/energy/")

    # A sector no public agreement is in is not published.
    assert [(row["slug"], row["agreement_count"]) for row in listing["results"]] == [("energy", 1)]
    assert set(detail) == {"slug", "name", "agreement_count", "url", "totals"}
    assert detail["url"] == f"{settings.SITE_URL}/sectors/energy/"


def test_unknown_reference_slug_is_a_json_404(client, db):
    for kind in ("organizations", "events", "sectors"):
        assert "detail" in get_json(client, f"/api/v1/{kind}/nothing-here/", expect=404)


def test_reference_lists_are_paged(client, db):
    for sector in SectorFactory.create_batch(3):
        AgreementFactory(sector=sector)

    first = get_json(client, "/api/v1/sectors/", page_size=2)

    assert (first["count"], len(first["results"])) == (3, 2)
    assert "page=2" in first["next"]
    assert get_json(client, "/api/v1/sectors/", expect=400, page_size=0)["errors"] == {
        "page_size": ["Must be a whole number from 1 to 100."]
    }
    get_json(client, "/api/v1/sectors/", expect=404, page=3)
