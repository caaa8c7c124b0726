"""Two changes to what the database keeps, in one rebuild of its derived tables:

- the children arrays written compact on PostgreSQL too (agreements/children.py, PostgreSQL), in a table
  compressed with lz4 where the server has it: the table made anew, its rows rebuilt (on SQLite the same
  steps write the same rows);
- a partial date is its period's first day (a month its 1st, a year the first of January), refused by the
  database as the forms refuse it (agreements/models/core.py, partial_date_constraint).

The triggers are dropped first: SQLite rebuilds a table to add a constraint, and checks every trigger that
names it (agreements/derived.py)."""

from django.db import migrations, models


def uninstall(apps, schema_editor):
    from agreements import derived

    derived.uninstall_all(schema_editor.connection)


def install(apps, schema_editor):
    from agreements import children, derived

    connection = schema_editor.connection
    children.create_table(connection)
    derived.install_all(connection)


class Migration(migrations.Migration):
    dependencies = [
        ("agreements", "0022_revision_withdrawn"),
    ]

    operations = [
        migrations.RunPython(uninstall, migrations.RunPython.noop, elidable=False),
        migrations.AddConstraint(
            model_name="agreement",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("signed_on__isnull", True),
                    models.Q(("signed_on_precision__in", ["month", "year"]), _negated=True),
                    models.Q(("signed_on__day", 1), ("signed_on_precision", "month")),
                    models.Q(("signed_on__day", 1), ("signed_on__month", 1), ("signed_on_precision", "year")),
                    _connector="OR",
                ),
                name="agreement_signed_on_partial_date",
                violation_error_message="A date known to the month or the year is entered as the first day of it.",
            ),
        ),
        migrations.AddConstraint(
            model_name="commitment",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("due_on__isnull", True),
                    models.Q(("due_precision__in", ["month", "year"]), _negated=True),
                    models.Q(("due_on__day", 1), ("due_precision", "month")),
                    models.Q(("due_on__day", 1), ("due_on__month", 1), ("due_precision", "year")),
                    _connector="OR",
                ),
                name="commitment_due_on_partial_date",
                violation_error_message="A date known to the month or the year is entered as the first day of it.",
            ),
        ),
        migrations.AddConstraint(
            model_name="commitmentupdate",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("date__isnull", True),
                    models.Q(("date_precision__in", ["month", "year"]), _negated=True),
                    models.Q(("date__day", 1), ("date_precision", "month")),
                    models.Q(("date__day", 1), ("date__month", 1), ("date_precision", "year")),
                    _connector="OR",
                ),
                name="commitment_update_partial_date",
                violation_error_message="A date known to the month or the year is entered as the first day of it.",
            ),
        ),
        migrations.AddConstraint(
            model_name="statusentry",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("date__isnull", True),
                    models.Q(("date_precision__in", ["month", "year"]), _negated=True),
                    models.Q(("date__day", 1), ("date_precision", "month")),
                    models.Q(("date__day", 1), ("date__month", 1), ("date_precision", "year")),
                    _connector="OR",
                ),
                name="status_entry_partial_date",
                violation_error_message="A date known to the month or the year is entered as the first day of it.",
            ),
        ),
        migrations.RunPython(install, migrations.RunPython.noop, elidable=False),
    ]
