"""Running totals of public agreements: the whole register, each sector and each event.

`totals()` adds up every agreement of a selection, so its cost grows with the selection: 7,500
agreements of one sector at 100,000 cost more than the rest of a list request, 75,000 at a million
ten times that. The tally keeps, for the whole register, each sector and each event: one row per
currency and binding-ness of the agreements' own values; one per group and binding-ness counting
its members; the groups' values already added up per currency and binding-ness (group -2, so that
a read never visits each group); and the scope's last change (group -1). Database triggers keep it
current on every insert, update and delete of an agreement, and every edit of a group's value,
whatever makes it (admin, import, bulk_create, queryset.update, raw SQL, loaddata). Reading a
selection's totals is then a few rows, whatever its size.

The same rules as `totals()`, from the same facts: a group's shared value once, as binding only when
every selected member is binding; amounts in whole cents. tests/test_tally.py holds the two to the
same answers after every kind of change, on SQLite and PostgreSQL.

Kinds decide binding in the trigger SQL: a change to `Kind.non_binding()` needs a migration that
calls `install()` again (it replaces the triggers and rebuilds the rows).
"""

# ruff: noqa: S608 (every statement here is built from constants of this module; values are bound)

from datetime import UTC, datetime
from decimal import Decimal

from django.db import connections

from .models import CENT, CurrencyTotal, Kind, PublicationState, Totals, sort_currencies

SCOPES = ("all", "sector", "event")
PUBLISHED = PublicationState.PUBLISHED.value


COLUMNS = "scope, scope_ref, group_ref, currency, binding, members, valued, total_cents, approximate, changed_at"
KEY = "scope, scope_ref, group_ref, currency, binding"


def create_table_sql(vendor):
    """The tally is the database's own, like an index: no Django model, so dumps and fixtures never carry
    it (a restore rebuilds it through the triggers). Columns: the scope (all, sector, event) and its id
    (0 for all); the group (0 for values of the agreements' own); the currency of own values ('' for a
    group, which has its own); binding or not; members, valued members, the sum of own values in
    cents and how many of those are approximate. One more row per scope, its group -1, holds only
    `changed_at`: when a public agreement of the scope last changed, came or went (the list's
    Last-Modified, which a removal moves too), read in one seek however many rows the scope has."""
    boolean = "boolean" if vendor == "postgresql" else "bool"
    timestamp = "timestamp with time zone" if vendor == "postgresql" else "datetime"
    return (
        "CREATE TABLE agreements_tally ("
        "scope varchar(6) NOT NULL, scope_ref bigint NOT NULL, group_ref bigint NOT NULL, "
        f"currency varchar(3) NOT NULL, binding {boolean} NOT NULL, members bigint NOT NULL DEFAULT 0, "
        "valued bigint NOT NULL DEFAULT 0, total_cents bigint NOT NULL DEFAULT 0, "
        f"approximate bigint NOT NULL DEFAULT 0, changed_at {timestamp} NULL, PRIMARY KEY ({KEY}))"
    )


def non_binding_sql():
    return ", ".join(f"'{kind.value}'" for kind in Kind.non_binding())


MOMENT = -1  # the group_ref of a scope's changed_at row
GROUPS = -2  # the group_ref of a scope's group values, per currency and binding-ness
CENTS = "CAST(ROUND({} * 100) AS BIGINT)"


def delta_select(row, sign, vendor, changed):
    """The tally rows one agreement (`row`: NEW or OLD) adds (+1) or takes away (-1), and the moment
    rows of its scopes, changed at `changed`."""
    flag = "(CASE WHEN {} THEN 1 ELSE 0 END)"
    amount_cents = f"CAST(ROUND({row}.value_amount * 100) AS BIGINT)"
    scopes = (
        f"SELECT 'all' AS scope, 0 AS scope_ref UNION ALL SELECT 'sector', {row}.sector_id "
        f"UNION ALL SELECT 'event', {row}.event_id"
    )
    binding = f"{row}.kind NOT IN ({non_binding_sql()})"
    if vendor == "sqlite":
        binding = f"({binding})"
    return (
        f"SELECT s.scope, s.scope_ref, COALESCE({row}.group_id, 0), "
        f"CASE WHEN {row}.group_id IS NULL THEN {row}.value_currency ELSE '' END, {binding}, "
        f"{sign}, {sign} * {flag.format(f'{row}.value_amount IS NOT NULL')}, "
        f"{sign} * COALESCE({amount_cents}, 0), "
        f"{sign} * {flag.format(f'{row}.value_approximate AND {row}.value_amount IS NOT NULL')}, NULL "
        f"FROM ({scopes}) AS s WHERE s.scope_ref IS NOT NULL "
        f"UNION ALL SELECT s.scope, s.scope_ref, {MOMENT}, '', FALSE, 0, 0, 0, 0, {changed} "
        f"FROM ({scopes}) AS s WHERE s.scope_ref IS NOT NULL"
    )


# The later of two moments: GREATEST skips a NULL; SQLite's max() of several arguments would return it.
LATER = {
    "postgresql": "GREATEST(agreements_tally.changed_at, excluded.changed_at)",
    "sqlite": "max(COALESCE(agreements_tally.changed_at, excluded.changed_at), "
    "COALESCE(excluded.changed_at, agreements_tally.changed_at))",
}
# A removal has no updated_at of its own: it happened now (SQLite: UTC text, as Django writes datetimes).
NOW = {"postgresql": "now()", "sqlite": "strftime('%Y-%m-%d %H:%M:%f', 'now')"}


def upsert(select, vendor):
    return (
        f"INSERT INTO agreements_tally ({COLUMNS}) {select} ON CONFLICT ({KEY}) DO UPDATE SET "
        "members = agreements_tally.members + excluded.members, "
        "valued = agreements_tally.valued + excluded.valued, "
        "total_cents = agreements_tally.total_cents + excluded.total_cents, "
        "approximate = agreements_tally.approximate + excluded.approximate, "
        f"changed_at = {LATER[vendor]}"
    )


def group_share(row, sign):
    """What the group of `row` (NEW or OLD) adds to the group values of `row`'s scopes, as the tally's
    member rows stand: its amount once per scope it has members in, as binding when none of them is
    non-binding. Taken out (-1) before the row's own change and put back (+1) after it, so that each
    scope's group values follow their members without a read of every group."""
    scopes = (
        f"(scope = 'all' AND scope_ref = 0) OR (scope = 'sector' AND scope_ref = {row}.sector_id) "
        f"OR (scope = 'event' AND scope_ref = {row}.event_id)"
    )
    return group_values(f"group_ref = {row}.group_id AND ({scopes})", "g", sign, f"g.id = {row}.group_id")


def group_values(members_where, group, sign, join=None):
    """Signed group-value rows, one per scope a group has members in (`members_where` picks the
    member rows), valued with `group`: a joined row (`join`) or OLD/NEW of agreements_group."""
    source = f"JOIN agreements_group {group} ON {join} " if join else ""
    approximate = f"CASE WHEN {group}.approximate THEN 1 ELSE 0 END"
    return (
        f"SELECT t.scope, t.scope_ref, {GROUPS}, {group}.currency, t.non_binding = 0, {sign} * t.members, "
        f"{sign} * t.members, {sign} * {CENTS.format(f'{group}.amount')}, {sign} * {approximate}, NULL "
        "FROM (SELECT scope, scope_ref, SUM(members) AS members, "
        "SUM(CASE WHEN binding THEN 0 ELSE members END) AS non_binding "
        f"FROM agreements_tally WHERE {members_where} GROUP BY scope, scope_ref HAVING SUM(members) > 0) AS t "
        f"{source}WHERE TRUE"
    )


def agreement_change(row, sign, vendor, changed):
    """The statements for one agreement (`row`) coming into (+1) or going out of (-1) the public
    register: its group's values out, its own rows, its group's values back."""
    # Without a group, the first and last find no member rows and write nothing.
    return [
        upsert(group_share(row, -1), vendor),
        upsert(delta_select(row, sign, vendor, changed), vendor),
        upsert(group_share(row, 1), vendor),
    ]


def group_change(vendor, deleted=False):
    """A group's amount, currency or approximateness edited: its old values out of every scope it has
    members in, the new ones in. A group deleted (only a flush or raw SQL deletes one that has
    members): its values out."""
    members = "group_ref = OLD.id"
    statements = [upsert(group_values(members, "OLD", -1), vendor)]
    return statements if deleted else [*statements, upsert(group_values(members, "NEW", 1), vendor)]


TRIGGERS = ("insert", "update_old", "update_new", "delete")  # SQLite's; PostgreSQL has one for all three
# The columns an update must touch to move the tally: not the search document, say, which PostgreSQL
# rewrites for every agreement at once.
TALLIED = (
    "publication_state, kind, sector_id, event_id, group_id, value_amount, value_currency, value_approximate, "
    "updated_at"
)


def sqlite_statements():
    published = f"'{PUBLISHED}'"
    # (name, event, (row, sign, when it changed), condition)
    triggers = [
        ("insert", "AFTER INSERT", ("NEW", 1, "NEW.updated_at"), f"NEW.publication_state = {published}"),
        (
            "update_old",
            f"AFTER UPDATE OF {TALLIED}",
            ("OLD", -1, "NEW.updated_at"),
            f"OLD.publication_state = {published}",
        ),
        (
            "update_new",
            f"AFTER UPDATE OF {TALLIED}",
            ("NEW", 1, "NEW.updated_at"),
            f"NEW.publication_state = {published}",
        ),
        ("delete", "AFTER DELETE", ("OLD", -1, NOW["sqlite"]), f"OLD.publication_state = {published}"),
    ]
    statements = [f"DROP TRIGGER IF EXISTS agreements_tally_{name}" for name in TRIGGERS]
    for name, event, (row, sign, changed), when in triggers:
        body = "; ".join(agreement_change(row, sign, "sqlite", changed))
        statements.append(
            f"CREATE TRIGGER agreements_tally_{name} {event} ON agreements_agreement "
            f"FOR EACH ROW WHEN {when} BEGIN {body}; END"
        )
    statements += [
        "DROP TRIGGER IF EXISTS agreements_tally_group",
        "CREATE TRIGGER agreements_tally_group AFTER UPDATE OF amount, currency, approximate ON agreements_group "
        f"FOR EACH ROW BEGIN {'; '.join(group_change('sqlite'))}; END",
        "DROP TRIGGER IF EXISTS agreements_tally_group_delete",
        "CREATE TRIGGER agreements_tally_group_delete AFTER DELETE ON agreements_group "
        f"FOR EACH ROW BEGIN {'; '.join(group_change('sqlite', deleted=True))}; END",
    ]
    return statements


def postgresql_statements():
    published = f"'{PUBLISHED}'"
    return [
        "DROP TRIGGER IF EXISTS agreements_tally ON agreements_agreement",
        f"""CREATE OR REPLACE FUNCTION agreements_tally_change() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' AND OLD.publication_state = {published} THEN
        {pg_block("OLD", -1, NOW["postgresql"])}
    END IF;
    IF TG_OP = 'UPDATE' AND OLD.publication_state = {published} THEN
        {pg_block("OLD", -1, "NEW.updated_at")}
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') AND NEW.publication_state = {published} THEN
        {pg_block("NEW", 1, "NEW.updated_at")}
    END IF;
    RETURN NULL;
END
$$ LANGUAGE plpgsql""",
        f"CREATE TRIGGER agreements_tally AFTER INSERT OR UPDATE OF {TALLIED} OR DELETE ON agreements_agreement "
        "FOR EACH ROW EXECUTE FUNCTION agreements_tally_change()",
        # TRUNCATE (Django's flush on PostgreSQL) fires no row trigger: empty the tally with it.
        "DROP TRIGGER IF EXISTS agreements_tally_truncate ON agreements_agreement",
        """CREATE OR REPLACE FUNCTION agreements_tally_truncate() RETURNS trigger AS $$
BEGIN
    DELETE FROM agreements_tally;
    RETURN NULL;
END
$$ LANGUAGE plpgsql""",
        "CREATE TRIGGER agreements_tally_truncate AFTER TRUNCATE ON agreements_agreement "
        "FOR EACH STATEMENT EXECUTE FUNCTION agreements_tally_truncate()",
        "DROP TRIGGER IF EXISTS agreements_tally_group ON agreements_group",
        f"""CREATE OR REPLACE FUNCTION agreements_tally_group_change() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        {"; ".join(group_change("postgresql", deleted=True))};
    ELSE
        {"; ".join(group_change("postgresql"))};
    END IF;
    RETURN NULL;
END
$$ LANGUAGE plpgsql""",
        "CREATE TRIGGER agreements_tally_group AFTER UPDATE OF amount, currency, approximate OR DELETE "
        "ON agreements_group FOR EACH ROW EXECUTE FUNCTION agreements_tally_group_change()",
    ]


def pg_block(row, sign, changed):
    """An agreement's statements inside the PostgreSQL trigger function."""
    statements = agreement_change(row, sign, "postgresql", changed)
    return "\n        ".join(f"{statement};" for statement in statements)


def rebuild_sql(vendor):
    """Every tally row anew from the agreements (for the migration, and after the triggers change)."""
    binding = f"(a.kind NOT IN ({non_binding_sql()}))"
    columns = (
        f"COALESCE(a.group_id, 0), CASE WHEN a.group_id IS NULL THEN a.value_currency ELSE '' END, {binding}, "
        "COUNT(*), COUNT(a.value_amount), COALESCE(SUM(CAST(ROUND(a.value_amount * 100) AS BIGINT)), 0), "
        "SUM(CASE WHEN a.value_approximate AND a.value_amount IS NOT NULL THEN 1 ELSE 0 END), NULL"
    )
    moment = f"{MOMENT}, '', FALSE, 0, 0, 0, 0, MAX(a.updated_at)"
    keys = "COALESCE(a.group_id, 0), CASE WHEN a.group_id IS NULL THEN a.value_currency ELSE '' END, " + binding
    where = f"a.publication_state = '{PUBLISHED}'"
    insert = f"INSERT INTO agreements_tally ({COLUMNS})"
    return [
        "DELETE FROM agreements_tally",
        f"{insert} SELECT 'all', 0, {columns} FROM agreements_agreement a WHERE {where} GROUP BY {keys}",
        f"{insert} SELECT 'sector', a.sector_id, {columns} FROM agreements_agreement a WHERE {where} "
        f"GROUP BY a.sector_id, {keys}",
        f"{insert} SELECT 'event', a.event_id, {columns} FROM agreements_agreement a "
        f"WHERE {where} AND a.event_id IS NOT NULL GROUP BY a.event_id, {keys}",
        # Each scope's group values, from the member rows just written (as group_values() keeps them).
        f"{insert} SELECT t.scope, t.scope_ref, {GROUPS}, g.currency, t.non_binding = 0, SUM(t.members), "
        f"SUM(t.members), SUM({CENTS.format('g.amount')}), SUM(CASE WHEN g.approximate THEN 1 ELSE 0 END), NULL "
        "FROM (SELECT scope, scope_ref, group_ref, SUM(members) AS members, "
        "SUM(CASE WHEN binding THEN 0 ELSE members END) AS non_binding FROM agreements_tally WHERE group_ref > 0 "
        "GROUP BY scope, scope_ref, group_ref HAVING SUM(members) > 0) AS t "
        "JOIN agreements_group g ON g.id = t.group_ref GROUP BY t.scope, t.scope_ref, g.currency, t.non_binding = 0",
        f"{insert} SELECT 'all', 0, {moment} FROM agreements_agreement a WHERE {where}",
        f"{insert} SELECT 'sector', a.sector_id, {moment} FROM agreements_agreement a WHERE {where} "
        "GROUP BY a.sector_id",
        f"{insert} SELECT 'event', a.event_id, {moment} FROM agreements_agreement a "
        f"WHERE {where} AND a.event_id IS NOT NULL GROUP BY a.event_id",
    ]


def create_table(connection):
    """The table, empty; `install()` adds the triggers and fills it (agreements/derived.py)."""
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS agreements_tally")
        cursor.execute(create_table_sql(connection.vendor))


def install(connection):
    """Create (or replace) the triggers and fill the tally anew from the agreements."""
    vendor = connection.vendor
    statements = {"sqlite": sqlite_statements, "postgresql": postgresql_statements}[vendor]()
    # ANALYZE: so that the planner weighs the partial indexes against each other (without statistics
    # SQLite once took a sector's updated_at index for a list by signature date).
    with connection.cursor() as cursor:
        for statement in [*statements, *rebuild_sql(vendor), "ANALYZE agreements_agreement"]:
            cursor.execute(statement)


def uninstall(connection):
    if connection.vendor == "postgresql":
        statements = [
            "DROP TRIGGER IF EXISTS agreements_tally ON agreements_agreement",
            "DROP TRIGGER IF EXISTS agreements_tally_truncate ON agreements_agreement",
            "DROP TRIGGER IF EXISTS agreements_tally_group ON agreements_group",
            "DROP FUNCTION IF EXISTS agreements_tally_change()",
            "DROP FUNCTION IF EXISTS agreements_tally_truncate()",
            "DROP FUNCTION IF EXISTS agreements_tally_group_change()",
        ]
    else:
        statements = [
            f"DROP TRIGGER IF EXISTS agreements_tally_{name}" for name in (*TRIGGERS, "group", "group_delete")
        ]
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


# A scope's own values (group 0) and group values per currency and binding-ness, and its moment: a
# handful of rows under one primary-key prefix, whatever the number of agreements or groups.
ROWS = (
    "SELECT scope_ref, group_ref, currency, binding, members, valued, total_cents, approximate, changed_at "
    f"FROM agreements_tally WHERE scope = %s AND group_ref IN ({MOMENT}, 0, {GROUPS})"
)
READ = f"{ROWS} AND scope_ref = %s"
CHANGED = f"SELECT changed_at FROM agreements_tally WHERE scope = %s AND scope_ref = %s AND group_ref = {MOMENT}"


def tallied_totals(scope, scope_ref=0, using="default"):
    """Totals (as `totals()` gives them) of the public agreements of the register (`all`), of one
    sector or of one event, from the tally: one query of a few rows, whatever the number of agreements.
    Their `last_modified` is when a public agreement of the scope last changed, came or went (None when
    the scope is empty): unlike the latest `updated_at`, it moves when one is unpublished or deleted."""
    assert scope in SCOPES
    with connections[using].cursor() as cursor:
        cursor.execute(READ, [scope, scope_ref])
        found = totals_from_rows(cursor.fetchall())
    return found.get(scope_ref, Totals())


def tallied_totals_by(scope, using="default"):
    """{sector or event id: Totals} for every sector or event with public agreements, in one query of a
    few rows each (as `totals_by()` gives them)."""
    assert scope in ("sector", "event")
    with connections[using].cursor() as cursor:
        cursor.execute(ROWS, [scope])
        return totals_from_rows(cursor.fetchall())


def totals_from_rows(rows):
    """{scope_ref: Totals} from ROWS, leaving out the scopes with no public agreement."""
    found = {}
    for ref, kind, currency, binding, members, valued, cents, approximate, changed in rows:
        totals, lines = found.setdefault(ref, (Totals(), {}))
        if kind == MOMENT:
            totals.last_modified = as_datetime(changed)
        elif members > 0:
            totals.count += int(members)
            totals.valued += int(valued)
            if valued:  # own values, or a group's (whose members all count as valued)
                line = lines.setdefault(currency, CurrencyTotal(currency))
                line.add((Decimal(int(cents)) / 100).quantize(CENT), bool(binding), approximate > 0)
    result = {}
    for ref, (totals, lines) in found.items():
        if totals.count:
            totals.currencies = sort_currencies(lines.values())
            result[ref] = totals
    return result


def changed_at(scope, scope_ref=0, using="default"):
    """When a public agreement of the scope last changed, came or went."""
    with connections[using].cursor() as cursor:
        cursor.execute(CHANGED, [scope, scope_ref])
        row = cursor.fetchone()
    return as_datetime(row[0]) if row else None


def as_datetime(value):
    """A tally moment as an aware datetime: PostgreSQL gives one; SQLite the UTC text Django writes, or
    (through the column's declared type) that text read as a naive datetime."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if value is not None and value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value


def rebuild(connection):
    """Every tally row anew from the agreements, their moments the latest `updated_at` of each."""
    with connection.cursor() as cursor:
        for statement in rebuild_sql(connection.vendor):
            cursor.execute(statement)
