"""Readers' pages in a real browser (issue 18): cards on a phone, nothing scrolls sideways, filters by keyboard
and without JavaScript."""

from urllib.parse import parse_qs, urlsplit

import pytest

from tests.browser.test_accessibility import PAGES

# Every element that scrolls sideways (the document, or a box whose overflow scrolls) and by how much.
OVERFLOWING = """() => {
  const found = [];
  const root = document.scrollingElement;
  if (root.scrollWidth > window.innerWidth) found.push(`document ${root.scrollWidth} > ${window.innerWidth}`);
  for (const el of document.querySelectorAll("body *")) {
    const style = getComputedStyle(el);
    if (!["auto", "scroll"].includes(style.overflowX)) continue;
    if (el.scrollWidth > el.clientWidth + 1) {
      found.push(`${el.tagName}.${el.className} ${el.scrollWidth} > ${el.clientWidth}`);
    }
  }
  return found;
}"""

LIST_PAGES = [
    "/agreements/",
    "/events/tokayev-washington-2025-11/",
    "/sectors/education-and-science/",
    "/organizations/wabtec/",
    "/",
]


@pytest.mark.parametrize("width", [360, 400, 1280])
def test_no_page_and_no_box_scrolls_sideways(browser, live_server, register, width):
    context = browser.new_context(base_url=live_server.url, viewport={"width": width, "height": 800})
    page = context.new_page()
    found = {}
    for url, status in PAGES.values():
        assert page.goto(url).status == status, url
        overflowing = page.evaluate(OVERFLOWING)
        if overflowing:
            found[url] = overflowing
    context.close()
    assert found == {}


def test_every_list_of_agreements_is_cards_on_a_phone(phone_page, register):
    for url in LIST_PAGES:
        phone_page.goto(url)
        rows = phone_page.locator("table.agreements tbody tr")
        assert rows.count() >= 1, url
        first = rows.first
        assert first.evaluate("el => getComputedStyle(el).display") == "flex", url
        assert not phone_page.locator("table.agreements thead").is_visible(), url
        box = first.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 360, (url, box)
        # Title first, then kind and status, value, parties and date, each visible within the card.
        order = first.evaluate(
            """row => ["cell-title", "cell-kind", "cell-value", "cell-parties", "cell-signed"].map(
                 name => row.querySelector("." + name).getBoundingClientRect().top)"""
        )
        assert order == sorted(order), (url, order)
        # Each data cell is labelled on the card (generated from its data-label, read out as well).
        labels = first.evaluate(
            """row => [...row.querySelectorAll("td[data-label]")].map(
                 cell => getComputedStyle(cell, "::before").content)"""
        )
        assert {'"Parties: "', '"Signed: "', '"Value: "'} <= set(labels), (url, labels)


def test_desktop_keeps_the_sortable_table(page, register):
    page.goto("/agreements/")
    assert page.locator("table.agreements thead").is_visible()
    assert page.locator("table.agreements tbody tr").first.evaluate("el => getComputedStyle(el).display") == "table-row"
    assert page.locator("table.agreements thead th[aria-sort=descending]").inner_text().startswith("Signed")


def test_filters_fold_behind_a_disclosure_that_opens_without_javascript(browser, live_server, register):
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": 360, "height": 740}, java_script_enabled=False
    )
    page = context.new_page()
    page.goto("/agreements/")
    assert not page.locator("#id_sector").is_visible()
    # The folded filters take little room: the count is on the first screen and the first card just below
    # (the unfolded form alone was 1,300 px tall; the language switcher in the header takes a line more).
    heading = page.locator("#summary-heading").bounding_box()
    assert heading["y"] + heading["height"] < 740
    assert page.locator("table.agreements tbody tr").first.bounding_box()["y"] < 840
    page.locator("details.filter-box > summary").click()
    assert page.locator("#id_sector").is_visible()
    page.select_option("#id_sector", "education-and-science")
    with page.expect_navigation():
        page.get_by_role("button", name="Apply filters").click()
    assert parse_qs(urlsplit(page.url).query)["sector"] == ["education-and-science"]
    assert page.locator("#summary-heading").inner_text() == "6 matching agreements"
    assert "1 filter in use" in page.locator("details.filter-box > summary").inner_text()
    context.close()


def test_filters_open_and_apply_by_keyboard(phone_page, register):
    page = phone_page
    page.goto("/agreements/")
    page.locator("details.filter-box > summary").focus()
    page.keyboard.press("Enter")
    assert page.locator("details.filter-box").get_attribute("open") is not None
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "id_kind"
    page.keyboard.press("ArrowDown")  # a select changes by arrow keys; "Any" is first, then the kinds
    chosen = page.locator("#id_kind").input_value()
    assert chosen
    for _ in range(40):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.textContent.trim()") == "Apply filters":
            break
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert parse_qs(urlsplit(page.url).query)["kind"] == [chosen]


def test_a_bad_filter_opens_the_disclosure_with_its_message(page, register):
    page.goto("/agreements/?sector=no-such-sector")
    assert page.locator("details.filter-box").get_attribute("open") is not None
    assert page.locator("#id_sector").is_visible()
