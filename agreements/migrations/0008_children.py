from django.db import migrations

from agreements import children


def install(apps, schema_editor):
    # The table only: a later migration installs the triggers of its day (agreements/derived.py).
    children.create_table(schema_editor.connection)


def uninstall(apps, schema_editor):
    children.uninstall(schema_editor.connection)
    schema_editor.execute(f"DROP TABLE IF EXISTS {children.TABLE}")


class Migration(migrations.Migration):
    dependencies = [
        ("agreements", "0007_tally_changed_at"),
    ]

    # Each agreement's parties, commitments and sources as the API list writes them (agreements/children.py):
    # a table of the database's own, the triggers that keep it current, and the rows of the agreements there.
    operations = [migrations.RunPython(install, uninstall)]
