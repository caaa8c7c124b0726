"""CSV import: rows become drafts, a slug updates its record, one bad row changes nothing."""

import datetime
from decimal import Decimal

import pytest
import tablib
from django.contrib.auth.models import Permission, User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from agreements.models import Agreement, PublicationState
from agreements.resources import AgreementResource
from tests.factories import AgreementFactory, EventFactory, GroupFactory, SectorFactory

pytestmark = pytest.mark.django_db

HEADER = (
    "slug,title,kind,status,sector,event,signed_on,signed_on_precision,value_amount,value_currency,"
    "value_approximate,value_basis,summary,places"
)
GOOD_ROWS = [
    "wabtec-locomotives,Locomotive supply,contract,signed,transport,visit-2025,2025-09-16,day,4200000000,USD,0,"
    "contracted,300 locomotives,Astana",
    "boeing-aircraft,Aircraft purchase,agreement,announced,transport,,2025-11-01,month,,,,,,",
]


@pytest.fixture
def references():
    return SectorFactory(slug="transport", name="Transport"), EventFactory(slug="visit-2025")


def dataset(*rows):
    return tablib.Dataset().load("\n".join([HEADER, *rows]), format="csv")


def run_import(*rows, dry_run=False):
    return AgreementResource().import_data(dataset(*rows), dry_run=dry_run)


def row_errors(result):
    """Row number → the messages of that row's invalid fields."""
    return {
        row.number: " ".join(message for messages in row.error_dict.values() for message in messages)
        for row in result.invalid_rows
    }


def test_import_creates_drafts_with_foreign_keys_by_slug(references):
    sector, event = references
    result = run_import(*GOOD_ROWS)
    assert not result.has_errors()
    assert not result.has_validation_errors()
    assert result.totals["new"] == 2

    locomotives = Agreement.objects.get(slug="wabtec-locomotives")
    assert (locomotives.sector, locomotives.event) == (sector, event)
    assert locomotives.value_amount == Decimal("4200000000")
    assert locomotives.signed_on == datetime.date(2025, 9, 16)
    assert locomotives.publication_state == PublicationState.DRAFT

    aircraft = Agreement.objects.get(slug="boeing-aircraft")
    assert (aircraft.event, aircraft.value_amount, aircraft.value_currency) == (None, None, "USD")
    assert aircraft.signed_on_display == "2025-11"
    assert not Agreement.objects.public().exists()


def test_import_never_publishes(references):
    header_with_state = HEADER + ",publication_state"
    data = tablib.Dataset().load("\n".join([header_with_state, GOOD_ROWS[0] + ",published"]), format="csv")
    result = AgreementResource().import_data(data)
    assert not result.has_validation_errors()
    assert Agreement.objects.get(slug="wabtec-locomotives").publication_state == PublicationState.DRAFT


def test_reimport_updates_by_slug_and_keeps_the_publication_state(references):
    sector, _event = references
    published = AgreementFactory(slug="wabtec-locomotives", title="Old title", sector=sector)
    result = run_import(*GOOD_ROWS)
    assert (result.totals["new"], result.totals["update"]) == (1, 1)
    result = run_import(*GOOD_ROWS)
    assert (result.totals["new"], result.totals["skip"]) == (0, 2)

    assert Agreement.objects.filter(slug="wabtec-locomotives").count() == 1
    published.refresh_from_db()
    assert published.title == "Locomotive supply"
    assert published.publication_state == PublicationState.PUBLISHED
    assert Agreement.objects.count() == 2


def test_dry_run_saves_nothing(references):
    result = run_import(*GOOD_ROWS, dry_run=True)
    assert result.totals["new"] == 2
    assert not Agreement.objects.exists()


def test_bad_rows_are_reported_line_by_line_and_nothing_is_saved(references):
    result = run_import(
        GOOD_ROWS[0],
        "bad-sector,Unknown sector,contract,signed,mining,,2025-11-06,day,10,USD,0,announced,,",
        "bad-value,Negative value,contract,signed,transport,,2025-11-06,day,-10,USD,0,announced,,",
        "bad-kind,Bad kind,treaty,signed,transport,,2025-11-06,day,10,USD,0,announced,,",
        "bad-date,Bad date,contract,signed,transport,,2025-13-45,day,10,USD,0,announced,,",
        "bad-event,Unknown event,contract,signed,transport,summit-1999,2025-11-06,day,10,USD,0,announced,,",
    )
    assert result.has_validation_errors()
    errors = row_errors(result)
    assert sorted(errors) == [2, 3, 4, 5, 6]
    assert "No sector with the slug 'mining'" in errors[2]
    assert "greater than or equal to 0" in errors[3]
    assert "'treaty' is not a valid choice" in errors[4]
    assert "Enter a date as YYYY-MM-DD, not '2025-13-45'" in errors[5]
    assert "No event with the slug 'summit-1999'" in errors[6]
    assert not Agreement.objects.exists()


def test_a_group_member_with_its_own_value_is_refused_by_the_import(references):
    sector, _event = references
    member = AgreementFactory(slug="member", sector=sector, value_amount=None, group=GroupFactory())
    result = run_import("member,Member,contract,signed,transport,,2025-11-06,day,10,USD,0,announced,,")
    assert "A member of a group has no value of its own" in row_errors(result)[1]
    member.refresh_from_db()
    assert member.value_amount is None


def test_duplicate_slug_in_one_file_updates_instead_of_duplicating(references):
    result = run_import(GOOD_ROWS[0], GOOD_ROWS[0].replace("Locomotive supply", "Locomotives (revised)"))
    assert not result.has_validation_errors()
    assert list(Agreement.objects.values_list("title", flat=True)) == ["Locomotives (revised)"]


def test_export_uses_the_import_columns(references):
    sector, event = references
    AgreementFactory(slug="exported", sector=sector, event=event, value_amount=Decimal("12.50"))
    exported = AgreementResource().export()
    assert ",".join(exported.headers) == HEADER
    row = dict(zip(exported.headers, exported[0], strict=True))
    assert (row["slug"], row["sector"], row["event"], row["value_amount"]) == (
        "exported",
        "transport",
        "visit-2025",
        "12.50",
    )


def test_an_exported_file_imports_back_unchanged(references):
    sector, _event = references
    AgreementFactory(slug="round-trip", sector=sector, value_approximate=True)
    exported = AgreementResource().export()
    result = AgreementResource().import_data(tablib.Dataset().load(exported.csv, format="csv"))
    assert not result.has_validation_errors()
    assert result.totals["skip"] == 1


def upload(text):
    return SimpleUploadedFile("agreements.csv", text.encode(), content_type="text/csv")


def test_admin_import_previews_then_confirms(admin_client, references):
    response = admin_client.post(
        reverse("admin:agreements_agreement_import"),
        {"format": "0", "import_file": upload("\n".join([HEADER, *GOOD_ROWS]))},
    )
    assert response.status_code == 200
    confirm = response.context["confirm_form"]
    assert not Agreement.objects.exists()

    response = admin_client.post(reverse("admin:agreements_agreement_process_import"), confirm.initial)
    assert response.status_code == 302
    assert set(Agreement.objects.values_list("slug", "publication_state")) == {
        ("wabtec-locomotives", PublicationState.DRAFT),
        ("boeing-aircraft", PublicationState.DRAFT),
    }


def test_admin_import_shows_row_errors_and_offers_no_confirmation(admin_client, references):
    bad = "bad-sector,Unknown sector,contract,signed,mining,,2025-11-06,day,10,USD,0,announced,,"
    response = admin_client.post(
        reverse("admin:agreements_agreement_import"),
        {"format": "0", "import_file": upload("\n".join([HEADER, GOOD_ROWS[0], bad]))},
    )
    assert response.status_code == 200
    assert "confirm_form" not in response.context
    assert "No sector with the slug &#x27;mining&#x27;" in response.content.decode()
    assert not Agreement.objects.exists()


def test_admin_export_answers_csv(admin_client, references):
    AgreementFactory(slug="exported", sector=references[0])
    response = admin_client.get(reverse("admin:agreements_agreement_export"))
    assert response.status_code == 200
    form = response.context["form"]
    data = {name: "on" for name, field in form.fields.items() if field.initial is True}
    data.update({"format": "0", "resource": form.fields["resource"].initial or "0"})
    response = admin_client.post(reverse("admin:agreements_agreement_export"), data)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert b"exported,Agreement" in response.content


def staff_with(client, *codenames):
    user = User.objects.create_user("staff", password="not-used-in-tests", is_staff=True)
    user.user_permissions.add(*Permission.objects.filter(content_type__app_label="agreements", codename__in=codenames))
    client.force_login(user)
    return client


def test_import_needs_the_add_and_change_permissions(client):
    staff_with(client, "view_agreement", "change_agreement")
    assert client.get(reverse("admin:agreements_agreement_import")).status_code == 403


def test_an_editor_may_import(client, references):
    staff_with(client, "view_agreement", "add_agreement", "change_agreement")
    response = client.post(
        reverse("admin:agreements_agreement_import"),
        {"format": "0", "import_file": upload("\n".join([HEADER, GOOD_ROWS[1]]))},
    )
    client.post(reverse("admin:agreements_agreement_process_import"), response.context["confirm_form"].initial)
    assert Agreement.objects.get().publication_state == PublicationState.DRAFT
