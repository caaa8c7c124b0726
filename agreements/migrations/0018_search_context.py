from django.db import migrations


def install(apps, schema_editor):
    """SQLite's full-text index anew with its context column, and every derived table's triggers with the code
    of today (agreements/derived.py); on PostgreSQL, every stored search document rebuilt with its
    signatories, event and places (agreements/search.py)."""
    from agreements import derived, sqlite_search
    from agreements.search import search_vector

    connection = schema_editor.connection
    if connection.vendor == "postgresql":
        apps.get_model("agreements", "Agreement").objects.update(search_document=search_vector())
        return
    derived.uninstall_all(connection)
    sqlite_search.create_table(connection)
    derived.install_all(connection)


class Migration(migrations.Migration):
    dependencies = [("agreements", "0017_shared_records_history")]

    # Search reads signatories and their offices, the event's name and place, and places (issue 18).
    operations = [migrations.RunPython(install, migrations.RunPython.noop)]
