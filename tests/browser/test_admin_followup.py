"""The agreement's change form in a real browser: the timeline and commitment updates inlines break no CSP
rule, and adding an entry and an update through them ("Add another", fill, save) moves the statuses shown."""

import datetime

from django.contrib.auth import get_user_model

from agreements.models import CommitmentUpdate, PublicationState, StatusEntry
from tests.browser.conftest import csp_violations
from tests.factories import AgreementFactory, CommitmentFactory

PASSWORD = "a long and good password"


def log_in(page):
    get_user_model().objects.create_superuser("chief", "chief@example.org", PASSWORD)
    page.goto("/admin/login/")
    page.fill("#id_username", "chief")
    page.fill("#id_password", PASSWORD)
    with page.expect_navigation():
        page.locator("input[type=submit]").click()


def readonly_status(page):
    return page.locator("fieldset").first.locator(".form-row.field-status .readonly").inner_text().strip()


def test_adding_an_entry_and_an_update_in_the_form_moves_the_statuses_without_csp_violations(page, db):
    agreement = AgreementFactory(title="Locomotive supply", status="signed", publication_state=PublicationState.DRAFT)
    StatusEntry.objects.create(agreement=agreement, date=datetime.date(2025, 11, 6), status="signed")
    commitment = CommitmentFactory(agreement=agreement, position=1, description="Deliver 300 locomotives")
    log_in(page)

    response = page.goto(f"/admin/agreements/agreement/{agreement.pk}/change/")
    assert response.status == 200
    assert "'unsafe-inline'" not in response.headers["content-security-policy"]
    assert readonly_status(page) == "Signed"
    assert page.locator("#status_entries-note").is_visible()
    assert page.locator("#commitment_updates-note").is_visible()
    # The inlines' stylesheet applied (a file, as the CSP asks): the timeline fits the column at 1280 px.
    group = page.locator("#status_entries-group").bounding_box()
    table = page.locator("#status_entries-group table").bounding_box()
    assert table["x"] + table["width"] <= group["x"] + group["width"]

    # The admin's own script adds the rows: the CSP let it run.
    page.locator("#status_entries-group .add-row a").click()
    page.fill("#id_status_entries-1-date", "2026-01-10")
    page.select_option("#id_status_entries-1-status", "in_force")
    page.fill("#id_status_entries-1-note", "Ratified by both parliaments")

    page.locator("#commitment_updates-group .add-row a").click()
    page.select_option("#id_commitment_updates-0-commitment", str(commitment.pk))
    page.fill("#id_commitment_updates-0-date", "2026-03-12")
    page.select_option("#id_commitment_updates-0-status", "partially_met")
    page.fill("#id_commitment_updates-0-progress", "120")
    assert csp_violations(page) == []

    with page.expect_navigation():
        page.locator("input[name=_continue]").click()
    assert page.locator(".messagelist .success").is_visible()
    assert readonly_status(page) == "In force"
    assert page.locator("#commitments-group .field-status .readonly").first.inner_text().strip() == "Partially met"
    assert csp_violations(page) == []

    agreement.refresh_from_db()
    assert agreement.status == "in_force"
    assert CommitmentUpdate.objects.get().progress == 120
