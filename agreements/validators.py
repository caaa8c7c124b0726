"""The validators of every public answer (ETag, Last-Modified), known before the answer is built.

A public answer (an API list or record, an export, a feed) depends on the register's rows, the request (its
path, its query, the active language) and the day (`stale` and `overdue` move with it), and on settings fixed
at start-up (SITE_URL, the stale threshold). The register's rows are summed up by its version
(a table of one row that every save or delete replaces, agreements/caching.py), so

    ETag = W/"hash(version, day, language, settings, path, query with its keys sorted)"

is known from one read of one row, and a client whose copy is current gets its 304 for that read alone: no
filter, no count, no serializer. The tag is weak: two spellings of one query (keys in another order) give
the same records and totals, though the page's own links keep the spelling asked for.

Last-Modified here is when the register last changed, or the day's midnight if later: never earlier than
any change an answer shows, so a 304 by date is never wrong (the API's lists and records also send a finer
date of their own, checked once the answer is known: api/conditional.py).
"""

import hashlib
import uuid
from dataclasses import dataclass
from functools import wraps
from urllib.parse import urlencode

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.utils import timezone
from django.utils.cache import get_conditional_response
from django.utils.http import http_date
from django.utils.translation import get_language

CACHE_CONTROL = "public, max-age=60"


TABLE = "agreements_register_version"


def create_table(connection):
    """The version's table and its one row. The database's own, like the tally (agreements/tally.py): no Django
    model, so no dump, fixture or backup carries it, and a restore, like any load, makes a new version."""
    timestamp = "timestamp with time zone" if connection.vendor == "postgresql" else "datetime"
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TABLE {TABLE} (id smallint NOT NULL PRIMARY KEY CHECK (id = 1), "
            f"token varchar(32) NOT NULL, changed_at {timestamp} NOT NULL)"
        )
    bump(connection.alias)


def bump(using=DEFAULT_DB_ALIAS):
    """A new version of the register: a new token, and the moment (never earlier than the last one)."""
    connection = connections[using]
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    later = "GREATEST" if connection.vendor == "postgresql" else "max"
    with connection.cursor() as cursor:
        # One statement: the row made if it is missing (a database emptied by hand), else replaced.
        cursor.execute(
            f"INSERT INTO {TABLE} (id, token, changed_at) VALUES (1, %s, %s) ON CONFLICT (id) DO UPDATE SET "  # noqa: S608
            f"token = excluded.token, changed_at = {later}({TABLE}.changed_at, excluded.changed_at)",
            [uuid.uuid4().hex, now],
        )


def read(using=DEFAULT_DB_ALIAS):
    """(token, changed_at) of the register now: one read of one row by its primary key."""
    from .tally import as_datetime

    connection = connections[using]
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT token, changed_at FROM {TABLE} WHERE id = 1")  # noqa: S608
        row = cursor.fetchone()
    if row is None:
        bump(using)
        return read(using)
    return row[0], as_datetime(row[1])


def normalized_query(request):
    """The query with its keys sorted; the values of a repeated key keep their order (the last one can win)."""
    return urlencode(sorted(request.GET.lists()), doseq=True)


@dataclass(frozen=True)
class Validators:
    etag: str
    last_modified: int  # whole seconds, rounded down as HTTP dates are

    def not_modified(self, request, dated=True):
        """A 304 when the client's copy is current (If-None-Match decides when sent, as RFC 9110 says), or None.
        `dated`: the 304 carries this Last-Modified (the API's answers have a finer one, not known yet)."""
        if request.method not in ("GET", "HEAD"):
            return None
        response = get_conditional_response(request, etag=self.etag, last_modified=self.last_modified)
        # A failed If-Match or If-Unmodified-Since is for the whole answer to judge: only a 304 is decided here.
        if response is None or response.status_code != 304:
            return None
        return self.stamp(response, dated=dated)

    def stamp(self, response, dated=True):
        response.headers["ETag"] = self.etag
        response.headers["Cache-Control"] = CACHE_CONTROL
        if dated:
            response.headers["Last-Modified"] = http_date(self.last_modified)
        return response


def validators(request, using=DEFAULT_DB_ALIAS):
    """The validators of the answer to `request`, from the register's version (one read)."""
    from .filters import day_started
    from .models import followup

    token, changed_at = read(using)
    day = followup.today()
    parts = (
        token,
        day.isoformat(),
        get_language() or "",
        settings.SITE_URL,
        settings.REGISTER_STALE_AFTER_DAYS,
        request.path,
        normalized_query(request),
    )
    digest = hashlib.blake2b("\x1f".join(str(part) for part in parts).encode(), digest_size=16).hexdigest()
    # Every answer shows `stale` or `overdue`, which the day moves: it changed at midnight at the latest.
    moment = max(changed_at, day_started())
    return Validators(etag=f'W/"{digest}"', last_modified=int(moment.timestamp()))


def conditional(view):
    """A view whose 200s carry the register's validators and whose conditional GETs cost one read: an export,
    a feed. Any other status goes out as the view made it."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        found = validators(request)
        early = found.not_modified(request)
        if early is not None:
            return early
        response = view(request, *args, **kwargs)
        if response.status_code == 200:
            found.stamp(response)
        return response

    return wrapper
