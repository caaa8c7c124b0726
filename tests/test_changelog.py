"""The public change log (agreements/changelog.py): changes between published states only, field by field,
from the history; nothing written while a record was a draft, never an editor's name."""

import datetime
import json
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model

from agreements.models import (
    Agreement,
    MilestoneStatus,
    PublicationState,
    PublishedVersion,
    Status,
    StatusEntry,
)
from tests.factories import (
    AgreementFactory,
    CitationFactory,
    CommitmentFactory,
    CommitmentUpdateFactory,
    OrganizationFactory,
    PartyFactory,
    StatusEntryFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def commit(django_capture_on_commit_callbacks):
    """Run a change as its own committed transaction would, with the log written at commit."""

    def run(change):
        with django_capture_on_commit_callbacks(execute=True):
            change()

    return run


def log(agreement):
    return [version.changes for version in PublishedVersion.objects.changes().filter(agreement=agreement)]


def save(agreement, **fields):
    for name, value in fields.items():
        setattr(agreement, name, value)
    agreement.save()


def test_a_draft_edit_shows_only_as_the_difference_at_publication(commit):
    editor = get_user_model().objects.create_user("secret-editor-name", password="long enough password 1")
    agreement = AgreementFactory(publication_state=PublicationState.DRAFT, title="First title")
    agreement._history_user = editor
    commit(lambda: save(agreement, title="Drafted title"))
    assert not PublishedVersion.objects.filter(agreement=agreement).exists()  # a draft: nothing public

    commit(lambda: save(agreement, publication_state=PublicationState.PUBLISHED))
    assert PublishedVersion.objects.filter(agreement=agreement).count() == 1  # first publication: the baseline
    assert log(agreement) == []

    commit(lambda: save(agreement, value_amount=Decimal("250000000")))
    assert log(agreement) == [
        [{"field": "value", "before": "100000000.00 USD (announced)", "after": "250000000.00 USD (announced)"}]
    ]

    # Taken back to draft, edited twice, published again: one entry, the difference between the two published states.
    commit(lambda: save(agreement, publication_state=PublicationState.DRAFT))
    commit(lambda: save(agreement, title="Second draft"))
    commit(lambda: save(agreement, title="Final title", summary="Now with a summary"))
    assert log(agreement) == []  # off the public register, its log is too
    assert PublishedVersion.objects.filter(agreement=agreement).count() == 2
    commit(lambda: save(agreement, publication_state=PublicationState.PUBLISHED))
    assert len(log(agreement)) == 2
    newest = log(agreement)[0]
    assert newest == [
        {"field": "title", "before": "Drafted title", "after": "Final title"},
        {"field": "summary", "before": "", "after": "Now with a summary"},
    ]
    everything = json.dumps([version.changes for version in PublishedVersion.objects.all()])
    assert "Second draft" not in everything
    assert editor.username not in everything


def test_child_rows_added_changed_and_removed(commit):
    agreement = AgreementFactory(status=Status.SIGNED)
    commit(lambda: StatusEntryFactory(agreement=agreement, status=Status.SIGNED, date=datetime.date(2025, 11, 6)))
    commitment = CommitmentFactory(agreement=agreement, position=1, description="18 aircraft")
    citation = CitationFactory(agreement=agreement)
    organization = OrganizationFactory(slug="boeing")
    baseline = PublishedVersion.objects.filter(agreement=agreement).count()

    commit(lambda: PartyFactory(agreement=agreement, organization=organization, side="US", role="supplier"))
    commit(
        lambda: CommitmentUpdateFactory(
            commitment=commitment, status=MilestoneStatus.MET, date=datetime.date(2026, 7, 1), source=None
        )
    )
    commit(citation.delete)
    commit(lambda: StatusEntryFactory(agreement=agreement, status=Status.IN_FORCE, date=datetime.date(2026, 1, 1)))

    assert PublishedVersion.objects.filter(agreement=agreement).count() > baseline
    changes = [change for version in reversed(log(agreement)) for change in version]
    fields = [change["field"] for change in changes]
    assert "parties" in fields
    party = next(change for change in changes if change["field"] == "parties")
    assert party["before"] is None and "boeing" in party["after"] and "supplier" in party["after"]
    assert {"field": "commitments.1.status", "before": "scheduled", "after": "met"} in changes
    assert any(change["field"] == "commitment_updates" and change["before"] is None for change in changes)
    assert any(change["field"] == "sources" and change["after"] is None for change in changes)
    # The status a trigger moved is in the history, and in the log as a field of its own.
    assert {"field": "status", "before": "signed", "after": "in_force"} in changes
    assert agreement.history.first().status == Status.IN_FORCE


def test_what_no_reader_sees_writes_no_entry(commit):
    agreement = AgreementFactory()
    party = PartyFactory(agreement=agreement)
    commit(lambda: save(agreement, title=agreement.title))
    before = PublishedVersion.objects.filter(agreement=agreement).count()
    commit(lambda: save(party, note="An internal note"))
    commit(lambda: Agreement.objects.filter(pk=agreement.pk).update(last_verified_on=datetime.date(2026, 12, 1)))
    commit(lambda: save(Agreement.objects.get(pk=agreement.pk)))
    assert PublishedVersion.objects.filter(agreement=agreement).count() == before


def test_the_log_shows_records_public_now_only(commit):
    agreement = AgreementFactory()
    commit(lambda: save(agreement, title="Changed once"))
    commit(lambda: save(agreement, title="Changed twice"))
    assert len(log(agreement)) == 1
    commit(lambda: save(agreement, publication_state=PublicationState.REVIEW))
    assert log(agreement) == []
    commit(agreement.delete)
    assert not PublishedVersion.objects.exists()


def test_a_change_without_a_commit_callback_is_caught_up_by_the_next(commit):
    """The log is written at commit; a change whose callback never ran (a crash after commit) shows in the
    difference the next committed change records."""
    agreement = AgreementFactory(status=Status.SIGNED)
    commit(lambda: save(agreement, title="Logged"))
    save(agreement, title="Not logged at once")  # no commit callback here
    commit(
        lambda: StatusEntry.objects.create(agreement=agreement, status=Status.SIGNED, date=datetime.date(2025, 1, 1))
    )
    newest = log(agreement)[0]
    assert {"field": "title", "before": "Logged", "after": "Not logged at once"} in newest
