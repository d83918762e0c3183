"""Trending scores: computed from recent views, likes, comments and shares with age
decay, stored for the feed, reset when a video stops trending; by the service, the
command and the periodic task."""

from datetime import datetime, timedelta
from io import StringIO

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.utils import timezone

from config.celery import app as celery_app
from tests.videos.factories import VideoFactory
from videos.models import Video, VideoView
from videos.services.trending import TrendingResult, trending_compute, trending_score
from videos.tasks import trending_compute_task

pytestmark = pytest.mark.django_db

V = Video.Visibility
NOW = timezone.now()
TRENDING = "/api/v1/feed/trending/"


def ago(**delta) -> datetime:
    return NOW - timedelta(**delta)


def add_views(video: Video, count: int, *, at: datetime) -> None:
    """`count` counted views of `video` by different viewers, made at `at`."""
    views = VideoView.objects.bulk_create(
        VideoView(video=video, viewer_key=f"{at.timestamp()}-{n}", hour=at, watched_seconds=30)
        for n in range(count)
    )
    VideoView.objects.filter(pk__in=[view.pk for view in views]).update(created_at=at)


def score_of(video: Video) -> float:
    return Video.objects.values_list("trending_score", flat=True).get(pk=video.pk)


def expected_score(points: float, hours: float) -> float:
    return points / (hours + 2) ** 1.5


def test_the_score_weighs_activity_against_age():
    assert trending_score(
        recent_views=10, likes=0, comments=0, shares=0, age=timedelta(hours=1)
    ) == pytest.approx(10 / 3**1.5)
    assert trending_score(
        recent_views=1, likes=1, comments=1, shares=1, age=timedelta(hours=7)
    ) == pytest.approx((1 + 2 + 3 + 4) / 27)
    assert trending_score(recent_views=0, likes=0, comments=0, shares=0, age=timedelta()) == 0
    # Published "in the future" (clock skew) counts as new.
    assert trending_score(
        recent_views=2, likes=0, comments=0, shares=0, age=timedelta(hours=-5)
    ) == pytest.approx(2 / 2**1.5)


@pytest.fixture
def activity():
    videos = {
        "new_viewed": VideoFactory(published_at=ago(hours=1)),
        "new_viewed_twin": VideoFactory(published_at=ago(hours=1)),
        "new_liked": VideoFactory(published_at=ago(hours=1), like_count=3),
        "day_old": VideoFactory(published_at=ago(hours=24), comment_count=2),
        "five_days_old": VideoFactory(published_at=ago(hours=122), share_count=1),
        "month_old_viewed": VideoFactory(published_at=ago(days=30)),
        # No score: old without recent views, views too old, not public, not ready.
        "month_old_liked": VideoFactory(
            published_at=ago(days=30), like_count=1000, trending_score=7.0
        ),
        "views_too_old": VideoFactory(published_at=ago(hours=2)),
        "followers_only": VideoFactory(
            published_at=ago(hours=1), visibility=V.FOLLOWERS, trending_score=3.0
        ),
        "processing": VideoFactory(
            published_at=None, status=Video.Status.PROCESSING, trending_score=1.0
        ),
    }
    add_views(videos["new_viewed"], 10, at=ago(minutes=30))
    add_views(videos["new_viewed_twin"], 6, at=ago(minutes=30))
    add_views(videos["new_viewed_twin"], 4, at=ago(hours=47))  # still in the 48 hours
    add_views(videos["day_old"], 20, at=ago(hours=2))
    add_views(videos["five_days_old"], 50, at=ago(hours=3))
    add_views(videos["month_old_viewed"], 100, at=ago(hours=1))
    add_views(videos["views_too_old"], 30, at=ago(hours=49))
    add_views(videos["followers_only"], 50, at=ago(hours=1))
    return videos


def test_trending_compute_stores_each_videos_score(activity):
    result = trending_compute(now=NOW)
    assert (result.scored, result.trending, result.reset) == (7, 6, 3)
    expected = {
        "new_viewed": expected_score(10, 1),
        "new_viewed_twin": expected_score(10, 1),
        "new_liked": expected_score(3 * 2, 1),
        "day_old": expected_score(20 + 2 * 3, 24),
        "five_days_old": expected_score(50 + 4, 122),
        "month_old_viewed": expected_score(100, 30 * 24),
        "month_old_liked": 0,
        "views_too_old": 0,
        "followers_only": 0,
        "processing": 0,
    }
    assert {name: score_of(video) for name, video in activity.items()} == pytest.approx(expected)


def test_the_trending_feed_follows_the_computed_scores(api_client, activity):
    trending_compute(now=NOW)
    twins = sorted([activity["new_viewed"].pk, activity["new_viewed_twin"].pk], reverse=True)
    expected = [
        *(str(pk) for pk in twins),
        *(
            str(activity[name].pk)
            for name in ("new_liked", "day_old", "five_days_old", "month_old_viewed")
        ),
    ]
    response = api_client.get(TRENDING)
    assert [item["id"] for item in response.json()["results"]] == expected


def test_computing_again_changes_nothing(activity):
    trending_compute(now=NOW)
    before = {name: score_of(video) for name, video in activity.items()}
    result = trending_compute(now=NOW)
    assert (result.scored, result.trending, result.reset) == (7, 6, 0)
    assert {name: score_of(video) for name, video in activity.items()} == before


def test_batches_give_the_same_scores(activity):
    trending_compute(now=NOW)
    whole = {name: score_of(video) for name, video in activity.items()}
    Video.objects.update(trending_score=0)
    progress = []
    result = trending_compute(now=NOW, batch_size=2, on_batch=progress.append)
    assert progress == [2, 4, 6, 7]
    assert result.scored == 7
    assert {name: score_of(video) for name, video in activity.items()} == whole


def test_videos_stop_trending_as_they_age(activity):
    trending_compute(now=NOW)
    result = trending_compute(now=NOW + timedelta(days=8))
    assert (result.scored, result.trending, result.reset) == (0, 0, 6)
    assert Video.objects.exclude(trending_score=0).count() == 0


def test_a_video_made_private_stops_trending(activity):
    trending_compute(now=NOW)
    Video.objects.filter(pk=activity["new_liked"].pk).update(visibility=V.PRIVATE)
    result = trending_compute(now=NOW)
    assert result.reset == 1
    assert score_of(activity["new_liked"]) == 0


def test_the_command_computes_and_says_what_it_did(activity):
    out = StringIO()
    call_command("compute_trending", "--batch-size", "4", "--verbosity", "2", stdout=out)
    lines = out.getvalue().splitlines()
    assert lines[:2] == ["  4 video(s) scored so far", "  7 video(s) scored so far"]
    assert lines[2].startswith(
        "Scored 7 video(s), 6 now trending; reset 3 video(s) no longer trending to 0 (in "
    )
    assert score_of(activity["new_viewed"]) > 0


def test_the_command_refuses_a_bad_batch_size():
    with pytest.raises(CommandError, match="--batch-size must be 1 or more"):
        call_command("compute_trending", "--batch-size", "0")


def test_the_task_computes_and_beat_runs_it_periodically():
    now = timezone.now()
    video = VideoFactory(published_at=now - timedelta(hours=1))
    add_views(video, 10, at=now)
    trending_compute_task.delay()
    assert score_of(video) == pytest.approx(expected_score(10, 1), rel=1e-3)
    entry = settings.CELERY_BEAT_SCHEDULE["videos-trending-compute"]
    assert entry["task"] == trending_compute_task.name == "videos.tasks.trending_compute_task"
    assert entry["task"] in celery_app.tasks
    assert entry["schedule"] == timedelta(minutes=10)


def test_nothing_to_compute():
    result = trending_compute(now=NOW)
    assert isinstance(result, TrendingResult)
    assert (result.scored, result.trending, result.reset) == (0, 0, 0)
