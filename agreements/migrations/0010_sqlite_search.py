from django.db import migrations

from agreements import sqlite_search


def install(apps, schema_editor):
    # The table only: a later migration installs the triggers of its day (agreements/derived.py).
    sqlite_search.create_table(schema_editor.connection)


def uninstall(apps, schema_editor):
    sqlite_search.uninstall(schema_editor.connection)
    if schema_editor.connection.vendor == "sqlite":
        schema_editor.execute(f"DROP TABLE IF EXISTS {sqlite_search.TABLE}")


class Migration(migrations.Migration):
    dependencies = [
        ("agreements", "0009_public_order_indexes"),
    ]

    # SQLite's full-text index of agreements (agreements/sqlite_search.py), its triggers and its rows;
    # nothing on PostgreSQL, whose search document is GIN-indexed.
    operations = [migrations.RunPython(install, uninstall)]
