"""The follow-up rules, each defined once (agreements/models/followup.py): overdue, stale, news since, the
scorecard; each boundary tested on both sides of "today"."""

import datetime
from decimal import Decimal

import pytest

from agreements.models import (
    Agreement,
    Commitment,
    DatePrecision,
    Event,
    MilestoneStatus,
    Status,
    agreement_news_since,
    format_partial_date,
    is_overdue,
    is_stale,
    newest_fact,
    overdue_q,
    overdue_text,
    parse_partial_date,
    period_end,
    scorecards,
    stale_q,
)
from tests.factories import (
    AgreementFactory,
    CommitmentFactory,
    CommitmentUpdateFactory,
    EventFactory,
    StatusEntryFactory,
)

DAY = datetime.date
MONTH, YEAR, EXACT = DatePrecision.MONTH, DatePrecision.YEAR, DatePrecision.DAY


@pytest.mark.parametrize(
    ("due", "precision", "last_day"),
    [
        (DAY(2026, 7, 1), MONTH, DAY(2026, 7, 31)),
        (DAY(2026, 2, 1), MONTH, DAY(2026, 2, 28)),
        (DAY(2028, 2, 1), MONTH, DAY(2028, 2, 29)),
        (DAY(2026, 12, 1), MONTH, DAY(2026, 12, 31)),
        (DAY(2028, 1, 1), YEAR, DAY(2028, 12, 31)),
        (DAY(2026, 7, 15), EXACT, DAY(2026, 7, 15)),
    ],
)
def test_overdue_only_once_the_whole_due_period_is_over(due, precision, last_day):
    assert period_end(due, precision) == last_day
    assert not is_overdue(due, precision, MilestoneStatus.SCHEDULED, day=last_day)
    assert is_overdue(due, precision, MilestoneStatus.SCHEDULED, day=last_day + datetime.timedelta(days=1))


@pytest.mark.parametrize("status", [MilestoneStatus.SCHEDULED, MilestoneStatus.PARTIALLY_MET, MilestoneStatus.NOT_MET])
def test_every_status_but_met_can_be_overdue(status):
    after = DAY(2026, 8, 1)
    assert is_overdue(DAY(2026, 7, 1), MONTH, status, day=after)
    assert not is_overdue(DAY(2026, 7, 1), MONTH, MilestoneStatus.MET, day=after)
    assert not is_overdue(None, EXACT, status, day=after)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("due", "precision"), [(DAY(2026, 7, 1), MONTH), (DAY(2026, 1, 1), YEAR), (DAY(2026, 7, 31), EXACT)]
)
def test_the_sql_rule_agrees_with_the_python_rule_on_both_sides_of_the_boundary(due, precision):
    commitment = CommitmentFactory(due_on=due, due_precision=precision)
    last = period_end(due, precision)
    for day in (last, last + datetime.timedelta(days=1)):
        in_sql = Commitment.objects.filter(overdue_q(day=day), pk=commitment.pk).exists()
        assert in_sql == is_overdue(due, precision, commitment.status, day=day), day
        assert overdue_text(commitment.due_display, commitment.status, day=day) == in_sql


def test_stale_after_180_days_and_not_on_the_180th():
    verified = DAY(2026, 6, 4)
    assert not is_stale(verified, day=verified + datetime.timedelta(days=180))
    assert is_stale(verified, day=verified + datetime.timedelta(days=181))
    assert is_stale(None, day=verified)


@pytest.mark.django_db
def test_the_stale_setting_moves_the_boundary_and_sql_agrees(settings):
    settings.REGISTER_STALE_AFTER_DAYS = 30
    agreement = AgreementFactory(last_verified_on=DAY(2026, 11, 1))
    never = AgreementFactory(last_verified_on=None)
    for day, expected in ((DAY(2026, 12, 1), False), (DAY(2026, 12, 2), True)):
        assert is_stale(agreement.last_verified_on, day=day) is expected
        stale = set(Agreement.objects.filter(stale_q(day)).values_list("pk", flat=True))
        assert (agreement.pk in stale) is expected
        assert never.pk in stale


def test_partial_dates_read_back_and_the_newest_fact():
    assert parse_partial_date("2026-02") == (DAY(2026, 2, 1), MONTH)
    assert parse_partial_date("2028") == (DAY(2028, 1, 1), YEAR)
    assert parse_partial_date("2025-09-22") == (DAY(2025, 9, 22), EXACT)
    assert parse_partial_date(None) == (None, EXACT)
    # A day in a month beats the month it is in, its first day too; nothing dated is no news at all.
    assert newest_fact(["2026-02", "2026-02-20"]) == "2026-02-20"
    assert newest_fact(["2026-02", "2026-01-31"]) == "2026-02"
    assert newest_fact(["2026-02-01", "2026-02"]) == "2026-02-01"
    assert newest_fact(["2025-01", "2025", "2024-12-31"]) == "2025-01"
    assert newest_fact([None, ""]) is None
    assert newest_fact([]) is None


def test_the_newest_fact_read_from_text_is_the_newest_by_first_day_then_precision():
    """The texts' own order (what the API's rows compare) is the rule: the first day, then the finer precision."""
    finer = {YEAR: 0, MONTH: 1, EXACT: 2}
    # As stored: a month is its first day, a year the first of January (partial_date_error).
    pairs = [(DAY(year, month, day), EXACT) for year in (2025, 2026) for month in (1, 2, 11, 12) for day in (1, 2, 28)]
    pairs += [(DAY(year, month, 1), MONTH) for year in (2025, 2026) for month in (1, 2, 11, 12)]
    pairs += [(DAY(year, 1, 1), YEAR) for year in (2024, 2025, 2026)]
    for first in pairs:
        for second in pairs:
            expected = max(first, second, key=lambda pair: (pair[0], finer[pair[1]]))
            texts = [format_partial_date(*first), format_partial_date(*second)]
            assert newest_fact(texts) == format_partial_date(*expected)


@pytest.mark.django_db
def test_news_since_counts_the_signature_the_timeline_and_the_updates():
    agreement = AgreementFactory(signed_on=DAY(2025, 11, 1), signed_on_precision=MONTH)
    assert agreement_news_since(agreement) == "2025-11"
    StatusEntryFactory(agreement=agreement, date=DAY(2026, 1, 19))
    CommitmentUpdateFactory(commitment=CommitmentFactory(agreement=agreement), date=DAY(2026, 5, 20))
    fresh = Agreement.objects.prefetch_related("status_entries", "commitments__updates").get(pk=agreement.pk)
    assert agreement_news_since(fresh) == "2026-05-20"


@pytest.mark.django_db
def test_the_scorecard_of_an_event_adds_up(django_assert_num_queries):
    today = DAY(2026, 12, 6)
    event = EventFactory(starts_on=DAY(2025, 11, 6))
    other = EventFactory(starts_on=DAY(2025, 9, 22))
    announced = AgreementFactory(event=event, status=Status.ANNOUNCED, last_verified_on=today)
    signed = AgreementFactory(event=event, status=Status.SIGNED, last_verified_on=DAY(2025, 1, 1))
    AgreementFactory(event=other, status=Status.SIGNED, last_verified_on=today)
    StatusEntryFactory(agreement=announced, status=Status.ANNOUNCED, date=DAY(2025, 11, 1))  # before: no news
    StatusEntryFactory(agreement=signed, status=Status.SIGNED, date=DAY(2025, 11, 6))  # the day itself: no news
    due = CommitmentFactory(agreement=signed, due_on=DAY(2026, 7, 1), due_precision=MONTH)
    CommitmentUpdateFactory(commitment=due, status=MilestoneStatus.PARTIALLY_MET, date=DAY(2026, 2, 20))
    CommitmentFactory(agreement=announced, status=MilestoneStatus.SCHEDULED)
    with django_assert_num_queries(2):
        cards = scorecards(Agreement.objects.public(), "event", day=today)
    card = cards[event.pk]
    assert card.agreements == 2 == sum(card.by_status.values())
    assert (card.signed, card.announced_only) == (1, 1)
    assert card.by_status[Status.SIGNED] == card.by_status[Status.ANNOUNCED] == 1
    assert card.commitments == {"scheduled": 1, "met": 0, "not_met": 0, "partially_met": 1, "overdue": 1}
    assert card.with_news_since_event == 1  # the update of 20 February 2026
    assert card.stale == 1
    assert cards[other.pk].agreements == 1 and cards[other.pk].commitments["overdue"] == 0
    whole = scorecards(Agreement.objects.public(), day=today)[None]
    assert whole.agreements == 3 and whole.with_news_since_event is None
    assert whole.as_dict()["commitments"]["partially_met"] == 1


@pytest.mark.django_db
def test_the_datasets_november_scorecard(register):
    november = Event.objects.get(slug="tokayev-washington-2025-11")
    cards = scorecards(Agreement.objects.public(), "event", day=DAY(2026, 12, 6))
    card = cards[november.pk]
    assert card.agreements == 21
    assert (card.signed, card.announced_only) == (20, 1)
    assert card.commitments["met"] == 1 and card.commitments["partially_met"] == 1
    assert card.commitments["overdue"] == 2  # Boeing's July 2026 deliveries, Starlink's March 2026 launch
    assert (
        scorecards(Agreement.objects.public(), "event", day=DAY(2026, 7, 31))[november.pk].commitments["overdue"] == 1
    )
    assert card.with_news_since_event == 6
    assert card.stale == 0
    assert scorecards(Agreement.objects.public(), "event", day=DAY(2027, 5, 31))[november.pk].stale == 21
    assert Decimal(card.agreements) == Decimal(sum(card.by_status.values()))
