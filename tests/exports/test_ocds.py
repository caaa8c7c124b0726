import datetime

import pytest
from django.conf import settings
from django.urls import reverse

from agreements.models import DatePrecision, Status
from tests.exports.conftest import body_json
from tests.factories import AgreementFactory, GroupFactory

from .conftest import errors, make_deal


def get_package(client, **params):
    response = client.get(reverse("exports:ocds-release-package"), params)
    assert response.status_code == 200
    return body_json(response)


def test_format_checker_checks_dates_and_uris(validator):
    assert {"date-time", "uri"} <= set(validator.format_checker.checkers)
    bad = {
        "uri": "not a uri",
        "version": "1.1",
        "publishedDate": "yesterday",
        "publisher": {"name": "x"},
        "releases": [],
    }
    messages = " ".join(errors(validator, bad))
    assert "'yesterday' is not a 'date-time'" in messages
    assert "'not a uri' is not a 'uri'" in messages


def test_release_package_is_valid_ocds(client, deals, hidden, validator):
    deals(3)
    announced = make_deal(status=Status.ANNOUNCED)
    AgreementFactory(status=Status.CANCELLED, signed_on=None, value_amount=None)
    AgreementFactory(
        group=GroupFactory(), value_amount=None, signed_on_precision=DatePrecision.YEAR, signed_on="2025-01-01"
    )
    AgreementFactory(status=Status.IN_FORCE, entry_into_force_on="2025-12-01", expires_on="2030-12-01")
    package = get_package(client)
    assert errors(validator, package) == []
    assert len(package["releases"]) == 7
    assert not any(
        release["ocid"].endswith("secret-draft") or "secret" in release["ocid"] for release in package["releases"]
    )
    planning = next(release for release in package["releases"] if release["ocid"].endswith(announced.slug))
    assert planning["tag"] == ["planning"]
    assert "contracts" not in planning
    assert planning["planning"]["budget"]["amount"] == {"amount": 100000000, "currency": "USD"}


def test_release_maps_an_agreement_to_a_contract(client, db, validator):
    deal = make_deal(summary="Locomotives for KTZ", entry_into_force_on=datetime.date(2025, 12, 1))
    package = get_package(client)
    assert package["version"] == "1.1"
    assert package["uri"] == settings.SITE_URL + reverse("exports:ocds-release-package")
    [release] = package["releases"]
    assert release["ocid"] == f"ocds-kzdeals-{deal.slug}"
    assert release["tag"] == ["award", "contract"]
    assert release["initiationType"] == "tender"
    [contract] = release["contracts"]
    assert contract["awardID"] == release["awards"][0]["id"]
    assert contract["status"] == "active"
    assert contract["dateSigned"] == "2025-11-06T00:00:00Z"
    assert contract["period"] == {"startDate": "2025-12-01T00:00:00Z"}
    assert contract["value"] == {"amount": 100000000, "currency": "USD"}
    assert contract["description"] == "Locomotives for KTZ"
    citation = deal.citations.get()
    assert contract["documents"] == [
        {
            "id": citation.source.key,
            "title": citation.source.title,
            "description": f"Example Press: {citation.source.title}",
            "url": citation.source.url,
            "datePublished": "2025-11-07T00:00:00Z",
            "language": "en",
        }
    ]
    assert contract["milestones"][0]["status"] == "scheduled"
    assert contract["milestones"][0]["dueDate"] == "2027-12-31T23:59:59Z"
    buyer = next(party for party in release["parties"] if party["roles"] == ["buyer"])
    assert release["buyer"] == {"id": buyer["id"], "name": buyer["name"]}
    assert buyer["address"] == {"countryName": "Kazakhstan"}
    assert buyer["identifier"]["uri"] == "http://www.wikidata.org/entity/Q4221"
    assert buyer["additionalIdentifiers"] == [{"id": "020240000555", "legalName": buyer["name"]}]
    supplier = next(party for party in release["parties"] if party["roles"] == ["supplier"])
    assert supplier["address"] == {"countryName": "United States"}
    assert release["awards"][0]["suppliers"] == [{"id": supplier["id"], "name": supplier["name"]}]
    assert errors(validator, package) == []


@pytest.mark.parametrize(
    ("status", "contract_status"),
    [
        (Status.SIGNED, "active"),
        (Status.IN_FORCE, "active"),
        (Status.COMPLETED, "terminated"),
        (Status.EXPIRED, "terminated"),
        (Status.CANCELLED, "cancelled"),
    ],
)
def test_contract_status_follows_the_deal_status(client, db, status, contract_status):
    AgreementFactory(status=status)
    [release] = get_package(client)["releases"]
    assert release["contracts"][0]["status"] == contract_status


def test_partial_signature_date_is_not_a_date_signed(client, db):
    AgreementFactory(signed_on="2025-11-01", signed_on_precision=DatePrecision.MONTH)
    [release] = get_package(client)["releases"]
    assert "dateSigned" not in release["contracts"][0]


def test_ocid_prefix_comes_from_settings(client, db, settings):
    settings.OCDS_OCID_PREFIX = "ocds-abc123"
    deal = AgreementFactory()
    [release] = get_package(client)["releases"]
    assert release["ocid"] == f"ocds-abc123-{deal.slug}"


def test_filtered_package_has_only_the_filtered_releases(client, deals, energy, validator):
    [wanted] = deals(1, sector=energy)
    deals(2)
    package = get_package(client, sector="energy")
    assert [release["ocid"] for release in package["releases"]] == [f"ocds-kzdeals-{wanted.slug}"]
    assert package["uri"].endswith("?sector=energy")
    assert errors(validator, package) == []


def test_empty_selection_is_not_found_rather_than_an_invalid_package(client, hidden):
    response = client.get(reverse("exports:ocds-release-package"))
    assert response.status_code == 404
    assert "No public agreement" in body_json(response)["detail"]
