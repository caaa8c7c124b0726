"""A server-side cache of public answers, invalidated the moment staff save or delete anything.

Every cached entry is keyed by the register's *version*, a token kept in the shared cache and
replaced on any save or delete of a register model (signals below), so a publish, an unpublish or
an edit of an organisation makes every older entry unreachable at once. It needs a cache shared by
all processes (Redis through REDIS_URL): with a per-process cache a save in one worker could not
reach the others, so `REGISTER_CACHE_TIMEOUT` defaults to 0 (off) without REDIS_URL.
"""

import hashlib
import uuid

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.db.models.signals import post_delete, post_save
from django.utils import timezone, translation

VERSION_KEY = "kzdeals:register-version"


def cache_timeout():
    return getattr(settings, "REGISTER_CACHE_TIMEOUT", 0)


def register_version():
    """The version in the shared cache, or None when the cache does not answer (then nothing is kept)."""
    version = cache.get(VERSION_KEY)
    if version is None:
        cache.add(VERSION_KEY, uuid.uuid4().hex, None)
        version = cache.get(VERSION_KEY)
    return version


def bump_register_version():
    cache.set(VERSION_KEY, uuid.uuid4().hex, None)


def answer_key(*parts):
    """A key for an answer kept with the version it was computed under (api/conditional.py): the key
    itself leaves the version out, so one read fetches both.

    Every key carries the active language: an answer computed in one language (its words, its names)
    is never served in another."""
    parts = (translation.get_language() or settings.LANGUAGE_CODE, *parts)
    digest = hashlib.blake2b("\x1f".join(str(part) for part in parts).encode(), digest_size=16).hexdigest()
    return f"kzdeals:answer:{digest}"


def cache_key(*parts):
    version = register_version()
    return None if version is None else answer_key(version, *parts)


def memoize(parts, compute):
    """`compute()`, kept for the current register version when the cache is on and answers."""
    timeout = cache_timeout()
    key = cache_key(*parts) if timeout else None
    if key is None:
        return compute()
    value = cache.get(key)
    if value is None:
        value = compute()
        cache.set(key, value, timeout)
    return value


def agreements_touched_by(instance):
    """The agreements whose public answer shows `instance`, as a queryset."""
    from .models import (
        Agreement,
        Citation,
        Commitment,
        CommitmentUpdate,
        Event,
        EventClaim,
        Group,
        Organization,
        Party,
        Relation,
        Sector,
        Source,
        StatusEntry,
    )

    if isinstance(instance, Party | Commitment | Citation | StatusEntry):
        return Agreement.objects.filter(pk=instance.agreement_id)
    if isinstance(instance, CommitmentUpdate):
        return Agreement.objects.filter(commitments__pk=instance.commitment_id)
    if isinstance(instance, EventClaim):
        return Agreement.objects.filter(event_id=instance.event_id)
    if isinstance(instance, Relation):
        return Agreement.objects.filter(pk__in=[instance.from_agreement_id, instance.to_agreement_id])
    if isinstance(instance, Organization):
        return Agreement.objects.filter(parties__organization=instance)
    if isinstance(instance, Source):
        # Three EXISTS, not three joins across rows of which an agreement has many.
        cited = Exists(Citation.objects.filter(agreement=OuterRef("pk"), source=instance))
        dated = Exists(StatusEntry.objects.filter(agreement=OuterRef("pk"), source=instance))
        updated = Exists(CommitmentUpdate.objects.filter(commitment__agreement=OuterRef("pk"), source=instance))
        return Agreement.objects.filter(cited | dated | updated)
    if isinstance(instance, Group):
        return Agreement.objects.filter(group=instance)
    if isinstance(instance, Event):
        return Agreement.objects.filter(event=instance)
    if isinstance(instance, Sector):
        return Agreement.objects.filter(sector=instance)
    return Agreement.objects.none()


def register_changed(sender, instance, raw=False, **kwargs):
    bump_register_version()
    # Again at commit: a request served in between read the old rows and kept its answer under
    # the new version, which would otherwise outlive an unpublish for the whole cache timeout.
    transaction.on_commit(bump_register_version, using=kwargs.get("using"))
    # An agreement's Last-Modified moves when anything it shows changes; a fixture load (raw) is
    # the dataset itself and must leave the rows exactly as the fixture says.
    if not raw:
        touched = agreements_touched_by(instance)
        if touched.query.is_empty():
            return
        from .models import Agreement

        Agreement.objects.filter(pk__in=touched.values("pk")).update(updated_at=timezone.now())


def connect_signals():
    from . import models

    for model in (
        models.Agreement,
        models.Party,
        models.Commitment,
        models.CommitmentUpdate,
        models.StatusEntry,
        models.EventClaim,
        models.Citation,
        models.Relation,
        models.Organization,
        models.Source,
        models.Event,
        models.Group,
        models.Sector,
        # Written once the change it logs has committed, after that change's own bump: a change-log answer
        # computed in between must not outlive it.
        models.PublishedVersion,
    ):
        uid = f"kzdeals-register-changed-{model.__name__}"
        post_save.connect(register_changed, sender=model, dispatch_uid=f"{uid}-save")
        post_delete.connect(register_changed, sender=model, dispatch_uid=f"{uid}-delete")


def query_key(queryset):
    """The SQL of a queryset, as part of a cache key (None when it cannot match any row)."""
    from django.core.exceptions import EmptyResultSet

    try:
        return str(queryset.query)
    except EmptyResultSet:
        return None


def cached_totals(queryset, compute=None):
    """`queryset.totals()` (or `compute()`, such as a filterset's totals of it), kept for the current
    register version when the answer cache is on."""
    compute = compute or queryset.totals
    sql = query_key(queryset)
    return compute() if sql is None else memoize(("totals", sql), compute)


def cached_totals_by(queryset, key):
    sql = query_key(queryset)
    compute = lambda: queryset.totals_by(key)  # noqa: E731
    return compute() if sql is None else memoize(("totals_by", key, sql), compute)


def cached_scorecards(queryset, key=None):
    """`scorecards(queryset, key)` (agreements.models.followup), kept for the current register version
    and today's date (overdue and stale move with the day) when the answer cache is on."""
    from .models import followup

    day = followup.today()
    compute = lambda: followup.scorecards(queryset, key, day=day)  # noqa: E731
    sql = query_key(queryset)
    return compute() if sql is None else memoize(("scorecards", key, day.isoformat(), sql), compute)
