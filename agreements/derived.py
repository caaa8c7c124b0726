"""What the database keeps itself with triggers, in one place: the running totals (tally), each
agreement's children as the API writes them (children), SQLite's full-text index (sqlite_search) and
the statuses kept as their timelines' latest (timeline).

Migrations create the derived tables empty (`create_tables`) and a later migration installs every
trigger with the code of its day (`install_all`), which also fills the tables: a migration that
changes a trigger's SQL, or a table the triggers read, calls `uninstall_all` first (SQLite rebuilds a
table to alter it and would check every trigger that names it) and `install_all` after. A bulk load
(generate_register) does the same around its inserts.
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


def install_all(connection):
    """Every trigger anew, and every derived row rebuilt from the register."""
    for module in MODULES:
        module.install(connection)
