"""The spreadsheet's `status_history` and `last_verified_on`: an exported file imports back to the same
timeline; the row's status must be its timeline's latest (a row error naming the column, never an
IntegrityError); every bad entry is named by row, column and reason, and nothing is saved."""

import datetime

import pytest
import tablib
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from agreements.models import Agreement, DatePrecision, PublicationState, Status, StatusEntry
from agreements.resources import AgreementResource
from tests.factories import AgreementFactory, SectorFactory, SourceFactory

pytestmark = pytest.mark.django_db

COLUMNS = ["slug", "title", "kind", "status", "sector", "status_history", "last_verified_on"]


@pytest.fixture
def sources():
    SectorFactory(slug="transport")
    return {key: SourceFactory(key=key) for key in ("mfa-2025-11-07", "gazette-2026-01-05")}


def row(**changes):
    return {
        "slug": "deal",
        "title": "Deal",
        "kind": "agreement",
        "status": "signed",
        "sector": "transport",
        "status_history": "2025-11|signed|mfa-2025-11-07|Signed during the visit",
        "last_verified_on": "2026-12-01",
        **changes,
    }


def import_rows(*rows, columns=COLUMNS, **kwargs):
    data = tablib.Dataset(headers=columns)
    for values in rows:
        data.append([values.get(column, "") for column in columns])
    return AgreementResource().import_data(data, **kwargs)


def errors_of(result):
    return {
        line.number: {name: " ".join(messages) for name, messages in line.error_dict.items()}
        for line in result.invalid_rows
    }


def timeline(slug):
    return [
        (entry.date, entry.date_precision, entry.status, entry.source.key if entry.source else None, entry.note)
        for entry in StatusEntry.objects.filter(agreement__slug=slug).select_related("source")
    ]


def test_a_new_record_takes_its_timeline_and_last_verification(sources):
    result = import_rows(
        row(
            status="in_force",
            status_history="2025-11|signed|mfa-2025-11-07|Signed; 2026-01-05|in_force|gazette-2026-01-05",
        )
    )
    assert not result.has_validation_errors(), errors_of(result)
    agreement = Agreement.objects.get(slug="deal")
    assert (agreement.status, agreement.last_verified_on) == (Status.IN_FORCE, datetime.date(2026, 12, 1))
    assert agreement.publication_state == PublicationState.DRAFT
    assert timeline("deal") == [
        (datetime.date(2025, 11, 1), DatePrecision.MONTH, "signed", "mfa-2025-11-07", "Signed"),
        (datetime.date(2026, 1, 5), DatePrecision.DAY, "in_force", "gazette-2026-01-05", ""),
    ]


def test_an_existing_record_moves_to_a_new_status_through_its_timeline(sources, admin_user):
    """The timeline is written before the record, so the database never sees a status it would refuse."""
    agreement = AgreementFactory(slug="deal", sector=SectorFactory(slug="transport"))
    signed = StatusEntry.objects.create(agreement=agreement, status=Status.SIGNED, date=datetime.date(2025, 11, 1))
    history = "2025-11-01|signed|mfa-2025-11-07; 2026-01-05|in_force|gazette-2026-01-05|Entered into force"
    result = import_rows(row(status="in_force", status_history=history), user=admin_user)
    assert not result.has_validation_errors(), errors_of(result)
    assert not result.has_errors()
    agreement.refresh_from_db()
    assert agreement.status == Status.IN_FORCE
    assert agreement.publication_state == PublicationState.PUBLISHED
    [kept, added] = StatusEntry.objects.filter(agreement=agreement)
    assert (kept.pk, kept.source.key, added.note) == (signed.pk, "mfa-2025-11-07", "Entered into force")
    assert {added.history.get().history_user, agreement.history.latest("history_date").history_user} == {admin_user}
    assert import_rows(row(status="in_force", status_history=history)).totals["skip"] == 1


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (
            {"status": "in_force"},
            "'in_force' is not the latest status of the file's status_history (2025-11: 'signed'): "
            "status comes from the timeline: add an entry to status_history.",
        ),
        (
            {"status_history": "2026-01-05|in_force; 2025-11|signed"},  # the latest by date, not by place
            "'signed' is not the latest status of the file's status_history (2026-01-05: 'in_force')",
        ),
    ],
)
def test_a_status_the_files_timeline_contradicts_is_a_row_error(sources, changes, message):
    result = import_rows(row(slug="first"), row(**changes))
    assert list(errors_of(result)) == [2]
    assert list(errors_of(result)[2]) == ["status"]
    assert message in errors_of(result)[2]["status"]
    assert not Agreement.objects.exists()


def test_without_the_column_the_status_must_be_the_records_latest(sources):
    agreement = AgreementFactory(slug="deal", sector=SectorFactory(slug="transport"), title="Old")
    StatusEntry.objects.create(agreement=agreement, status=Status.SIGNED, date=datetime.date(2025, 11, 1))
    columns = ["slug", "title", "kind", "status", "sector"]
    result = import_rows(row(status="completed", title="New"), columns=columns)
    assert errors_of(result) == {
        1: {
            "status": "'completed' is not the latest status of the record's timeline (2025-11-01: 'signed'): "
            "status comes from the timeline: add an entry to status_history."
        }
    }
    agreement.refresh_from_db()
    assert (agreement.title, agreement.status) == ("Old", Status.SIGNED)
    result = import_rows(row(status="signed", title="New"), columns=columns)
    assert not result.has_validation_errors()
    agreement.refresh_from_db()
    assert agreement.title == "New"


def test_without_a_status_column_the_status_is_the_timelines(sources):
    columns = ["slug", "title", "kind", "sector", "status_history"]
    result = import_rows(row(status_history="2025-11|signed; 2026-02|cancelled|gazette-2026-01-05"), columns=columns)
    assert not result.has_validation_errors(), errors_of(result)
    assert Agreement.objects.get(slug="deal").status == Status.CANCELLED


def test_an_empty_cell_empties_the_timeline_and_frees_the_status(sources):
    agreement = AgreementFactory(slug="deal", sector=SectorFactory(slug="transport"))
    StatusEntry.objects.create(agreement=agreement, status=Status.SIGNED, date=datetime.date(2025, 11, 1))
    result = import_rows(row(status="announced", status_history=""))
    assert not result.has_validation_errors(), errors_of(result)
    agreement.refresh_from_db()
    assert (agreement.status, timeline("deal")) == (Status.ANNOUNCED, [])


def test_entries_of_one_date_keep_the_files_order(sources):
    """A new entry is entered last; when the file puts it first on its date, the timeline is written anew."""
    agreement = AgreementFactory(slug="deal", sector=SectorFactory(slug="transport"))
    StatusEntry.objects.create(agreement=agreement, status=Status.SIGNED, date=datetime.date(2026, 1, 5))
    result = import_rows(row(status="signed", status_history="2026-01-05|announced||; 2026-01-05|signed"))
    assert not result.has_validation_errors(), errors_of(result)
    agreement.refresh_from_db()
    assert [entry[2] for entry in timeline("deal")] == ["announced", "signed"]
    assert agreement.status == Status.SIGNED


def test_every_bad_entry_is_named_with_its_row_column_and_reason(sources):
    result = import_rows(
        row(slug="good"),
        row(slug="unknown-source", status_history="2025-11|signed|nyt-2025-11-07"),
        row(slug="bad-dates", status_history="2025-13|signed; 06.11.2025|signed; 2026-02-30|signed"),
        row(slug="bad-status", status_history="2025-11|rumoured; 2025-12"),
        row(slug="twice", status_history="2025-11|signed; 2025-11-01|signed|mfa-2025-11-07"),
        row(slug="too-many", status_history="2025-11|signed|mfa-2025-11-07|note|extra"),
        row(slug="bad-verified", last_verified_on="01.12.2026"),
    )
    errors = errors_of(result)
    assert sorted(errors) == [2, 3, 4, 5, 6, 7]
    assert all(list(errors[number]) == ["status_history"] for number in range(2, 7))
    assert errors[2]["status_history"] == (
        "No source with the key 'nyt-2025-11-07' (in '2025-11|signed|nyt-2025-11-07')."
    )
    for text in ("2025-13", "06.11.2025", "2026-02-30"):
        assert f"has no valid date: use YYYY-MM-DD, YYYY-MM or YYYY, not '{text}'." in errors[3]["status_history"]
    assert (
        "'rumoured' is not a status (in '2025-11|rumoured'): use one of announced, signed"
        in errors[4]["status_history"]
    )
    assert "'2025-12' names no status: use date|status|source|note." in errors[4]["status_history"]
    assert "the timeline already has this status on this date." in errors[5]["status_history"]
    assert "has more than four parts: use date|status|source|note." in errors[6]["status_history"]
    assert errors[7] == {"last_verified_on": "Enter a date as YYYY-MM-DD, not '01.12.2026'."}
    assert not Agreement.objects.exists()
    assert not StatusEntry.objects.exists()


def test_a_dry_run_writes_no_timeline(sources):
    agreement = AgreementFactory(slug="deal", sector=SectorFactory(slug="transport"))
    StatusEntry.objects.create(agreement=agreement, status=Status.SIGNED, date=datetime.date(2025, 11, 1))
    history = "2025-11|signed; 2026-01-05|completed"
    result = import_rows(row(status="completed", status_history=history), dry_run=True)
    assert not result.has_validation_errors() and not result.has_errors()
    agreement.refresh_from_db()
    assert agreement.status == Status.SIGNED
    assert len(timeline("deal")) == 1


def normalized():
    return {
        agreement.slug: (agreement.status, agreement.last_verified_on, timeline(agreement.slug))
        for agreement in Agreement.objects.all()
    }


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_an_exported_timeline_imports_back_unchanged(sources, file_format):
    sector = SectorFactory(slug="transport")
    deal = AgreementFactory(slug="deal", sector=sector, last_verified_on=datetime.date(2026, 12, 1))
    for date, precision, status, source, note in [
        (datetime.date(2025, 1, 1), DatePrecision.YEAR, Status.ANNOUNCED, None, "Announced; no date | given \\ yet"),
        (datetime.date(2025, 11, 1), DatePrecision.MONTH, Status.SIGNED, sources["mfa-2025-11-07"], "=Signed"),
        (datetime.date(2026, 1, 5), DatePrecision.DAY, Status.IN_FORCE, sources["gazette-2026-01-05"], ""),
        (datetime.date(2026, 1, 5), DatePrecision.DAY, Status.COMPLETED, None, "Same day, entered later"),
    ]:
        StatusEntry.objects.create(
            agreement=deal, date=date, date_precision=precision, status=status, source=source, note=note
        )
    AgreementFactory(slug="no-timeline", sector=sector, status=Status.EXPIRED, last_verified_on=None)
    expected = normalized()
    assert expected["deal"][0] == Status.COMPLETED

    exported = AgreementResource().export()
    cell = exported.dict[[line["slug"] for line in exported.dict].index("deal")]["status_history"]
    assert cell == (
        "2025|announced||Announced\\; no date \\| given \\\\ yet; 2025-11|signed|mfa-2025-11-07|=Signed; "
        "2026-01-05|in_force|gazette-2026-01-05; 2026-01-05|completed||Same day, entered later"
    )
    Agreement.objects.all().delete()
    data = tablib.Dataset().load(exported.export(file_format), format=file_format)
    result = AgreementResource().import_data(data)
    assert not result.has_validation_errors(), errors_of(result)
    assert normalized() == expected
    assert AgreementResource().import_data(data).totals["skip"] == 2


def test_the_admin_import_shows_the_status_error_with_its_column(admin_client, sources):
    data = tablib.Dataset(headers=COLUMNS)
    data.append([row(status="completed").get(column, "") for column in COLUMNS])
    response = admin_client.post(
        reverse("admin:agreements_agreement_import"),
        {"format": "0", "import_file": SimpleUploadedFile("agreements.csv", data.export("csv").encode())},
    )
    assert response.status_code == 200
    assert "confirm_form" not in response.context
    content = response.content.decode()
    assert '<span class="validation-error-field-label">status</span>' in content
    assert "status comes from the timeline: add an entry to status_history." in content
    assert not Agreement.objects.exists()


def test_the_dataset_exports_and_imports_back_unchanged(register):
    """Every timeline of the register survives the spreadsheet: re-importing the export changes nothing."""
    before = normalized()
    exported = AgreementResource().export()
    clinic = exported.dict[[line["slug"] for line in exported.dict].index("samruk-kazyna-ashmore-clinic")]
    assert clinic["status_history"].startswith("2025-11|announced|mfa-2025-11-07|")
    assert "2026-02|announced|qazinform-ashmore-clinic|Still being planned" in clinic["status_history"]
    assert clinic["last_verified_on"] == "2026-12-01"
    result = AgreementResource().import_data(tablib.Dataset().load(exported.csv, format="csv"))
    assert not result.has_validation_errors(), errors_of(result)
    assert result.totals["skip"] == 22
    assert normalized() == before
