from django.db import migrations

from agreements import sqlite_search


def install(apps, schema_editor):
    sqlite_search.create(schema_editor.connection)


def uninstall(apps, schema_editor):
    sqlite_search.drop(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [
        ("agreements", "0009_public_order_indexes"),
    ]

    # SQLite's full-text index of agreements (agreements/sqlite_search.py), its triggers and its rows;
    # nothing on PostgreSQL, whose search document is GIN-indexed.
    operations = [migrations.RunPython(install, uninstall)]
