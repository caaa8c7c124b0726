"""Accessibility in a real browser: axe-core's WCAG 2.x A/AA rules and keyboard use (issue #3).

axe is injected through `page.evaluate`, which goes through the DevTools protocol and so is not
subject to the page's Content-Security-Policy: the pages are checked exactly as served.
"""

from urllib.parse import parse_qs, urlsplit

import pytest
from axe_playwright_python.sync_playwright import Axe

from agreements.models import Party

WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
AXE_OPTIONS = {"runOnly": {"type": "tag", "values": WCAG_TAGS}, "resultTypes": ["violations"]}

# (URL, expected status): every public page type, the filter error state and an empty result.
PAGES = {
    "home": ("/", 200),
    "agreement-list": ("/agreements/", 200),
    "list-error": ("/agreements/?sector=no-such-sector", 400),
    "list-empty": ("/agreements/?q=zzqxnothingmatches", 200),
    # In a group, with a disputed value, parties with signatories (set in `signatories` below).
    "detail-group-dispute": ("/agreements/nic-cerberus/", 200),
    # Disputed value and commitments, two sources disagreeing side by side.
    "detail-boeing": ("/agreements/air-astana-boeing-787/", 200),
    "detail-wabtec": ("/agreements/wabtec-locomotives/", 200),
    "organization-list": ("/organizations/", 200),
    "organization": ("/organizations/wabtec/", 200),
    "event": ("/events/tokayev-washington-2025-11/", 200),
    "sector": ("/sectors/education-and-science/", 200),
    "data": ("/data/", 200),
}


@pytest.fixture
def signatories(register):
    """The dataset names no signers yet; give the detail pages under test people who signed."""
    Party.objects.filter(agreement__slug="nic-cerberus", side="KZ").update(
        signed_by="Aidar Example", signer_title="Chief Executive Officer"
    )
    Party.objects.filter(agreement__slug="nic-cerberus", side="US").update(
        signed_by="Jane Example", signer_title="Managing Director"
    )
    Party.objects.filter(agreement__slug="wabtec-locomotives").update(signed_by="Pat Example", signer_title="President")


def axe_failures(page, label):
    """Run axe's WCAG 2.x A/AA rules on the page; the readable report, or "" when it passes."""
    results = Axe().run(page, options=AXE_OPTIONS)
    return f"{label}\n{results.generate_report()}" if results.violations_count else ""


def test_pages_have_no_wcag_violations(page, signatories):
    # One test over every page, so the dataset loads once; the report names each failing page.
    failures = []
    for url, status in PAGES.values():
        response = page.goto(url)
        assert response.status == status, url
        failures.append(axe_failures(page, url))
    report = "\n\n".join(failure for failure in failures if failure)
    assert not report, report


def test_detail_page_under_test_shows_what_axe_checked(page, signatories):
    """The detail page really carries a group, signatories and a dispute, so axe saw them."""
    page.goto(PAGES["detail-group-dispute"][0])
    main = page.locator("main")
    text = main.inner_text()
    assert "Aidar Example" in text
    assert "Managing Director" in text
    assert "USD 250 million for Cerberus" in text
    assert main.locator("a[href='/agreements/nic-brookfield/']").count() >= 1
    # Commitments are a list named by their heading, each with its facts (they fit a phone as they are).
    page.goto(PAGES["detail-boeing"][0])
    assert page.get_by_role("list", name="Commitments").get_by_role("listitem").count() == 2
    # Wide tables scroll inside a named region that the keyboard can reach.
    page.goto(PAGES["event"][0])
    region = page.get_by_role("region", name="Announced against itemised", exact=False)
    assert region.get_attribute("tabindex") == "0"
    assert region.get_attribute("role") == "region"


def _active(page):
    return page.evaluate(
        """() => {
          const el = document.activeElement;
          return {tag: el.tagName.toLowerCase(), id: el.id, cls: el.className, text: el.textContent.trim()};
        }"""
    )


def test_first_tab_focuses_visible_skip_link_which_moves_focus_to_main(page, register):
    page.goto("/agreements/wabtec-locomotives/")
    page.keyboard.press("Tab")
    active = _active(page)
    assert active["tag"] == "a"
    assert "skip-link" in active["cls"]
    assert active["text"] == "Skip to content"
    # Shown on focus, inside the viewport (not parked off-screen).
    box = page.locator(".skip-link").bounding_box()
    assert box is not None
    assert box["x"] >= 0
    assert box["y"] >= 0

    page.keyboard.press("Enter")
    assert urlsplit(page.url).fragment == "main"
    assert _active(page)["id"] == "main"
    # The next Tab continues from the content, not from the header navigation.
    page.keyboard.press("Tab")
    in_main = page.evaluate("document.getElementById('main').contains(document.activeElement)")
    assert in_main


def test_filter_form_is_usable_with_the_keyboard_alone(page, register):
    page.goto("/agreements/")
    total_rows = page.locator("table.agreements tbody tr").count()
    assert total_rows == 22

    for _ in range(40):
        page.keyboard.press("Tab")
        if _active(page)["id"] == "id_q":
            break
    assert _active(page)["id"] == "id_q", "the search field is not reachable with Tab"

    page.keyboard.type("Wabtec")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert parse_qs(urlsplit(page.url).query)["q"] == ["Wabtec"]
    rows = page.locator("table.agreements tbody tr")
    assert rows.count() == 1
    assert "Wabtec" in rows.first.inner_text()
    assert page.locator("#summary-heading").inner_text() == "1 matching agreement"
    # The form keeps what was typed, and the submit button is reachable from it.
    assert page.locator("#id_q").input_value() == "Wabtec"
    for _ in range(40):
        page.keyboard.press("Tab")
        if _active(page)["text"] == "Apply filters":
            break
    assert _active(page)["tag"] == "button"
    assert _active(page)["text"] == "Apply filters"
