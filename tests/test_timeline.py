"""A status is its timeline's latest entry, whatever writes (agreements/timeline.py): the ORM, bulk_create,
a queryset update, raw SQL, loaddata, generate_register; and the database refuses a status that
contradicts the timeline. The same for a commitment and its updates."""

import datetime
import io
import json

import pytest
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction

from agreements.models import Agreement, Commitment, CommitmentUpdate, MilestoneStatus, Status, StatusEntry
from tests.factories import AgreementFactory, CommitmentFactory, CommitmentUpdateFactory, StatusEntryFactory

pytestmark = pytest.mark.django_db

DAY = datetime.date


def status(agreement):
    return Agreement.objects.filter(pk=agreement.pk).values_list("status", flat=True).get()


def milestone(commitment):
    return Commitment.objects.filter(pk=commitment.pk).values_list("status", flat=True).get()


def refused():
    return pytest.raises(IntegrityError, match="latest entry of its timeline")


def test_the_latest_entry_sets_the_status_on_insert_edit_and_delete():
    agreement = AgreementFactory(status=Status.ANNOUNCED)
    StatusEntryFactory(agreement=agreement, status=Status.ANNOUNCED, date=DAY(2025, 11, 1))
    assert status(agreement) == Status.ANNOUNCED
    signed = StatusEntryFactory(agreement=agreement, status=Status.SIGNED, date=DAY(2026, 1, 5))
    assert status(agreement) == Status.SIGNED
    # An entry dated earlier than the latest changes nothing; one dated later takes over.
    StatusEntryFactory(agreement=agreement, status=Status.CANCELLED, date=DAY(2025, 12, 1))
    assert status(agreement) == Status.SIGNED
    signed.status = Status.IN_FORCE
    signed.save()
    assert status(agreement) == Status.IN_FORCE
    signed.delete()
    assert status(agreement) == Status.CANCELLED


def test_on_the_same_date_the_entry_made_last_is_the_latest():
    agreement = AgreementFactory()
    StatusEntryFactory(agreement=agreement, status=Status.ANNOUNCED, date=DAY(2025, 11, 6))
    StatusEntryFactory(agreement=agreement, status=Status.SIGNED, date=DAY(2025, 11, 6))
    assert status(agreement) == Status.SIGNED
    assert [entry.status for entry in agreement.status_entries.all()][-1] == Status.SIGNED


def test_deleting_the_last_entry_leaves_the_status_as_it_was():
    agreement = AgreementFactory(status=Status.SIGNED)
    entry = StatusEntryFactory(agreement=agreement, status=Status.IN_FORCE)
    entry.delete()
    assert status(agreement) == Status.IN_FORCE
    # Without a timeline the status is the record's own again, free to change.
    Agreement.objects.filter(pk=agreement.pk).update(status=Status.SIGNED)
    assert status(agreement) == Status.SIGNED


def test_moving_an_entry_to_another_agreement_sets_both():
    first, second = AgreementFactory(status=Status.SIGNED), AgreementFactory(status=Status.SIGNED)
    StatusEntryFactory(agreement=first, status=Status.SIGNED, date=DAY(2025, 1, 1))
    moving = StatusEntryFactory(agreement=first, status=Status.COMPLETED, date=DAY(2026, 1, 1))
    StatusEntryFactory(agreement=second, status=Status.SIGNED, date=DAY(2025, 1, 1))
    StatusEntry.objects.filter(pk=moving.pk).update(agreement=second)
    assert (status(first), status(second)) == (Status.SIGNED, Status.COMPLETED)


def test_bulk_create_queryset_update_and_raw_sql_keep_the_status():
    agreement = AgreementFactory(status=Status.ANNOUNCED)
    StatusEntry.objects.bulk_create(
        [
            StatusEntry(agreement=agreement, status=Status.ANNOUNCED, date=DAY(2025, 1, 1)),
            StatusEntry(agreement=agreement, status=Status.SIGNED, date=DAY(2025, 2, 1)),
        ]
    )
    assert status(agreement) == Status.SIGNED
    StatusEntry.objects.filter(agreement=agreement, status=Status.SIGNED).update(status=Status.IN_FORCE)
    assert status(agreement) == Status.IN_FORCE
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO agreements_statusentry (agreement_id, status, date, date_precision, note) "
            "VALUES (%s, 'expired', %s, 'day', '')",
            [agreement.pk, DAY(2030, 1, 1)],
        )
    assert status(agreement) == Status.EXPIRED


def test_a_status_that_contradicts_the_timeline_is_refused_on_every_path():
    agreement = AgreementFactory(status=Status.SIGNED)
    StatusEntryFactory(agreement=agreement, status=Status.SIGNED)
    with refused(), transaction.atomic():
        Agreement.objects.filter(pk=agreement.pk).update(status=Status.COMPLETED)
    agreement.status = Status.COMPLETED
    with refused(), transaction.atomic():
        agreement.save()
    with refused(), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE agreements_agreement SET status = 'cancelled' WHERE id = %s", [agreement.pk])
    assert status(agreement) == Status.SIGNED
    # The same status, written again with the rest of the row (every ORM save does), is no contradiction.
    agreement.status = Status.SIGNED
    agreement.title = "Renamed"
    agreement.save()
    assert Agreement.objects.get(pk=agreement.pk).title == "Renamed"


def test_a_commitment_takes_its_latest_updates_status_and_refuses_another():
    commitment = CommitmentFactory(status=MilestoneStatus.SCHEDULED)
    CommitmentUpdateFactory(commitment=commitment, status=MilestoneStatus.PARTIALLY_MET, date=DAY(2026, 1, 1))
    assert milestone(commitment) == MilestoneStatus.PARTIALLY_MET
    last = CommitmentUpdateFactory(commitment=commitment, status=MilestoneStatus.MET, date=DAY(2026, 6, 1))
    assert milestone(commitment) == MilestoneStatus.MET
    with refused(), transaction.atomic():
        Commitment.objects.filter(pk=commitment.pk).update(status=MilestoneStatus.NOT_MET)
    CommitmentUpdate.objects.filter(pk=last.pk).delete()
    assert milestone(commitment) == MilestoneStatus.PARTIALLY_MET


def test_loaddata_of_a_record_and_its_timeline_gives_the_latest_status(tmp_path):
    agreement = AgreementFactory(slug="loaded", status=Status.SIGNED)
    StatusEntryFactory(agreement=agreement, status=Status.SIGNED, date=DAY(2025, 1, 1))
    fixture = tmp_path / "timeline.json"
    entries = [
        {
            "model": "agreements.statusentry",
            "fields": {"agreement": ["loaded"], "status": status, "date": date, "date_precision": "day", "note": ""},
        }
        for status, date in [("signed", "2025-01-01"), ("in_force", "2026-01-01")]
    ]
    fixture.write_text(json.dumps(entries))
    call_command("loaddata", str(fixture), verbosity=0)
    assert status(agreement) == Status.IN_FORCE
    call_command("loaddata", str(fixture), verbosity=0)  # twice: nothing changes
    assert agreement.status_entries.count() == 2


def test_generate_register_writes_a_timeline_that_agrees_with_every_status():
    call_command("generate_register", agreements=60, seed=3, stdout=io.StringIO())
    synthetic = Agreement.objects.filter(slug__startswith="synthetic-")
    with_timeline = synthetic.filter(status_entries__isnull=False).distinct()
    assert with_timeline.count() == synthetic.filter(signed_on__isnull=False).count() > 0
    for agreement in with_timeline.prefetch_related("status_entries"):
        assert list(agreement.status_entries.all())[-1].status == agreement.status
    updated = Commitment.objects.filter(agreement__in=synthetic, updates__isnull=False).distinct()
    assert updated.exists()
    for commitment in updated.prefetch_related("updates"):
        assert list(commitment.updates.all())[-1].status == commitment.status


def test_a_save_of_a_record_read_before_a_new_entry_keeps_the_timelines_status():
    """An editor's form holds the record as it was read; a colleague adds an entry meanwhile: the save
    writes everything but the status, which the database keeps (no IntegrityError, no old status)."""
    agreement = AgreementFactory(status=Status.SIGNED)
    StatusEntryFactory(agreement=agreement, status=Status.SIGNED, date=DAY(2025, 1, 1))
    stale_copy = Agreement.objects.get(pk=agreement.pk)
    StatusEntryFactory(agreement=agreement, status=Status.IN_FORCE, date=DAY(2026, 1, 1))
    stale_copy.title = "Edited meanwhile"
    stale_copy.save()
    assert (status(agreement), Agreement.objects.get(pk=agreement.pk).title) == (Status.IN_FORCE, "Edited meanwhile")
    commitment = CommitmentFactory(agreement=agreement)
    CommitmentUpdateFactory(commitment=commitment, status=MilestoneStatus.SCHEDULED, date=DAY(2026, 1, 1))
    old = Commitment.objects.get(pk=commitment.pk)
    CommitmentUpdateFactory(commitment=commitment, status=MilestoneStatus.MET, date=DAY(2026, 6, 1))
    old.description = "Reworded"
    old.save()
    assert milestone(commitment) == MilestoneStatus.MET
    # Without a timeline the status is the record's own and a save writes it.
    free = AgreementFactory(status=Status.SIGNED)
    free.status = Status.IN_FORCE
    free.save()
    assert status(free) == Status.IN_FORCE
