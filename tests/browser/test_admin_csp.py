"""The API docs and the admin in a real browser: they render and break none of the CSP's rules."""

from django.contrib.auth import get_user_model

from tests.browser.conftest import csp_violations
from tests.factories import AgreementFactory, SectorFactory


def test_the_api_docs_render_swagger_ui_without_csp_violations(page, db):
    response = page.goto("/api/v1/docs/")
    assert response.status == 200
    policy = response.headers["content-security-policy"]
    assert "'nonce-" in policy and "'unsafe-inline'" not in policy
    # Swagger UI's script ran, fetched the schema and drew the operations.
    page.locator(".swagger-ui .info .title").wait_for()
    assert "kzdeals API" in page.locator(".swagger-ui .info .title").inner_text()
    page.locator(".opblock-tag").first.wait_for()
    assert page.locator(".opblock").count() > 0
    assert csp_violations(page) == []


def test_the_admin_login_and_changelist_break_no_csp_rule(page, db):
    get_user_model().objects.create_superuser("chief", "chief@example.org", "a long and good password")
    AgreementFactory(title="Locomotive supply")

    response = page.goto("/admin/login/")
    assert response.status == 200
    assert csp_violations(page) == []

    page.fill("#id_username", "chief")
    page.fill("#id_password", "a long and good password")
    with page.expect_navigation():
        page.locator("input[type=submit]").click()
    assert page.url.endswith("/admin/")

    response = page.goto("/admin/agreements/agreement/")
    assert response.status == 200
    assert "'unsafe-inline'" not in response.headers["content-security-policy"]
    assert page.locator("#result_list").get_by_text("Locomotive supply").is_visible()
    # The changelist's own scripts ran: ticking a row lights up the actions bar.
    page.locator("#result_list input.action-select").first.check()
    page.locator(".actions .action-counter").wait_for()
    assert "1 of 1 selected" in page.locator(".actions .action-counter").inner_text()
    assert csp_violations(page) == []


PASSWORD = "a long and good password"


def sign_in(page):
    get_user_model().objects.create_superuser("chief", "chief@example.org", PASSWORD)
    page.goto("/admin/login/")
    page.fill("#id_username", "chief")
    page.fill("#id_password", PASSWORD)
    with page.expect_navigation():
        page.locator("input[type=submit]").click()
    assert page.url.endswith("/admin/")


def field_boxes(page):
    return page.locator('.selectable-field-export-row input[type="checkbox"]:not(.select-toggle)')


def test_the_export_page_selects_and_clears_every_field_under_the_csp(page, db):
    AgreementFactory(title="Locomotive supply")
    sign_in(page)

    response = page.goto("/admin/agreements/agreement/export/")
    assert response.status == 200
    assert "'unsafe-inline'" not in response.headers["content-security-policy"]
    boxes = field_boxes(page)
    assert boxes.count() >= 20
    toggle = page.get_by_label("Select all")
    assert toggle.is_checked()

    toggle.uncheck()
    assert [box.is_checked() for box in boxes.all()] == [False] * boxes.count()
    toggle.check()
    assert [box.is_checked() for box in boxes.all()] == [True] * boxes.count()
    assert csp_violations(page) == []

    # The form still exports what is ticked.
    page.locator("#id_format").select_option(label="csv")
    with page.expect_download() as download:
        page.locator("input[type=submit]").click()
    assert "Locomotive supply" in download.value.path().read_text(encoding="utf-8")
    assert csp_violations(page) == []


def test_the_import_form_preview_and_confirmation_break_no_csp_rule(page, db, tmp_path):
    SectorFactory(slug="transport")
    sign_in(page)
    upload = tmp_path / "agreements.csv"
    upload.write_text("slug,title,kind,status,sector\r\nimported,Imported deal,contract,signed,transport\r\n")

    response = page.goto("/admin/agreements/agreement/import/")
    assert response.status == 200
    page.locator("#id_import_file").set_input_files(upload)
    page.locator("#id_format").select_option(label="csv")
    with page.expect_navigation():
        page.locator("input[type=submit]").click()
    assert page.locator("table.import-preview").get_by_text("Imported deal").is_visible()
    assert csp_violations(page) == []

    with page.expect_navigation():
        page.locator("input[name=confirm]").click()
    assert page.url.endswith("/admin/agreements/agreement/")
    assert page.locator("#result_list").get_by_text("Imported deal").is_visible()
    assert csp_violations(page) == []


def test_the_history_list_and_revert_form_break_no_csp_rule(page, db):
    agreement = AgreementFactory(title="First title")
    agreement.title = "Second title"
    agreement.save()
    sign_in(page)

    response = page.goto(f"/admin/agreements/agreement/{agreement.pk}/history/")
    assert response.status == 200
    assert page.locator("#change-history").get_by_role("link", name="Second title").is_visible()
    assert csp_violations(page) == []

    oldest = agreement.history.order_by("history_date").first()
    response = page.goto(f"/admin/agreements/agreement/{agreement.pk}/history/{oldest.history_id}/")
    assert response.status == 200
    assert page.locator("#id_title_en").input_value() == "First title"
    assert csp_violations(page) == []

    with page.expect_navigation():
        page.locator("input[name=_save]").first.click()
    agreement.refresh_from_db()
    assert agreement.title == "First title"
    assert csp_violations(page) == []


def test_the_desk_compare_and_review_pages_break_no_csp_rule(page, db):
    agreement = AgreementFactory(title="First title")
    agreement.title = "Second title"
    agreement.save()
    sign_in(page)

    response = page.goto("/admin/")
    assert response.status == 200
    desk = page.locator("#desk")
    assert desk.get_by_role("link", name="Stale records").is_visible()
    assert csp_violations(page) == []

    # From the history, two versions chosen and compared: only the title differs, both restorable.
    page.goto(f"/admin/agreements/agreement/{agreement.pk}/history/")
    versions = agreement.history.order_by("history_date")
    page.locator(f'input[name=from][value="{versions.first().history_id}"]').check()
    page.locator(f'input[name=to][value="{versions.last().history_id}"]').check()
    with page.expect_navigation():
        page.get_by_role("button", name="Compare the two versions").click()
    assert "/compare/" in page.url
    table = page.locator("table.desk-compare")
    assert table.locator("td.desk-before").inner_text() == "First title"
    assert table.locator("td.desk-after").inner_text() == "Second title"
    # The stylesheet applied (no style attribute): the table fills the content box without overflowing it.
    widths = page.evaluate(
        "() => { const t = document.querySelector('table.desk-compare');"
        " return [t.scrollWidth, t.parentElement.clientWidth, getComputedStyle(t).tableLayout]; }"
    )
    assert widths[0] <= widths[1] and widths[2] == "fixed"
    assert page.get_by_role("link", name="Restore the version of", exact=False).count() == 2
    assert csp_violations(page) == []

    response = page.goto(f"/admin/agreements/agreement/{agreement.pk}/review/")
    assert response.status == 200
    assert csp_violations(page) == []
