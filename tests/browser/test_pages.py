"""The public pages in a real browser: CSP, the no-script fallbacks, phone width, drafts stay hidden."""

from urllib.parse import parse_qs, urlsplit

from agreements.models import PublicationState, Sector
from tests.browser.conftest import csp_violations
from tests.browser.test_accessibility import PAGES, axe_failures
from tests.factories import AgreementFactory, PartyFactory

PHONE_WIDTH = 360


def _titles(page):
    return page.locator("table.agreements tbody th[scope=row]").all_inner_texts()


def test_pages_send_a_csp_header_and_break_none_of_its_rules(page, register):
    for url, status in PAGES.values():
        response = page.goto(url)
        assert response.status == status, url
        policy = response.headers.get("content-security-policy")
        assert policy, f"{url} has no Content-Security-Policy header"
        assert "default-src 'none'" in policy
        assert "script-src 'self'" in policy
        assert "style-src 'self'" in policy
        # The stylesheet really applied (a blocked one would leave the skip link on screen).
        assert page.locator(".skip-link").bounding_box()["x"] < 0, url
        assert csp_violations(page) == [], url


def test_filter_and_sort_work_without_javascript(no_js_page, register):
    page = no_js_page
    # Page scripts really are off in this context (Playwright's own evaluation still works).
    page.set_content("<title>before</title><script>document.title = 'ran'</script>")
    assert page.title() == "before"
    page.goto("/agreements/")
    page.locator("details.filter-box > summary").click()
    page.select_option("#id_sector", "education-and-science")
    with page.expect_navigation():
        page.get_by_role("button", name="Apply filters").click()
    assert parse_qs(urlsplit(page.url).query)["sector"] == ["education-and-science"]
    sectors = page.locator("table.agreements tbody tr td:nth-child(3)").all_inner_texts()
    assert len(sectors) == 6
    assert set(sectors) == {"Education and science"}
    assert page.locator("#summary-heading").inner_text() == "6 matching agreements"
    assert page.locator("#id_sector").input_value() == "education-and-science"

    expected = sorted(_titles(page))
    header = page.locator("table.agreements thead")
    with page.expect_navigation():
        header.get_by_role("link", name="Title").click()
    query = parse_qs(urlsplit(page.url).query)
    assert query["ordering"] == ["title"]
    assert query["sector"] == ["education-and-science"]
    assert _titles(page) == expected
    assert header.locator("th[aria-sort=ascending]").inner_text().startswith("Title")

    with page.expect_navigation():
        header.get_by_role("link", name="Title").click()
    assert parse_qs(urlsplit(page.url).query)["ordering"] == ["-title"]
    assert _titles(page) == expected[::-1]
    assert header.locator("th[aria-sort=descending]").inner_text().startswith("Title")

    with page.expect_navigation():
        header.get_by_role("link", name="Value").click()
    query = parse_qs(urlsplit(page.url).query)
    assert query["ordering"] == ["-value"]
    assert query["sector"] == ["education-and-science"]
    assert len(_titles(page)) == 6
    assert header.locator("th[aria-sort=descending]").inner_text().startswith("Value")


def test_no_horizontal_scrolling_at_phone_width(phone_page, register):
    """The page never scrolls sideways at 360 px; wide tables scroll inside a keyboard-reachable region."""
    failures = []
    for url, status in PAGES.values():
        response = phone_page.goto(url)
        assert response.status == status
        widths = phone_page.evaluate(
            "({doc: document.documentElement.scrollWidth, body: document.body.scrollWidth,"
            " viewport: window.innerWidth})"
        )
        # A mobile browser widens the layout viewport to fit content that overflows it.
        assert widths["viewport"] == PHONE_WIDTH, f"{url}: {widths}"
        assert widths["doc"] <= PHONE_WIDTH, f"{url}: {widths}"
        assert widths["body"] <= PHONE_WIDTH, f"{url}: {widths}"
        # At this width axe also sees which regions scroll, and that each one can be reached by keyboard.
        failures.append(axe_failures(phone_page, f"{url} at {PHONE_WIDTH} px"))
    report = "\n\n".join(failure for failure in failures if failure)
    assert not report, report


def test_unpublished_agreements_stay_out_of_the_browser(page, register):
    sector = Sector.objects.get(slug="rail-transport")
    draft = AgreementFactory(
        title="Unannounced draft locomotive deal",
        slug="draft-locomotive-deal",
        sector=sector,
        publication_state=PublicationState.DRAFT,
    )
    in_review = AgreementFactory(
        title="Pending review railcar deal",
        slug="review-railcar-deal",
        sector=sector,
        publication_state=PublicationState.REVIEW,
    )
    PartyFactory(agreement=draft)

    page.goto("/agreements/?page_size=100")
    titles = _titles(page)
    assert len(titles) == 22
    assert draft.title not in titles
    assert in_review.title not in titles
    page.goto("/agreements/?q=locomotive")
    assert draft.title not in page.content()
    page.goto("/sectors/rail-transport/")
    assert draft.title not in page.content()
    assert in_review.title not in page.content()

    for agreement in (draft, in_review):
        response = page.goto(f"/agreements/{agreement.slug}/")
        assert response.status == 404
        assert agreement.title not in page.content()
