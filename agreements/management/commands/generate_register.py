"""A synthetic register at scale, for benchmarks: every row it makes has a slug starting `synthetic-`."""

import datetime
import random
import time
from decimal import Decimal

from django.core.management.base import BaseCommand, CommandError
from django.core.management.color import no_style
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.models import Max
from django.utils import timezone

from agreements import caching, derived
from agreements.models import (
    Agreement,
    Citation,
    Commitment,
    Event,
    Group,
    Kind,
    MilestoneStatus,
    Organization,
    OrgType,
    Party,
    PublicationState,
    Role,
    Sector,
    Side,
    Source,
    Status,
    Supports,
)
from agreements.translation import english_from_original

PREFIX = "synthetic-"
SECTORS = [
    "Energy",
    "Aviation",
    "Rail",
    "Mining",
    "Agriculture",
    "Finance",
    "Health",
    "Education",
    "Digital",
    "Defence",
    "Water",
    "Space",
]
SUBJECTS = [
    "locomotive",
    "aircraft",
    "uranium",
    "wheat",
    "pipeline",
    "satellite",
    "hospital",
    "university",
    "data centre",
    "copper",
    "solar plant",
    "wind farm",
    "fertiliser",
    "railcar",
    "turbine",
    "software",
]
VERBS = ["supply", "purchase", "construction", "maintenance", "financing", "cooperation", "research", "training"]
NAME_PARTS = ["Altyn", "Steppe", "Prairie", "Atlas", "Summit", "Caspian", "Liberty", "Tengri", "Eagle", "Nomad"]
NAME_KINDS = ["Holding", "Corporation", "Energy", "Logistics", "Systems", "Partners", "Industries", "Bank"]
PUBLISHERS = ["Synthetic Ministry of Trade", "Synthetic Gazette", "Synthetic Wire", "Synthetic Press Office"]
LANGUAGES = ["en", "ru", "kk", "de"]
UNITS = ["units", "tonnes", "MW", "km", "people trained"]
# A citation for the record, often one for the value (sometimes with the source's own figure), now and
# then one for the parties; none, one or two commitments. The real register has about four citations
# and one commitment an agreement.
PUBLICATION_WEIGHTS = [
    (PublicationState.PUBLISHED, 90),
    (PublicationState.REVIEW, 4),
    (PublicationState.DRAFT, 6),
]


PUBLICATION_STATES = [state.value for state, _ in PUBLICATION_WEIGHTS]
PUBLICATION_STATE_WEIGHTS = [weight for _, weight in PUBLICATION_WEIGHTS]
PUBLISHED = PublicationState.PUBLISHED.value
KINDS = [kind.value for kind in Kind]
STATUSES = [status.value for status in Status]
MILESTONE_STATUSES = [status.value for status in MilestoneStatus]
PARTY_COLUMNS = ["agreement_id", "organization_id", "side", "role", "signed_by", "signer_title", "note"]
CITATION_COLUMNS = [
    "agreement_id",
    "source_id",
    "supports",
    "claim",
    "claim_amount",
    "claim_currency",
    "claim_approximate",
    "disputes",
]
COMMITMENT_COLUMNS = [
    "agreement_id",
    "position",
    "description",
    "quantity",
    "unit",
    "due_on",
    "due_precision",
    "status",
    "source_id",
]


class Command(BaseCommand):
    help = (
        "Fill the database with a synthetic register for benchmarks: sectors, organisations, events, groups and "
        "agreements with two or three parties each, sources cited for them and commitments, some of them drafts. "
        "Every row it makes has a slug (a source: its key) starting 'synthetic-'; --replace deletes those rows "
        "(and only those) first. Never run it on a production database."
    )

    def add_arguments(self, parser):
        parser.add_argument("--agreements", type=int, default=100_000, help="How many agreements (default 100,000).")
        parser.add_argument("--seed", type=int, default=1, help="The same seed makes the same register.")
        parser.add_argument("--batch-size", type=int, default=5_000)
        parser.add_argument(
            "--replace", action="store_true", help="Delete the synthetic rows a previous run made before generating."
        )
        parser.add_argument(
            "--yes",
            action="store_true",
            help="Go ahead even though the database holds real (non-synthetic) agreements.",
        )
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS)

    def handle(self, *args, agreements, seed, batch_size, replace, yes, database, **options):
        if agreements < 1:
            raise CommandError("--agreements must be at least 1.")
        real = Agreement.objects.using(database).exclude(slug__startswith=PREFIX).count()
        if real and not yes:
            raise CommandError(
                f"The database holds {real} real agreements: synthetic rows would be mixed with them. "
                "Use an empty database, or pass --yes (real rows are never changed or deleted)."
            )
        existing = Agreement.objects.using(database).filter(slug__startswith=PREFIX).exists()
        if existing and not replace:
            raise CommandError("Synthetic rows are already there: pass --replace to make them anew.")
        started = time.monotonic()
        connection = connections[database]
        with transaction.atomic(using=database):
            # The derived tables' triggers would write once per row: off for the bulk load, then back on with
            # every row rebuilt in one pass (in the same transaction).
            derived.uninstall_all(connection)
            if replace:
                self.delete_synthetic(database)
            rng = random.Random(seed)  # noqa: S311 - synthetic data, the same for the same seed
            made = Generator(rng, database, batch_size).run(agreements)
            # bulk_create sends no signals: build the stored search documents (PostgreSQL) in one UPDATE.
            # Rows written by column carry their English text in the original columns only.
            english_from_original(database)
            Agreement.objects.using(database).filter(slug__startswith=PREFIX).refresh_search_documents()
            derived.install_all(connection)
            # bulk_create sends no signals either: a new register version, so no validator outlives the load.
            caching.bump_all(database)
        # Fresh statistics for the planner after a bulk load: without them SQLite may drive a correlated
        # EXISTS through the low-selectivity state index (measured: 2.6 s instead of 9 ms at 100,000 rows).
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        self.stdout.write(
            self.style.SUCCESS(
                f"Generated {made['agreements']:,} synthetic agreements with {made['parties']:,} parties, "
                f"{made['citations']:,} citations of {made['sources']:,} sources, {made['commitments']:,} commitments "
                f"({made['commitment_updates']:,} updates), {made['status_entries']:,} status entries, "
                f"{made['organizations']:,} organisations, {made['events']} events and {made['groups']} groups "
                f"in {time.monotonic() - started:.1f} s."
            )
        )

    def delete_synthetic(self, database):
        """Synthetic rows only, dependants first; a real row pointing at one stops it (PROTECT) and rolls back."""
        Agreement.history.model.objects.using(database).filter(slug__startswith=PREFIX).delete()
        Party.history.model.objects.using(database).filter(agreement__slug__startswith=PREFIX).delete()
        for model in (Agreement, Group, Event, Organization, Sector):
            model.objects.using(database).filter(slug__startswith=PREFIX).delete()
        Source.objects.using(database).filter(key__startswith=PREFIX).delete()


class Generator:
    def __init__(self, rng, database, batch_size):
        self.rng = rng
        self.database = database
        self.batch_size = batch_size

    def create(self, model, objects):
        return model.objects.using(self.database).bulk_create(objects, batch_size=self.batch_size)

    def run(self, count):
        rng = self.rng
        sectors = self.create(
            Sector, [Sector(name=f"{name} (synthetic)", slug=f"{PREFIX}{name.lower()}") for name in SECTORS]
        )
        organizations = self.create(Organization, [self.organization(n) for n in range(max(20, count // 20))])
        kazakh = [org for org in organizations if org.country == "KZ"]
        american = [org for org in organizations if org.country == "US"]
        events = self.create(
            Event,
            [
                Event(
                    name=f"Synthetic visit {n + 1}",
                    slug=f"{PREFIX}visit-{n + 1}",
                    starts_on=self.date(),
                    place=rng.choice(["Astana", "Almaty", "Washington, D.C.", "New York"]),
                )
                for n in range(max(1, count // 1_000))
            ],
        )
        groups = self.create(
            Group,
            [
                Group(
                    name=f"Synthetic package {n + 1}",
                    slug=f"{PREFIX}package-{n + 1}",
                    amount=Decimal(rng.randrange(100, 5_000)) * 1_000_000,
                    approximate=rng.random() < 0.5,
                )
                for n in range(max(1, count // 500))
            ],
        )
        sources = self.create(Source, [self.source(n) for n in range(max(5, count // 200))])
        parties = citations = commitments = 0
        columns, defaults = self.agreement_columns()
        first_id = (Agreement.objects.using(self.database).aggregate(last=Max("pk"))["last"] or 0) + 1
        for start in range(0, count, self.batch_size):
            batch = [
                self.agreement(first_id + n, n, rng.choice(sectors), events, groups)
                for n in range(start, min(count, start + self.batch_size))
            ]
            self.insert_rows(
                Agreement, columns, [[row.get(name, default) for name, default in defaults] for row in batch]
            )
            rows = []
            for agreement in batch:
                chosen = [rng.choice(kazakh), rng.choice(american)]
                if rng.random() < 0.5:
                    third = rng.choice(organizations)
                    if third not in chosen:
                        chosen.append(third)
                rows.extend(
                    (
                        agreement["id"],
                        org.pk,
                        str(org.country),
                        rng.choice(list(Role)).value,
                        f"Signatory {rng.randrange(1, 10_000)}",
                    )
                    for org in chosen
                )
            self.insert_rows(Party, PARTY_COLUMNS, [(*row, "", "") for row in rows])
            parties += len(rows)
            cited, committed = [], []
            for agreement in batch:
                cited.extend(self.citations(agreement, sources))
                committed.extend(self.commitments(agreement))
            self.insert_rows(Citation, CITATION_COLUMNS, cited)
            self.insert_rows(Commitment, COMMITMENT_COLUMNS, committed)
            citations += len(cited)
            commitments += len(committed)
        connection = connections[self.database]
        follow_up = self.follow_up(connection, first_id, len(sources))
        # The ids were given explicitly: PostgreSQL's sequence must move past them (SQLite's moves itself).
        with connection.cursor() as cursor:
            for statement in connection.ops.sequence_reset_sql(no_style(), [Agreement]):
                cursor.execute(statement)
        return {
            "agreements": count,
            "parties": parties,
            "sources": len(sources),
            "citations": citations,
            "commitments": commitments,
            **follow_up,
            "organizations": len(organizations),
            "events": len(events),
            "groups": len(groups),
        }

    def follow_up(self, connection, first_id, source_count):
        """A status entry for each signed agreement (its status, on its signature date) and an update for
        every other commitment (its status, half its quantity done), each citing a synthetic source: in two
        statements over the rows just written, the ids being the database's."""
        # The tables' own names and constants of this module; the first id is bound (so a % is written %%).
        source = (
            f"(SELECT MIN(id) FROM agreements_source WHERE key LIKE '{PREFIX}%%') "  # noqa: S608
            f"+ ({{}} %% {max(1, source_count)})"
        )
        statements = {
            "status_entries": (
                "INSERT INTO agreements_statusentry (agreement_id, status, date, date_precision, source_id, note) "  # noqa: S608
                f"SELECT a.id, a.status, a.signed_on, 'day', {source.format('a.id')}, 'Synthetic status report' "
                "FROM agreements_agreement a WHERE a.id >= %s AND a.signed_on IS NOT NULL"
            ),
            "commitment_updates": (
                "INSERT INTO agreements_commitmentupdate (commitment_id, status, date, date_precision, progress, "  # noqa: S608
                f"source_id, note) SELECT m.id, m.status, m.due_on, 'day', m.quantity * 0.5, {source.format('m.id')}, "
                "'Synthetic progress report' FROM agreements_commitment m "
                "WHERE m.agreement_id >= %s AND m.due_on IS NOT NULL AND m.id %% 2 = 0"
            ),
        }
        made = {}
        with connection.cursor() as cursor:
            for name, statement in statements.items():
                cursor.execute(statement, [first_id])
                made[name] = cursor.rowcount
        return made

    def insert_rows(self, model, columns, rows):
        """Rows of a child table in one executemany: several an agreement, where bulk_create's per-field
        work on model instances took most of the generation's time. Columns are the model's own (tested)."""
        if not rows:
            return
        quote = connections[self.database].ops.quote_name
        # The model's own table and columns; every value is bound.
        names, marks = ", ".join(quote(column) for column in columns), ", ".join(["%s"] * len(columns))
        sql = f"INSERT INTO {quote(model._meta.db_table)} ({names}) VALUES ({marks})"  # noqa: S608
        with connections[self.database].cursor() as cursor:
            cursor.executemany(sql, rows)

    def source(self, n):
        return Source(
            key=f"{PREFIX}source-{n + 1}",
            publisher=self.rng.choice(PUBLISHERS),
            title=f"Synthetic statement no. {n + 1}",
            url=f"https://example.org/synthetic/source-{n + 1}",
            published_on=self.date(),
            language=self.rng.choice(LANGUAGES),
        )

    def citations(self, agreement, sources):
        """(agreement, source, supports, claim, amount, currency, approximate, disputes): one per `supports`."""
        rng = self.rng
        pk = agreement["id"]
        rows = [(pk, rng.choice(sources).pk, Supports.RECORD.value, "", None, "", False, False)]
        if agreement["value_amount"] is not None and rng.random() < 0.6:
            disputes = rng.random() < 0.1
            amount = agreement["value_amount"] * (Decimal("1.1") if disputes else 1)
            claim = f"A value of {amount:,.0f} USD" if disputes else "The value"
            rows.append((pk, rng.choice(sources).pk, Supports.VALUE.value, claim, amount, "USD", False, disputes))
        if rng.random() < 0.3:
            rows.append((pk, rng.choice(sources).pk, Supports.PARTIES.value, "", None, "", False, False))
        return rows

    def commitments(self, agreement):
        """(agreement, position, description, quantity, unit, due_on, precision, status, source): none, one or
        two."""
        rng = self.rng
        return [
            (
                agreement["id"],
                position,
                f"Synthetic milestone {position}",
                Decimal(rng.randrange(1, 500)),
                rng.choice(UNITS),
                self.adapt_date(self.date()),
                "day",
                rng.choice(MILESTONE_STATUSES),
                None,
            )
            for position in range(1, rng.choices([1, 2, 3], weights=[50, 30, 20])[0])
        ]

    def organization(self, n):
        country = Side.KZ if n % 2 == 0 else Side.US
        name = f"{self.rng.choice(NAME_PARTS)} {self.rng.choice(NAME_KINDS)} {n + 1}"
        return Organization(
            name=name,
            short_name=f"S{n + 1}",
            slug=f"{PREFIX}org-{n + 1}",
            country=country,
            org_type=self.rng.choice(list(OrgType)),
        )

    def adapt_date(self, value):
        return connections[self.database].ops.adapt_datefield_value(value)

    def date(self):
        return datetime.date(2000, 1, 1) + datetime.timedelta(days=self.rng.randrange(0, 26 * 365))

    def recent(self):
        return datetime.date(2026, 12, 1) - datetime.timedelta(days=self.rng.randrange(0, 365))

    def agreement_columns(self):
        """The agreement table's columns, each with the value a new Agreement() would store when the
        generator gives none (its default; now for the created and updated times), ready to bind."""
        ops = connections[self.database].ops
        self.now = ops.adapt_datetimefield_value(timezone.now())
        defaults = []
        for field in Agreement._meta.concrete_fields:
            if field.column == "search_document":
                continue  # built after the load (PostgreSQL), empty on SQLite
            if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
                default = self.now
            else:
                default = field.get_db_prep_save(field.get_default(), connections[self.database])
            defaults.append((field.column, default))
        return [name for name, _ in defaults], defaults

    def agreement(self, pk, n, sector, events, groups):
        """An agreement's row by column, as bulk_create would write it (tested against the model)."""
        rng = self.rng
        subject, verb = rng.choice(SUBJECTS), rng.choice(VERBS)
        state = rng.choices(PUBLICATION_STATES, weights=PUBLICATION_STATE_WEIGHTS)[0]
        group = rng.choice(groups) if rng.random() < 0.05 else None
        value = None if group or rng.random() < 0.3 else Decimal(rng.randrange(1, 2_000_000)) * 1_000
        signed_on = None if rng.random() < 0.03 else self.date()
        return {
            "id": pk,
            "title": f"{subject.capitalize()} {verb} agreement no. {n + 1}",
            "slug": f"{PREFIX}agreement-{n + 1}",
            "kind": rng.choice(KINDS),
            "status": rng.choice(STATUSES),
            "sector_id": sector.pk,
            "event_id": rng.choice(events).pk if rng.random() < 0.2 else None,
            "group_id": group.pk if group else None,
            "signed_on": None if signed_on is None else self.adapt_date(signed_on),
            "value_amount": value,
            "value_approximate": value is not None and rng.random() < 0.2,
            "summary": f"Synthetic record: {verb} of {subject} in the {sector.name.lower()} sector.",
            "publication_state": state,
            "published_at": self.now if state == PUBLISHED else None,
            # Most checked within the last year, some never: about a third stale.
            "last_verified_on": None if rng.random() < 0.1 else self.adapt_date(self.recent()),
        }
