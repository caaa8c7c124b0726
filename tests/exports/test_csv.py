import csv
import io
from decimal import Decimal

from django.conf import settings
from django.urls import reverse

from agreements.exports.tabular import AGREEMENT_COLUMNS, PARTY_COLUMNS, SOURCE_COLUMNS
from agreements.models import DatePrecision, Kind
from tests.factories import AgreementFactory, GroupFactory, OrganizationFactory, PartyFactory

from .conftest import body, make_deal


def read_csv(client, name, **params):
    response = client.get(reverse(f"exports:{name}"), params)
    assert response.status_code == 200
    content = body(response)
    return response, list(csv.DictReader(io.StringIO(content.decode("utf-8"))))


def test_agreements_csv_is_a_streamed_attachment_without_bom(client, deals):
    deals(2)
    response = client.get(reverse("exports:agreements-csv"))
    content = body(response)
    assert response.streaming
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="kzdeals-agreements.csv"'
    assert content.startswith(b"slug,title,")
    assert content.splitlines()[0].decode() == ",".join(AGREEMENT_COLUMNS)


def test_agreements_csv_has_one_row_per_public_agreement(client, deals, hidden):
    shown = deals(3)
    _, rows = read_csv(client, "agreements-csv")
    assert sorted(row["slug"] for row in rows) == sorted(agreement.slug for agreement in shown)


def test_agreements_csv_row_says_who_signed_and_what_it_is_worth(client, db):
    deal = make_deal(title="Locomotives", kind=Kind.CONTRACT, value_amount=Decimal("4200000000"))
    _, [row] = read_csv(client, "agreements-csv")
    kz, us = sorted(deal.parties.all(), key=lambda party: party.side)
    assert row["title"] == "Locomotives"
    assert row["binding"] == "true"
    assert row["signed_on"] == "2025-11-06"
    assert row["value_amount"] == "4200000000.00"
    assert (row["value_currency"], row["value_approximate"], row["value_basis"]) == ("USD", "false", "announced")
    assert row["group"] == row["group_amount"] == ""
    assert row["kz_parties"] == kz.organization.name
    assert row["us_parties"] == us.organization.name
    assert row["signatories"] == f"Ivan Ivanov (Chair, {kz.organization.name})"
    assert row["places"] == "Astana; Washington"
    assert row["url"] == f"{settings.SITE_URL}/agreements/{deal.slug}/"


def test_group_member_carries_the_group_value_not_its_own(client, db):
    group = GroupFactory(slug="energy-package", amount=Decimal("1000000000"))
    AgreementFactory(
        group=group,
        value_amount=None,
        kind=Kind.MEMORANDUM,
        signed_on_precision=DatePrecision.MONTH,
        signed_on="2025-11-01",
    )
    _, [row] = read_csv(client, "agreements-csv")
    assert row["binding"] == "false"
    assert row["signed_on"] == "2025-11"
    assert row["value_amount"] == row["value_currency"] == row["value_basis"] == ""
    assert (row["group"], row["group_amount"], row["group_currency"]) == ("energy-package", "1000000000.00", "USD")


def test_cells_that_a_spreadsheet_would_run_as_formulas_are_defused(client, db):
    for title in ('=HYPERLINK("http://evil")', "+1+1", "-2", "@SUM(A1)", "Plain"):
        AgreementFactory(title=title, summary="")
    _, rows = read_csv(client, "agreements-csv", ordering="title")
    titles = sorted(row["title"] for row in rows)
    assert titles == sorted(['\'=HYPERLINK("http://evil")', "'+1+1", "'-2", "'@SUM(A1)", "Plain"])


def test_party_names_are_defused_too(client, db):
    PartyFactory(organization=OrganizationFactory(name="=cmd|' /C calc'!A0"), signed_by="@admin")
    _, [row] = read_csv(client, "parties-csv")
    assert (row["organization_name"], row["signed_by"]) == ("'=cmd|' /C calc'!A0", "'@admin")
    _, [row] = read_csv(client, "agreements-csv")
    assert row["kz_parties"] == "'=cmd|' /C calc'!A0"


def test_filtered_csv_has_exactly_the_filtered_rows(client, deals, energy):
    wanted = deals(2, sector=energy)
    deals(3)
    _, rows = read_csv(client, "agreements-csv", sector="energy")
    assert sorted(row["slug"] for row in rows) == sorted(agreement.slug for agreement in wanted)
    assert {row["sector"] for row in rows} == {"energy"}


def test_ordering_parameter_orders_the_rows(client, db):
    for title in ("Beta", "Alpha", "Gamma"):
        AgreementFactory(title=title)
    _, rows = read_csv(client, "agreements-csv", ordering="-title")
    assert [row["title"] for row in rows] == ["Gamma", "Beta", "Alpha"]


def test_parties_csv_has_one_row_per_party_of_the_filtered_set(client, deals, energy, hidden):
    wanted = deals(2, sector=energy)
    deals(1)
    response, rows = read_csv(client, "parties-csv", sector="energy")
    assert response["Content-Disposition"] == 'attachment; filename="kzdeals-parties.csv"'
    assert list(rows[0]) == PARTY_COLUMNS
    assert len(rows) == 4
    assert {row["agreement"] for row in rows} == {agreement.slug for agreement in wanted}
    buyer = next(row for row in rows if row["role"] == "buyer")
    assert (buyer["side"], buyer["country"], buyer["signed_by"], buyer["signer_title"]) == (
        "KZ",
        "KZ",
        "Ivan Ivanov",
        "Chair",
    )


def test_sources_csv_has_one_row_per_citation(client, deals, hidden):
    [deal] = deals(1)
    citation = deal.citations.get()
    response, [row] = read_csv(client, "sources-csv")
    assert response["Content-Disposition"] == 'attachment; filename="kzdeals-sources.csv"'
    assert list(row) == SOURCE_COLUMNS
    assert (row["agreement"], row["source"], row["supports"]) == (deal.slug, citation.source.key, "record")
    assert (row["url"], row["published_on"], row["disputes"]) == (citation.source.url, "2025-11-07", "false")


def test_search_parameter_selects_the_matching_rows(client, db):
    wanted = AgreementFactory(title="Locomotive supply")
    AgreementFactory(title="Critical minerals")
    _, rows = read_csv(client, "agreements-csv", q="locomotive")
    assert [row["slug"] for row in rows] == [wanted.slug]
