from django.core.management import call_command
from django.core.management.base import BaseCommand

from agreements.models import Agreement


class Command(BaseCommand):
    help = (
        "Load the dataset (fixtures/register.json) into an empty register. A register that already holds "
        "agreements is left alone, so edits made in the admin survive `make run`; "
        "`manage.py loaddata register` reloads the dataset on purpose."
    )

    def handle(self, *args, **options):
        existing = Agreement.objects.count()
        if existing:
            self.stdout.write(
                f"The register already holds {existing} agreements: not reloading the dataset, so edits made in "
                "the admin are kept (`manage.py loaddata register` reloads it on purpose)."
            )
            return
        call_command("loaddata", "register", stdout=self.stdout)
