"""`loaddata`, then history from the start: every loaded row gets its first history row and every public
agreement its first published version (agreements/changelog.py `populate`), which loaddata's raw saves
never write. Loading the same data again changes nothing. It extends modeltranslation's loaddata (its
`--populate`), and wins over it (kzdeals/commands/apps.py)."""

from modeltranslation.management.commands import loaddata

from agreements import changelog


class Command(loaddata.Command):
    def handle(self, *fixture_labels, **options):
        super().handle(*fixture_labels, **options)
        changelog.populate(using=self.using)
