"""The follow-up in the exports: status_history, last_verified_on, news_since and stale in CSV (the
spreadsheet import's flattened form), XLSX and JSON (typed); the data package describes them and its
validator stays green; OCDS milestones and the contract's signature from the timeline, valid OCDS."""

import csv
import datetime
import io
import json

import frictionless
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from agreements.exports.tabular import AGREEMENT_COLUMNS
from agreements.models import CommitmentUpdate, DatePrecision, MilestoneStatus, Status, StatusEntry
from agreements.resources import AgreementResource
from tests.days import TODAY, move_today
from tests.factories import AgreementFactory, CommitmentFactory, SourceFactory

from .conftest import body, body_json, errors, make_deal

CSV_ENDPOINTS = {"agreements": "agreements-csv", "parties": "parties-csv", "sources": "sources-csv"}


@pytest.fixture
def followed(db, monkeypatch):
    """A deal announced in 2025, signed in November 2025, in force on 5 January 2026, verified 180 days before
    today; a deal never verified, without a timeline."""
    move_today(monkeypatch, TODAY)
    gazette = SourceFactory(key="gazette-2026-01-05", publisher="Gazette", title="In force", url="")
    deal = make_deal(slug="deal", last_verified_on=TODAY - datetime.timedelta(days=180))
    for date, precision, status, source, note in [
        (datetime.date(2025, 1, 1), DatePrecision.YEAR, Status.ANNOUNCED, None, "Talks; no | date"),
        (datetime.date(2025, 11, 1), DatePrecision.MONTH, Status.SIGNED, None, ""),
        (datetime.date(2026, 1, 5), DatePrecision.DAY, Status.IN_FORCE, gazette, "In force"),
    ]:
        StatusEntry.objects.create(
            agreement=deal, date=date, date_precision=precision, status=status, source=source, note=note
        )
    make_deal(slug="unverified", last_verified_on=None)
    return deal


HISTORY_CELL = "2025|announced||Talks\\; no \\| date; 2025-11|signed; 2026-01-05|in_force|gazette-2026-01-05|In force"


def csv_rows(client, **params):
    content = body(client.get(reverse("exports:agreements-csv"), params)).decode()
    return {row["slug"]: row for row in csv.DictReader(io.StringIO(content))}


def test_csv_rows_carry_the_follow_up(client, followed):
    rows = csv_rows(client)
    assert list(rows["deal"])[-4:] == ["status_history", "last_verified_on", "news_since", "stale"]
    assert rows["deal"]["status"] == "in_force"
    assert rows["deal"]["status_history"] == HISTORY_CELL
    assert (rows["deal"]["last_verified_on"], rows["deal"]["news_since"], rows["deal"]["stale"]) == (
        "2026-06-09",
        "2026-01-05",
        "false",
    )
    unverified = rows["unverified"]
    assert (unverified["status_history"], unverified["last_verified_on"], unverified["stale"]) == ("", "", "true")
    assert unverified["news_since"] == "2025-11-06"  # its signature: no news since


def test_stale_in_the_exports_follows_today(client, followed, monkeypatch):
    move_today(monkeypatch, TODAY + datetime.timedelta(days=1))  # 181 days after the verification
    assert csv_rows(client)["deal"]["stale"] == "true"
    assert set(csv_rows(client, stale="false")) == set()


def test_the_cell_is_the_spreadsheet_imports_form(client, followed):
    exported = AgreementResource().export().dict
    assert next(row for row in exported if row["slug"] == "deal")["status_history"] == HISTORY_CELL


def test_json_rows_are_typed(client, followed):
    data = body_json(client.get(reverse("exports:agreements-json")))
    row = next(row for row in data["agreements"] if row["slug"] == "deal")
    assert list(row) == AGREEMENT_COLUMNS
    assert row["status_history"] == [
        {"status": "announced", "date": "2025", "note": "Talks; no | date", "source": None},
        {"status": "signed", "date": "2025-11", "note": "", "source": None},
        {
            "status": "in_force",
            "date": "2026-01-05",
            "note": "In force",
            "source": {
                "key": "gazette-2026-01-05",
                "publisher": "Gazette",
                "title": "In force",
                "url": "",
                "published_on": "2025-11-07",
                "language": "en",
            },
        },
    ]
    assert (row["last_verified_on"], row["news_since"], row["stale"]) == ("2026-06-09", "2026-01-05", False)
    unverified = next(row for row in data["agreements"] if row["slug"] == "unverified")
    assert (unverified["status_history"], unverified["last_verified_on"], unverified["stale"]) == ([], None, True)


def test_json_history_is_the_apis(client, followed):
    exported = body_json(client.get(reverse("exports:agreements-json")))["agreements"]
    api = client.get(reverse("api:agreement-detail", kwargs={"slug": "deal"})).json()
    row = next(row for row in exported if row["slug"] == "deal")
    without_keys = [{**entry, "source": entry["source"] and dict(entry["source"])} for entry in row["status_history"]]
    for entry in without_keys:
        if entry["source"]:
            del entry["source"]["key"]
    assert without_keys == api["status_history"]
    assert (row["news_since"], row["stale"], row["last_verified_on"]) == (
        api["news_since"],
        api["stale"],
        api["last_verified_on"],
    )


def test_xlsx_has_the_cell_and_a_typed_boolean(client, followed):
    response = client.get(reverse("exports:agreements-xlsx"))
    sheet = load_workbook(io.BytesIO(response.content), read_only=True)["agreements"]
    header, *rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    by_slug = {row[0]: dict(zip(header, row, strict=True)) for row in rows}
    assert by_slug["deal"]["status_history"] == HISTORY_CELL
    assert (by_slug["deal"]["stale"], by_slug["unverified"]["stale"]) == (False, True)
    assert by_slug["deal"]["last_verified_on"] == "2026-06-09"


def test_the_data_package_describes_the_new_columns_and_stays_valid(client, followed, tmp_path):
    descriptor = body_json(client.get(reverse("exports:datapackage")))
    assert frictionless.Package.validate_descriptor(descriptor).valid
    fields = {field["name"]: field for field in descriptor["resources"][0]["schema"]["fields"]}
    assert "date|status|source|note" in fields["status_history"]["description"]
    assert (fields["last_verified_on"]["type"], fields["stale"]["type"]) == ("date", "boolean")
    assert fields["news_since"]["constraints"]["pattern"]
    for resource in descriptor["resources"]:
        response = client.get(reverse(f"exports:{CSV_ENDPOINTS[resource['name']]}"))
        (tmp_path / f"{resource['name']}.csv").write_bytes(body(response))
        resource["path"] = f"{resource['name']}.csv"
    (tmp_path / "datapackage.json").write_text(json.dumps(descriptor))
    report = frictionless.validate(str(tmp_path / "datapackage.json"))
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])
    # Not vacuous: a stale that is not a boolean, a news_since that is not a partial date are caught.
    path = tmp_path / "agreements.csv"
    path.write_text(path.read_text().replace(",2026-01-05,false", ",soon,perhaps"))
    report = frictionless.validate(str(tmp_path / "datapackage.json"))
    assert {"type-error", "constraint-error"} <= {error[0] for error in report.flatten(["type"])}


# OCDS


def get_package(client, **params):
    response = client.get(reverse("exports:ocds-release-package"), params)
    assert response.status_code == 200
    return body_json(response)


def contract_of(package, slug):
    release = next(release for release in package["releases"] if release["ocid"].endswith(slug))
    return release["contracts"][0]


@pytest.fixture
def milestones(db):
    deal = AgreementFactory(slug="deal", signed_on=None)
    StatusEntry.objects.create(agreement=deal, status=Status.ANNOUNCED, date=datetime.date(2025, 9, 1))
    StatusEntry.objects.create(agreement=deal, status=Status.SIGNED, date=datetime.date(2025, 11, 6))
    StatusEntry.objects.create(agreement=deal, status=Status.SIGNED, date=datetime.date(2026, 3, 12))
    source = SourceFactory()
    CommitmentFactory(
        agreement=deal, position=1, description="Deliveries", due_on=datetime.date(2026, 7, 1), due_precision="month"
    )
    met = CommitmentFactory(agreement=deal, position=2, description="Joint venture", due_on=datetime.date(2026, 6, 30))
    partly = CommitmentFactory(
        agreement=deal, position=3, description="Training", due_on=datetime.date(2028, 1, 1), due_precision="year"
    )
    missed = CommitmentFactory(agreement=deal, position=4, description="Launch", due_on=None)
    for commitment, date, precision, status, note in [
        (met, datetime.date(2026, 2, 1), DatePrecision.MONTH, MilestoneStatus.SCHEDULED, "Planned"),
        (met, datetime.date(2026, 3, 12), DatePrecision.DAY, MilestoneStatus.MET, "Signed"),
        (met, datetime.date(2026, 5, 1), DatePrecision.DAY, MilestoneStatus.MET, "Confirmed"),
        (partly, datetime.date(2026, 5, 1), DatePrecision.MONTH, MilestoneStatus.PARTIALLY_MET, "84,000 trained"),
        (missed, datetime.date(2026, 4, 2), DatePrecision.DAY, MilestoneStatus.NOT_MET, ""),
    ]:
        CommitmentUpdate.objects.create(
            commitment=commitment, date=date, date_precision=precision, status=status, note=note, source=source
        )
    return deal


def test_milestones_come_from_the_commitments_and_their_updates(client, milestones, validator):
    package = get_package(client)
    assert errors(validator, package) == []
    contract = contract_of(package, "deal")
    assert contract["milestones"] == [
        {
            "id": "1",
            "title": "Deliveries",
            "type": "delivery",
            "status": "scheduled",
            "dueDate": "2026-07-31T23:59:59Z",
        },
        {
            "id": "2",
            "title": "Joint venture",
            "type": "delivery",
            "status": "met",
            "description": "Confirmed",
            "dueDate": "2026-06-30T23:59:59Z",
            "dateMet": "2026-03-12T00:00:00Z",  # the update from which it has been met
            "dateModified": "2026-05-01T00:00:00Z",
        },
        {
            "id": "3",
            "title": "Training",
            "type": "delivery",
            "status": "partiallyMet",
            "description": "84,000 trained",
            "dueDate": "2028-12-31T23:59:59Z",
            # its update is dated to the month only: no dateModified
        },
        {"id": "4", "title": "Launch", "type": "delivery", "status": "notMet", "dateModified": "2026-04-02T00:00:00Z"},
    ]
    # The contract is signed on its first `signed` entry; its status is the timeline's latest.
    assert contract["dateSigned"] == "2025-11-06T00:00:00Z"
    assert contract["status"] == "active"


def test_a_partial_first_signature_gives_no_date_signed(client, milestones, validator):
    StatusEntry.objects.filter(agreement=milestones, date=datetime.date(2025, 11, 6)).update(
        date=datetime.date(2025, 11, 1), date_precision=DatePrecision.MONTH
    )
    package = get_package(client)
    assert "dateSigned" not in contract_of(package, "deal")  # not the day of 2026-03-12, not 1 November
    assert errors(validator, package) == []


def test_without_a_signed_entry_the_signature_date_of_the_record(client, db):
    deal = AgreementFactory(slug="deal", signed_on=datetime.date(2025, 9, 22))
    StatusEntry.objects.create(agreement=deal, status=Status.IN_FORCE, date=datetime.date(2025, 12, 1))
    contract = contract_of(get_package(client), "deal")
    assert (contract["dateSigned"], contract["status"]) == ("2025-09-22T00:00:00Z", "active")


def test_a_cancellation_in_the_timeline_cancels_the_contract(client, milestones):
    StatusEntry.objects.create(agreement=milestones, status=Status.CANCELLED, date=datetime.date(2026, 6, 1))
    release = get_package(client)["releases"][0]
    assert (release["contracts"][0]["status"], release["awards"][0]["status"]) == ("cancelled", "cancelled")


def test_an_announced_deal_has_its_milestones_in_planning(client, db, validator):
    deal = AgreementFactory(slug="clinic", status=Status.ANNOUNCED)
    CommitmentFactory(agreement=deal, due_on=datetime.date(2027, 1, 1), due_precision=DatePrecision.YEAR)
    package = get_package(client)
    [release] = package["releases"]
    assert release["planning"]["milestones"][0]["dueDate"] == "2027-12-31T23:59:59Z"
    assert errors(validator, package) == []


def test_the_datasets_package_is_valid_with_its_follow_up(client, register, validator):
    package = get_package(client)
    assert errors(validator, package) == []
    tungsten = contract_of(package, "cove-capital-tungsten")
    assert tungsten["milestones"][0]["status"] == "met"
    assert tungsten["milestones"][0]["dateMet"] == "2026-03-12T00:00:00Z"
    assert "dateSigned" not in tungsten  # signed in November 2025, day unknown
    chatgpt = contract_of(package, "openai-chatgpt-edu")
    assert chatgpt["milestones"][0]["status"] == "partiallyMet"
    assert contract_of(package, "wabtec-locomotives")["dateSigned"] == "2025-09-22T00:00:00Z"
    boeing = contract_of(package, "air-astana-boeing-787")
    assert [item.get("dueDate") for item in boeing["milestones"]] == [None, "2026-07-31T23:59:59Z"]
    starlink = contract_of(package, "beeline-starlink-direct-to-cell")
    assert starlink["milestones"][0]["dueDate"] == "2026-03-31T23:59:59Z"
    assert starlink["milestones"][0]["status"] == "scheduled"  # overdue, yet no source reports it met or not


@pytest.mark.parametrize(
    ("name", "queries"),
    # Each with one read of the register's version first (agreements/validators.py).
    [("agreements-csv", 6), ("agreements-xlsx", 6), ("agreements-json", 8), ("ocds-release-package", 9)],
)
def test_timelines_and_updates_cost_no_query_per_row(client, db, name, queries):
    """Rows, parties, status entries, commitments, their updates (and totals for JSON, the EXISTS and the
    publication date for OCDS, citations): as many queries for 3 agreements as for 30."""
    source = SourceFactory()

    def build(count):
        for _ in range(count):
            deal = make_deal()
            StatusEntry.objects.create(
                agreement=deal, status=Status.SIGNED, date=datetime.date(2025, 11, 1), source=source
            )
            StatusEntry.objects.create(agreement=deal, status=Status.IN_FORCE, date=datetime.date(2026, 1, 5))
            for commitment in deal.commitments.all():
                CommitmentUpdate.objects.create(
                    commitment=commitment, date=datetime.date(2026, 3, 12), status=MilestoneStatus.MET, source=source
                )

    def count():
        with CaptureQueriesContext(connection) as context:
            content = body(client.get(reverse(f"exports:{name}")))
        assert content
        return len(context)

    build(3)
    few = count()
    build(27)
    assert few == count() == queries


def test_the_exports_history_is_read_through_the_apis_serializer(followed):
    """One definition of an entry's shape: the export reads it through StatusEntrySerializer's fields, so a
    field added there reaches the exports with no second list to keep."""
    from agreements.api.serializers import AgreementSerializer, StatusEntrySerializer, plain_reader
    from agreements.exports.tabular import status_entry_object

    entry = followed.status_entries.select_related("source").get(status=Status.IN_FORCE)
    written = status_entry_object(entry)
    assert list(written) == list(StatusEntrySerializer().fields)
    assert list(written["source"]) == ["key", *StatusEntrySerializer().fields["source"].fields]
    assert written["date"] == "2026-01-05" and written["source"]["published_on"] == datetime.date(2025, 11, 7)
    with pytest.raises(TypeError, match="plain_reader reads attributes and objects only"):
        plain_reader(AgreementSerializer)
