"""Each agreement's parties, commitments and sources, kept written as the API list's JSON arrays.

The list's page statement wrote these arrays in correlated subqueries for every request: at 50 a page
and about six child rows an agreement, that was most of its SQL (1.7 of 2.2 ms at 100,000 agreements).
Here they are written once, when a child changes, into a table of the database's own
(`agreements_children`, one row per agreement), and the page reads them by primary key.

Database triggers keep the rows current on every insert, update and delete of a party, commitment or
citation, every agreement made or deleted, and every edit of what the arrays show of an organisation
or a source, whatever makes the change (admin, import, bulk_create, queryset.update, raw SQL,
loaddata). The arrays are the very subqueries the page ran before (agreements/api/listing.py), so the
two cannot disagree; and the page still falls back on those subqueries for an agreement without a row
(COALESCE evaluates them only then): after a PostgreSQL TRUNCATE, which fires no row trigger, the table
is emptied and the answers stay right. tests/test_children.py holds the rows to a fresh computation
after every kind of change, on SQLite and PostgreSQL.

Like the tally, the table has no Django model: dumps and fixtures never carry it, and a restore
rebuilds it through the triggers.
"""

# ruff: noqa: S608 (every statement here is built from constants of agreements/api/listing.py)

from django.db import connections

from .api.listing import ARRAYS, OUTER_ID

TABLE = "agreements_children"
COLUMNS = ("parties", "commitments", "sources")
CHILD_TABLES = ("agreements_party", "agreements_commitment", "agreements_citation")
# What an array shows of a shared row: an edit of another column (an organisation's website) moves none.
SHOWN = {
    "agreements_organization": (
        "slug, name, country",
        "SELECT agreement_id FROM agreements_party WHERE organization_id",
    ),
    "agreements_source": (
        "publisher, title, url, published_on, language",
        "SELECT agreement_id FROM agreements_citation WHERE source_id",
    ),
}


def arrays(vendor):
    """The three arrays' SQL for the agreement `OUTER_ID`, as statements without parameters run them."""
    # listing.py doubles % for statements run with parameters; these run without.
    return [ARRAYS[vendor][f"{name}_json"].replace("%%", "%") for name in COLUMNS]


def write_sql(vendor, ids=None):
    """Write (or rewrite) the rows of the agreements whose ids `ids` selects (an expression or a subquery),
    or of every agreement."""
    select = f"SELECT {OUTER_ID}, {', '.join(f'({sql})' for sql in arrays(vendor))} FROM agreements_agreement"
    if ids is not None:
        select += f" WHERE {OUTER_ID} IN ({ids})"
    columns = f"agreement_id, {', '.join(COLUMNS)}"
    if vendor == "sqlite":
        return f"INSERT OR REPLACE INTO {TABLE} ({columns}) {select}"
    updates = ", ".join(f"{name} = EXCLUDED.{name}" for name in COLUMNS)
    return f"INSERT INTO {TABLE} ({columns}) {select} ON CONFLICT (agreement_id) DO UPDATE SET {updates}"


def sqlite_statements():
    statements = []
    for table in CHILD_TABLES:
        short = table.removeprefix("agreements_")
        statements += [
            f"CREATE TRIGGER {TABLE}_{short}_insert AFTER INSERT ON {table} FOR EACH ROW "
            f"BEGIN {write_sql('sqlite', 'NEW.agreement_id')}; END",
            f"CREATE TRIGGER {TABLE}_{short}_update AFTER UPDATE ON {table} FOR EACH ROW "
            f"BEGIN {write_sql('sqlite', 'OLD.agreement_id')}; {write_sql('sqlite', 'NEW.agreement_id')}; END",
            f"CREATE TRIGGER {TABLE}_{short}_delete AFTER DELETE ON {table} FOR EACH ROW "
            f"BEGIN {write_sql('sqlite', 'OLD.agreement_id')}; END",
        ]
    for table, (columns, agreements) in SHOWN.items():
        short = table.removeprefix("agreements_")
        statements.append(
            f"CREATE TRIGGER {TABLE}_{short} AFTER UPDATE OF {columns} ON {table} FOR EACH ROW "
            f"BEGIN {write_sql('sqlite', f'{agreements} = NEW.id')}; END"
        )
    statements += [
        f"CREATE TRIGGER {TABLE}_agreement_insert AFTER INSERT ON agreements_agreement FOR EACH ROW "
        f"BEGIN {write_sql('sqlite', 'NEW.id')}; END",
        f"CREATE TRIGGER {TABLE}_agreement_delete AFTER DELETE ON agreements_agreement FOR EACH ROW "
        f"BEGIN DELETE FROM {TABLE} WHERE agreement_id = OLD.id; END",
    ]
    return statements


def sqlite_trigger_names():
    names = [f"{TABLE}_{table.removeprefix('agreements_')}_{op}" for table in CHILD_TABLES for op in OPS]
    names += [f"{TABLE}_{table.removeprefix('agreements_')}" for table in SHOWN]
    return [*names, f"{TABLE}_agreement_insert", f"{TABLE}_agreement_delete"]


OPS = ("insert", "update", "delete")
# (trigger function, its body); every table it serves; the events it fires on.
PG_FUNCTIONS = {
    "child": (
        f"""IF TG_OP IN ('UPDATE', 'DELETE') THEN
        {write_sql("postgresql", "OLD.agreement_id")};
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        {write_sql("postgresql", "NEW.agreement_id")};
    END IF;""",
        dict.fromkeys(CHILD_TABLES, "INSERT OR UPDATE OR DELETE"),
    ),
    **{
        table.removeprefix("agreements_"): (
            f"{write_sql('postgresql', f'{agreements} = NEW.id')};",
            {table: f"UPDATE OF {columns}"},
        )
        for table, (columns, agreements) in SHOWN.items()
    },
    "agreement": (
        f"""IF TG_OP = 'DELETE' THEN
        DELETE FROM {TABLE} WHERE agreement_id = OLD.id;
    ELSE
        {write_sql("postgresql", "NEW.id")};
    END IF;""",
        {"agreements_agreement": "INSERT OR DELETE"},
    ),
    # TRUNCATE fires no row trigger (Django's flush on PostgreSQL): empty the table, and the page computes
    # the arrays itself until the rows are written again.
    "truncate": (
        f"DELETE FROM {TABLE};",
        dict.fromkeys((*CHILD_TABLES, *SHOWN, "agreements_agreement"), "TRUNCATE"),
    ),
}


def pg_trigger(name, table):
    return f"{TABLE}_{name}_{table.removeprefix('agreements_')}"


def postgresql_statements():
    statements = []
    for name, (body, tables) in PG_FUNCTIONS.items():
        statements.append(
            f"CREATE OR REPLACE FUNCTION {TABLE}_{name}() RETURNS trigger AS $$\nBEGIN\n    {body}\n"
            "    RETURN NULL;\nEND\n$$ LANGUAGE plpgsql"
        )
        level = "STATEMENT" if name == "truncate" else "ROW"
        for table, events in tables.items():
            statements.append(
                f"CREATE TRIGGER {pg_trigger(name, table)} AFTER {events} ON {table} "
                f"FOR EACH {level} EXECUTE FUNCTION {TABLE}_{name}()"
            )
    return statements


def create(connection):
    """The table, its triggers and the rows of the agreements already there (a migration)."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TABLE {TABLE} (agreement_id bigint NOT NULL PRIMARY KEY, "
            "parties text NOT NULL, commitments text NOT NULL, sources text NOT NULL)"
        )
    install(connection)


def drop(connection):
    uninstall(connection)
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {TABLE}")


def install(connection):
    """Create the triggers (replacing any) and write every agreement's row anew."""
    uninstall(connection)
    statements = {"sqlite": sqlite_statements, "postgresql": postgresql_statements}[connection.vendor]()
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)
    rebuild(connection)


def uninstall(connection):
    """Drop the triggers (for a bulk load, which then calls install())."""
    if connection.vendor == "postgresql":
        statements = [
            f"DROP TRIGGER IF EXISTS {pg_trigger(name, table)} ON {table}"
            for name, (_, tables) in PG_FUNCTIONS.items()
            for table in tables
        ]
        statements += [f"DROP FUNCTION IF EXISTS {TABLE}_{name}()" for name in PG_FUNCTIONS]
    else:
        statements = [f"DROP TRIGGER IF EXISTS {name}" for name in sqlite_trigger_names()]
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


def rebuild(connection):
    """Every agreement's row anew, from its children."""
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {TABLE}")
        cursor.execute(write_sql(connection.vendor))


def stale(using="default"):
    """Ids of agreements whose row is missing or differs from a fresh computation (for the tests)."""
    connection = connections[using]
    fresh = ", ".join(f"({sql})" for sql in arrays(connection.vendor))
    stored = ", ".join(f"c.{name}" for name in COLUMNS)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {OUTER_ID}, {fresh}, {stored} FROM agreements_agreement "
            f"LEFT JOIN {TABLE} c ON c.agreement_id = {OUTER_ID}"
        )
        rows = cursor.fetchall()
        cursor.execute(
            f"SELECT agreement_id FROM {TABLE} WHERE agreement_id NOT IN (SELECT id FROM agreements_agreement)"
        )
        orphans = [row[0] for row in cursor.fetchall()]
    return sorted([row[0] for row in rows if tuple(row[1:4]) != tuple(row[4:7])] + orphans)
