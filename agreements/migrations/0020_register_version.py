from django.db import migrations


def create(apps, schema_editor):
    from agreements import validators

    validators.create_table(schema_editor.connection)


def drop(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS agreements_register_version")


class Migration(migrations.Migration):
    dependencies = [("agreements", "0019_former_slugs")]

    # The register's version (agreements/validators.py): a table of the database's own, like the tally, so that
    # no dump or fixture carries it; its one row is made here, as the register stands.
    operations = [migrations.RunPython(create, drop)]
