"""The children arrays written compact on PostgreSQL too (agreements/children.py, PostgreSQL), in a table
compressed with lz4 where the server has it: the table made anew, its triggers installed anew and its rows
rebuilt. On SQLite the same steps write the same rows."""

from django.db import migrations


def rebuild(apps, schema_editor):
    from agreements import children, derived

    connection = schema_editor.connection
    derived.uninstall_all(connection)
    children.create_table(connection)
    derived.install_all(connection)


class Migration(migrations.Migration):
    dependencies = [
        ("agreements", "0022_revision_withdrawn"),
    ]

    operations = [migrations.RunPython(rebuild, migrations.RunPython.noop, elidable=False)]
