"""Trending: a score per public video from its recent activity, decayed with its age,
stored in `Video.trending_score` so the trending feed is an index scan.

score = (views in the last 48 hours x 1 + likes x 2 + comments x 3 + shares x 4)
        / (hours since publication + 2) ^ 1.5

Hacker News' gravity: activity lifts a video, age pulls it down, and a new video
needs less activity than an old one to rank as high. Likes, comments and shares are
the video's totals (the counters), which the age term discounts. Candidates are the
ready, public videos published in the last 7 days or viewed in the last 48 hours;
every other video's score is 0, so the feed lists only candidates with activity.
"""

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Count, IntegerField, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from videos.models import Video, VideoView

TRENDING_VIEW_WINDOW = timedelta(hours=48)
TRENDING_MAX_AGE = timedelta(days=7)
TRENDING_GRAVITY = 1.5
TRENDING_AGE_OFFSET_HOURS = 2.0
VIEW_WEIGHT = 1.0
LIKE_WEIGHT = 2.0
COMMENT_WEIGHT = 3.0
SHARE_WEIGHT = 4.0
BATCH_SIZE = 500


@dataclass(frozen=True)
class TrendingResult:
    """What one computation did."""

    scored: int  # candidates whose score was computed
    trending: int  # of those, with a score above 0
    reset: int  # videos no longer candidates whose score went back to 0
    seconds: float


def trending_score(
    *, recent_views: int, likes: int, comments: int, shares: int, age: timedelta
) -> float:
    """The score of one video (see the module docstring); a future publication date
    counts as age 0."""
    points = (
        recent_views * VIEW_WEIGHT
        + likes * LIKE_WEIGHT
        + comments * COMMENT_WEIGHT
        + shares * SHARE_WEIGHT
    )
    hours = max(age.total_seconds(), 0.0) / 3600
    return points / (hours + TRENDING_AGE_OFFSET_HOURS) ** TRENDING_GRAVITY


def _candidates_filter(*, now: datetime) -> Q:
    recently_viewed = VideoView.objects.filter(
        created_at__gt=now - TRENDING_VIEW_WINDOW, created_at__lte=now
    ).values("video_id")
    return Q(status=Video.Status.READY, visibility=Video.Visibility.PUBLIC) & (
        Q(published_at__gt=now - TRENDING_MAX_AGE) | Q(pk__in=recently_viewed)
    )


def trending_compute(
    *,
    now: datetime | None = None,
    batch_size: int = BATCH_SIZE,
    on_batch: Callable[[int], None] | None = None,
) -> TrendingResult:
    """Recompute every video's `trending_score` as of `now` (default: the present).

    Candidates are read a batch at a time in primary-key order, with their recent
    view counts in the same query, and their changed scores written with one
    `UPDATE` per batch, each batch in its own short transaction; then one `UPDATE`
    sets every other non-zero score to 0. Safe to run at any time and twice: the
    result depends only on `now` and the data. `on_batch(scored_so_far)` is called
    after each batch (for progress reports).
    """
    started = time.monotonic()
    now = now or timezone.now()
    candidates_filter = _candidates_filter(now=now)
    recent_views = (
        VideoView.objects.filter(
            video_id=OuterRef("pk"),
            created_at__gt=now - TRENDING_VIEW_WINDOW,
            created_at__lte=now,
        )
        .order_by()
        .values("video_id")
        .annotate(views=Count("pk"))
        .values("views")
    )
    candidates = (
        Video.objects.filter(candidates_filter)
        .annotate(recent_views=Coalesce(Subquery(recent_views), 0, output_field=IntegerField()))
        .only(
            "pk",
            "created_at",
            "published_at",
            "like_count",
            "comment_count",
            "share_count",
            "trending_score",
        )
        .order_by("pk")
    )

    scored = trending = 0
    last_pk = None
    while True:
        batch_queryset = candidates if last_pk is None else candidates.filter(pk__gt=last_pk)
        batch = list(batch_queryset[:batch_size])
        if not batch:
            break
        changed = []
        for video in batch:
            score = trending_score(
                recent_views=video.recent_views,
                likes=video.like_count,
                comments=video.comment_count,
                shares=video.share_count,
                age=now - (video.published_at or video.created_at),
            )
            trending += score > 0
            if score != video.trending_score:
                video.trending_score = score
                changed.append(video)
        if changed:
            with transaction.atomic():
                Video.objects.bulk_update(changed, ["trending_score"])
        scored += len(batch)
        last_pk = batch[-1].pk
        if on_batch is not None:
            on_batch(scored)

    reset = (
        Video.objects.exclude(trending_score=0).exclude(candidates_filter).update(trending_score=0)
    )
    return TrendingResult(
        scored=scored, trending=trending, reset=reset, seconds=time.monotonic() - started
    )
