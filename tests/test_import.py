"""CSV/XLSX import: rows become drafts with their parties and sources, a slug updates its record, one bad
row changes nothing, and an exported file imports back to the same data."""

import csv
import datetime
import io
from decimal import Decimal
from html.parser import HTMLParser

import openpyxl
import pytest
import tablib
from django.contrib.auth.models import Permission, User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape

from agreements.exports.tabular import FORMULA_PREFIXES
from agreements.models import Agreement, Citation, Party, PublicationState, Role, Side, Supports
from agreements.resources import AgreementResource, DefusedCSV
from tests import hostile
from tests.factories import (
    AgreementFactory,
    CitationFactory,
    EventFactory,
    GroupFactory,
    OrganizationFactory,
    PartyFactory,
    SectorFactory,
    SourceFactory,
)

pytestmark = pytest.mark.django_db

# A file with the agreement's own columns only: it leaves parties, sources and group alone.
HEADER = (
    "slug,title,kind,status,sector,event,signed_on,signed_on_precision,value_amount,value_currency,"
    "value_approximate,value_basis,summary,places"
)
# The export adds the translations beside the English title and summary.
TRANSLATIONS = {"title": ["title_ru", "title_kk"], "summary": ["summary_ru", "summary_kk"]}
COLUMNS = [
    *(name for column in HEADER.split(",") for name in [column, *TRANSLATIONS.get(column, [])]),
    "group",
    "kz_parties",
    "us_parties",
    "sources",
    "entry_into_force_on",
    "expires_on",
    "status_history",
    "last_verified_on",
]
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
    assert "an amount is never negative" in errors[3]
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


def test_duplicate_slug_in_one_file_is_a_row_error_on_every_occurrence(references):
    revised = GOOD_ROWS[0].replace("Locomotive supply", "Locomotives (revised)")
    result = run_import(GOOD_ROWS[0], GOOD_ROWS[1], GOOD_ROWS[1].replace("boeing-aircraft", "other"), revised)
    errors = row_errors(result)
    assert sorted(errors) == [1, 4]
    assert "slug appears twice in this file: rows 1 and 4." in errors[1]
    assert "slug appears twice in this file: rows 1 and 4." in errors[4]
    assert all(set(row.error_dict) == {"slug"} for row in result.invalid_rows)
    assert not Agreement.objects.exists()


def test_export_uses_the_import_columns(references):
    sector, event = references
    AgreementFactory(slug="exported", sector=sector, event=event, value_amount=Decimal("12.50"))
    exported = AgreementResource().export()
    assert exported.headers == COLUMNS
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


# Parties, sources and group: the columns of a complete file.


@pytest.fixture
def relations(references):
    """What the relation columns name: organisations, sources and a group, each by its slug or key."""
    return {
        "ktz": OrganizationFactory(slug="ktz", name="Kazakhstan Temir Zholy", country="KZ"),
        "samruk": OrganizationFactory(slug="samruk-kazyna", name="Samruk-Kazyna", country="KZ"),
        "wabtec": OrganizationFactory(slug="wabtec", name="Wabtec", country="US"),
        "boeing": OrganizationFactory(slug="boeing", name="Boeing", country="US"),
        "akorda": SourceFactory(key="akorda-2025-11-06"),
        "wabtec-release": SourceFactory(key="wabtec-2025-09-16"),
        "package": GroupFactory(slug="package-2025"),
    }


BASE_ROW = {
    "slug": "wabtec-locomotives",
    "title": "Locomotive supply",
    "kind": "contract",
    "status": "signed",
    "sector": "transport",
    "signed_on": "2025-09-16",
    "signed_on_precision": "day",
    "value_amount": "4200000000",
    "value_currency": "USD",
    "value_approximate": "0",
    "value_basis": "contracted",
    "kz_parties": "ktz|buyer|Talgat Alpysbayev|Chairman; samruk-kazyna",
    "us_parties": "wabtec|supplier|Rafael Santana",
    "sources": "akorda-2025-11-06; wabtec-2025-09-16|value",
}


def full_dataset(*rows):
    data = tablib.Dataset(headers=COLUMNS)
    for row in rows:
        data.append([row.get(column, "") for column in COLUMNS])
    return data


def full_row(**changes):
    return {**BASE_ROW, **changes}


def import_rows(*rows, **kwargs):
    return AgreementResource().import_data(full_dataset(*rows), **kwargs)


def parties_of(slug):
    return {
        (party.side, party.organization.slug, party.role, party.signed_by, party.signer_title)
        for party in Party.objects.filter(agreement__slug=slug).select_related("organization")
    }


def citations_of(slug):
    return set(Citation.objects.filter(agreement__slug=slug).values_list("source__key", "supports"))


def counts():
    return (Agreement.objects.count(), Party.objects.count(), Citation.objects.count())


def test_import_creates_parties_citations_and_group_membership(relations):
    result = import_rows(
        full_row(),
        full_row(
            slug="member",
            title="Member of the package",
            value_amount="",
            group="package-2025",
            kz_parties="",
            us_parties="boeing",
            sources="",
        ),
    )
    assert not result.has_validation_errors(), row_errors(result)
    assert result.totals["new"] == 2
    assert parties_of("wabtec-locomotives") == {
        (Side.KZ, "ktz", Role.BUYER, "Talgat Alpysbayev", "Chairman"),
        (Side.KZ, "samruk-kazyna", Role.PARTY, "", ""),
        (Side.US, "wabtec", Role.SUPPLIER, "Rafael Santana", ""),
    }
    assert citations_of("wabtec-locomotives") == {
        ("akorda-2025-11-06", Supports.RECORD),
        ("wabtec-2025-09-16", Supports.VALUE),
    }
    member = Agreement.objects.get(slug="member")
    assert (member.group, member.value_amount, member.publication_state) == (
        relations["package"],
        None,
        PublicationState.DRAFT,
    )
    assert parties_of("member") == {(Side.US, "boeing", Role.PARTY, "", "")}
    assert not citations_of("member")


def test_reimport_replaces_parties_and_citations_with_the_files_lists(relations):
    agreement = AgreementFactory(slug="wabtec-locomotives", sector=SectorFactory(slug="transport"))
    PartyFactory(agreement=agreement, organization=relations["boeing"], side=Side.US)
    kept = PartyFactory(
        agreement=agreement, organization=relations["ktz"], side=Side.KZ, role=Role.PARTY, note="Operator"
    )
    claim = CitationFactory(agreement=agreement, source=relations["akorda"], claim="300 locomotives")
    CitationFactory(agreement=agreement, source=relations["wabtec-release"], supports=Supports.STATUS)

    result = import_rows(full_row())
    assert not result.has_validation_errors(), row_errors(result)
    assert result.totals["update"] == 1
    assert parties_of("wabtec-locomotives") == {
        (Side.KZ, "ktz", Role.BUYER, "Talgat Alpysbayev", "Chairman"),
        (Side.KZ, "samruk-kazyna", Role.PARTY, "", ""),
        (Side.US, "wabtec", Role.SUPPLIER, "Rafael Santana", ""),
    }
    assert citations_of("wabtec-locomotives") == {
        ("akorda-2025-11-06", Supports.RECORD),
        ("wabtec-2025-09-16", Supports.VALUE),
    }
    # A party or a citation still listed keeps its row and what the file does not carry.
    kept.refresh_from_db()
    claim.refresh_from_db()
    assert (kept.role, kept.note, claim.claim) == (Role.BUYER, "Operator", "300 locomotives")
    assert agreement.publication_state == PublicationState.PUBLISHED

    result = import_rows(full_row(kz_parties="samruk-kazyna|party; ktz|buyer|Talgat Alpysbayev|Chairman"))
    assert (result.totals["update"], result.totals["skip"]) == (0, 1)

    result = import_rows(full_row(kz_parties="", sources=""))
    assert result.totals["update"] == 1
    assert parties_of("wabtec-locomotives") == {(Side.US, "wabtec", Role.SUPPLIER, "Rafael Santana", "")}
    assert not citations_of("wabtec-locomotives")


def test_a_file_without_the_relation_columns_leaves_them_alone(relations):
    agreement = AgreementFactory(slug="wabtec-locomotives", sector=SectorFactory(slug="transport"))
    PartyFactory(agreement=agreement, organization=relations["ktz"])
    CitationFactory(agreement=agreement, source=relations["akorda"])
    result = run_import(*GOOD_ROWS)
    assert not result.has_validation_errors()
    assert parties_of("wabtec-locomotives") == {(Side.KZ, "ktz", Role.PARTY, "", "")}
    assert citations_of("wabtec-locomotives") == {("akorda-2025-11-06", Supports.RECORD)}


def test_every_bad_row_is_reported_with_its_column_and_nothing_is_saved(relations):
    existing = AgreementFactory(slug="wabtec-locomotives", sector=SectorFactory(slug="transport"))
    PartyFactory(agreement=existing, organization=relations["boeing"], side=Side.US)
    before = counts()
    result = import_rows(
        full_row(),
        full_row(slug="unknown-org", kz_parties="ktz; kazatomprom"),
        full_row(slug="bad-role", us_parties="wabtec|seller"),
        full_row(slug="bad-source", sources="akorda-2025-11-06; nyt-2025|value; wabtec-2025-09-16|rumour"),
        full_row(slug="bad-group", group="package-1999"),
        full_row(slug="group-and-value", group="package-2025", value_amount="10"),
        full_row(slug="bad-date", signed_on="06.11.2025"),
        full_row(slug="negative", value_amount="-5"),
        full_row(slug="bad-kind", kind="treaty", status="rumoured"),
        full_row(slug="both-sides", us_parties="wabtec; ktz"),
        full_row(slug="twice", kz_parties="ktz; ktz|buyer"),
    )
    errors = {row.number: row.error_dict for row in result.invalid_rows}
    assert sorted(errors) == list(range(2, 12))
    assert errors[2]["kz_parties"] == ["No organisation with the slug 'kazatomprom'."]
    assert "'seller' is not a role (for 'wabtec'): use one of party, buyer" in errors[3]["us_parties"][0]
    assert "No source with the key 'nyt-2025'." in errors[4]["sources"][0]
    assert "'rumour' is not something a citation supports (for 'wabtec-2025-09-16')" in errors[4]["sources"][0]
    assert errors[5]["group"] == ["No group with the slug 'package-1999'."]
    assert "A member of a group has no value of its own" in errors[6]["value_amount"][0]
    assert errors[7]["signed_on"] == ["Enter a date as YYYY-MM-DD, not '06.11.2025'."]
    assert "an amount is never negative" in errors[8]["value_amount"][0]
    assert "'treaty' is not a valid choice" in errors[9]["kind"][0]
    assert "'rumoured' is not a valid choice" in errors[9]["status"][0]
    assert "'ktz' also in kz_parties" in errors[10]["us_parties"][0]
    assert errors[11]["kz_parties"] == ["The organisation 'ktz' is listed twice."]
    assert counts() == before
    assert parties_of("wabtec-locomotives") == {(Side.US, "boeing", Role.PARTY, "", "")}


def normalized():
    """Everything an import file says about the register, in a form that compares across databases."""
    return {
        agreement.slug: (
            agreement.title,
            agreement.kind,
            agreement.status,
            agreement.sector.slug,
            agreement.event.slug if agreement.event else None,
            agreement.group.slug if agreement.group else None,
            agreement.signed_on,
            agreement.signed_on_precision,
            agreement.entry_into_force_on,
            agreement.expires_on,
            agreement.value_amount,
            agreement.value_currency,
            agreement.value_approximate,
            agreement.value_basis,
            agreement.summary,
            agreement.places,
            parties_of(agreement.slug),
            citations_of(agreement.slug),
        )
        for agreement in Agreement.objects.select_related("sector", "event", "group")
    }


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_an_export_imports_back_into_an_empty_register_with_the_same_data(relations, file_format):
    sector, event = references_of(relations)
    locomotives = AgreementFactory(
        slug="wabtec-locomotives",
        sector=sector,
        event=event,
        value_amount=Decimal("4200000000.00"),
        value_approximate=True,
        signed_on=datetime.date(2025, 9, 1),
        signed_on_precision="month",
        entry_into_force_on=datetime.date(2025, 10, 1),
        expires_on=datetime.date(2040, 12, 31),
        summary='300 locomotives; "Evolution" series, =cheap',
        places="Astana; Pittsburgh",
    )
    PartyFactory(
        agreement=locomotives,
        organization=relations["ktz"],
        side=Side.KZ,
        role=Role.BUYER,
        signed_by="Talgat Alpysbayev",
        signer_title="Chairman; CEO | board",
    )
    PartyFactory(agreement=locomotives, organization=relations["wabtec"], side=Side.US, role=Role.SUPPLIER)
    CitationFactory(agreement=locomotives, source=relations["akorda"])
    CitationFactory(agreement=locomotives, source=relations["akorda"], supports=Supports.VALUE)
    member = AgreementFactory(slug="member", sector=sector, value_amount=None, group=relations["package"])
    PartyFactory(agreement=member, organization=relations["samruk"], side=Side.KZ, signed_by="A\\B")
    AgreementFactory(slug="bare", sector=sector, signed_on=None, value_amount=None)
    expected = normalized()

    exported = AgreementResource().export()
    Agreement.objects.all().delete()
    assert counts() == (0, 0, 0)
    data = tablib.Dataset().load(exported.export(file_format), format=file_format)
    result = AgreementResource().import_data(data)

    assert not result.has_validation_errors(), row_errors(result)
    assert not result.has_errors()
    assert result.totals["new"] == 3
    assert normalized() == expected
    assert set(Agreement.objects.values_list("publication_state", flat=True)) == {PublicationState.DRAFT}
    result = AgreementResource().import_data(data)
    assert result.totals["skip"] == 3


def references_of(relations):
    return SectorFactory(slug="transport"), EventFactory(slug="visit-2025-11")


def test_the_export_writes_parties_and_sources_in_the_import_format(relations):
    agreement = AgreementFactory(slug="exported", sector=SectorFactory(slug="transport"), value_amount=None)
    agreement.group = relations["package"]
    agreement.save()
    PartyFactory(agreement=agreement, organization=relations["samruk"], side=Side.KZ)
    PartyFactory(
        agreement=agreement,
        organization=relations["ktz"],
        side=Side.KZ,
        role=Role.BUYER,
        signed_by="Talgat Alpysbayev",
        signer_title="Chairman",
    )
    PartyFactory(agreement=agreement, organization=relations["wabtec"], side=Side.US, signer_title="CEO")
    CitationFactory(agreement=agreement, source=relations["wabtec-release"], supports=Supports.VALUE)
    CitationFactory(agreement=agreement, source=relations["akorda"])
    row = AgreementResource().export().dict[0]
    assert row["group"] == "package-2025"
    assert row["kz_parties"] == "ktz|buyer|Talgat Alpysbayev|Chairman; samruk-kazyna"
    assert row["us_parties"] == "wabtec|party||CEO"
    assert row["sources"] == "akorda-2025-11-06; wabtec-2025-09-16|value"


def test_the_export_query_count_does_not_grow_with_rows(relations, django_assert_max_num_queries):
    sector = SectorFactory(slug="transport")
    for number in range(5):
        agreement = AgreementFactory(slug=f"agreement-{number}", sector=sector)
        PartyFactory(agreement=agreement, organization=relations["ktz"])
        CitationFactory(agreement=agreement, source=relations["akorda"])
    with django_assert_max_num_queries(6):
        assert len(AgreementResource().export()) == 5


def xlsx_upload(rows):
    """A workbook the way an editor saves one: typed dates, numbers and booleans."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(COLUMNS)
    for row in rows:
        sheet.append([row.get(column) for column in COLUMNS])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return SimpleUploadedFile(
        "agreements.xlsx",
        buffer.getvalue(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


XLSX_ROW = {
    **BASE_ROW,
    "signed_on": datetime.datetime(2025, 9, 16),
    "value_amount": 4200000000,
    "value_approximate": True,
    "entry_into_force_on": datetime.date(2025, 10, 1),
}


def test_xlsx_import_with_typed_cells(relations):
    data = tablib.Dataset().load(xlsx_upload([XLSX_ROW]).read(), format="xlsx")
    result = AgreementResource().import_data(data)
    assert not result.has_validation_errors(), row_errors(result)
    agreement = Agreement.objects.get(slug="wabtec-locomotives")
    assert (agreement.signed_on, agreement.entry_into_force_on) == (
        datetime.date(2025, 9, 16),
        datetime.date(2025, 10, 1),
    )
    assert (agreement.value_amount, agreement.value_approximate) == (Decimal("4200000000"), True)
    assert len(parties_of("wabtec-locomotives")) == 3
    assert AgreementResource().import_data(data).totals["skip"] == 1


def test_admin_xlsx_import_previews_parties_then_records_the_admin_in_history(admin_client, admin_user, relations):
    response = admin_client.post(
        reverse("admin:agreements_agreement_import"), {"format": "1", "import_file": xlsx_upload([XLSX_ROW])}
    )
    assert response.status_code == 200
    assert "ktz|buyer|Talgat Alpysbayev|Chairman" in response.content.decode()
    assert counts() == (0, 0, 0)

    response = admin_client.post(
        reverse("admin:agreements_agreement_process_import"), response.context["confirm_form"].initial
    )
    assert response.status_code == 302
    agreement = Agreement.objects.get(slug="wabtec-locomotives")
    record = agreement.history.get()
    assert (record.history_type, record.history_user, record.publication_state) == ("+", admin_user, "draft")
    assert record.history_change_reason == "Imported from agreements.xlsx"
    assert {party.history.get().history_user for party in agreement.parties.all()} == {admin_user}


def test_import_through_the_resource_records_the_user_in_history(relations, admin_user):
    AgreementFactory(slug="wabtec-locomotives", sector=SectorFactory(slug="transport"))
    result = import_rows(full_row(), user=admin_user)
    assert not result.has_validation_errors(), row_errors(result)
    latest = Agreement.objects.get(slug="wabtec-locomotives").history.latest("history_date")
    assert (latest.history_type, latest.history_user, latest.history_change_reason) == (
        "~",
        admin_user,
        "Imported from a file",
    )
    removed_or_added = Party.history.filter(history_user=admin_user)
    assert removed_or_added.count() == 3


def test_admin_import_lists_every_bad_row_with_its_column(admin_client, relations):
    rows = [
        full_row(slug="first", kz_parties="kazatomprom"),
        full_row(slug="second", sources="nyt-2025"),
        full_row(slug="first"),
    ]
    text = full_dataset(*rows).export("csv")
    response = admin_client.post(
        reverse("admin:agreements_agreement_import"), {"format": "0", "import_file": upload(text)}
    )
    assert response.status_code == 200
    assert "confirm_form" not in response.context
    content = response.content.decode()
    for expected in (
        "No organisation with the slug &#x27;kazatomprom&#x27;.",
        "No source with the key &#x27;nyt-2025&#x27;.",
        "slug appears twice in this file: rows 1 and 3.",
        '<span class="validation-error-field-label">kz_parties</span>',
        '<span class="validation-error-field-label">sources</span>',
    ):
        assert expected in content
    assert [row.number for row in response.context["result"].invalid_rows] == [1, 2, 3]
    assert counts() == (0, 0, 0)


def test_admin_export_carries_the_relation_columns(admin_client, relations):
    agreement = AgreementFactory(slug="exported", sector=SectorFactory(slug="transport"))
    PartyFactory(agreement=agreement, organization=relations["ktz"], role=Role.BUYER)
    CitationFactory(agreement=agreement, source=relations["akorda"])
    response = admin_client.get(reverse("admin:agreements_agreement_export"))
    form = response.context["form"]
    data = {name: "on" for name, field in form.fields.items() if field.initial is True}
    data.update({"format": "0", "resource": form.fields["resource"].initial or "0"})
    response = admin_client.post(reverse("admin:agreements_agreement_export"), data)
    exported = tablib.Dataset().load(response.content.decode(), format="csv")
    assert exported.headers == COLUMNS
    assert (exported.dict[0]["kz_parties"], exported.dict[0]["sources"]) == ("ktz|buyer", "akorda-2025-11-06")


def admin_export(client, file_format):
    response = client.get(reverse("admin:agreements_agreement_export"))
    form = response.context["form"]
    data = {name: "on" for name, field in form.fields.items() if field.initial is True}
    data.update({"format": file_format, "resource": form.fields["resource"].initial or "0"})
    return client.post(reverse("admin:agreements_agreement_export"), data)


@pytest.mark.parametrize(("file_format", "file_name"), [("0", "agreements.csv"), ("1", "agreements.xlsx")])
def test_admin_export_and_import_keep_text_that_looks_like_a_formula(admin_client, relations, file_format, file_name):
    agreement = AgreementFactory(
        slug="formula", sector=SectorFactory(slug="transport"), title="=SUM(1,2)", summary="=cheap", places="+Astana"
    )
    PartyFactory(agreement=agreement, organization=relations["ktz"], signed_by="=A", signer_title="@B")
    expected = normalized()

    exported = admin_export(admin_client, file_format).content
    if file_name.endswith(".xlsx"):
        # A formula would run in a spreadsheet and read back empty: the cells hold text.
        sheet = openpyxl.load_workbook(io.BytesIO(exported)).active
        assert {cell.data_type for row in sheet.iter_rows() for cell in row} <= {"s", "n", "b"}
    Agreement.objects.all().delete()
    response = admin_client.post(
        reverse("admin:agreements_agreement_import"),
        {"format": file_format, "import_file": SimpleUploadedFile(file_name, exported)},
    )
    assert "confirm_form" in response.context, row_errors(response.context["result"])
    response = admin_client.post(
        reverse("admin:agreements_agreement_process_import"), response.context["confirm_form"].initial
    )
    assert response.status_code == 302
    assert normalized() == expected


FORMULAS = [
    '=HYPERLINK("https://evil.example","Open")',
    "+cmd|' /C calc'!A0",
    "@SUM(1,2)",
    "-2+3",
    "\t=1+1",
    "\r=1+1",
]
# Text that really starts with an apostrophe: the import must not take it for one the export added.
APOSTROPHES = ["'quoted", "''twice", "'=written so by hand"]


def test_admin_csv_export_defuses_formulas_and_imports_back_to_the_same_data(admin_client, relations):
    sector = SectorFactory(slug="-sector")
    minus = OrganizationFactory(slug="-minus", country="KZ")
    texts = FORMULAS + APOSTROPHES
    for number, text in enumerate(texts):
        agreement = AgreementFactory(slug=f"-{number}", sector=sector, title=text, summary=text, places=text)
        # A party list's parts are trimmed (as the admin's form trims them): no leading tab or CR there.
        PartyFactory(agreement=agreement, organization=minus, signed_by=text.strip(), signer_title=text.strip())
    expected = normalized()

    exported = admin_export(admin_client, "0").content
    rows = list(csv.reader(io.StringIO(exported.decode(), newline="")))
    cells = [cell for row in rows[1:] for cell in row]
    assert [cell for cell in cells if cell.startswith(FORMULA_PREFIXES)] == []
    titles = [row[rows[0].index("title")] for row in rows[1:]]
    assert sorted(titles) == sorted(f"'{text}" for text in texts)

    Agreement.objects.all().delete()
    response = admin_client.post(
        reverse("admin:agreements_agreement_import"),
        {"format": "0", "import_file": SimpleUploadedFile("agreements.csv", exported)},
    )
    assert "confirm_form" in response.context, row_errors(response.context["result"])
    response = admin_client.post(
        reverse("admin:agreements_agreement_process_import"), response.context["confirm_form"].initial
    )
    assert response.status_code == 302
    assert normalized() == expected
    assert sorted(Agreement.objects.values_list("title", flat=True)) == sorted(texts)


def test_a_hand_written_csv_keeps_an_apostrophe_that_no_export_would_have_added():
    written = "\ufeffslug,title\r\nkept,'Ak Zhol\r\nspreadsheet,'=SUM(1;2)\r\nline,\"two\r\nlines\"\r\n".encode()
    rows = DefusedCSV().create_dataset(written).dict
    assert [row["title"] for row in rows] == ["'Ak Zhol", "=SUM(1;2)", "two\r\nlines"]
    assert rows[0].keys() == {"slug", "title"}


@pytest.mark.parametrize("text", hostile.MARKUP)
def test_the_import_preview_shows_changes_escaped_and_without_style_attributes(admin_client, references, text):
    AgreementFactory(slug="changed", title="Old title", summary="line one", sector=references[0])
    rows = [
        ["changed", f"New {text}", "agreement", "signed", "transport", f"line one\nline {text}"],
        ["added", text, "agreement", "signed", "transport", ""],
    ]
    data = tablib.Dataset(*rows, headers=["slug", "title", "kind", "status", "sector", "summary"])
    response = admin_client.post(
        reverse("admin:agreements_agreement_import"),
        {"format": "0", "import_file": upload(data.export("csv"))},
    )
    assert "confirm_form" in response.context, row_errors(response.context["result"])
    preview = response.content.decode().split('<table class="import-preview">')[1].split("</table>")[0]
    assert "style=" not in preview
    tags = Tags()
    tags.feed(preview)
    assert tags.seen <= {"thead", "tr", "th", "td", "ins", "del", "span", "br"}
    assert f"<ins>{escape(text)}</ins>" in preview
    assert f"<del>Old title</del><ins>New {escape(text)}</ins>" in preview
    assert f"<span>line one</span><ins>\N{PILCROW SIGN}<br>line {escape(text)}</ins>" in preview


class Tags(HTMLParser):
    def __init__(self):
        super().__init__()
        self.seen = set()

    def handle_starttag(self, tag, attrs):
        self.seen.add(tag)


def test_translations_import_and_export_losslessly_whatever_the_editors_language(references):
    translated = (
        "slug,title,title_ru,title_kk,kind,status,sector,summary,summary_ru,summary_kk\n"
        "locomotives,Locomotive supply,Поставка локомотивов,,contract,signed,transport,Three hundred.,,Үш жүз.\n"
    )
    with translation.override("ru"):
        result = AgreementResource().import_data(tablib.Dataset().load(translated, format="csv"))
    assert not result.has_errors() and not result.has_validation_errors(), row_errors(result)
    agreement = Agreement.objects.get(slug="locomotives")
    assert (agreement.title_en, agreement.title_ru, agreement.title_kk) == (
        "Locomotive supply",
        "Поставка локомотивов",
        None,  # an empty cell: not translated
    )
    assert (agreement.summary_en, agreement.summary_ru, agreement.summary_kk) == ("Three hundred.", None, "Үш жүз.")
    assert Agreement.objects.filter(title="Locomotive supply").exists()  # the original column stays English

    exported = AgreementResource().export()
    row = dict(zip(exported.headers, exported[0], strict=True))
    assert (row["title"], row["title_ru"], row["title_kk"]) == ("Locomotive supply", "Поставка локомотивов", "")
    again = AgreementResource().import_data(tablib.Dataset().load(exported.csv, format="csv"))
    assert not again.has_errors() and not again.has_validation_errors()
    assert again.totals["skip"] == 1  # nothing changed
    agreement.refresh_from_db()
    assert (agreement.title_kk, agreement.summary_ru) == (None, None)
