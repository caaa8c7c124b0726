"""Partial dates, honestly (issue 18): a date known only to its month or year matches `signed_after` /
`signed_before` only when the whole month or year lies in the range, on the page, the API and the exports
(one FilterSet); the page says how many it left out because their date is too coarse to decide."""

import csv
import datetime
import io

import pytest
from django.urls import reverse

from agreements.filters import AgreementFilterSet
from agreements.models import DatePrecision
from tests.exports.conftest import body
from tests.factories import AgreementFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def dated():
    return {
        "month": AgreementFactory(
            slug="november", signed_on=datetime.date(2025, 11, 1), signed_on_precision=DatePrecision.MONTH
        ),
        "leap": AgreementFactory(
            slug="february", signed_on=datetime.date(2024, 2, 1), signed_on_precision=DatePrecision.MONTH
        ),
        "year": AgreementFactory(slug="year", signed_on=datetime.date(2028, 1, 1), signed_on_precision="year"),
        "day": AgreementFactory(slug="day", signed_on=datetime.date(2025, 11, 6)),
        "undated": AgreementFactory(slug="undated", signed_on=None),
    }


def selected(**params):
    filterset = AgreementFilterSet(data=params)
    assert filterset.is_valid(), filterset.errors
    return set(filterset.qs.values_list("slug", flat=True)), filterset.coarse_dates_left_out()


@pytest.mark.parametrize(
    ("params", "expected", "left_out"),
    [
        # A month, at its last day and the day before.
        ({"signed_before": "2025-11-30"}, {"november", "february", "day"}, 0),
        ({"signed_before": "2025-11-29"}, {"february", "day"}, 1),
        ({"signed_before": "2025-11-05"}, {"february"}, 1),
        ({"signed_before": "2025-10-31"}, {"february"}, 0),  # November lies wholly after: not undecided
        # A month, at its first day and the day after.
        ({"signed_after": "2025-11-01"}, {"november", "day", "year"}, 0),
        ({"signed_after": "2025-11-02"}, {"day", "year"}, 1),
        ({"signed_after": "2025-12-01"}, {"year"}, 0),
        # February of a leap year ends on the 29th.
        ({"signed_before": "2024-02-29"}, {"february"}, 0),
        ({"signed_before": "2024-02-28"}, set(), 1),
        # A year, at both of its edges.
        ({"signed_before": "2028-12-31"}, {"november", "february", "day", "year"}, 0),
        ({"signed_before": "2028-12-30"}, {"november", "february", "day"}, 1),
        ({"signed_after": "2028-01-01"}, {"year"}, 0),
        ({"signed_after": "2028-01-02"}, set(), 1),
        ({"signed_after": "2027-12-31", "signed_before": "2028-12-31"}, {"year"}, 0),
        ({"signed_after": "2028-03-01", "signed_before": "2028-04-30"}, set(), 1),
        # A day is decided exactly.
        ({"signed_after": "2025-11-06", "signed_before": "2025-11-06"}, {"day"}, 1),
        ({"signed_after": "2025-11-07"}, {"year"}, 1),
    ],
)
def test_a_partial_date_matches_only_when_its_whole_period_is_in_the_range(dated, params, expected, left_out):
    assert selected(**params) == (expected, left_out)


def test_the_count_left_out_keeps_the_other_filters(dated):
    sector = dated["month"].sector
    assert selected(signed_before="2025-11-05", sector=sector.slug) == (set(), 1)
    assert selected(signed_before="2025-11-05", kind="memorandum") == (set(), 0)


def test_the_page_says_how_many_it_left_out(client, dated):
    url = reverse("agreements:agreement-list")
    html = client.get(url, {"signed_before": "2025-11-05"}).content.decode()
    assert "1 matching agreement" in html
    assert "1 more agreement is dated only to a month or a year that reaches past the dates you chose" in html
    html = client.get(url, {"signed_after": "2025-11-02", "signed_before": "2028-12-30"}).content.decode()
    assert "2 more agreements are dated only to a month or a year" in html
    assert "more agreement" not in client.get(url, {"signed_before": "2028-12-31"}).content.decode()
    assert "more agreement" not in client.get(url).content.decode()


def test_the_api_and_the_exports_apply_the_same_rule(client, dated):
    params = {"signed_before": "2025-11-29"}
    api = client.get(reverse("api:agreement-list"), params).json()
    assert {row["slug"] for row in api["results"]} == {"february", "day"}
    rows = csv.DictReader(io.StringIO(body(client.get(reverse("exports:agreements-csv"), params)).decode()))
    assert {row["slug"] for row in rows} == {"february", "day"}
    assert {
        row["slug"]
        for row in client.get(reverse("api:agreement-list"), {"signed_before": "2025-11-30"}).json()["results"]
    } == {"november", "february", "day"}


def test_the_last_day_of_the_calendar_is_not_an_error(client, dated):
    assert selected(signed_before="9999-12-31")[0] == {"november", "february", "day", "year"}
    assert client.get(reverse("agreements:agreement-list"), {"signed_before": "9999-12-31"}).status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("make", "date", "precision"),
    [
        ("agreement", "signed_on", "signed_on_precision"),
        ("commitment", "due_on", "due_precision"),
        ("status_entry", "date", "date_precision"),
        ("commitment_update", "date", "date_precision"),
    ],
)
def test_the_database_refuses_a_partial_date_that_is_not_its_first_day(make, date, precision):
    """What the forms check (partial_date_error), the database refuses too, whatever writes the row (loaddata,
    queryset.update, raw SQL): a month not on its first day, a year not on the first of January."""
    from django.db import IntegrityError, transaction

    from tests.factories import CommitmentFactory, CommitmentUpdateFactory, StatusEntryFactory

    factories = {
        "agreement": AgreementFactory,
        "commitment": CommitmentFactory,
        "status_entry": StatusEntryFactory,
        "commitment_update": CommitmentUpdateFactory,
    }
    row = factories[make]()
    model = type(row)
    rows = model.objects.filter(pk=row.pk)
    for good, kind in [
        (datetime.date(2026, 3, 1), DatePrecision.MONTH),
        (datetime.date(2026, 1, 1), DatePrecision.YEAR),
        (datetime.date(2026, 3, 17), DatePrecision.DAY),
    ]:
        rows.update(**{date: good, precision: kind})
    for bad, kind in [
        (datetime.date(2026, 3, 17), DatePrecision.MONTH),
        (datetime.date(2026, 3, 1), DatePrecision.YEAR),
        (datetime.date(2026, 1, 2), DatePrecision.YEAR),
    ]:
        with pytest.raises(IntegrityError), transaction.atomic():
            rows.update(**{date: bad, precision: kind})
