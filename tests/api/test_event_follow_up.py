"""`/api/v1/events/<slug>/` carries `follow_up`, the scorecard of the event's public agreements, as of today:
the dataset's figures, both sides of the overdue and stale boundaries, drafts left out, the schema, and a
fixed number of queries."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from agreements.models import DatePrecision, MilestoneStatus, PublicationState, Status
from tests.days import TODAY, move_today
from tests.factories import AgreementFactory, CommitmentFactory, EventFactory

from .conftest import get_json

NOVEMBER = "/api/v1/events/tokayev-washington-2025-11/"
SEPTEMBER = "/api/v1/events/tokayev-new-york-2025-09/"


def test_the_november_visits_follow_up(client, register, monkeypatch):
    move_today(monkeypatch, TODAY)
    follow_up = get_json(client, NOVEMBER)["follow_up"]
    assert follow_up == {
        "by_status": {
            "announced": 1,
            "signed": 20,
            "in_force": 0,
            "completed": 0,
            "cancelled": 0,
            "expired": 0,
        },
        "commitments": {
            "scheduled": follow_up["commitments"]["scheduled"],
            "met": 1,
            "not_met": 0,
            "partially_met": 1,
            "overdue": 2,
        },
        "with_news_since_event": 6,
        "stale": 0,
    }
    assert sum(follow_up["by_status"].values()) == get_json(client, NOVEMBER)["agreement_count"] == 21
    assert follow_up["commitments"]["scheduled"] > 0


@pytest.mark.parametrize(
    ("day", "overdue", "stale"),
    [
        (datetime.date(2026, 7, 31), 1, 0),  # Starlink's March is over; Boeing's July is not
        (datetime.date(2026, 8, 1), 2, 0),
        (datetime.date(2027, 5, 30), 2, 0),  # verified on 2026-12-01: 180 days before
        (datetime.date(2027, 5, 31), 2, 21),
    ],
)
def test_the_november_visits_follow_up_moves_with_today(client, register, monkeypatch, day, overdue, stale):
    move_today(monkeypatch, day)
    follow_up = get_json(client, NOVEMBER)["follow_up"]
    assert (follow_up["commitments"]["overdue"], follow_up["stale"]) == (overdue, stale)
    september = get_json(client, SEPTEMBER)["follow_up"]
    assert follow_up["stale"] + september["stale"] == (22 if stale else 0)


def test_drafts_are_not_counted(client, db, monkeypatch):
    move_today(monkeypatch, TODAY)
    event = EventFactory(slug="visit", starts_on=datetime.date(2025, 11, 6), ends_on=datetime.date(2025, 11, 7))
    public = AgreementFactory(event=event, last_verified_on=TODAY)
    CommitmentFactory(agreement=public, due_on=datetime.date(2026, 7, 1), due_precision=DatePrecision.MONTH)
    CommitmentFactory(agreement=public, due_on=datetime.date(2026, 1, 1), status=MilestoneStatus.MET)
    for state in (PublicationState.DRAFT, PublicationState.REVIEW):
        hidden = AgreementFactory(event=event, status=Status.CANCELLED, publication_state=state)
        CommitmentFactory(agreement=hidden, due_on=datetime.date(2026, 1, 1))
    follow_up = get_json(client, "/api/v1/events/visit/")["follow_up"]
    assert follow_up["by_status"]["signed"] == 1
    assert follow_up["by_status"]["cancelled"] == 0
    assert follow_up["commitments"] == {"scheduled": 1, "met": 1, "not_met": 0, "partially_met": 0, "overdue": 1}
    assert (follow_up["with_news_since_event"], follow_up["stale"]) == (0, 0)


def test_the_event_list_stays_without_it(client, register):
    assert "follow_up" not in get_json(client, "/api/v1/events/")["results"][0]


def test_the_schema_documents_every_key(client, db):
    schema = client.get("/api/v1/schema/", {"format": "json"}).json()
    follow_up = schema["components"]["schemas"]["EventDetail"]["properties"]["follow_up"]
    assert follow_up["required"] == ["by_status", "commitments", "with_news_since_event", "stale"]
    assert set(follow_up["properties"]["by_status"]["properties"]) == set(Status.values)
    assert set(follow_up["properties"]["commitments"]["properties"]) == {*MilestoneStatus.values, "overdue"}
    assert "follow_up" in schema["components"]["schemas"]["EventDetail"]["required"]


def test_queries_do_not_grow_with_agreements(client, db):
    event = EventFactory(slug="visit")

    def build(count):
        for _ in range(count):
            CommitmentFactory(agreement=AgreementFactory(event=event), due_on=datetime.date(2026, 1, 1))

    def queries():
        with CaptureQueriesContext(connection) as context:
            get_json(client, "/api/v1/events/visit/")
        return len(context)

    build(3)
    few = queries()
    build(27)
    # the register's version, the event, its totals from the tally, the scorecard's agreements and commitments
    assert few == queries() == 5
