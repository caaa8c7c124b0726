"""The API docs and the admin in a real browser: they render and break none of the CSP's rules."""

from django.contrib.auth import get_user_model

from tests.browser.conftest import csp_violations
from tests.factories import AgreementFactory


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
