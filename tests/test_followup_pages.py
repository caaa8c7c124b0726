"""What became of each deal, where the public sees it: the agreement page (timeline, last verified,
stale, no news since, each commitment's latest update, progress and overdue, the SVG timeline) and the
scorecard of the overview and the event page. "Today" is moved by patching agreements.models.followup.today.
"""

import datetime
import re
from decimal import Decimal

import pytest
from django.urls import reverse

from agreements.models import (
    Agreement,
    CommitmentUpdate,
    DatePrecision,
    Event,
    MilestoneStatus,
    Source,
    Status,
    StatusEntry,
    followup,
    scorecards,
)
from tests.factories import (
    AgreementFactory,
    CitationFactory,
    CommitmentFactory,
    EventFactory,
    SourceFactory,
)

pytestmark = pytest.mark.django_db
NOVEMBER = "tokayev-washington-2025-11"


def text_of(html):
    """The page's words as they read on screen: tags and screen-reader-only words dropped, spaces collapsed."""
    html = re.sub(r'<span class="visually-hidden">[^<]*</span>', "", html)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", html)).strip()


def on_day(monkeypatch, day):
    monkeypatch.setattr(followup, "today", lambda: day)


def page(client, slug):
    response = client.get(reverse("agreements:agreement-detail", args=[slug]))
    assert response.status_code == 200
    return response.content.decode()


def source_numbered(html, number):
    """The text of the page's numbered source `number`."""
    match = re.search(rf'<li id="source-{number}">(.*?)</li>', html, re.S)
    assert match, f"no source [{number}]"
    return text_of(match.group(1))


def timeline_items(html):
    return re.findall(r"<li>(<time.*?)</li>", re.search(r'<ol class="timeline">(.*?)</ol>', html, re.S).group(1), re.S)


# ---------------------------------------------------------------- the dataset's facts


def test_the_clinics_february_2026_entry_with_its_source(client, register):
    html = page(client, "samruk-kazyna-ashmore-clinic")
    first, february = timeline_items(html)
    assert text_of(first).startswith("November 2025: Announced. Announced during the visit")
    assert (
        '<time datetime="2026-02">February 2026</time>: <strong class="status status-announced">Announced</strong>'
        in (february)
    )
    assert "Mount Sinai" in february
    (number,) = re.findall(r'href="#source-(\d+)"', february)
    source = Source.objects.get(key="qazinform-ashmore-clinic")
    assert source_numbered(html, number).startswith(f"{source.publisher}: {source.title}")


def test_the_tungsten_documents_of_12_march_2026(client, register):
    html = page(client, "cove-capital-tungsten")
    entries = timeline_items(html)
    assert [text_of(entry).split(":")[0] for entry in entries] == ["November 2025", "12 March 2026"]
    march = entries[1]
    assert (
        '<time datetime="2026-03-12">12 March 2026</time>: <strong class="status status-signed">Signed</strong>'
        in march
    )
    assert "share purchase agreement" in march
    (number,) = re.findall(r'href="#source-(\d+)"', march)
    source = Source.objects.get(key="qazinform-2026-03-12")
    assert source_numbered(html, number).startswith(f"{source.publisher}: {source.title}, 2026-03-12")
    # The joint venture commitment, met that day by the same source.
    assert re.search(r"12 March 2026.{0,80}Met", text_of(html))
    assert "No news since 12 March 2026" in text_of(html)


def test_chatgpt_edu_is_partially_met_84000_with_no_target_stated(client, register):
    words = text_of(page(client, "openai-chatgpt-edu"))
    assert "Partially met 84,000 (no target stated)" in words
    assert "20 May 2026: Partially met. A national ChatGPT Edu deployment: 84,000 educators" in words


def test_progress_against_a_commitments_quantity(client):
    commitment = CommitmentFactory(quantity=Decimal("3000"), unit="units")
    CommitmentUpdate.objects.create(
        commitment=commitment,
        date=datetime.date(2026, 5, 1),
        date_precision=DatePrecision.MONTH,
        status=MilestoneStatus.PARTIALLY_MET,
        progress=Decimal("84000"),
    )
    CommitmentUpdate.objects.create(
        commitment=commitment, date=datetime.date(2026, 6, 2), status=MilestoneStatus.PARTIALLY_MET, note="Later"
    )
    words = text_of(page(client, commitment.agreement.slug))
    # The latest update that states a figure, dated, since the latest update states none.
    assert "84,000 of 3,000 units (reported May 2026)" in words
    assert "2 June 2026: Partially met. Later" in words


@pytest.mark.parametrize(("day", "overdue"), [(datetime.date(2026, 7, 31), False), (datetime.date(2026, 8, 1), True)])
def test_boeing_deliveries_are_overdue_from_1_august_2026(client, register, monkeypatch, day, overdue):
    on_day(monkeypatch, day)
    html = page(client, "air-astana-boeing-787")
    item = re.search(
        r'<li class="commitment">\s*<p class="commitment-what">First Boeing 787 deliveries.*?</li>', html, re.S
    )
    row = text_of(item.group(0))
    assert "July 2026" in row
    assert ("overdue due July 2026; no source reports it met" in row) is overdue
    assert ("overdue" in row) is overdue


@pytest.mark.parametrize(("days", "stale"), [(180, False), (181, True)])
def test_stale_after_180_days_since_the_last_verification(client, register, monkeypatch, days, stale):
    on_day(monkeypatch, datetime.date(2026, 12, 1) + datetime.timedelta(days=days))
    html = page(client, "wabtec-locomotives")
    assert "Last verified on 1 December 2026" in text_of(html)
    assert ('<span class="badge badge-stale">stale</span>' in html) is stale
    assert ("not checked against its sources in the last 180 days" in html) is stale


@pytest.mark.parametrize(("days", "stale"), [(180, False), (181, True)])
def test_stale_records_say_so_in_every_list_and_feed(client, register, monkeypatch, days, stale):
    """PRODUCT.md: stale records say so on every surface (the page, the API and the exports have their own tests)."""
    on_day(monkeypatch, datetime.date(2026, 12, 1) + datetime.timedelta(days=days))
    badge = '<span class="badge badge-stale" title="Not checked against its sources in the last 180 days">stale</span>'
    for url in ("/agreements/", "/organizations/wabtec/", "/sectors/rail-transport/", "/"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert (badge in response.content.decode()) is stale, url
    russian = client.get("/ru/agreements/").content.decode()
    assert ("Не сверялось с источниками последние 180 дней" in russian) is stale  # noqa: RUF001
    feed = client.get("/feeds/agreements/").content.decode()
    assert ("stale: not checked against its sources lately" in feed) is stale


def test_john_deere_has_no_news_since_november_2025(client, register):
    html = page(client, "john-deere-agricultural-machinery")
    assert "No news since November 2025 (the newest dated fact on this record)" in text_of(html)
    assert '<time datetime="2025-11">November 2025</time>' in html


def test_a_record_never_verified_is_stale_and_says_so(client):
    agreement = AgreementFactory(last_verified_on=None, signed_on=None)
    words = text_of(page(client, agreement.slug))
    assert "Never verified against its sources. stale" in words
    assert "No dated fact on this record." in words
    assert "No dated status recorded yet." in words


# ---------------------------------------------------------------- sources and the SVG timeline


def test_sources_cited_only_by_the_follow_up_get_one_number_each(client):
    agreement = AgreementFactory(last_verified_on=datetime.date(2026, 12, 1))
    CitationFactory(agreement=agreement, source=SourceFactory(publisher="Cited"))
    later = SourceFactory(publisher="Follow-up press", title="Plant opened")
    other = SourceFactory(publisher="Trade weekly", title="Deliveries")
    StatusEntry.objects.create(
        agreement=agreement, date=datetime.date(2026, 3, 12), status=Status.IN_FORCE, source=later, note="Opened"
    )
    commitment = CommitmentFactory(agreement=agreement, source=other)
    CommitmentUpdate.objects.create(
        commitment=commitment, date=datetime.date(2026, 4, 1), status=MilestoneStatus.MET, source=later
    )
    html = page(client, agreement.slug)
    assert source_numbered(html, 1).startswith("Cited:")
    assert (
        source_numbered(html, 2)
        == "Follow-up press: Plant opened, 2025-11-07 (en) — supports: status timeline, commitment updates"
    )
    assert source_numbered(html, 3) == "Trade weekly: Deliveries, 2025-11-07 (en) — supports: commitments"
    assert 'id="source-4"' not in html
    assert html.count('href="#source-2"') == 2  # the timeline entry and the update


def test_the_timeline_is_an_accessible_svg_beside_the_same_facts_as_text(client, register):
    html = page(client, "cove-capital-tungsten")
    svg = re.search(
        r"<svg[^>]*>.*?</svg>",
        re.search(r'<figure class="chart timeline-figure">.*?</figure>', html, re.S).group(0),
        re.S,
    ).group(0)
    assert 'role="img"' in svg and 'aria-labelledby="timeline-chart-title"' in svg
    assert '<title id="timeline-chart-title">The status timeline as a line: 2 dated entries' in svg
    assert "style" not in svg and "<script" not in html.split("</head>")[1]
    assert svg.count("<circle") == 2 == len(timeline_items(html))
    # Numbered as in the list; the ends labelled; the dashed stretch to the last verification.
    assert re.findall(r'class="timeline-number"[^>]*>(\d+)<', svg) == ["1", "2"]
    assert ">November 2025</text>" in svg and ">checked 1 December 2026</text>" in svg
    assert 'class="timeline-silence"' in svg


def test_the_timeline_chart_places_each_entry_by_its_date():
    from agreements.charts import timeline_chart

    chart = timeline_chart(
        [
            (datetime.date(2025, 11, 1), DatePrecision.MONTH, Status.SIGNED),
            (datetime.date(2026, 3, 12), DatePrecision.DAY, Status.IN_FORCE),
        ],
        verified_on=datetime.date(2026, 12, 1),
    )
    assert [point.x for point in chart.points] == [16.0, 124.8]
    assert chart.verified_x == 344.0
    assert (chart.start_label, chart.end_label) == ("November 2025", "checked 1 December 2026")
    # Checked before its last entry: the line ends there, with that entry's date.
    same_day = timeline_chart(
        [(datetime.date(2026, 3, 12), DatePrecision.DAY, Status.SIGNED)], datetime.date(2026, 1, 1)
    )
    assert same_day.verified_x is None
    assert (same_day.points[0].x, same_day.start_label, same_day.end_label) == (180.0, "12 March 2026", None)
    assert timeline_chart([]) is None


@pytest.mark.parametrize("rows", [3, 30])
def test_agreement_page_query_count_is_constant_with_timeline_and_commitments(
    client, django_assert_max_num_queries, rows
):
    agreement = AgreementFactory()
    for index in range(rows):
        StatusEntry.objects.create(
            agreement=agreement,
            date=datetime.date(2025, 1, 1) + datetime.timedelta(days=index),
            status=Status.SIGNED,
            source=SourceFactory(),
        )
        commitment = CommitmentFactory(agreement=agreement, source=SourceFactory(), due_on=datetime.date(2026, 1, 1))
        for day in (1, 2):
            CommitmentUpdate.objects.create(
                commitment=commitment,
                date=datetime.date(2026, 1, day),
                status=MilestoneStatus.PARTIALLY_MET,
                progress=Decimal(day),
                source=SourceFactory(),
            )
    # The record, its parties, citations, timeline, commitments, their updates, relations (both ways) and
    # the change log's days.
    with django_assert_max_num_queries(9):
        html = client.get(agreement.get_absolute_url()).content.decode()
    assert html.count("<circle") == rows
    assert html.count('class="badge badge-overdue"') == rows


# ---------------------------------------------------------------- the scorecard


def scorecard_rows(html, slug):
    table = re.search(rf'<caption id="scorecard-{slug}-caption">.*?</table>', html, re.S).group(0)
    return {
        text_of(header): text_of(cell)
        for header, cell in re.findall(r'<th scope="row"[^>]*>(.*?)</th><td[^>]*>(.*?)</td>', table, re.S)
    }


def test_the_november_scorecard_adds_up_to_the_events_21_documents(client, register):
    event = Event.objects.get(slug=NOVEMBER)
    card = scorecards(Agreement.objects.public().filter(event=event), "event")[event.pk]
    assert card.agreements == 21 == sum(card.by_status.values())
    assert (card.signed, card.announced_only) == (20, 1)
    for url in (reverse("agreements:home"), event.get_absolute_url()):
        html = client.get(url).content.decode()
        rows = scorecard_rows(html, NOVEMBER)
        assert rows["Documents announced"] == "29"
        assert rows["Documents itemised in the register"] == "21 itemised: 20 signed, 1 announced only"
        by_status = {label: int(rows[label]) for value, label in Status.choices}
        assert sum(by_status.values()) == 21
        assert by_status == {label: card.by_status[value] for value, label in Status.choices}
        assert {label: int(rows[label]) for value, label in MilestoneStatus.choices} == {
            label: card.commitments[value] for value, label in MilestoneStatus.choices
        }
        assert int(rows["Overdue (due date passed; no source reports them met)"]) == card.commitments["overdue"] == 2
        news = rows["Records with news since the event (a status or commitment update dated after it)"]
        assert int(news) == card.with_news_since_event
        assert int(rows["Stale records (not checked against their sources in the last 180 days)"]) == card.stale == 0


def test_the_scorecard_moves_with_today(client, register, monkeypatch):
    # Before Boeing's July 2026 and after Starlink's March 2026; then, half a year after the last check.
    on_day(monkeypatch, datetime.date(2026, 7, 31))
    rows = scorecard_rows(client.get(reverse("agreements:event-detail", args=[NOVEMBER])).content.decode(), NOVEMBER)
    assert rows["Overdue (due date passed; no source reports them met)"] == "1"
    on_day(monkeypatch, datetime.date(2027, 5, 31))
    rows = scorecard_rows(client.get(reverse("agreements:event-detail", args=[NOVEMBER])).content.decode(), NOVEMBER)
    assert rows["Stale records (not checked against their sources in the last 180 days)"] == "21"


def test_the_scorecard_charts_are_accessible_svgs_of_the_same_numbers(client, register):
    html = client.get(reverse("agreements:event-detail", args=[NOVEMBER])).content.decode()
    for chart_id, labels in (
        (f"status-chart-{NOVEMBER}", [label for _, label in Status.choices]),
        (f"milestone-chart-{NOVEMBER}", ["Met", "Partially met", "Not met", "Scheduled"]),
    ):
        svg = re.search(rf'<svg[^>]*aria-labelledby="{chart_id}-title".*?</svg>', html, re.S).group(0)
        assert 'role="img"' in svg and "style" not in svg
        assert re.findall(r'class="bar-label"[^>]*>([^<]+)<', svg) == labels
    status_svg = re.search(rf'<svg[^>]*aria-labelledby="status-chart-{NOVEMBER}-title".*?</svg>', html, re.S).group(0)
    assert re.findall(r'class="bar-value"[^>]*>(\d+)<', status_svg) == ["1", "20", "0", "0", "0", "0"]
    assert status_svg.count("<rect") == 2  # no bar for a zero


def test_the_events_claim_is_shown_as_a_claim_with_its_source_never_itemised(client, register):
    for url in (reverse("agreements:home"), reverse("agreements:event-detail", args=[NOVEMBER])):
        words = text_of(client.get(url).content.decode())
        assert "Claimed by another source, not itemised by the register:" in words
        assert "“Partnerships worth up to $3.7 billion" in words
        assert "(claimed: USD 3,700,000,000) — source: U.S. Department of State: A New Era" in words
        assert "it is never added to what the register itemises" in words
        assert "≈ USD 5,430,000,000" in words


@pytest.mark.parametrize("rows", [3, 30])
def test_overview_and_event_page_query_counts_are_constant(client, django_assert_max_num_queries, rows):
    big = EventFactory(slug="big", announced_documents=40)
    for _ in range(rows):
        event = EventFactory()
        source = SourceFactory()
        event.claims.create(source=source, claim="A package", amount=Decimal("1000"), currency="USD")
        agreement = AgreementFactory(event=event)
        commitment = CommitmentFactory(agreement=agreement, due_on=datetime.date(2026, 1, 1))
        CommitmentUpdate.objects.create(
            commitment=commitment, date=datetime.date(2026, 1, 1), status=MilestoneStatus.MET
        )
        AgreementFactory(event=big)
    # The tally (all, by event, by sector), events and their claims, sectors, the scorecards (2), latest.
    with django_assert_max_num_queries(10):
        html = client.get(reverse("agreements:home")).content.decode()
    assert html.count('class="scorecard-table"') == rows + 1
    # The event and its claims, its agreements and their parties, the tally, the scorecard (2).
    with django_assert_max_num_queries(7):
        html = client.get(big.get_absolute_url()).content.decode()
    assert f"{rows} itemised: {rows} signed, 0 announced only" in text_of(html)
