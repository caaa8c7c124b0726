"""`generate_register` makes a synthetic register for benchmarks and never touches real rows."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.models import Count, Max

from agreements.models import (
    Agreement,
    Citation,
    Commitment,
    CommitmentUpdate,
    Event,
    Group,
    Organization,
    Party,
    PublicationState,
    Sector,
    Source,
    Supports,
)
from tests.factories import AgreementFactory, PartyFactory

pytestmark = pytest.mark.django_db


def generate(*args):
    out = StringIO()
    call_command("generate_register", *args, stdout=out)
    return out.getvalue()


def synthetic(model):
    return model.objects.filter(slug__startswith="synthetic-")


def test_generates_the_requested_number_of_agreements_with_two_or_three_parties():
    output = generate("--agreements", "50", "--seed", "3")
    assert "Generated 50 synthetic agreements" in output
    assert Agreement.objects.count() == 50
    assert not Agreement.objects.exclude(slug__startswith="synthetic-").exists()
    per_agreement = Agreement.objects.annotate(n=Count("parties")).values_list("n", flat=True)
    assert set(per_agreement) <= {2, 3}
    assert Party.objects.count() == sum(per_agreement)
    both_sides = Agreement.objects.filter(parties__side="KZ").filter(parties__side="US").distinct().count()
    assert both_sides == 50
    assert synthetic(Sector).count() == 12
    assert synthetic(Organization).count() >= 20
    assert synthetic(Event).exists() and synthetic(Group).exists()
    # Agreements and parties are written as raw rows (executemany): each must still be a valid row,
    # with the model's defaults where the generator gives nothing.
    for agreement in Agreement.objects.all():
        agreement.full_clean()
        assert agreement.created_at == agreement.updated_at and agreement.created_at is not None
        assert agreement.is_public == (agreement.published_at is not None)
        assert agreement.signed_on_precision == "day" and agreement.places == ""
    # The ids were given explicitly: the next agreement made the usual way gets a new one.
    assert (
        AgreementFactory().pk > Agreement.objects.filter(slug__startswith="synthetic-").aggregate(Max("pk"))["pk__max"]
    )
    for party in Party.objects.select_related("organization"):
        party.full_clean()
        assert party.side == party.organization.country
        assert party.signed_by.startswith("Signatory ") and party.signer_title == party.note == ""


def test_agreements_cite_synthetic_sources_and_some_have_commitments():
    output = generate("--agreements", "200", "--seed", "5")
    assert Source.objects.exists() and not Source.objects.exclude(key__startswith="synthetic-").exists()
    assert all(source.url.startswith("https://example.org/synthetic/") for source in Source.objects.all())
    # Every agreement cites a source for the record; some for their value or parties too.
    assert Agreement.objects.filter(citations__supports=Supports.RECORD).distinct().count() == 200
    assert Citation.objects.filter(supports=Supports.VALUE).exists()
    assert Citation.objects.filter(disputes=True, claim_amount__isnull=False).exists()
    with_commitments = Agreement.objects.filter(commitments__isnull=False).distinct().count()
    assert 50 < with_commitments < 150
    assert (
        f"{Citation.objects.count():,} citations" in output and f"{Commitment.objects.count():,} commitments" in output
    )
    # Written with raw rows (executemany): each must still be a valid row.
    for citation in Citation.objects.select_related("source", "agreement"):
        citation.full_clean()
    for commitment in Commitment.objects.select_related("agreement"):
        commitment.full_clean()
        assert commitment.quantity is not None and commitment.due_on is not None
    # Progress is half the quantity on every database (SQLite divided whole numbers as whole numbers: 261 / 2 = 130).
    updates = CommitmentUpdate.objects.select_related("commitment")
    assert updates.exists()
    for update in updates:
        assert update.progress == update.commitment.quantity / 2


def test_most_are_published_and_some_are_not():
    generate("--agreements", "400")
    published = Agreement.objects.public().count()
    assert 300 < published < 400
    assert Agreement.objects.exclude(publication_state=PublicationState.PUBLISHED).exists()
    assert not Agreement.objects.public().filter(published_at__isnull=True).exists()


def test_group_members_have_no_value_of_their_own():
    generate("--agreements", "400")
    assert Agreement.objects.filter(group__isnull=False).exists()
    assert not Agreement.objects.filter(group__isnull=False, value_amount__isnull=False).exists()


def test_the_same_seed_makes_the_same_register():
    generate("--agreements", "30", "--seed", "7")
    first = list(Agreement.objects.order_by("slug").values_list("slug", "title", "sector__slug", "signed_on"))
    generate("--agreements", "30", "--seed", "7", "--replace")
    assert list(Agreement.objects.order_by("slug").values_list("slug", "title", "sector__slug", "signed_on")) == first


def test_replace_is_idempotent_and_deletes_only_synthetic_rows():
    real = PartyFactory(agreement=AgreementFactory(title="Real locomotive deal"))
    real_source = Source.objects.create(key="mfa-2025-11-07", publisher="Real ministry", title="Real statement")
    generate("--agreements", "50", "--yes")

    def counts():
        return [model.objects.count() for model in (Agreement, Party, Organization, Source, Citation, Commitment)]

    first = counts()
    generate("--agreements", "50", "--yes", "--replace")
    assert counts() == first
    generate("--agreements", "20", "--yes", "--replace")
    assert synthetic(Agreement).count() == 20
    assert Agreement.objects.filter(pk=real.agreement.pk).exists()
    assert Party.objects.filter(pk=real.pk).exists()
    assert Organization.objects.filter(pk=real.organization.pk).exists()
    assert Source.objects.filter(pk=real_source.pk).exists()


def test_refuses_to_mix_with_real_agreements_without_yes():
    AgreementFactory()
    with pytest.raises(CommandError, match="real agreements"):
        generate("--agreements", "10")
    assert not synthetic(Agreement).exists()


def test_refuses_to_run_twice_without_replace():
    generate("--agreements", "10")
    with pytest.raises(CommandError, match="--replace"):
        generate("--agreements", "10")
    assert synthetic(Agreement).count() == 10


def test_the_planner_gets_fresh_statistics():
    generate("--agreements", "20")
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT count(*) FROM sqlite_stat1 WHERE tbl = 'agreements_party'")
        else:
            cursor.execute("SELECT count(*) FROM pg_stats WHERE tablename = 'agreements_party'")
        assert cursor.fetchone()[0] > 0


def test_refuses_a_count_below_one():
    with pytest.raises(CommandError, match="at least 1"):
        generate("--agreements", "0")
