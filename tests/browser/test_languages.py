"""The Russian and Kazakh pages in a real browser: axe finds nothing, nothing scrolls sideways at 360 px with
their longer words, and the language switcher works from the keyboard without JavaScript."""

import pytest

from tests.browser.test_accessibility import PAGES, axe_failures, signatories  # noqa: F401 - a fixture
from tests.browser.test_pages import PHONE_WIDTH
from tests.factories import AgreementFactory

# Every element that sticks out of the viewport or scrolls sideways, outside the boxes in which wide tables
# scroll by design, in English too (their links make them keyboard-reachable, which axe checks); the skip
# link waits off screen on purpose.
OVERFLOWING = """
() => {
  const width = window.innerWidth;
  const found = [];
  for (const element of document.querySelectorAll("body *")) {
    if (element.closest(".table-scroll") || element.closest(".skip-link")) continue;
    // An SVG clips what it draws to its own box: the SVG itself is what must fit.
    if (element.ownerSVGElement) continue;
    const box = element.getBoundingClientRect();
    if (box.width === 0 && box.height === 0) continue;
    const overflowX = getComputedStyle(element).overflowX;
    const scrolls = (overflowX === "auto" || overflowX === "scroll") && element.scrollWidth > element.clientWidth + 1;
    if (box.right > width + 1 || box.left < -1 || scrolls) {
      const text = element.textContent.trim().slice(0, 40);
      found.push(`${element.tagName} ${Math.round(box.left)}-${Math.round(box.right)}: ${text}`);
    }
  }
  return found;
}
"""


# What sticks out past a phone screen's right edge (360 px), to name in a failure.
WIDER_THAN_THE_SCREEN = """[...document.querySelectorAll("body *")]
    .filter((element) => element.getBoundingClientRect().right > 361)
    .slice(0, 6)
    .map((element) => `${element.tagName}.${element.className}: ${element.textContent.trim().slice(0, 40)}`)"""


@pytest.mark.usefixtures("signatories")
@pytest.mark.parametrize("language", ["ru", "kk"])
def test_pages_in_the_language_pass_axe_and_never_scroll_sideways_at_phone_width(browser, live_server, language):
    failures = []
    for size in ({"width": 1280, "height": 900}, {"width": PHONE_WIDTH, "height": 740}):
        context = browser.new_context(base_url=live_server.url, viewport=size, is_mobile=size["width"] < 400)
        page = context.new_page()
        for url, status in PAGES.values():
            address = f"/{language}{url}"
            response = page.goto(address)
            assert response.status == status, address
            assert page.locator("html").get_attribute("lang") == language
            if size["width"] == PHONE_WIDTH:
                widths = page.evaluate(
                    "({doc: document.documentElement.scrollWidth, body: document.body.scrollWidth,"
                    " viewport: window.innerWidth})"
                )
                widths["wider"] = page.evaluate(WIDER_THAN_THE_SCREEN)
                assert widths["viewport"] == PHONE_WIDTH, f"{address}: {widths}"
                assert widths["doc"] <= PHONE_WIDTH, f"{address}: {widths}"
                assert widths["body"] <= PHONE_WIDTH, f"{address}: {widths}"
                assert page.evaluate(OVERFLOWING) == [], address
            failures.append(axe_failures(page, f"{address} at {size['width']} px"))
        context.close()
    report = "\n\n".join(failure for failure in failures if failure)
    assert not report, report


def test_switcher_works_from_the_keyboard_without_javascript(no_js_page, db):
    agreement = AgreementFactory(title="Tungsten deal")
    page = no_js_page
    page.goto(f"{agreement.get_absolute_url()}?from=switcher")
    for _press in range(40):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.getAttribute('hreflang')") == "kk":
            break
    else:
        pytest.fail("The Kazakh link of the switcher is not reachable with Tab")
    focused = page.evaluate(
        "({text: document.activeElement.textContent, outline: getComputedStyle(document.activeElement).outlineStyle})"
    )
    assert focused["text"] == "Қазақша"
    assert focused["outline"] != "none"
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url.endswith(f"/kk{agreement.get_absolute_url()}?from=switcher")
    assert page.locator("html").get_attribute("lang") == "kk"
    current = page.locator("nav.languages a[aria-current=true]")
    assert current.inner_text() == "Қазақша"
    assert page.locator("nav.languages").get_attribute("aria-label") == "Тіл"
