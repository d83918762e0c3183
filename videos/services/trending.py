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
from collections.abc import Callable, Iterable
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


def _scores_write(scores: Iterable[tuple[float, object]]) -> None:
    """Set each `(score, video_id)`'s `trending_score`: one statement run for every
    pair (`executemany`, which psycopg pipelines), in one transaction."""
    quote = connection.ops.quote_name
    pk = Video._meta.pk
    sql = (
        f"UPDATE {quote(Video._meta.db_table)} SET {quote('trending_score')} = %s "  # noqa: S608
        f"WHERE {quote(pk.column)} = %s"
    )
    params = [(score, pk.get_db_prep_value(video_id, connection)) for score, video_id in scores]
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.executemany(sql, params)


def trending_compute(
    *,
    now: datetime | None = None,
    batch_size: int = BATCH_SIZE,
    on_batch: Callable[[int], None] | None = None,
) -> TrendingResult:
    """Recompute every video's `trending_score` as of `now` (default: the present),
    then prune the activity buckets older than the window.

    The window's buckets are summed per video a batch of videos at a time, in video
    order (one aggregate over a range of the `(video, hour)` index), the batch's
    candidates read with one query, and their changed scores written in one
    transaction; then one `UPDATE` sets every other non-zero score to 0. Safe to run
    at any time and twice: the scores depend only on `now` and the data.
    `on_batch(scored_so_far)` is called after each batch (for progress reports).
    """
    started = time.monotonic()
    now = now or timezone.now()
    totals = (
        _window(now)
        .values("video_id")
        .annotate(
            views=Sum("views"), likes=Sum("likes"), comments=Sum("comments"), shares=Sum("shares")
        )
        .order_by("video_id")
    )
    scored = trending = 0
    last_video_id = None
    while True:
        batch_totals = (
            totals if last_video_id is None else totals.filter(video_id__gt=last_video_id)
        )
        batch = list(
            batch_totals.values_list("video_id", "views", "likes", "comments", "shares")[
                :batch_size
            ]
        )
        if not batch:
            break
        last_video_id = batch[-1][0]
        candidates = {
            pk: (published_at or created_at, score)
            for pk, published_at, created_at, score in Video.objects.filter(
                pk__in=[row[0] for row in batch],
                status=Video.Status.READY,
                visibility=Video.Visibility.PUBLIC,
            ).values_list("pk", "published_at", "created_at", "trending_score")
        }
        changed = []
        for video_id, views, likes, comments, shares in batch:
            if video_id not in candidates:
                continue
            published, stored = candidates[video_id]
            score = trending_score(
                recent_views=views,
                likes=likes,
                comments=comments,
                shares=shares,
                age=now - published,
            )
            trending += score > 0
            if score != stored:
                changed.append((score, video_id))
        if changed:
            _scores_write(changed)
        scored += len(candidates)
        if on_batch is not None:
            on_batch(scored)

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
