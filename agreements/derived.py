"""What the database keeps itself with triggers, in one place: the running totals (tally), each
agreement's children as the API writes them (children), SQLite's full-text index (sqlite_search) and
the statuses kept as their timelines' latest (timeline).

Migrations create the derived tables empty (`create_tables`) and a later migration installs every
trigger with the code of its day (`install_all`), which also fills the tables: a migration that
changes a trigger's SQL, or a table the triggers read, calls `uninstall_all` first (SQLite rebuilds a
table to alter it and would check every trigger that names it) and `install_all` after. A bulk load
(generate_register) does the same around its inserts. An earlier migration that installs (0013) finds,
on a new database, the tables today's triggers read missing (`READS`): it leaves the install to the
later migration that makes them (0015).
"""

from . import children, sqlite_search, tally, timeline

# Installed in this order: statuses first (the others read them), the tally last (it runs ANALYZE).
MODULES = (timeline, children, sqlite_search, tally)


def create_tables(connection):
    """The derived tables, empty and without triggers (the migrations that first made them)."""
    tally.create_table(connection)
    children.create_table(connection)
    sqlite_search.create_table(connection)


def uninstall_all(connection):
    for module in MODULES:
        module.uninstall(connection)


# The newest table today's triggers read (the aliases, which the search indexes): before it exists, a
# migration's install_all leaves the install to the migration that makes it.
READS = "agreements_organizationalias"


def install_all(connection):
    """Every trigger anew, and every derived row rebuilt from the register."""
    with connection.cursor() as cursor:
        if READS not in connection.introspection.table_names(cursor):
            return
    for module in MODULES:
        module.install(connection)
