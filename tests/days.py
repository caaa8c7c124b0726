"""Moving the register's "today" (agreements.models.followup.today), which decides `stale` and `overdue`."""

import datetime

from agreements.models import followup

TODAY = datetime.date(2026, 12, 6)


def move_today(monkeypatch, day):
    """Every rule reads today through followup.today(): patching it moves every surface at once."""
    monkeypatch.setattr(followup, "today", lambda: day)
    return day
