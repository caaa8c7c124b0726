"""The database keeps each status the latest entry of its timeline.

An agreement's `status` is its latest status entry's, a commitment's `status` its latest update's
(PRODUCT.md, "Follow-up"). Triggers write them whenever an entry or update is inserted, edited or
deleted, whatever makes the change (admin and its inlines, import, loaddata, bulk_create, queryset
update, raw SQL), and refuse an update of the status itself that contradicts the timeline. A record
without a timeline keeps the status it was given. "Latest" is the last in the order the timeline is
shown: by date (a month or a year at its first day), then as entered.

Like the tally, the triggers are the database's own; `install()` replaces them (a migration).
"""

# ruff: noqa: S608 (every statement here is built from constants of this module)

# (parent table, child table, the child's key to its parent)
TIMELINES = {
    "agreement": ("agreements_agreement", "agreements_statusentry", "agreement_id"),
    "commitment": ("agreements_commitment", "agreements_commitmentupdate", "commitment_id"),
}
MESSAGE = "A status is the latest entry of its timeline: add an entry to change it."


def latest_sql(name, parent_id):
    """The status of the latest entry of the parent `parent_id` (an SQL expression), NULL without entries:
    the last in the order the timeline is shown (by date, then as entered)."""
    _, child, key = TIMELINES[name]
    return f"(SELECT t.status FROM {child} t WHERE t.{key} = {parent_id} ORDER BY t.date DESC, t.id DESC LIMIT 1)"


def sync_sql(name, parent_id=None):
    """Set the status of the parent `parent_id` (or of every parent) to its timeline's latest."""
    parent = TIMELINES[name][0]
    latest = latest_sql(name, parent_id or f"{parent}.id")
    # Without entries `latest` is NULL, the comparison unknown: the status stays as it was.
    which = f"id = {parent_id} AND " if parent_id else ""
    return f"UPDATE {parent} SET status = {latest} WHERE {which}status <> {latest}"


def sqlite_statements():
    statements = []
    for name, (parent, child, key) in TIMELINES.items():
        prefix = f"agreements_timeline_{name}"
        statements += [
            f"CREATE TRIGGER {prefix}_insert AFTER INSERT ON {child} FOR EACH ROW "
            f"BEGIN {sync_sql(name, f'NEW.{key}')}; END",
            f"CREATE TRIGGER {prefix}_update AFTER UPDATE ON {child} FOR EACH ROW "
            f"BEGIN {sync_sql(name, f'OLD.{key}')}; {sync_sql(name, f'NEW.{key}')}; END",
            f"CREATE TRIGGER {prefix}_delete AFTER DELETE ON {child} FOR EACH ROW "
            f"BEGIN {sync_sql(name, f'OLD.{key}')}; END",
            f"CREATE TRIGGER {prefix}_guard BEFORE UPDATE OF status ON {parent} FOR EACH ROW "
            f"WHEN NEW.status <> {latest_sql(name, 'NEW.id')} BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END",
        ]
    return statements


def sqlite_trigger_names():
    suffixes = ("insert", "update", "delete", "guard")
    return [f"agreements_timeline_{name}_{suffix}" for name in TIMELINES for suffix in suffixes]


def postgresql_statements():
    statements = []
    for name, (parent, child, key) in TIMELINES.items():
        prefix = f"agreements_timeline_{name}"
        statements += [
            f"""CREATE OR REPLACE FUNCTION {prefix}_sync() RETURNS trigger AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        {sync_sql(name, f"OLD.{key}")};
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        {sync_sql(name, f"NEW.{key}")};
    END IF;
    RETURN NULL;
END
$$ LANGUAGE plpgsql""",
            f"""CREATE OR REPLACE FUNCTION {prefix}_guard() RETURNS trigger AS $$
DECLARE latest text;
BEGIN
    latest := {latest_sql(name, "NEW.id")};
    IF latest IS NOT NULL AND NEW.status <> latest THEN
        RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END
$$ LANGUAGE plpgsql""",
            f"CREATE TRIGGER {prefix}_sync AFTER INSERT OR UPDATE OR DELETE ON {child} "
            f"FOR EACH ROW EXECUTE FUNCTION {prefix}_sync()",
            f"CREATE TRIGGER {prefix}_guard BEFORE UPDATE OF status ON {parent} "
            f"FOR EACH ROW EXECUTE FUNCTION {prefix}_guard()",
        ]
    return statements


def postgresql_drop_statements():
    statements = []
    for name, (parent, child, _) in TIMELINES.items():
        prefix = f"agreements_timeline_{name}"
        statements += [
            f"DROP TRIGGER IF EXISTS {prefix}_sync ON {child}",
            f"DROP TRIGGER IF EXISTS {prefix}_guard ON {parent}",
            f"DROP FUNCTION IF EXISTS {prefix}_sync()",
            f"DROP FUNCTION IF EXISTS {prefix}_guard()",
        ]
    return statements


def install(connection):
    """Create the triggers (replacing any) and bring every status in line with its timeline."""
    uninstall(connection)
    statements = sqlite_statements() if connection.vendor == "sqlite" else postgresql_statements()
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)
        resync(cursor)


def uninstall(connection):
    if connection.vendor == "sqlite":
        statements = [f"DROP TRIGGER IF EXISTS {name}" for name in sqlite_trigger_names()]
    else:
        statements = postgresql_drop_statements()
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


def resync(cursor):
    """Every status its timeline's latest (after a bulk load that wrote entries with the triggers off)."""
    for name in TIMELINES:
        cursor.execute(sync_sql(name))
