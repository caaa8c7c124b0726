import io
from decimal import Decimal

from django.urls import reverse
from openpyxl import load_workbook

from agreements.exports.tabular import AGREEMENT_COLUMNS
from tests.exports.conftest import body_json
from tests.factories import AgreementFactory, GroupFactory


def test_xlsx_has_the_csv_columns_and_typed_cells(client, deals, hidden):
    shown = deals(3)
    extra = AgreementFactory(title="=1+1", value_amount=Decimal("5.50"))
    response = client.get(reverse("exports:agreements-xlsx"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert response["Content-Disposition"] == 'attachment; filename="kzdeals-agreements.xlsx"'
    sheet = load_workbook(io.BytesIO(response.content), read_only=True)["agreements"]
    header, *rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert header == AGREEMENT_COLUMNS
    by_slug = {row[0]: dict(zip(header, row, strict=True)) for row in rows}
    assert set(by_slug) == {agreement.slug for agreement in [*shown, extra]}
    injected = by_slug[extra.slug]
    assert injected["title"] == "'=1+1"
    assert injected["value_amount"] == 5.5
    assert by_slug[shown[0].slug]["binding"] is True
    assert by_slug[shown[0].slug]["value_amount"] == 100000000


def test_xlsx_honours_the_filters(client, deals, energy):
    wanted = deals(1, sector=energy)
    deals(2)
    response = client.get(reverse("exports:agreements-xlsx"), {"sector": "energy"})
    sheet = load_workbook(io.BytesIO(response.content), read_only=True)["agreements"]
    slugs = [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert slugs == [wanted[0].slug]


def test_json_has_totals_and_typed_rows(client, deals, hidden):
    deals(2)
    group = GroupFactory(amount=Decimal("1000000000"))
    AgreementFactory(group=group, value_amount=None)
    AgreementFactory(group=group, value_amount=None)
    response = client.get(reverse("exports:agreements-json"))
    assert response.status_code == 200
    data = body_json(response)
    assert data["totals"]["count"] == 4
    [usd] = data["totals"]["by_currency"]
    assert Decimal(usd["total"]) == Decimal("1200000000")
    assert len(data["agreements"]) == 4
    row = next(row for row in data["agreements"] if row["group"] is None)
    assert list(row) == AGREEMENT_COLUMNS
    assert row["value_amount"] == "100000000.00"
    assert row["binding"] is True
    assert row["value_approximate"] is False
    assert row["places"] == ["Astana", "Washington"]
    assert row["signatories"][0].startswith("Ivan Ivanov (Chair, ")
    member = next(row for row in data["agreements"] if row["group"] == group.slug)
    assert (member["value_amount"], member["group_amount"]) == (None, "1000000000.00")


def test_json_totals_follow_the_filters(client, deals, energy):
    deals(1, sector=energy)
    deals(2)
    data = body_json(client.get(reverse("exports:agreements-json"), {"sector": "energy"}))
    assert data["totals"]["count"] == 1
    assert [row["sector"] for row in data["agreements"]] == ["energy"]
