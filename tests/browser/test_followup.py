"""The follow-up in a real browser: the agreement page with its timeline, the event page with its
scorecard and `/changes/` with published changes: axe-clean, no CSP violation, no sideways scrolling
at 360 px."""

import datetime
import re

import pytest

from agreements.models import Agreement, CommitmentUpdate, DatePrecision, MilestoneStatus, Source, Status, StatusEntry
from tests.browser.conftest import csp_violations
from tests.browser.test_accessibility import axe_failures
from tests.browser.test_pages import PHONE_WIDTH

BOEING = "air-astana-boeing-787"
URLS = [
    "/agreements/cove-capital-tungsten/",
    "/agreements/samruk-kazyna-ashmore-clinic/",
    "/events/tokayev-washington-2025-11/",
    "/",
    "/changes/",
    f"/changes/?agreement={BOEING}",
]


@pytest.fixture
def changed(register):
    """Published changes to a record of the dataset (the live server's database commits each at once, so
    the change log records them as staff would make them)."""
    boeing = Agreement.objects.get(slug=BOEING)
    source = Source.objects.get(key="astanatimes-2026-02-20")
    StatusEntry.objects.create(
        agreement=boeing,
        date=datetime.date(2026, 11, 1),
        date_precision=DatePrecision.MONTH,
        status=Status.IN_FORCE,
        source=source,
        note="A long note, to see that the change log wraps it on a phone rather than scrolling sideways: "
        "supercalifragilisticexpialidocious-and-then-some-more-words-without-spaces-at-all",
    )
    deliveries = boeing.commitments.get(position=2)
    CommitmentUpdate.objects.create(
        commitment=deliveries, date=datetime.date(2026, 11, 20), status=MilestoneStatus.MET, source=source
    )
    boeing.refresh_from_db()
    boeing.title = f"{boeing.title} (renamed)"
    boeing.save()
    return boeing


def test_follow_up_pages_are_axe_clean_and_break_no_csp_rule(page, changed):
    failures = []
    for url in URLS:
        response = page.goto(url)
        assert response.status == 200, url
        failures.append(axe_failures(page, url))
        assert csp_violations(page) == [], url
    report = "\n\n".join(failure for failure in failures if failure)
    assert not report, report
    # What axe checked really holds the follow-up: the change log's entries, a timeline, a scorecard.
    page.goto("/changes/")
    assert page.locator("li.change").count() == 3  # three commits, three published versions
    # "→" is hidden from screen readers, which read "became" instead.
    words = re.sub(r"\s*→\s*became\s*", " → ", page.locator("main").inner_text())
    assert "Commitment 2 · status: Scheduled → Met" in words
    assert "Status: Signed → In force" in words
    page.goto(URLS[0])
    assert page.get_by_role("img", name="The status timeline as a line: 2 dated entries", exact=False).count() == 1
    page.goto(URLS[2])
    assert page.get_by_role("img", name="Agreements by current status", exact=False).count() == 1


def test_follow_up_pages_do_not_scroll_sideways_at_phone_width(phone_page, changed):
    failures = []
    for url in URLS:
        response = phone_page.goto(url)
        assert response.status == 200, url
        widths = phone_page.evaluate(
            "({doc: document.documentElement.scrollWidth, body: document.body.scrollWidth,"
            " viewport: window.innerWidth})"
        )
        assert widths["viewport"] == PHONE_WIDTH, f"{url}: {widths}"
        assert widths["doc"] <= PHONE_WIDTH, f"{url}: {widths}"
        assert widths["body"] <= PHONE_WIDTH, f"{url}: {widths}"
        failures.append(axe_failures(phone_page, f"{url} at {PHONE_WIDTH} px"))
    report = "\n\n".join(failure for failure in failures if failure)
    assert not report, report
