"""Trending: a score per public video from its recent activity, decayed with its age,
stored in `Video.trending_score` so the trending feed is an index scan.

score = (views x 1 + likes x 2 + comments x 3 + shares x 4 in the last 48 hours)
        / (hours since publication + 2) ^ 1.5

Hacker News' gravity: activity lifts a video, age pulls it down, and a new video
needs less activity than an old one to rank as high. The activity is what the hourly
buckets of the window hold (`videos.services.activity`: counted views, likes, comments
and shares, net of those taken back), so a like of last month lifts nothing today.
Candidates are the ready, public videos with a bucket in the window; every other
video's score is 0, so the feed lists only videos with recent activity.
"""

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import connection, transaction
from django.db.models import Exists, OuterRef, Q, Sum
from django.utils import timezone

from videos.models import Video, VideoActivity
from videos.services.activity import ACTIVITY_WINDOW, video_activity_prune

TRENDING_WINDOW = ACTIVITY_WINDOW
TRENDING_GRAVITY = 1.5
TRENDING_AGE_OFFSET_HOURS = 2.0
VIEW_WEIGHT = 1.0
LIKE_WEIGHT = 2.0
COMMENT_WEIGHT = 3.0
SHARE_WEIGHT = 4.0
BATCH_SIZE = 10_000
# A stored score this close to the computed one (relatively) is left as it is: between
# two runs age alone moves an old video's score by less, and rewriting a video's row
# (every index of the table) for that would make most of a run's cost.
SCORE_TOLERANCE = 1e-3


@dataclass(frozen=True)
class TrendingResult:
    """What one computation did."""

    scored: int  # candidates whose score was computed
    trending: int  # of those, with a score above 0
    reset: int  # videos no longer candidates whose score went back to 0
    pruned: int  # activity buckets deleted, older than the window
    seconds: float


def trending_score(
    *, recent_views: int, likes: int, comments: int, shares: int, age: timedelta
) -> float:
    """The score of one video (see the module docstring) from its activity in the
    window; a future publication date counts as age 0."""
    points = (
        recent_views * VIEW_WEIGHT
        + likes * LIKE_WEIGHT
        + comments * COMMENT_WEIGHT
        + shares * SHARE_WEIGHT
    )
    hours = max(age.total_seconds(), 0.0) / 3600
    return points / (hours + TRENDING_AGE_OFFSET_HOURS) ** TRENDING_GRAVITY


def _window(now: datetime):
    """The buckets of the window as of `now`: the hours that started in the last 48."""
    return VideoActivity.objects.filter(hour__gt=now - TRENDING_WINDOW, hour__lte=now)


def _candidates_filter(now: datetime) -> Q:
    return Q(status=Video.Status.READY, visibility=Video.Visibility.PUBLIC) & Exists(
        _window(now).filter(video_id=OuterRef("pk"))
    )


def _scores_write(scores: list[tuple[object, float]]) -> None:
    """Set each `(video_id, score)`'s `trending_score` with one `UPDATE ... FROM
    (VALUES ...)`, which SQLite (3.33 and later) and PostgreSQL both run: one
    statement for the lot instead of one per video."""
    quote = connection.ops.quote_name
    table, pk = quote(Video._meta.db_table), Video._meta.pk
    sql = (
        f"UPDATE {table} SET {quote('trending_score')} = scores.column2 "  # noqa: S608
        f"FROM (VALUES {', '.join(['(%s, %s)'] * len(scores))}) AS scores "
        f"WHERE {table}.{quote(pk.column)} = scores.column1"
    )
    params = []
    for video_id, score in scores:
        params += [pk.get_db_prep_value(video_id, connection), score]
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)


def trending_compute(
    *,
    now: datetime | None = None,
    batch_size: int = BATCH_SIZE,
    on_batch: Callable[[int], None] | None = None,
) -> TrendingResult:
    """Recompute every video's `trending_score` as of `now` (default: the present),
    then prune the activity buckets older than the window.

    One aggregate reads the candidates with their sums over the window's buckets
    (streamed: a server-side cursor on PostgreSQL); the scores that changed (by more
    than `SCORE_TOLERANCE`) are written once it is read, `batch_size` a transaction;
    then one `UPDATE` sets every other non-zero score to 0. Safe to run at any time
    and twice: the scores depend only on `now` and the data. `on_batch(scored_so_far)`
    is called after every `batch_size` candidates (for progress reports).
    """
    started = time.monotonic()
    now = now or timezone.now()
    candidates = (
        Video.objects.filter(
            status=Video.Status.READY,
            visibility=Video.Visibility.PUBLIC,
            activity__hour__gt=now - TRENDING_WINDOW,
            activity__hour__lte=now,
        )
        .values_list("pk", "published_at", "created_at", "trending_score")
        .annotate(
            views=Sum("activity__views"),
            likes=Sum("activity__likes"),
            comments=Sum("activity__comments"),
            shares=Sum("activity__shares"),
        )
        .order_by()
    )
    scored = trending = 0
    changed = []
    for (
        video_id,
        published_at,
        created_at,
        stored,
        views,
        likes,
        comments,
        shares,
    ) in candidates.iterator(chunk_size=batch_size):
        score = trending_score(
            recent_views=views,
            likes=likes,
            comments=comments,
            shares=shares,
            age=now - (published_at or created_at),
        )
        scored += 1
        trending += score > 0
        if abs(score - stored) > SCORE_TOLERANCE * score or (score == 0) != (stored == 0):
            changed.append((video_id, score))
        if on_batch is not None and scored % batch_size == 0:
            on_batch(scored)
    if on_batch is not None and scored % batch_size:
        on_batch(scored)
    # Written after the read, so no write meets the open cursor (SQLite's especially).
    for start in range(0, len(changed), batch_size):
        _scores_write(changed[start : start + batch_size])

    reset = (
        Video.objects.exclude(trending_score=0)
        .exclude(_candidates_filter(now))
        .update(trending_score=0)
    )
    pruned = video_activity_prune(now=now)
    return TrendingResult(
        scored=scored,
        trending=trending,
        reset=reset,
        pruned=pruned,
        seconds=time.monotonic() - started,
    )
