"""Who is present in a group (a stream's viewers, a broadcast's unique viewers), shared
by every worker process and host, and counted exactly.

A member is present until `seconds` after its last `touch`. Two stores, chosen by the
default cache:

- Redis (`CACHE_URL=redis://...`): a sorted set per group, each member scored with its
  expiry: `ZADD` to touch, `ZCOUNT` from now to count, expired members trimmed with
  `ZREMRANGEBYSCORE` when counted; all atomic in Redis.
- anything else, the default configuration's database cache included: the
  `ViewerPresence` table, one row per member, touched with one
  `INSERT ... ON CONFLICT DO UPDATE` (atomic on SQLite and PostgreSQL) and counted
  with one indexed `COUNT` per call.

Either way an expiry only moves later (`ZADD GT`; the upsert keeps the later one), so
heartbeats arriving out of order never shorten a viewer's presence.

A touch is one statement or one Redis round trip; counts are read by the periodic flush
and by `watch/`, not by every heartbeat.
"""

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Protocol

from django.core.cache import cache
from django.db import connection
from django.db.models import Count

from core.cache import cache_is_redis, redis_client
from livestream.models import ViewerPresence


class PresenceStore(Protocol):
    def touch(self, group: str, member: str, *, seconds: int, now: datetime) -> None: ...

    def counts(self, groups: Iterable[str], *, now: datetime) -> dict[str, int]: ...

    def forget(self, groups: Iterable[str]) -> None: ...

    def prune(self, *, now: datetime) -> int: ...


class DatabasePresence:
    def touch(self, group: str, member: str, *, seconds: int, now: datetime) -> None:
        # One upsert; an expiry only moves later (a heartbeat that arrives late, from a
        # process whose clock runs behind, does not shorten it). Plain SQL that SQLite
        # and PostgreSQL both run: the ORM's upsert cannot keep the later expiry.
        table = connection.ops.quote_name(ViewerPresence._meta.db_table)
        expires = connection.ops.adapt_datetimefield_value(now + timedelta(seconds=seconds))
        with connection.cursor() as cursor:
            cursor.execute(
                f'INSERT INTO {table} ("group", member, expires_at) VALUES (%s, %s, %s) '  # noqa: S608
                f'ON CONFLICT ("group", member) DO UPDATE SET expires_at = CASE '
                f"WHEN excluded.expires_at > {table}.expires_at THEN excluded.expires_at "
                f"ELSE {table}.expires_at END",
                [group, member, expires],
            )

    def counts(self, groups: Iterable[str], *, now: datetime) -> dict[str, int]:
        groups = list(groups)
        if not groups:
            return {}
        found = dict(
            ViewerPresence.objects.filter(group__in=groups, expires_at__gt=now)
            .values_list("group")
            .annotate(present=Count("id"))
            .values_list("group", "present")
            .order_by()
        )
        return {group: found.get(group, 0) for group in groups}

    def forget(self, groups: Iterable[str]) -> None:
        ViewerPresence.objects.filter(group__in=list(groups)).delete()

    def prune(self, *, now: datetime) -> int:
        deleted, _ = ViewerPresence.objects.filter(expires_at__lte=now).delete()
        return deleted


class RedisPresence:
    def _key(self, group: str) -> str:
        return cache.make_key(f"live:presence:{group}")

    def touch(self, group: str, member: str, *, seconds: int, now: datetime) -> None:
        key = self._key(group)
        pipeline = redis_client().pipeline(transaction=False)
        pipeline.zadd(key, {member: now.timestamp() + seconds}, gt=True)
        # The set outlives its last member's expiry by a margin, then goes by itself.
        pipeline.expire(key, seconds + 60)
        pipeline.execute()

    def counts(self, groups: Iterable[str], *, now: datetime) -> dict[str, int]:
        groups = list(groups)
        if not groups:
            return {}
        pipeline = redis_client().pipeline(transaction=False)
        for group in groups:
            key = self._key(group)
            pipeline.zremrangebyscore(key, "-inf", now.timestamp())
            pipeline.zcount(key, f"({now.timestamp()}", "+inf")
        answers = pipeline.execute()
        return {group: int(answers[2 * index + 1]) for index, group in enumerate(groups)}

    def forget(self, groups: Iterable[str]) -> None:
        keys = [self._key(group) for group in groups]
        if keys:
            redis_client().delete(*keys)

    def prune(self, *, now: datetime) -> int:
        return 0  # members are trimmed as they are counted; idle sets expire by themselves


def presence() -> PresenceStore:
    """The store for the configured default cache."""
    return RedisPresence() if cache_is_redis() else DatabasePresence()
