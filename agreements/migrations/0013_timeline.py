from django.db import migrations


def install(apps, schema_editor):
    from agreements import children, derived

    connection = schema_editor.connection
    derived.uninstall_all(connection)
    children.create_table(connection)  # with its new arrays (the status history)
    derived.install_all(connection)


class Migration(migrations.Migration):
    dependencies = [("agreements", "0012_followup")]

    # Statuses kept as their timelines' latest (agreements/timeline.py), and every derived table's triggers
    # anew for the new tables (agreements/derived.py).
    operations = [migrations.RunPython(install, migrations.RunPython.noop)]
