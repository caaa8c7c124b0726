"""`stale` and `overdue` (true/false) in the one FilterSet: the API list, the page and the exports take them
alike; both sides of each boundary; a bad value is a 400 naming it; the tally never claims them."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.http import parse_http_date

from agreements.filters import AgreementFilterSet
from agreements.models import Agreement, DatePrecision, MilestoneStatus
from tests.days import TODAY, move_today
from tests.exports.conftest import body
from tests.factories import AgreementFactory, CommitmentFactory, SectorFactory

from .conftest import LIST_URL, get_json

DAY = datetime.timedelta(days=1)


def slugs(client, **params):
    return {row["slug"] for row in get_json(client, LIST_URL, page_size=100, **params)["results"]}


@pytest.fixture
def verified(db, monkeypatch):
    """Checked 180 days before today (fresh), 181 days before (stale), and never (stale)."""
    move_today(monkeypatch, TODAY)
    AgreementFactory(slug="fresh", last_verified_on=TODAY - 180 * DAY)
    AgreementFactory(slug="old", last_verified_on=TODAY - 181 * DAY)
    AgreementFactory(slug="never", last_verified_on=None)


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"stale": "true"}, {"old", "never"}),
        ({"stale": "false"}, {"fresh"}),
        ({"stale": ""}, {"fresh", "old", "never"}),
    ],
)
def test_stale_filter(client, verified, params, expected):
    assert slugs(client, **params) == expected


def test_stale_rows_say_what_the_filter_says(client, verified):
    rows = get_json(client, LIST_URL, page_size=100)["results"]
    assert {row["slug"] for row in rows if row["stale"]} == slugs(client, stale="true")


@pytest.mark.parametrize(
    ("verified_days_ago", "stale"),
    [(0, False), (179, False), (180, False), (181, True), (400, True)],
)
def test_stale_boundary_is_180_days(client, db, monkeypatch, verified_days_ago, stale):
    AgreementFactory(slug="checked", last_verified_on=datetime.date(2026, 6, 1))
    move_today(monkeypatch, datetime.date(2026, 6, 1) + verified_days_ago * DAY)
    assert slugs(client, stale="true") == ({"checked"} if stale else set())
    assert slugs(client, stale="false") == (set() if stale else {"checked"})


def test_stale_follows_the_setting(client, verified, settings):
    settings.REGISTER_STALE_AFTER_DAYS = 365
    assert slugs(client, stale="true") == {"never"}


@pytest.fixture
def commitments(db, monkeypatch):
    """Due in July 2026 and not met; met though long due; due in 2028; several overdue; none at all."""
    move_today(monkeypatch, datetime.date(2026, 8, 1))
    july = AgreementFactory(slug="due-july")
    CommitmentFactory(agreement=july, due_on=datetime.date(2026, 7, 1), due_precision=DatePrecision.MONTH)
    CommitmentFactory(agreement=july, due_on=datetime.date(2030, 1, 1), due_precision=DatePrecision.YEAR)
    met = AgreementFactory(slug="met")
    CommitmentFactory(agreement=met, due_on=datetime.date(2025, 1, 1), status=MilestoneStatus.MET)
    later = AgreementFactory(slug="due-2028")
    CommitmentFactory(agreement=later, due_on=datetime.date(2028, 1, 1), due_precision=DatePrecision.YEAR)
    several = AgreementFactory(slug="several")
    for status in (MilestoneStatus.SCHEDULED, MilestoneStatus.NOT_MET, MilestoneStatus.PARTIALLY_MET):
        CommitmentFactory(agreement=several, due_on=datetime.date(2026, 3, 15), status=status)
    AgreementFactory(slug="no-commitment")
    undated = AgreementFactory(slug="undated")
    CommitmentFactory(agreement=undated, due_on=None)


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"overdue": "true"}, {"due-july", "several"}),
        ({"overdue": "false"}, {"met", "due-2028", "no-commitment", "undated"}),
        ({"overdue": "true", "stale": "false"}, set()),
        ({"overdue": "true", "q": "agreement"}, {"due-july", "several"}),
    ],
)
def test_overdue_filter(client, commitments, params, expected):
    assert slugs(client, **params) == expected


def test_an_agreement_with_several_overdue_commitments_is_one_row(client, commitments):
    data = get_json(client, LIST_URL, overdue="true")
    assert [row["slug"] for row in data["results"]].count("several") == 1
    assert data["count"] == data["totals"]["count"] == 2


def test_overdue_rows_say_what_the_filter_says(client, commitments):
    rows = get_json(client, LIST_URL, page_size=100)["results"]
    flagged = {row["slug"] for row in rows if any(item["overdue"] for item in row["commitments"])}
    assert flagged == slugs(client, overdue="true")


@pytest.mark.parametrize(
    ("due_on", "precision", "overdue_from"),
    [
        (datetime.date(2026, 7, 1), DatePrecision.MONTH, datetime.date(2026, 8, 1)),
        (datetime.date(2026, 2, 1), DatePrecision.MONTH, datetime.date(2026, 3, 1)),
        (datetime.date(2026, 7, 15), DatePrecision.DAY, datetime.date(2026, 7, 16)),
        (datetime.date(2028, 1, 1), DatePrecision.YEAR, datetime.date(2029, 1, 1)),
    ],
)
def test_overdue_boundary_is_the_day_after_the_due_period(client, db, monkeypatch, due_on, precision, overdue_from):
    CommitmentFactory(agreement=AgreementFactory(slug="promise"), due_on=due_on, due_precision=precision)
    move_today(monkeypatch, overdue_from - DAY)  # the last day of the due month, day or year
    assert slugs(client, overdue="true") == set()
    assert slugs(client, overdue="false") == {"promise"}
    move_today(monkeypatch, overdue_from)
    assert slugs(client, overdue="true") == {"promise"}
    assert slugs(client, overdue="false") == set()


@pytest.mark.parametrize(
    ("param", "value"),
    [
        ("stale", "maybe"),
        ("stale", "1"),
        ("stale", "True"),
        ("overdue", "yes"),
        ("overdue", "0"),
        ("overdue", "x" * 50),
    ],
)
def test_bad_value_is_a_400_naming_the_parameter(client, verified, param, value):
    data = get_json(client, LIST_URL, expect=400, **{param: value})
    assert data["detail"] == "Invalid query parameters."
    assert list(data["errors"]) == [param]
    assert "not one of the available choices" in data["errors"][param][0]


def test_both_bad_values_are_named_at_once(client, db):
    assert set(get_json(client, LIST_URL, expect=400, stale="no", overdue="no")["errors"]) == {"stale", "overdue"}


@pytest.mark.parametrize(
    "params",
    [
        {"stale": "true"},
        {"stale": "false"},
        {"overdue": "true"},
        {"overdue": "false"},
        {"sector": "energy", "stale": "true"},
    ],
)
def test_the_tally_never_claims_these_selections(db, params):
    SectorFactory(slug="energy")
    filterset = AgreementFilterSet(params)
    assert filterset.is_valid()
    assert filterset.tallied_scope() is None
    assert AgreementFilterSet({"sector": "energy"}).tallied_scope() is not None


@pytest.mark.parametrize("params", [{"stale": "true"}, {"stale": "false"}, {"overdue": "true"}, {"overdue": "false"}])
def test_totals_are_those_of_the_selection(client, commitments, params):
    AgreementFactory(slug="checked", last_verified_on=datetime.date(2026, 7, 1))
    data = get_json(client, LIST_URL, **params)
    assert data["totals"] == AgreementFilterSet(params).qs.totals().as_dict()
    assert data["totals"]["count"] == data["count"] == len(data["results"])


def test_a_day_dependent_selection_was_modified_at_midnight_at_the_latest(client, verified, monkeypatch):
    """If-Modified-Since from yesterday must not get a 304 for a selection that midnight changed."""
    day = move_today(monkeypatch, datetime.date(2027, 1, 10))
    midnight = datetime.datetime.combine(day, datetime.time.min, tzinfo=datetime.UTC).timestamp()
    unfiltered = client.get(LIST_URL)
    assert parse_http_date(unfiltered["Last-Modified"]) < midnight  # when the rows last changed
    for params in ({"stale": "true"}, {"overdue": "false"}):
        response = client.get(LIST_URL, params)
        assert parse_http_date(response["Last-Modified"]) == midnight
        yesterday = {"if-modified-since": "Sat, 09 Jan 2027 12:00:00 GMT"}
        assert client.get(LIST_URL, params, headers=yesterday).status_code == 200
        assert client.get(LIST_URL, params, headers={"if-modified-since": response["Last-Modified"]}).status_code == 304


def test_queries_do_not_grow_with_rows(client, db, monkeypatch):
    """As many queries for 3 rows as for 30: the filters are EXISTS and a comparison, never a query per row."""
    move_today(monkeypatch, TODAY)

    def build(count):
        for _ in range(count):
            agreement = AgreementFactory(last_verified_on=TODAY - 365 * DAY)
            CommitmentFactory(agreement=agreement, due_on=datetime.date(2026, 1, 1))
            CommitmentFactory(agreement=agreement, due_on=datetime.date(2026, 2, 1))
            AgreementFactory(last_verified_on=TODAY)

    def queries():
        counted = []
        for params in ({"stale": "true", "overdue": "true"}, {"stale": "false", "overdue": "false"}):
            with CaptureQueriesContext(connection) as context:
                assert len(get_json(client, LIST_URL, page_size=100, **params)["results"]) == rows
            counted.append(len(context))
        return counted

    rows = 3
    build(rows)
    few = queries()
    build(27)
    rows = 30
    # the register's version, totals (own values, groups), the register's moment, the page's ids, the page's rows:
    # as without the filters
    assert few == queries() == [6, 6]


# The page and the exports read the same FilterSet.


def test_the_page_takes_both_filters(client, commitments):
    response = client.get(reverse("agreements:agreement-list"), {"overdue": "true"})
    assert response.status_code == 200
    assert {agreement.slug for agreement in response.context["agreements"]} == {"due-july", "several"}
    html = response.content.decode()
    assert 'name="overdue"' in html and 'name="stale"' in html
    assert '<option value="true" selected>With an overdue commitment</option>' in html


def test_a_bad_value_on_the_page_is_a_message(client, db):
    response = client.get(reverse("agreements:agreement-list"), {"stale": "maybe"})
    assert response.status_code == 400
    assert [error["name"] for error in response.context["errors"]] == ["stale"]
    assert "Select a valid choice. maybe is not one of the available choices." in response.content.decode()


def test_the_exports_take_both_filters(client, commitments):
    response = client.get(reverse("exports:agreements-csv"), {"overdue": "true"})
    lines = body(response).decode().splitlines()[1:]
    assert sorted(line.split(",")[0] for line in lines) == ["due-july", "several"]
    response = client.get(reverse("exports:agreements-json"), {"overdue": "maybe"})
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["overdue"]


# The dataset (today 2026-12-06): Boeing's deliveries (July 2026) and Starlink (March 2026) are overdue.


def test_the_datasets_overdue_and_stale_records(client, register, monkeypatch):
    move_today(monkeypatch, TODAY)
    assert slugs(client, overdue="true") == {"air-astana-boeing-787", "beeline-starlink-direct-to-cell"}
    assert len(slugs(client, overdue="false")) == Agreement.objects.public().count() - 2 == 20
    assert slugs(client, stale="true") == set()
    move_today(monkeypatch, datetime.date(2027, 5, 30))  # verified on 2026-12-01: 180 days before
    assert slugs(client, stale="true") == set()
    move_today(monkeypatch, datetime.date(2027, 5, 31))
    assert len(slugs(client, stale="true")) == 22
    assert slugs(client, stale="false") == set()
    move_today(monkeypatch, datetime.date(2026, 7, 31))  # Boeing's July is not over yet
    assert slugs(client, overdue="true") == {"beeline-starlink-direct-to-cell"}


def test_an_answer_kept_yesterday_is_not_served_today(client, verified, monkeypatch, settings):
    """The answer cache keeps a day's answer for that day only: midnight can make a record stale."""
    settings.REGISTER_CACHE_TIMEOUT = 300
    AgreementFactory(slug="turning", last_verified_on=TODAY - 180 * DAY)
    assert "turning" not in slugs(client, stale="true")
    assert client.get(LIST_URL, {"page_size": 100, "stale": "true"})["X-Cache"] == "hit"
    move_today(monkeypatch, TODAY + DAY)
    assert "turning" in slugs(client, stale="true")
