"""The shared cache (Redis) as an optimisation that can be lost, never a reason for a request to fail.

With Redis unreachable, slow or refusing writes, a read finds nothing, a write is dropped, and every page, the
API, the admin and the sessions (`cached_db`) answer from the database, slower. In each process:

- a Redis that does not answer costs a request at most the short socket timeouts of the settings;
- after a failure Redis is left alone for RETRY_AFTER seconds (a circuit breaker), then tried again;
- the outage is logged at most once a minute, and so is its end;
- before Redis is used again, every key of this site in it is deleted: writes were lost while it was gone (a
  save's new register version, a sign-out's session delete), so what it kept from before may be stale (an answer
  from before an unpublish, a signed-out session).

A process that saw no request during the outage cannot know of it: until a process that did comes back to Redis
(within RETRY_AFTER of its next request), it may read what Redis kept.
"""

import logging
import threading
import time

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import RedisError

logger = logging.getLogger("kzdeals.cache")

FAILURES = (RedisError, OSError)
RETRY_AFTER = 5.0
LOG_EVERY = 60.0
FORGET_BATCH = 1000


class Breaker:
    """The state of one Redis in this process, shared by the cache objects of all its threads."""

    def __init__(self):
        self.lock = threading.RLock()
        self.down_since = None
        self.retry_at = 0.0
        self.logged_at = None
        self.outage_logged = False

    def failed(self, error):
        with self.lock:
            now = time.monotonic()
            if self.down_since is None:
                self.down_since = now
                self.outage_logged = False
            self.retry_at = now + RETRY_AFTER
            if self.logged_at is None or now - self.logged_at >= LOG_EVERY:
                self.logged_at = now
                self.outage_logged = True
                logger.warning(
                    "The cache (Redis) is unreachable (%s): answering without it, trying again every %.0f s.",
                    error,
                    RETRY_AFTER,
                )

    def usable(self, forget):
        """Whether Redis may be used now: it has not failed, or it answers again and `forget()` has run."""
        if self.down_since is None:
            return True
        if time.monotonic() < self.retry_at or not self.lock.acquire(blocking=False):
            return False
        try:
            if self.down_since is None:
                return True
            try:
                forget()
            except FAILURES as error:
                self.failed(error)
                return False
            if self.outage_logged:
                logger.warning(
                    "The cache (Redis) answers again after %.0f s; what it kept from before was deleted.",
                    time.monotonic() - self.down_since,
                )
            self.down_since = None
            return True
        finally:
            self.lock.release()


class ResilientRedisCache(RedisCache):
    """Django's Redis cache, whose every operation falls back to "nothing cached" when Redis fails."""

    breakers = {}

    @property
    def breaker(self):
        return self.breakers.setdefault((tuple(self._servers), self.key_prefix), Breaker())

    def forget_everything(self):
        """Delete the keys of this site (those under KEY_PREFIX, every key without one)."""
        client = self._cache.get_client(write=True)
        pattern = f"{self.key_prefix}:*" if self.key_prefix else "*"
        batch = []
        for key in client.scan_iter(match=pattern, count=FORGET_BATCH):
            batch.append(key)
            if len(batch) == FORGET_BATCH:
                client.unlink(*batch)
                batch = []
        if batch:
            client.unlink(*batch)

    def attempt(self, fallback, operation, *args):
        breaker = self.breaker
        if not breaker.usable(self.forget_everything):
            return fallback
        try:
            return operation(*args)
        except FAILURES as error:
            breaker.failed(error)
            return fallback

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self.attempt(False, super().add, key, value, timeout, version)

    def get(self, key, default=None, version=None):
        return self.attempt(default, super().get, key, default, version)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        self.attempt(None, super().set, key, value, timeout, version)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self.attempt(False, super().touch, key, timeout, version)

    def delete(self, key, version=None):
        return self.attempt(False, super().delete, key, version)

    def get_many(self, keys, version=None):
        return self.attempt({}, super().get_many, keys, version)

    def has_key(self, key, version=None):
        return self.attempt(False, super().has_key, key, version)

    def incr(self, key, delta=1, version=None):
        unknown = object()
        value = self.attempt(unknown, super().incr, key, delta, version)
        if value is unknown:
            # What any cache answers for a key it does not have.
            raise ValueError(f"Key '{key}' not found (the cache is unreachable).")
        return value

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        return self.attempt(list(data), super().set_many, data, timeout, version)

    def delete_many(self, keys, version=None):
        self.attempt(None, super().delete_many, keys, version)

    def clear(self):
        return self.attempt(False, super().clear)
