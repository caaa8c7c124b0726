from django.apps import AppConfig
from django.db.models.signals import post_migrate


class AgreementsConfig(AppConfig):
    name = "agreements"
    verbose_name = "Register"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from .roles import sync_after_migrate

        post_migrate.connect(sync_after_migrate, sender=self, dispatch_uid="agreements-editorial-groups")

        from .caching import connect_signals

        connect_signals()

        from . import changelog, search

        search.connect_signals()
        changelog.connect_signals()
