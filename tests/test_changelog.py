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
    assert len(log(agreement)) == 2
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


def test_a_link_to_a_draft_is_no_part_of_the_public_record_until_it_is_published(commit):
    from agreements.models import Relation, RelationKind

    agreement = AgreementFactory()
    commit(lambda: save(agreement, title="Published record"))
    draft = AgreementFactory(slug="secret-draft-slug", publication_state=PublicationState.DRAFT)
    commit(lambda: Relation.objects.create(from_agreement=agreement, to_agreement=draft, kind=RelationKind.AMENDS))
    assert "secret-draft-slug" not in json.dumps([version.changes for version in PublishedVersion.objects.all()])
    # Once the other end is published, the link is part of the record, and the log says so.
    commit(lambda: save(draft, publication_state=PublicationState.PUBLISHED))
    newest = log(agreement)[0]
    assert newest == [{"field": "relations", "before": None, "after": "amends · secret-draft-slug"}]


def test_a_public_record_of_before_the_change_log_logs_its_first_change(commit):
    """A database from before the log (an upgrade) has public records without a published version: the first
    change of each is logged against the record as it stood, not taken for its first publication."""
    agreement = AgreementFactory(title="As it stood")  # written with no commit: no version, as before the log
    assert not PublishedVersion.objects.filter(agreement=agreement).exists()
    commit(lambda: save(agreement, title="First change"))
    assert log(agreement) == [[{"field": "title", "before": "As it stood", "after": "First change"}]]
    party_record = AgreementFactory()
    commit(lambda: PartyFactory(agreement=party_record, organization=OrganizationFactory(slug="first-party")))
    assert [change["field"] for change in log(party_record)[0]] == ["parties"]


def test_a_link_whose_other_end_went_back_to_draft_never_names_its_new_slug(commit):
    from agreements.models import Relation, RelationKind

    agreement, other = AgreementFactory(), AgreementFactory(slug="public-slug")
    commit(lambda: Relation.objects.create(from_agreement=agreement, to_agreement=other, kind=RelationKind.AMENDS))
    commit(lambda: save(other, slug="secret-new-slug", publication_state=PublicationState.DRAFT))
    everything = json.dumps([version.changes for version in PublishedVersion.objects.all()])
    assert "secret-new-slug" not in everything
    assert log(agreement)[0] == [{"field": "relations", "before": "amends · (not public)", "after": None}]


def test_marking_a_record_verified_records_nothing(commit):
    agreement = AgreementFactory()
    commit(lambda: save(agreement, title="Logged"))
    before = PublishedVersion.objects.filter(agreement=agreement).count()
    agreement.last_verified_on = datetime.date(2026, 12, 1)
    commit(lambda: agreement.save(update_fields=["last_verified_on"]))
    assert PublishedVersion.objects.filter(agreement=agreement).count() == before
