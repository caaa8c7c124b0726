"""Each agreement's parties, commitments and sources, kept written as the API list's JSON arrays.

The list's page statement wrote these arrays in correlated subqueries for every request: at 50 a page
and about six child rows an agreement, that was most of its SQL (1.7 of 2.2 ms at 100,000 agreements).
Here they are written once, when a child changes, into a table of the database's own
(`agreements_children`, one row per agreement), and the page reads them by primary key.

Database triggers keep the rows current on every insert, update and delete of a party, commitment or
citation, every agreement made or deleted, and every edit of what the arrays show of an organisation
or a source, whatever makes the change (admin, import, bulk_create, queryset.update, raw SQL,
loaddata). The arrays are written by the subqueries below, which the page (agreements/api/listing.py)
also runs itself for an agreement without a row, so the two cannot disagree
(COALESCE evaluates them only then): after a PostgreSQL TRUNCATE, which fires no row trigger, the table
is emptied and the answers stay right. tests/test_children.py holds the rows to a fresh computation
after every kind of change, on SQLite and PostgreSQL.

Like the tally, the table has no Django model: dumps and fixtures never carry it, and a restore
rebuilds it through the triggers.
"""

# ruff: noqa: S608 (every statement here is built from constants of this module)

from django.db import connections

OUTER_ID = '"agreements_agreement"."id"'

# Each child array: (its columns as (JSON key, SQL expression, type), FROM ... WHERE, ORDER BY).
# Types: text (as stored), decimal (a string to the cent, as DecimalField writes it), boolean, date.
PARTIES = (
    [
        ("organization", {"slug": ("o.slug", "text"), "name": ("o.name", "text"), "country": ("o.country", "text")}),
        ("side", ("p.side", "text")),
        ("role", ("p.role", "text")),
        ("signed_by", ("p.signed_by", "text")),
        ("signer_title", ("p.signer_title", "text")),
    ],
    f"agreements_party p JOIN agreements_organization o ON o.id = p.organization_id WHERE p.agreement_id = {OUTER_ID}",
    # Party's default ordering (side, organisation name), made total by the row id.
    "p.side, o.name, p.id",
)
COMMITMENTS = (
    [
        ("description", ("m.description", "text")),
        ("quantity", ("m.quantity", "decimal")),
        ("unit", ("m.unit", "text")),
        ("due_on", ("m.due_on", "date")),
        ("status", ("m.status", "text")),
    ],
    f"agreements_commitment m WHERE m.agreement_id = {OUTER_ID}",
    "m.position, m.id",
)
SOURCES = (
    [
        ("publisher", ("s.publisher", "text")),
        ("title", ("s.title", "text")),
        ("url", ("s.url", "text")),
        ("published_on", ("s.published_on", "date")),
        ("language", ("s.language", "text")),
        ("supports", ("c.supports", "text")),
        ("claim", ("c.claim", "text")),
        ("claim_amount", ("c.claim_amount", "decimal")),
        ("claim_currency", ("c.claim_currency", "text")),
        ("claim_approximate", ("c.claim_approximate", "boolean")),
        ("disputes", ("c.disputes", "boolean")),
    ],
    f"agreements_citation c JOIN agreements_source s ON s.id = c.source_id WHERE c.agreement_id = {OUTER_ID}",
    "c.id",
)
CHILDREN = {"parties": PARTIES, "commitments": COMMITMENTS, "sources": SOURCES}


class SQLite:
    """json_object / json_group_array. SQLite 3.40 has no ORDER BY inside an aggregate, so the rows
    are ordered in a subquery first; json() keeps each object JSON on its way out of it."""

    @staticmethod
    def value(sql, kind):
        if kind == "decimal":
            return f"CASE WHEN {sql} IS NULL THEN NULL ELSE printf('%%.2f', {sql}) END"
        if kind == "boolean":
            return f"json(CASE WHEN {sql} THEN 'true' ELSE 'false' END)"
        return sql  # text, and dates, which SQLite keeps as ISO text

    @classmethod
    def obj(cls, columns):
        pairs = ", ".join(f"'{key}', {cls.column(spec)}" for key, spec in columns)
        return f"json_object({pairs})"

    @classmethod
    def column(cls, spec):
        if isinstance(spec, dict):
            return cls.obj(list(spec.items()))
        return cls.value(*spec)

    @classmethod
    def array(cls, columns, source, order):
        # The objects joined as text: json_group_array(json(item)) parsed each one again, which made the
        # page's statement twice as slow (1.4 ms against 0.7 ms for 50 agreements at 100,000).
        item = cls.obj(columns)
        return (
            f"SELECT COALESCE('[' || group_concat(item, ',') || ']', '[]') "
            f"FROM (SELECT {item} AS item FROM {source} ORDER BY {order})"
        )


class PostgreSQL:
    """json_build_object (keys in the order written) / json_agg, as text so psycopg hands it over unparsed."""

    @staticmethod
    def value(sql, kind):
        if kind == "decimal":
            return f"round({sql}, 2)::text"
        return sql  # text, booleans and dates are written by json_build_object as the API writes them

    @classmethod
    def obj(cls, columns):
        pairs = ", ".join(f"'{key}', {cls.column(spec)}" for key, spec in columns)
        return f"json_build_object({pairs})"

    @classmethod
    def column(cls, spec):
        if isinstance(spec, dict):
            return cls.obj(list(spec.items()))
        return cls.value(*spec)

    @classmethod
    def array(cls, columns, source, order):
        item = cls.obj(columns)
        return f"SELECT COALESCE(json_agg({item} ORDER BY {order}), '[]'::json)::text FROM {source}"


# Written once, from the constants above: no input of any request reaches this SQL.
ARRAYS = {
    vendor: {f"{name}_json": dialect.array(*spec) for name, spec in CHILDREN.items()}
    for vendor, dialect in {"sqlite": SQLite, "postgresql": PostgreSQL}.items()
}


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
    # SQLite.value doubles % for the page's statement, which runs with parameters; these run without.
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
