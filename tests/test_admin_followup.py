"""The follow-up in the admin: the timeline and commitment updates edited on the agreement set the statuses
(read-only everywhere), no admin path reaches the database's refusal of a contradicting status, "Mark
verified today", the stale and overdue filters, claims on the event, the editors' permissions."""

import datetime

import pytest
from django.contrib.auth.models import Group as AuthGroup
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from agreements.models import (
    Agreement,
    Commitment,
    CommitmentUpdate,
    EventClaim,
    MilestoneStatus,
    PublicationState,
    StatusEntry,
    followup,
)
from tests.factories import AgreementFactory, CommitmentFactory, EventFactory, SectorFactory, SourceFactory
from tests.test_admin import agreement_post, form_data, form_errors

pytestmark = pytest.mark.django_db

DRAFT, PUBLISHED = PublicationState.DRAFT, PublicationState.PUBLISHED
SIGNED_ON = datetime.date(2025, 11, 6)


@pytest.fixture
def editor_client(client, editor):
    client.force_login(editor)
    return client


@pytest.fixture
def day(monkeypatch):
    """Move "today" (agreements.models.followup.today) to the day given."""

    def move(value):
        monkeypatch.setattr(followup, "today", lambda: value)
        return value

    return move


def with_timeline(status="signed", **kwargs):
    """An agreement whose timeline has one entry: `status` on its signature day."""
    agreement = AgreementFactory(status=status, signed_on=SIGNED_ON, **kwargs)
    StatusEntry.objects.create(agreement=agreement, date=SIGNED_ON, status=status)
    return agreement


def change_url(agreement):
    return reverse("admin:agreements_agreement_change", args=[agreement.pk])


def add_row(data, prefix, **fields):
    """Fill the formset `prefix`'s next extra form with `fields` ("Add another" in the browser)."""
    index = int(data[f"{prefix}-TOTAL_FORMS"])
    data[f"{prefix}-TOTAL_FORMS"] = str(index + 1)
    for name, value in fields.items():
        data[f"{prefix}-{index}-{name}"] = value
    return data


def row_index(data, prefix, pk):
    return next(
        int(key.split("-")[1])
        for key, value in data.items()
        if key.endswith("-id") and key.startswith(prefix) and str(value) == str(pk)
    )


def save_change_form(client, agreement, change=None):
    """GET the change form, let `change(data)` edit what the browser would post, POST it."""
    data = form_data(client.get(change_url(agreement)))
    if change:
        change(data)
    return client.post(change_url(agreement), data)


def inline(response, prefix):
    return next(item for item in response.context["inline_admin_formsets"] if item.formset.prefix == prefix)


def inline_errors(response):
    return str([item.formset.errors for item in response.context["inline_admin_formsets"]]) + form_errors(response)


# --- the timeline on the agreement's form --------------------------------------------------------------


def test_the_status_is_read_only_and_says_how_to_change_it(admin_client):
    agreement = with_timeline()
    response = admin_client.get(change_url(agreement))
    assert "status" not in response.context["adminform"].form.fields
    page = response.content.decode()
    assert "form-row field-status" in page
    assert "Set by its latest timeline entry: add an entry to change it." in page
    assert "A commitment added in this form can get its updates once the form is saved." in page
    assert "Set by its latest update: add an update to change it." in page  # the commitments' status column


def test_adding_an_entry_moves_the_status_and_history_names_the_editor(admin_client, admin_user):
    agreement = with_timeline(publication_state=DRAFT)
    response = save_change_form(
        admin_client,
        agreement,
        lambda data: add_row(data, "status_entries", date="2026-01-10", date_precision="day", status="in_force"),
    )
    assert response.status_code == 302
    agreement.refresh_from_db()
    assert agreement.status == "in_force"
    latest = agreement.history.latest("history_date", "history_id")
    assert (latest.status, latest.history_user) == ("in_force", admin_user)


def test_editing_the_latest_entry_moves_the_status(admin_client):
    agreement = with_timeline(publication_state=DRAFT)
    entry = agreement.status_entries.get()

    def edit(data):
        data[f"status_entries-{row_index(data, 'status_entries', entry.pk)}-status"] = "cancelled"

    assert save_change_form(admin_client, agreement, edit).status_code == 302
    agreement.refresh_from_db()
    assert agreement.status == "cancelled"


def test_deleting_the_latest_entry_gives_back_the_one_before(admin_client):
    agreement = with_timeline(publication_state=DRAFT)
    latest = StatusEntry.objects.create(agreement=agreement, date=datetime.date(2026, 3, 1), status="in_force")
    agreement.refresh_from_db()
    assert agreement.status == "in_force"

    def delete(data):
        data[f"status_entries-{row_index(data, 'status_entries', latest.pk)}-DELETE"] = "on"

    assert save_change_form(admin_client, agreement, delete).status_code == 302
    agreement.refresh_from_db()
    assert agreement.status == "signed"


def test_deleting_the_last_entry_leaves_the_status_as_it_was(admin_client):
    agreement = with_timeline(status="in_force", publication_state=DRAFT)
    entry = agreement.status_entries.get()

    def delete(data):
        data[f"status_entries-{row_index(data, 'status_entries', entry.pk)}-DELETE"] = "on"

    assert save_change_form(admin_client, agreement, delete).status_code == 302
    assert not agreement.status_entries.exists()
    agreement.refresh_from_db()
    assert agreement.status == "in_force"


def test_a_posted_status_is_ignored_never_a_server_error(admin_client):
    agreement = with_timeline(publication_state=DRAFT)

    def forge(data):
        data.update(title_en="Renamed", status="cancelled")

    assert save_change_form(admin_client, agreement, forge).status_code == 302
    agreement.refresh_from_db()
    assert (agreement.title, agreement.status) == ("Renamed", "signed")


@pytest.mark.parametrize(
    ("row", "message"),
    [
        pytest.param(
            {"date": "2025-11-06", "date_precision": "day", "status": "signed"},
            "Please correct the duplicate data for date and status",
            id="duplicate",
        ),
        pytest.param(
            {"date": "2026-02-14", "date_precision": "month", "status": "in_force"},
            "first of that month",
            id="partial-date",
        ),
        pytest.param(
            {"date": "2026-02-30", "date_precision": "day", "status": "in_force"}, "valid date", id="bad-date"
        ),
        pytest.param(
            {"date": "2026-02-01", "date_precision": "day", "status": "ratified"}, "valid choice", id="status"
        ),
    ],
)
def test_a_bad_entry_is_a_form_error_and_nothing_moves(admin_client, row, message):
    agreement = with_timeline(publication_state=DRAFT)
    response = save_change_form(admin_client, agreement, lambda data: add_row(data, "status_entries", **row))
    assert response.status_code == 200
    assert message in inline_errors(response)
    assert agreement.status_entries.count() == 1
    agreement.refresh_from_db()
    assert agreement.status == "signed"


def test_two_identical_new_entries_are_a_form_error(admin_client):
    agreement = with_timeline(publication_state=DRAFT)
    row = {"date": "2026-02-01", "date_precision": "month", "status": "in_force"}

    def add_twice(data):
        add_row(data, "status_entries", **row)
        add_row(data, "status_entries", **row)

    response = save_change_form(admin_client, agreement, add_twice)
    assert response.status_code == 200
    assert "Please correct the duplicate data" in inline_errors(response)
    assert agreement.status_entries.count() == 1


def test_an_entry_takes_its_source_by_autocomplete(admin_client):
    SourceFactory(key="qazinform-2026-02", publisher="Qazinform")
    response = admin_client.get(
        reverse("admin:autocomplete"),
        {"app_label": "agreements", "model_name": "statusentry", "field_name": "source", "term": "qazinform"},
    )
    assert response.status_code == 200
    assert [item["text"] for item in response.json()["results"]] == [
        "Qazinform: " + SourceFactory._meta.model.objects.get().title
    ]
    agreement = with_timeline(publication_state=DRAFT)
    widget = inline(admin_client.get(change_url(agreement)), "status_entries").formset.empty_form["source"]
    assert "admin-autocomplete" in str(widget)


# --- a new agreement ---------------------------------------------------------------------------------------


def test_a_new_agreement_needs_a_status_entry(admin_client):
    data = agreement_post(SectorFactory(), **{"status_entries-TOTAL_FORMS": "0"})
    response = admin_client.post(reverse("admin:agreements_agreement_add"), data)
    assert response.status_code == 200
    assert "A new agreement needs a status entry" in inline_errors(response)
    assert not Agreement.objects.exists()


def test_a_new_agreement_takes_its_status_from_its_entries(admin_client, admin_user):
    data = agreement_post(SectorFactory())
    add_row(data, "status_entries", date="2026-01-15", date_precision="day", status="in_force", note="Ratified")
    response = admin_client.post(reverse("admin:agreements_agreement_add"), data)
    assert response.status_code == 302
    agreement = Agreement.objects.get(slug="locomotive-supply")
    assert agreement.status == "in_force"
    assert list(agreement.status_entries.values_list("status", flat=True)) == ["signed", "in_force"]
    assert agreement.history.latest("history_date", "history_id").status == "in_force"


def test_the_add_form_shows_one_blank_entry_and_no_updates(admin_client):
    response = admin_client.get(reverse("admin:agreements_agreement_add"))
    prefixes = {item.formset.prefix for item in response.context["inline_admin_formsets"]}
    assert "commitment_updates" not in prefixes
    entries = inline(response, "status_entries").formset
    assert (entries.min_num, len(entries.forms)) == (1, 1)
    assert "status" not in response.context["adminform"].form.fields
    assert "Set by its latest timeline entry" not in response.content.decode()  # no status before the first entry


# --- commitment updates on the agreement's form -----------------------------------------------------------


def test_an_update_offers_only_this_agreements_commitments(admin_client):
    agreement = with_timeline(publication_state=DRAFT)
    CommitmentFactory(agreement=agreement, position=1, description="Deliver 300 locomotives")
    CommitmentFactory(description="Someone else's promise")
    formset = inline(admin_client.get(change_url(agreement)), "commitment_updates").formset
    labels = [label for _value, label in formset.empty_form.fields["commitment"].choices]
    assert labels == ["---------", "1. Deliver 300 locomotives"]


def test_adding_an_update_moves_the_commitment_status(admin_client, admin_user):
    agreement = with_timeline(publication_state=DRAFT)
    commitment = CommitmentFactory(agreement=agreement)
    response = save_change_form(
        admin_client,
        agreement,
        lambda data: add_row(
            data,
            "commitment_updates",
            commitment=str(commitment.pk),
            date="2026-03-12",
            date_precision="day",
            status="partially_met",
            progress="120",
            note="120 of 3,000 delivered",
        ),
    )
    assert response.status_code == 302
    commitment.refresh_from_db()
    assert commitment.status == MilestoneStatus.PARTIALLY_MET
    update = commitment.updates.get()
    assert (update.progress, update.note) == (120, "120 of 3,000 delivered")
    latest = commitment.history.latest("history_date", "history_id")
    assert (latest.status, latest.history_user) == ("partially_met", admin_user)


def test_editing_and_deleting_updates_move_the_commitment_status(admin_client):
    agreement = with_timeline(publication_state=DRAFT)
    commitment = CommitmentFactory(agreement=agreement)
    first = CommitmentUpdate.objects.create(commitment=commitment, date=datetime.date(2026, 1, 1), status="scheduled")
    second = CommitmentUpdate.objects.create(commitment=commitment, date=datetime.date(2026, 3, 1), status="met")

    def edit(data):
        data[f"commitment_updates-{row_index(data, 'commitment_updates', second.pk)}-status"] = "not_met"

    assert save_change_form(admin_client, agreement, edit).status_code == 302
    commitment.refresh_from_db()
    assert commitment.status == "not_met"

    def delete(data):
        data[f"commitment_updates-{row_index(data, 'commitment_updates', second.pk)}-DELETE"] = "on"

    assert save_change_form(admin_client, agreement, delete).status_code == 302
    commitment.refresh_from_db()
    assert commitment.status == "scheduled"
    assert list(commitment.updates.all()) == [first]


def test_an_update_for_another_agreements_commitment_is_refused(admin_client):
    agreement = with_timeline(publication_state=DRAFT)
    CommitmentFactory(agreement=agreement)
    elsewhere = CommitmentFactory()
    row = {"commitment": str(elsewhere.pk), "date": "2026-03-12", "date_precision": "day", "status": "met"}
    response = save_change_form(admin_client, agreement, lambda data: add_row(data, "commitment_updates", **row))
    assert response.status_code == 200
    assert "Select a valid choice" in inline_errors(response)
    elsewhere.refresh_from_db()
    assert (elsewhere.status, elsewhere.updates.exists()) == ("scheduled", False)


def test_a_duplicate_update_is_a_form_error(admin_client):
    agreement = with_timeline(publication_state=DRAFT)
    commitment = CommitmentFactory(agreement=agreement)
    CommitmentUpdate.objects.create(commitment=commitment, date=datetime.date(2026, 3, 12), status="met")
    row = {"commitment": str(commitment.pk), "date": "2026-03-12", "date_precision": "day", "status": "met"}
    response = save_change_form(admin_client, agreement, lambda data: add_row(data, "commitment_updates", **row))
    assert response.status_code == 200
    assert "already has an update with this status on this date" in inline_errors(response)


def test_a_posted_commitment_status_is_ignored(admin_client):
    agreement = with_timeline(publication_state=DRAFT)
    commitment = CommitmentFactory(agreement=agreement)
    CommitmentUpdate.objects.create(commitment=commitment, date=datetime.date(2026, 3, 12), status="met")

    def forge(data):
        index = row_index(data, "commitments", commitment.pk)
        data.update({f"commitments-{index}-status": "not_met", f"commitments-{index}-description_en": "Reworded"})

    assert save_change_form(admin_client, agreement, forge).status_code == 302
    commitment.refresh_from_db()
    assert (commitment.description, commitment.status) == ("Reworded", "met")


def test_deleting_a_commitment_while_editing_its_update_is_no_server_error(admin_client):
    agreement = with_timeline(publication_state=DRAFT)
    commitment = CommitmentFactory(agreement=agreement)
    update = CommitmentUpdate.objects.create(commitment=commitment, date=datetime.date(2026, 3, 12), status="met")

    def delete_and_edit(data):
        data[f"commitments-{row_index(data, 'commitments', commitment.pk)}-DELETE"] = "on"
        data[f"commitment_updates-{row_index(data, 'commitment_updates', update.pk)}-note"] = "Edited"
        add_row(data, "commitment_updates", commitment=str(commitment.pk), date="2026-04-01", status="met")
        data["commitment_updates-1-date_precision"] = "day"

    assert save_change_form(admin_client, agreement, delete_and_edit).status_code == 302
    assert not Commitment.objects.filter(pk=commitment.pk).exists()
    assert not CommitmentUpdate.objects.exists()


# --- the history "revert" form ----------------------------------------------------------------------------


def test_a_revert_keeps_the_timelines_status_and_says_so(admin_client, admin_user):
    agreement = with_timeline(title="Old title", publication_state=DRAFT)
    original = agreement.history.earliest("history_date", "history_id")
    assert original.status == "signed"

    def rename_and_move(data):
        data["title"] = "Vandalised"
        add_row(data, "status_entries", date="2026-01-10", date_precision="day", status="in_force")

    assert save_change_form(admin_client, agreement, rename_and_move).status_code == 302

    revert_url = reverse("admin:agreements_agreement_simple_history", args=[agreement.pk, original.history_id])
    page = admin_client.get(revert_url)
    assert page.status_code == 200
    # The page shows the status the revert will keep, not the old version's.
    assert page.context["adminform"].form.instance.status == "in_force"
    response = admin_client.post(revert_url, form_data(page), follow=True)
    assert response.status_code == 200
    assert "The status stays In force, as its latest timeline entry says (this version had Signed)" in (
        response.content.decode()
    )
    agreement.refresh_from_db()
    assert (agreement.title, agreement.status) == ("Old title", "in_force")
    latest = agreement.history.latest("history_date", "history_id")
    assert (latest.title, latest.status, latest.history_user) == ("Old title", "in_force", admin_user)


def test_a_revert_to_a_version_with_the_same_status_says_nothing_of_it(admin_client):
    agreement = with_timeline(title="Old title", publication_state=DRAFT)
    original = agreement.history.earliest("history_date", "history_id")
    assert save_change_form(admin_client, agreement, lambda data: data.update(title_en="New")).status_code == 302
    revert_url = reverse("admin:agreements_agreement_simple_history", args=[agreement.pk, original.history_id])
    response = admin_client.post(revert_url, form_data(admin_client.get(revert_url)), follow=True)
    assert "The status stays" not in response.content.decode()
    agreement.refresh_from_db()
    assert (agreement.title, agreement.status) == ("Old title", "signed")


# --- actions ------------------------------------------------------------------------------------------------


def run_action(client, action, *agreements):
    selected = [str(agreement.pk) for agreement in agreements]
    return client.post(
        reverse("admin:agreements_agreement_changelist"), {"action": action, "_selected_action": selected}
    )


def test_mark_verified_today_sets_the_day_and_history_names_the_editor(editor_client, editor, day):
    verified = day(datetime.date(2027, 1, 15))
    first = with_timeline(publication_state=DRAFT)
    second = with_timeline(status="in_force", publication_state=PUBLISHED)
    untouched = with_timeline(publication_state=DRAFT)
    response = run_action(editor_client, "mark_verified_today", first, second)
    assert response.status_code == 302
    for agreement in (first, second):
        agreement.refresh_from_db()
        assert agreement.last_verified_on == verified
        latest = agreement.history.latest("history_date", "history_id")
        assert (latest.last_verified_on, latest.history_user) == (verified, editor)
    untouched.refresh_from_db()
    assert untouched.last_verified_on is None
    # Statuses and publication untouched; a verification is no public change of the record.
    assert (first.status, first.publication_state, second.status, second.publication_state) == (
        "signed",
        DRAFT,
        "in_force",
        PUBLISHED,
    )
    page = editor_client.get(reverse("admin:agreements_agreement_changelist"))
    assert "2 agreements marked verified on 2027-01-15." in page.content.decode()


def test_last_verified_is_editable_on_the_form(admin_client):
    agreement = with_timeline(publication_state=DRAFT)
    assert (
        save_change_form(admin_client, agreement, lambda data: data.update(last_verified_on="2026-12-01")).status_code
        == 302
    )
    agreement.refresh_from_db()
    assert agreement.last_verified_on == datetime.date(2026, 12, 1)


def test_submit_publish_and_unpublish_keep_the_timelines_status(client, admin_user):
    client.force_login(admin_user)
    agreement = with_timeline(status="in_force", publication_state=DRAFT)
    assert run_action(client, "submit_for_review", agreement).status_code == 302
    agreement.refresh_from_db()
    assert (agreement.publication_state, agreement.status) == (PublicationState.REVIEW, "in_force")
    assert run_action(client, "publish", agreement).status_code == 302
    agreement.refresh_from_db()
    assert (agreement.publication_state, agreement.status) == (PUBLISHED, "in_force")
    run_action(client, "unpublish", agreement)
    agreement.refresh_from_db()
    assert (agreement.publication_state, agreement.status) == (DRAFT, "in_force")


def test_deleting_agreements_with_timelines_and_updates_is_no_server_error(admin_client):
    agreement = with_timeline(publication_state=DRAFT)
    StatusEntry.objects.create(agreement=agreement, date=datetime.date(2026, 2, 1), status="in_force")
    commitment = CommitmentFactory(agreement=agreement)
    CommitmentUpdate.objects.create(commitment=commitment, date=datetime.date(2026, 3, 1), status="met")
    other = with_timeline(publication_state=DRAFT)
    response = admin_client.post(
        reverse("admin:agreements_agreement_changelist"),
        {"action": "delete_selected", "_selected_action": [str(agreement.pk), str(other.pk)], "post": "yes"},
    )
    assert response.status_code == 302
    assert not Agreement.objects.exists()
    assert not StatusEntry.objects.exists() and not CommitmentUpdate.objects.exists()


# --- the changelist: stale and overdue ------------------------------------------------------------------------


def changelist_titles(client, **params):
    response = client.get(reverse("admin:agreements_agreement_changelist"), params)
    assert response.status_code == 200
    return sorted(row.title for row in response.context["cl"].result_list)


@pytest.mark.parametrize(
    ("today", "stale"),
    [
        pytest.param(datetime.date(2026, 12, 1) + datetime.timedelta(days=180), False, id="180-days"),
        pytest.param(datetime.date(2026, 12, 1) + datetime.timedelta(days=181), True, id="181-days"),
    ],
)
def test_the_stale_filter_and_column_on_either_side_of_the_boundary(admin_client, day, today, stale):
    day(today)
    AgreementFactory(title="Checked", last_verified_on=datetime.date(2026, 12, 1))
    AgreementFactory(title="Never checked", last_verified_on=None)
    assert changelist_titles(admin_client, stale="yes") == (["Checked"] if stale else []) + ["Never checked"]
    assert changelist_titles(admin_client, stale="no") == ([] if stale else ["Checked"])
    assert changelist_titles(admin_client, stale="maybe") == ["Checked", "Never checked"]  # unknown: unfiltered
    page = admin_client.get(reverse("admin:agreements_agreement_changelist")).content.decode()
    assert ("2026-12-01 <strong>stale</strong>" in page) is stale
    assert "never <strong>stale</strong>" in page


@pytest.mark.parametrize(
    ("today", "overdue"),
    [
        pytest.param(datetime.date(2026, 7, 31), False, id="last-day-of-the-due-month"),
        pytest.param(datetime.date(2026, 8, 1), True, id="first-day-after"),
    ],
)
def test_the_overdue_filter_on_either_side_of_the_boundary(admin_client, day, today, overdue):
    day(today)
    due = AgreementFactory(title="Deliveries")
    CommitmentFactory(agreement=due, due_on=datetime.date(2026, 7, 1), due_precision="month")
    CommitmentFactory(agreement=due, due_on=datetime.date(2026, 7, 1), due_precision="month", position=99)
    met = AgreementFactory(title="Met")
    CommitmentFactory(agreement=met, due_on=datetime.date(2026, 1, 1), due_precision="month", status="met")
    AgreementFactory(title="No commitments")
    assert changelist_titles(admin_client, overdue="yes") == (["Deliveries"] if overdue else [])
    expected_not = ["Met", "No commitments"] + ([] if overdue else ["Deliveries"])
    assert changelist_titles(admin_client, overdue="no") == sorted(expected_not)


def make_followed_agreements(count):
    """Agreements with a timeline, every other one stale and every other one with an overdue commitment."""
    for index in range(count):
        agreement = with_timeline(last_verified_on=None if index % 2 else datetime.date(2026, 12, 1))
        due = datetime.date(2026, 7, 1) if index % 2 == 0 else datetime.date(2028, 1, 1)
        commitment = CommitmentFactory(agreement=agreement, due_on=due, due_precision="month")
        CommitmentUpdate.objects.create(commitment=commitment, date=datetime.date(2026, 3, 1), status="partially_met")


@pytest.mark.parametrize(
    ("model_name", "params"),
    [
        pytest.param("agreement", {}, id="agreements"),
        pytest.param("agreement", {"stale": "yes"}, id="agreements-stale"),
        pytest.param("agreement", {"overdue": "yes", "stale": "no"}, id="agreements-overdue-not-stale"),
        pytest.param("agreement", {"overdue": "no"}, id="agreements-not-overdue"),
        pytest.param("statusentry", {}, id="status-entries"),
        pytest.param("commitmentupdate", {}, id="commitment-updates"),
    ],
)
def test_changelist_query_count_does_not_grow_with_rows(admin_client, day, model_name, params):
    day(datetime.date(2026, 12, 6))
    url = reverse(f"admin:agreements_{model_name}_changelist")

    def measure():
        with CaptureQueriesContext(connection) as context:
            response = admin_client.get(url, params)
        assert response.status_code == 200
        return len(response.context["cl"].result_list), len(context.captured_queries)

    make_followed_agreements(3)
    admin_client.get(url)  # the session and content types are warm for both measured requests
    few_rows, few_queries = measure()
    make_followed_agreements(27)
    many_rows, many_queries = measure()
    assert 0 < few_rows < many_rows
    assert many_queries == few_queries


# --- entries and updates on their own --------------------------------------------------------------------------


def test_an_entry_corrected_on_its_own_page_moves_the_status(admin_client, admin_user):
    agreement = with_timeline(publication_state=DRAFT)
    entry = agreement.status_entries.get()
    url = reverse("admin:agreements_statusentry_change", args=[entry.pk])
    data = form_data(admin_client.get(url))
    data["status"] = "cancelled"
    assert admin_client.post(url, data).status_code == 302
    agreement.refresh_from_db()
    assert agreement.status == "cancelled"
    latest = agreement.history.latest("history_date", "history_id")
    assert (latest.status, latest.history_user) == ("cancelled", admin_user)
    history = admin_client.get(reverse("admin:agreements_statusentry_history", args=[entry.pk]))
    assert history.status_code == 200
    assert [row.status for row in entry.history.order_by("history_date", "history_id")] == ["signed", "cancelled"]


def test_entries_deleted_from_their_list_move_the_status_back(admin_client):
    agreement = with_timeline(publication_state=DRAFT)
    later = StatusEntry.objects.create(agreement=agreement, date=datetime.date(2026, 2, 1), status="in_force")
    response = admin_client.post(
        reverse("admin:agreements_statusentry_changelist"),
        {"action": "delete_selected", "_selected_action": [str(later.pk)], "post": "yes"},
    )
    assert response.status_code == 302
    agreement.refresh_from_db()
    assert agreement.status == "signed"
    assert agreement.history.latest("history_date", "history_id").status == "signed"


def test_an_update_deleted_on_its_page_moves_the_commitment_status(admin_client):
    commitment = CommitmentFactory(agreement=with_timeline(publication_state=DRAFT))
    CommitmentUpdate.objects.create(commitment=commitment, date=datetime.date(2026, 1, 1), status="partially_met")
    latest = CommitmentUpdate.objects.create(commitment=commitment, date=datetime.date(2026, 3, 1), status="met")
    response = admin_client.post(reverse("admin:agreements_commitmentupdate_delete", args=[latest.pk]), {"post": "yes"})
    assert response.status_code == 302
    commitment.refresh_from_db()
    assert commitment.status == "partially_met"


def test_a_deleted_entry_restored_from_its_history_moves_the_status_again(admin_client):
    agreement = with_timeline(publication_state=DRAFT)
    later = StatusEntry.objects.create(agreement=agreement, date=datetime.date(2026, 2, 1), status="in_force")
    version = later.history.latest("history_date", "history_id")
    later.delete()
    agreement.refresh_from_db()
    assert agreement.status == "signed"

    url = reverse("admin:agreements_statusentry_simple_history", args=[version.id, version.history_id])
    assert admin_client.post(url, form_data(admin_client.get(url))).status_code == 302
    agreement.refresh_from_db()
    assert agreement.status == "in_force"


def test_restoring_an_entry_of_a_deleted_agreement_is_a_form_error(admin_client):
    agreement = with_timeline(publication_state=DRAFT)
    version = agreement.status_entries.get().history.latest("history_date", "history_id")
    agreement.delete()
    url = reverse("admin:agreements_statusentry_simple_history", args=[version.id, version.history_id])
    page = admin_client.get(url)
    assert page.status_code == 200
    response = admin_client.post(url, form_data(page))
    assert response.status_code == 200
    assert "Its agreement no longer exists." in form_errors(response)
    assert not StatusEntry.objects.exists()


def test_entries_and_updates_are_added_on_their_agreement_only(admin_client):
    for model_name in ("statusentry", "commitmentupdate"):
        assert admin_client.get(reverse(f"admin:agreements_{model_name}_add")).status_code == 403


def test_entries_are_found_by_source_and_filtered_by_status(admin_client):
    source = SourceFactory(key="qazinform-2026-02")
    planned = with_timeline(title="Clinic", status="announced")
    StatusEntry.objects.create(agreement=planned, date=datetime.date(2026, 2, 1), status="announced", source=source)
    with_timeline(title="Locomotives")
    url = reverse("admin:agreements_statusentry_changelist")
    found = admin_client.get(url, {"q": "qazinform"}).context["cl"].result_list
    assert [(entry.agreement.title, entry.date) for entry in found] == [("Clinic", datetime.date(2026, 2, 1))]
    announced = admin_client.get(url, {"status__exact": "announced"}).context["cl"].result_list
    assert {entry.agreement.title for entry in announced} == {"Clinic"}


# --- claims on the event ----------------------------------------------------------------------------------------


def test_an_editor_adds_a_claim_on_the_event(editor_client):
    event = EventFactory()
    source = SourceFactory()
    url = reverse("admin:agreements_event_change", args=[event.pk])
    data = form_data(editor_client.get(url))
    add_row(data, "claims", source=str(source.pk), claim="Partnerships worth up to USD 3.7 billion")
    data.update({"claims-0-amount": "3700000000", "claims-0-currency": "USD", "claims-0-approximate": "on"})
    assert editor_client.post(url, data).status_code == 302
    claim = EventClaim.objects.get()
    assert (claim.event, claim.amount, claim.approximate) == (event, 3700000000, True)


# --- editors and the publication workflow -----------------------------------------------------------------------


def test_roles_hold_the_follow_up_permissions_after_a_flush():
    from django.core.management import call_command

    call_command("flush", interactive=False, verbosity=0)
    wanted = {
        f"{action}_{model}"
        for model in ("statusentry", "commitmentupdate", "eventclaim")
        for action in ("add", "change", "view", "delete")
    } | {"view_historicalstatusentry", "view_historicalcommitmentupdate"}
    for name in ("editors", "publishers"):
        held = set(AuthGroup.objects.get(name=name).permissions.values_list("codename", flat=True))
        assert wanted <= held, name
    assert "publish_agreement" not in set(
        AuthGroup.objects.get(name="editors").permissions.values_list("codename", flat=True)
    )


def test_an_editor_adds_entries_and_updates_to_a_draft(editor_client, editor):
    agreement = with_timeline(publication_state=DRAFT)
    commitment = CommitmentFactory(agreement=agreement)

    def follow_up(data):
        add_row(data, "status_entries", date="2026-01-10", date_precision="day", status="in_force")
        add_row(data, "commitment_updates", commitment=str(commitment.pk), date="2026-03-12", status="met")
        data["commitment_updates-0-date_precision"] = "day"

    assert save_change_form(editor_client, agreement, follow_up).status_code == 302
    agreement.refresh_from_db()
    commitment.refresh_from_db()
    assert (agreement.status, agreement.publication_state, commitment.status) == ("in_force", DRAFT, "met")
    assert agreement.history.latest("history_date", "history_id").history_user == editor
    # ...and finds them across the register.
    for model_name in ("statusentry", "commitmentupdate"):
        assert editor_client.get(reverse(f"admin:agreements_{model_name}_changelist")).status_code == 200


def test_an_editor_still_cannot_publish_while_adding_an_entry(editor_client):
    agreement = with_timeline(publication_state=DRAFT)

    def publish(data):
        data["publication_state"] = "published"
        add_row(data, "status_entries", date="2026-01-10", date_precision="day", status="in_force")

    response = save_change_form(editor_client, agreement, publish)
    assert response.status_code == 200
    assert "Only a publisher can publish a record" in form_errors(response)
    agreement.refresh_from_db()
    assert (agreement.publication_state, agreement.status, agreement.status_entries.count()) == (DRAFT, "signed", 1)
    assert not Agreement.objects.public().exists()


def test_an_editor_may_delete_an_entry_but_not_publish_by_action(editor_client):
    agreement = with_timeline(publication_state=DRAFT)
    later = StatusEntry.objects.create(agreement=agreement, date=datetime.date(2026, 2, 1), status="in_force")

    def delete(data):
        data[f"status_entries-{row_index(data, 'status_entries', later.pk)}-DELETE"] = "on"

    assert save_change_form(editor_client, agreement, delete).status_code == 302
    run_action(editor_client, "publish", agreement)
    agreement.refresh_from_db()
    assert (agreement.status, agreement.publication_state) == ("signed", DRAFT)
