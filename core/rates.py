"""Rate counters every worker shares: how many times a key (a client and what it
does) was hit in the current fixed window and in the one before it, counted in one
round trip to the shared store.

A limit reads them as a sliding window: the previous window's hits weighted by how
much of it the sliding window still covers, plus the current window's (the estimate
Cloudflare's and others' limiters use), so a client cannot pass twice its limit across
a window's edge, and a window costs one small record per key, not one per request
(DRF's throttles keep a list of every request's time in the cache and write it back
whole: five statements a request on the database cache).

Three stores, picked by the default cache:

- Redis (`CACHE_URL=redis://...`): `INCR` of the current window's key and `GET` of the
  previous one's, in one pipeline; keys expire by themselves.
- The database (the embedded default, whose cache is Django's database cache): one
  upsert of a `RateCounter` row per key that returns the counts. Rows past their
  expiry are deleted now and then by the hits themselves (one hit in
  `PRUNE_ONE_IN`), so no scheduler is needed.
- Any other cache (memcached; the tests' per-process memory): its own `add`, `incr`
  and `get`.
"""

import random
from typing import NamedTuple, Protocol

from django.core.cache import cache
from django.db import connection

from core.cache import cache_is_database, cache_is_redis, redis_client
from core.models import RateCounter

PRUNE_ONE_IN = 1_000


class Hits(NamedTuple):
    current: int  # in the current window, this hit included
    previous: int  # in the window before it
    window_start: int  # unix seconds

    def sliding(self, *, now: float, window: int) -> float:
        """The hits of the last `window` seconds, estimated: the previous window's
        weighted by the part of it still inside them."""
        covered = 1 - (now - self.window_start) / window
        return self.previous * max(covered, 0.0) + self.current


class RateStore(Protocol):
    def hit(self, key: str, *, window: int, now: float) -> Hits: ...


def _window_start(now: float, window: int) -> int:
    return int(now) // window * window


class DatabaseRates:
    def hit(self, key: str, *, window: int, now: float) -> Hits:
        start = _window_start(now, window)
        table = connection.ops.quote_name(RateCounter._meta.db_table)
        # Plain SQL that SQLite (3.35+) and PostgreSQL both run: the ORM's upsert can
        # neither add to a column nor return the row. Every SET reads the old row.
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {table} (key, window_start, hits, previous_hits, expires_at) "  # noqa: S608
                f"VALUES (%s, %s, 1, 0, %s) "
                f"ON CONFLICT (key) DO UPDATE SET "
                f"previous_hits = CASE "
                f"WHEN {table}.window_start >= excluded.window_start THEN {table}.previous_hits "
                f"WHEN {table}.window_start = excluded.window_start - %s THEN {table}.hits "
                f"ELSE 0 END, "
                f"hits = CASE WHEN {table}.window_start >= excluded.window_start "
                f"THEN {table}.hits + 1 ELSE 1 END, "
                f"window_start = CASE WHEN {table}.window_start > excluded.window_start "
                f"THEN {table}.window_start ELSE excluded.window_start END, "
                f"expires_at = excluded.expires_at "
                f"RETURNING hits, previous_hits, window_start",
                [key, start, start + 2 * window, window],
            )
            current, previous, window_start = cursor.fetchone()
        if random.randrange(PRUNE_ONE_IN) == 0:  # noqa: S311 - not a secret
            self.prune(now=now)
        return Hits(current, previous, window_start)

    def prune(self, *, now: float) -> int:
        deleted, _ = RateCounter.objects.filter(expires_at__lt=int(now)).delete()
        return deleted


class RedisRates:
    def hit(self, key: str, *, window: int, now: float) -> Hits:
        start = _window_start(now, window)
        current_key = cache.make_key(f"rate:{key}:{start}")
        pipeline = redis_client().pipeline(transaction=False)
        pipeline.incr(current_key)
        pipeline.expire(current_key, 2 * window)
        pipeline.get(cache.make_key(f"rate:{key}:{start - window}"))
        current, _, previous = pipeline.execute()
        return Hits(int(current), int(previous or 0), start)


class CacheRates:
    def hit(self, key: str, *, window: int, now: float) -> Hits:
        start = _window_start(now, window)
        current_key = f"rate:{key}:{start}"
        cache.add(current_key, 0, timeout=2 * window)
        try:
            current = cache.incr(current_key)
        except ValueError:  # evicted between add and incr
            cache.add(current_key, 1, timeout=2 * window)
            current = 1
        return Hits(current, int(cache.get(f"rate:{key}:{start - window}", 0)), start)


def rates() -> RateStore:
    """The store for the configured default cache."""
    if cache_is_redis():
        return RedisRates()
    if cache_is_database():
        return DatabaseRates()
    return CacheRates()
