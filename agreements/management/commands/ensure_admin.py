import os
import secrets
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = (
        "Make sure a local superuser exists. A new one gets a generated password, printed once and kept in "
        "an ignored file (.admin-password) so the next run can remind you; an existing one is left alone."
    )

    def add_arguments(self, parser):
        parser.add_argument("--username", default="admin")
        parser.add_argument("--password-file", default=str(Path(settings.BASE_DIR) / ".admin-password"))

    def handle(self, *args, username, password_file, **options):
        users = get_user_model()
        password_path = Path(password_file)
        if users.objects.filter(username=username).exists():
            where = f" (password in {password_path})" if password_path.exists() else ""
            self.stdout.write(f"Admin account '{username}' already exists{where}.")
            return
        password = secrets.token_urlsafe(18)
        users.objects.create_superuser(username=username, email="", password=password)
        # Created readable by its owner only, never for a moment by anyone else.
        descriptor = os.open(password_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w") as handle:
            handle.write(f"{username}\n{password}\n")
        self.stdout.write(
            self.style.SUCCESS(f"Created admin account '{username}' with password: {password}")
            + f"\n(kept in {password_path}, which git ignores)"
        )
