from agreements.management.commands.loaddata import Command

__all__ = ["Command"]
