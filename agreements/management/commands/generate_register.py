"""A synthetic register at scale, for benchmarks: every row it makes has a slug starting `synthetic-`."""

import datetime
import random
import time
from decimal import Decimal

from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.utils import timezone

from agreements import tally
from agreements.models import (
    Agreement,
    Event,
    Group,
    Kind,
    Organization,
    OrgType,
    Party,
    PublicationState,
    Role,
    Sector,
    Side,
    Status,
)

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
PUBLICATION_WEIGHTS = [
    (PublicationState.PUBLISHED, 90),
    (PublicationState.REVIEW, 4),
    (PublicationState.DRAFT, 6),
]


class Command(BaseCommand):
    help = (
        "Fill the database with a synthetic register for benchmarks: sectors, organisations, events, groups and "
        "agreements with two or three parties each, some of them drafts. Every row it makes has a slug starting "
        "'synthetic-'; --replace deletes those rows (and only those) first. Never run it on a production database."
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
            # The tally's triggers would update it once per row: off for the bulk load, then back on
            # with every tally row rebuilt from the agreements in one pass (in the same transaction).
            tally.uninstall(connection)
            if replace:
                self.delete_synthetic(database)
            rng = random.Random(seed)  # noqa: S311 - synthetic data, the same for the same seed
            made = Generator(rng, database, batch_size).run(agreements)
            # bulk_create sends no signals: build the stored search documents (PostgreSQL) in one UPDATE.
            Agreement.objects.using(database).filter(slug__startswith=PREFIX).refresh_search_documents()
            tally.install(connection)
        # Fresh statistics for the planner after a bulk load: without them SQLite may drive a correlated
        # EXISTS through the low-selectivity state index (measured: 2.6 s instead of 9 ms at 100,000 rows).
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        self.stdout.write(
            self.style.SUCCESS(
                f"Generated {made['agreements']:,} synthetic agreements with {made['parties']:,} parties, "
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
        parties = 0
        now = timezone.now()
        for start in range(0, count, self.batch_size):
            batch = [
                self.agreement(n, rng.choice(sectors), events, groups, now)
                for n in range(start, min(count, start + self.batch_size))
            ]
            self.create(Agreement, batch)
            rows = []
            for agreement in batch:
                chosen = [rng.choice(kazakh), rng.choice(american)]
                if rng.random() < 0.5:
                    third = rng.choice(organizations)
                    if third not in chosen:
                        chosen.append(third)
                rows.extend(
                    (
                        agreement.pk,
                        org.pk,
                        str(org.country),
                        rng.choice(list(Role)).value,
                        f"Signatory {rng.randrange(1, 10_000)}",
                    )
                    for org in chosen
                )
            self.insert_parties(rows)
            parties += len(rows)
        return {
            "agreements": count,
            "parties": parties,
            "organizations": len(organizations),
            "events": len(events),
            "groups": len(groups),
        }

    def insert_parties(self, rows):
        """Party rows in one executemany: 2.5 rows an agreement, where bulk_create's per-field work on
        model instances took most of the generation's time. Columns are the model's own (tested)."""
        quote = connections[self.database].ops.quote_name
        columns = ["agreement_id", "organization_id", "side", "role", "signed_by", "signer_title", "note"]
        # The model's own table and columns; every value is bound.
        names, marks = ", ".join(quote(column) for column in columns), ", ".join(["%s"] * len(columns))
        sql = f"INSERT INTO {quote(Party._meta.db_table)} ({names}) VALUES ({marks})"  # noqa: S608
        with connections[self.database].cursor() as cursor:
            cursor.executemany(sql, [(*row, "", "") for row in rows])

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

    def date(self):
        return datetime.date(2000, 1, 1) + datetime.timedelta(days=self.rng.randrange(0, 26 * 365))

    def agreement(self, n, sector, events, groups, now):
        rng = self.rng
        subject, verb = rng.choice(SUBJECTS), rng.choice(VERBS)
        state = rng.choices([s for s, _ in PUBLICATION_WEIGHTS], weights=[w for _, w in PUBLICATION_WEIGHTS])[0]
        group = rng.choice(groups) if rng.random() < 0.05 else None
        value = None if group or rng.random() < 0.3 else Decimal(rng.randrange(1, 2_000_000)) * 1_000
        return Agreement(
            title=f"{subject.capitalize()} {verb} agreement no. {n + 1}",
            slug=f"{PREFIX}agreement-{n + 1}",
            kind=rng.choice(list(Kind)),
            status=rng.choice(list(Status)),
            sector_id=sector.pk,
            event_id=rng.choice(events).pk if rng.random() < 0.2 else None,
            group_id=group.pk if group else None,
            signed_on=None if rng.random() < 0.03 else self.date(),
            value_amount=value,
            value_approximate=value is not None and rng.random() < 0.2,
            summary=f"Synthetic record: {verb} of {subject} in the {sector.name.lower()} sector.",
            publication_state=state,
            published_at=now if state == PublicationState.PUBLISHED else None,
        )
