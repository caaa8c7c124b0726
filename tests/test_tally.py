"""The running tally (agreements/tally.py) gives exactly what `totals()` adds up from the rows, for the
whole register, every sector and every event, after every kind of change: saves, publication,
moves between sectors, events and groups, bulk inserts, queryset updates, deletes, raw SQL. And
the list uses it only where it holds: the register, one sector or one event."""

import datetime
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from agreements import tally
from agreements.filters import AgreementFilterSet
from agreements.models import Agreement, Event, Group, Kind, PublicationState, Sector
from agreements.tally import tallied_totals
from tests.factories import AgreementFactory, EventFactory, GroupFactory, SectorFactory

pytestmark = pytest.mark.django_db


def assert_tally_matches_rows():
    public = Agreement.objects.public()
    scopes = [("all", 0, public)]
    scopes += [("sector", sector.pk, public.filter(sector=sector)) for sector in Sector.objects.all()]
    scopes += [("event", event.pk, public.filter(event=event)) for event in Event.objects.all()]
    for scope, ref, selection in scopes:
        assert tallied_totals(scope, ref).as_dict() == selection.totals().as_dict(), (scope, ref)


@pytest.fixture
def mixed():
    """Two sectors, an event, two groups, two currencies, binding and not, approximate, drafts."""
    energy, rail = SectorFactory(), SectorFactory()
    visit = EventFactory()
    package = GroupFactory(amount=Decimal("1000000000.00"), approximate=True)
    euro_package = GroupFactory(amount=Decimal("250000000.50"), currency="EUR", approximate=False)
    made = [
        AgreementFactory(sector=energy, event=visit, value_amount=Decimal("100.10")),
        AgreementFactory(sector=energy, kind=Kind.MEMORANDUM, value_amount=Decimal("200.20"), value_approximate=True),
        AgreementFactory(sector=rail, event=visit, value_amount=Decimal("4000000000"), value_currency="EUR"),
        AgreementFactory(sector=rail, value_amount=None),
        AgreementFactory(sector=energy, event=visit, group=package, value_amount=None),
        AgreementFactory(sector=rail, group=package, value_amount=None, kind=Kind.ROADMAP),
        AgreementFactory(sector=rail, group=euro_package, value_amount=None),
        AgreementFactory(sector=energy, value_amount=Decimal("999"), publication_state=PublicationState.DRAFT),
        AgreementFactory(sector=rail, group=package, value_amount=None, publication_state=PublicationState.REVIEW),
    ]
    return made, energy, rail, visit, package


def test_the_tally_follows_every_kind_of_change(mixed):
    made, energy, rail, visit, package = mixed
    assert_tally_matches_rows()

    # An edit through save(): value, kind and currency.
    first = made[0]
    first.value_amount, first.kind, first.value_currency = Decimal("5.55"), Kind.LETTER_OF_INTENT, "KZT"
    first.save()
    assert_tally_matches_rows()

    # Publication and withdrawal.
    draft, review = made[7], made[8]
    draft.publication_state = PublicationState.PUBLISHED
    draft.save()
    Agreement.objects.filter(pk=review.pk).update(publication_state=PublicationState.PUBLISHED)
    assert_tally_matches_rows()
    Agreement.objects.filter(pk=made[1].pk).update(publication_state=PublicationState.DRAFT)
    assert_tally_matches_rows()

    # Moves between sectors, events and groups, in bulk.
    Agreement.objects.filter(sector=energy).update(sector=rail)
    Agreement.objects.filter(event=visit).update(event=None)
    member = made[4]
    Agreement.objects.filter(pk=member.pk).update(group=None, value_amount=Decimal("12.34"))
    Agreement.objects.filter(pk=made[3].pk).update(group=package, event=visit)
    assert_tally_matches_rows()

    # A bulk insert (no signals), a delete, and raw SQL.
    Agreement.objects.bulk_create(
        [
            Agreement(
                title=f"Bulk {number}",
                slug=f"bulk-{number}",
                kind=Kind.CONTRACT if number % 2 else Kind.PROJECT,
                sector=energy,
                event=visit if number % 3 else None,
                group=package if number % 4 == 0 else None,
                value_amount=None if number % 4 == 0 else Decimal(number) + Decimal("0.01"),
                signed_on=datetime.date(2025, 1, 1),
                publication_state=PublicationState.PUBLISHED,
            )
            for number in range(12)
        ]
    )
    assert_tally_matches_rows()
    Agreement.objects.filter(slug__in=["bulk-1", "bulk-4"]).delete()
    made[2].delete()
    with connection.cursor() as cursor:
        cursor.execute("UPDATE agreements_agreement SET value_approximate = %s WHERE slug = %s", [True, "bulk-3"])
    assert_tally_matches_rows()

    # A group's amount, currency and approximateness, edited: its values move in every scope it is in.
    package.amount = Decimal("3.00")
    package.save()
    assert_tally_matches_rows()
    package.currency, package.approximate = "EUR", False
    package.save()
    assert_tally_matches_rows()
    Group.objects.filter(pk=package.pk).update(amount=Decimal("7.77"), currency="KZT", approximate=True)
    assert_tally_matches_rows()

    # A member turning non-binding makes its group non-binding in its scopes, and back.
    member = Agreement.objects.public().filter(group=package).first()
    Agreement.objects.filter(pk=member.pk).update(kind=Kind.MEMORANDUM)
    assert_tally_matches_rows()
    Agreement.objects.filter(group=package).update(kind=Kind.CONTRACT)
    assert_tally_matches_rows()
    # A group losing its last member leaves its scopes.
    Agreement.objects.filter(group=package).update(group=None)
    assert_tally_matches_rows()


def test_a_scope_reads_a_few_rows_however_many_groups_it_has(mixed):
    """Group values are kept per scope, currency and binding-ness: forty more groups in a sector add
    nothing to what its totals read."""
    _, energy, *_ = mixed
    for number in range(40):
        group = GroupFactory(amount=Decimal(number + 1), currency="USD" if number % 2 else "EUR")
        AgreementFactory(sector=energy, group=group, value_amount=None)
        AgreementFactory(
            sector=energy, group=group, value_amount=None, kind=Kind.MEMORANDUM if number % 3 else Kind.CONTRACT
        )
    assert_tally_matches_rows()

    with connection.cursor() as cursor:
        cursor.execute(tally.READ, ["sector", energy.pk])
        rows = cursor.fetchall()
    # The moment, own values and group values: each at most per currency (3) and binding-ness (2).
    assert len(rows) <= 1 + 2 * 3 * 2


def test_installing_builds_the_rows_of_agreements_already_there(mixed):
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM agreements_tally")
    assert tallied_totals("all").count == 0

    tally.install(connection)

    assert tallied_totals("all").count == Agreement.objects.public().count() == 7
    assert_tally_matches_rows()


def test_drafts_never_reach_the_tally(mixed):
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM agreements_tally WHERE total_cents = 99900")
        assert cursor.fetchone() == (0,)
    assert tallied_totals("all").count == 7


@pytest.mark.django_db(transaction=True)  # flush on PostgreSQL is a TRUNCATE: not inside a test's transaction
def test_a_dump_leaves_the_tally_out_and_a_restore_rebuilds_it(mixed, tmp_path):
    """The tally is the database's own: not in dumpdata, and made anew by the triggers on loaddata."""
    before = tallied_totals("all").as_dict()
    dump = tmp_path / "dump.json"
    call_command("dumpdata", "agreements", "--natural-foreign", "--natural-primary", output=str(dump))
    assert "tally" not in dump.read_text().lower()

    call_command("flush", "--no-input")
    assert tallied_totals("all").count == 0
    call_command("loaddata", str(dump), verbosity=0)

    assert tallied_totals("all").as_dict() == before
    assert_tally_matches_rows()


def filterset_totals(params):
    filterset = AgreementFilterSet(params)
    assert filterset.is_valid()
    with CaptureQueriesContext(connection) as captured:
        totals = filterset.totals()
    return totals, filterset.qs, [query["sql"] for query in captured]


@pytest.mark.parametrize("which", ["all", "sector", "event"])
def test_the_list_reads_the_tally_for_the_register_a_sector_or_an_event(mixed, which):
    _, energy, _, visit, _ = mixed
    params = {"all": {}, "sector": {"sector": energy.slug}, "event": {"event": visit.slug}}[which]

    totals, queryset, queries = filterset_totals({**params, "ordering": "title"})

    assert any("agreements_tally" in sql for sql in queries)
    assert not any("SUM" in sql and "agreements_tally" not in sql for sql in queries)
    assert totals.as_dict() == queryset.totals().as_dict()
    assert totals.last_modified == max(row.updated_at for row in queryset)


@pytest.mark.parametrize(
    "params", [{"kind": Kind.CONTRACT}, {"q": "Agreement"}, {"binding": "false"}, {"value_min": "1"}]
)
def test_other_selections_are_added_up_from_their_rows(mixed, params):
    _, energy, *_ = mixed

    totals, queryset, queries = filterset_totals({"sector": energy.slug, **params})

    # Only the register's moment comes from the tally (for Last-Modified), never a total.
    assert not any("agreements_tally" in sql and "SUM" in sql for sql in queries)
    assert totals.as_dict() == queryset.totals().as_dict()
    if totals.count:
        assert totals.last_modified == tally.changed_at("all") >= max(row.updated_at for row in queryset)
    else:
        assert totals.last_modified is None


def test_a_filterset_over_another_selection_never_reads_the_tally(mixed):
    _, energy, *_ = mixed
    filterset = AgreementFilterSet({"sector": energy.slug}, queryset=Agreement.objects.filter(kind=Kind.CONTRACT))

    assert filterset.tallied_scope() is None
    assert filterset.totals().count == filterset.qs.count()


@pytest.mark.parametrize("scope", ["sector", "event"])
def test_every_sector_or_event_at_once_is_what_totals_by_adds_up(mixed, scope):
    public = Agreement.objects.public()
    expected = public.filter(**{f"{scope}__isnull": False}).totals_by(scope)

    found = tally.tallied_totals_by(scope)

    assert {ref: totals.as_dict() for ref, totals in found.items()} == {
        ref: totals.as_dict() for ref, totals in expected.items()
    }
    assert found  # the fixture has public agreements in sectors and in an event
