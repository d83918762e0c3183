"""Activity by hour: each counted view, like, comment and share adds one to its video's
bucket for the clock hour (UTC) it happened in (`VideoActivity`), and taking one back
(an unlike, a deleted or hidden comment) takes one away, never below 0. Trending reads
the buckets of its window instead of lifetime totals.

A change is one statement, portable to SQLite and PostgreSQL, so the services that
count (likes, comments, shares, views) pay one more statement each and no lock:

- adding: `INSERT ... ON CONFLICT (video_id, hour) DO UPDATE SET n = n + excluded.n`
  (the ORM's upsert can only overwrite, not add);
- taking back: a conditional `UPDATE ... SET n = n - 1 WHERE n > 0`, in the bucket of
  the hour the thing was counted in when the caller knows it (a comment's creation),
  else in the latest bucket of the window that has one (an unlike: the like's time
  went with its row). Either way a like taken back in a later hour leaves nothing.

Buckets older than `ACTIVITY_WINDOW` count for nothing: changes to them are skipped,
and `video_activity_prune` deletes them.
"""

import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from django.db import connection, transaction
from django.db.models import Subquery
from django.utils import timezone

from videos.models import VideoActivity

# How far back trending looks, for every kind of activity; older buckets are pruned.
ACTIVITY_WINDOW = timedelta(hours=48)
VIEWS, LIKES, COMMENTS, SHARES = "views", "likes", "comments", "shares"
ACTIVITY_KINDS = (VIEWS, LIKES, COMMENTS, SHARES)
PRUNE_BATCH_SIZE = 50_000


def activity_hour(moment: datetime) -> datetime:
    """The start of the clock hour (UTC) `moment` falls in: its bucket's `hour`."""
    return moment.astimezone(UTC).replace(minute=0, second=0, microsecond=0)


def video_activity_record(
    *, video_id: uuid.UUID, kind: str, delta: int = 1, at: datetime | None = None
) -> None:
    """Count `delta` more (or, negative, fewer) `kind` (one of `ACTIVITY_KINDS`) for
    the video, in the bucket of the hour of `at` (default: now). Taking back with no
    `at` takes from the video's latest bucket in the window that has any. One
    statement; nothing when `delta` is 0 or `at` is older than `ACTIVITY_WINDOW`."""
    if kind not in ACTIVITY_KINDS:
        raise ValueError(f"Unknown activity kind: {kind!r}")
    now = timezone.now()
    hour = activity_hour(at or now)
    if delta == 0 or hour <= now - ACTIVITY_WINDOW:
        return
    if delta > 0:
        _bucket_add(video_id=video_id, kind=kind, amount=delta, hour=hour)
    elif at is not None:
        _bucket_take(video_id=video_id, kind=kind, amount=-delta, hour=hour)
    else:
        _bucket_take(video_id=video_id, kind=kind, amount=-delta, after=now - ACTIVITY_WINDOW)


# Plain SQL that SQLite and PostgreSQL both run (see the module docstring), the ORM's
# work of building it spared on every like and unlike; only names from the model are
# formatted in, `kind` being one of ACTIVITY_KINDS.


def _bucket_add(*, video_id: uuid.UUID, kind: str, amount: int, hour: datetime) -> None:
    quote = connection.ops.quote_name
    table = quote(VideoActivity._meta.db_table)
    counts = {name: amount if name == kind else 0 for name in ACTIVITY_KINDS}
    columns = ", ".join(quote(name) for name in ["video_id", "hour", *counts])
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({columns}) VALUES ({', '.join(['%s'] * (2 + len(counts)))}) "  # noqa: S608
            f"ON CONFLICT ({quote('video_id')}, {quote('hour')}) DO UPDATE "
            f"SET {quote(kind)} = {table}.{quote(kind)} + excluded.{quote(kind)}",
            [_stored_video_id(video_id), _stored_hour(hour), *counts.values()],
        )


def _bucket_take(
    *,
    video_id: uuid.UUID,
    kind: str,
    amount: int,
    hour: datetime | None = None,
    after: datetime | None = None,
) -> None:
    """Take `amount` from the video's `kind`, never below 0: in the bucket of `hour`,
    or else in its latest bucket later than `after` that has any."""
    quote = connection.ops.quote_name
    table, column = quote(VideoActivity._meta.db_table), quote(kind)
    has_some = f"{quote('video_id')} = %s AND {column} > 0"
    if hour is not None:
        where, params = f"{has_some} AND {quote('hour')} = %s", [hour]
    else:
        where = (
            f"{quote('id')} = (SELECT {quote('id')} FROM {table} "  # noqa: S608
            f"WHERE {has_some} AND {quote('hour')} > %s ORDER BY {quote('hour')} DESC LIMIT 1)"
        )
        params = [after]
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET {column} = CASE WHEN {column} > %s "  # noqa: S608
            f"THEN {column} - %s ELSE 0 END WHERE {where}",
            [amount, amount, _stored_video_id(video_id), *map(_stored_hour, params)],
        )


def _stored_video_id(video_id: uuid.UUID):
    return VideoActivity._meta.get_field("video").get_db_prep_value(video_id, connection)


def _stored_hour(moment: datetime):
    return connection.ops.adapt_datetimefield_value(moment)


def video_activity_prune(
    *,
    now: datetime | None = None,
    batch_size: int = PRUNE_BATCH_SIZE,
    on_batch: Callable[[int], None] | None = None,
) -> int:
    """Delete the buckets older than `ACTIVITY_WINDOW` as of `now`, `batch_size` at a
    time, each batch in its own short transaction; returns how many went.
    `on_batch(deleted_so_far)` is called after each batch."""
    cutoff = (now or timezone.now()) - ACTIVITY_WINDOW
    old = VideoActivity.objects.filter(hour__lte=cutoff).values("pk")
    deleted = 0
    while True:
        with transaction.atomic():
            # One DELETE a batch: nothing refers to a bucket, so Django collects nothing.
            count, _ = VideoActivity.objects.filter(pk__in=Subquery(old[:batch_size])).delete()
        deleted += count
        if on_batch is not None and count:
            on_batch(deleted)
        if count < batch_size:
            return deleted
