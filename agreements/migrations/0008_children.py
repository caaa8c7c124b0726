from django.db import migrations

from agreements import children


def install(apps, schema_editor):
    children.create(schema_editor.connection)


def uninstall(apps, schema_editor):
    children.drop(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [
        ("agreements", "0007_tally_changed_at"),
    ]

    # Each agreement's parties, commitments and sources as the API list writes them (agreements/children.py):
    # a table of the database's own, the triggers that keep it current, and the rows of the agreements there.
    operations = [migrations.RunPython(install, uninstall)]
