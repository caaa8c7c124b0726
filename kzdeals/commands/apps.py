from django.apps import AppConfig


class CommandsConfig(AppConfig):
    """Listed first in INSTALLED_APPS, so that its commands win over every other app's of the same name:
    modeltranslation (which must come before the admin) ships a `loaddata` too, and the register's, which
    writes history, must be the one that runs."""

    name = "kzdeals.commands"
    label = "kzdeals_commands"
