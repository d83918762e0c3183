"""Trending scores: computed from the activity buckets of the last 48 hours (views,
likes, comments and shares) with age decay, stored for the feed, reset when a video
stops trending, old buckets pruned; by the service, the command and the periodic task."""

from datetime import datetime, timedelta
from io import StringIO

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.utils import timezone

from config.celery import app as celery_app
from tests.videos.factories import VideoFactory
from videos.models import Video, VideoActivity
from videos.services.activity import activity_hour
from videos.services.trending import TrendingResult, trending_compute, trending_score
from videos.tasks import trending_compute_task

pytestmark = pytest.mark.django_db

V = Video.Visibility
NOW = timezone.now()
TRENDING = "/api/v1/feed/trending/"


def ago(**delta) -> datetime:
    return NOW - timedelta(**delta)


def add_activity(video: Video, *, at: datetime, **counts: int) -> None:
    """A bucket of `video` for the hour of `at` holding `counts` (views=, likes=, ...)."""
    VideoActivity.objects.create(video=video, hour=activity_hour(at), **counts)


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
        "new_liked": VideoFactory(published_at=ago(hours=1)),
        "day_old": VideoFactory(published_at=ago(hours=24)),
        "five_days_old": VideoFactory(published_at=ago(hours=122)),
        "month_old_viewed": VideoFactory(published_at=ago(days=30)),
        # No score: lifetime counters only, activity too old, none at all, not public,
        # not ready.
        "month_old_liked": VideoFactory(
            published_at=ago(days=30), like_count=1000, trending_score=7.0
        ),
        "activity_too_old": VideoFactory(published_at=ago(hours=2)),
        "new_quiet": VideoFactory(published_at=ago(hours=1), like_count=40),
        "followers_only": VideoFactory(
            published_at=ago(hours=1), visibility=V.FOLLOWERS, trending_score=3.0
        ),
        "processing": VideoFactory(
            published_at=None, status=Video.Status.PROCESSING, trending_score=1.0
        ),
    }
    add_activity(videos["new_viewed"], at=ago(minutes=30), views=10)
    add_activity(videos["new_viewed_twin"], at=ago(minutes=30), views=6)
    add_activity(videos["new_viewed_twin"], at=ago(hours=47), views=4)  # still in the 48 h
    add_activity(videos["new_liked"], at=ago(minutes=30), likes=3)
    add_activity(videos["day_old"], at=ago(hours=2), views=20, comments=2)
    add_activity(videos["five_days_old"], at=ago(hours=3), views=50, shares=1)
    add_activity(videos["five_days_old"], at=ago(hours=30), views=5, likes=1, comments=1)
    add_activity(videos["month_old_viewed"], at=ago(hours=1), views=100)
    add_activity(videos["month_old_liked"], at=ago(days=3), likes=1000)
    add_activity(videos["activity_too_old"], at=ago(hours=49), views=30, likes=5)
    add_activity(videos["followers_only"], at=ago(hours=1), views=50)
    return videos


def test_trending_compute_scores_the_activity_of_the_window(activity):
    result = trending_compute(now=NOW)
    assert (result.scored, result.trending, result.reset, result.pruned) == (6, 6, 3, 2)
    expected = {
        "new_viewed": expected_score(10, 1),
        "new_viewed_twin": expected_score(6 + 4, 1),
        "new_liked": expected_score(3 * 2, 1),
        "day_old": expected_score(20 + 2 * 3, 24),
        "five_days_old": expected_score(50 + 4 + 5 + 2 + 3, 122),
        "month_old_viewed": expected_score(100, 30 * 24),
        "month_old_liked": 0,
        "activity_too_old": 0,
        "new_quiet": 0,
        "followers_only": 0,
        "processing": 0,
    }
    assert {name: score_of(video) for name, video in activity.items()} == pytest.approx(
        expected, rel=1e-12, abs=0
    )


def test_the_buckets_older_than_the_window_are_pruned(activity):
    trending_compute(now=NOW)
    assert VideoActivity.objects.filter(hour__lte=NOW - timedelta(hours=48)).count() == 0
    assert VideoActivity.objects.count() == 9
    assert not VideoActivity.objects.filter(
        video__in=[activity["month_old_liked"], activity["activity_too_old"]]
    ).exists()


def test_an_old_like_no_longer_lifts_a_video():
    video = VideoFactory(published_at=ago(days=10))
    add_activity(video, at=ago(hours=60), likes=500)
    add_activity(video, at=ago(hours=2), views=1)
    trending_compute(now=NOW)
    assert score_of(video) == pytest.approx(expected_score(1, 240), rel=1e-12)


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
    assert response.status_code == 200
    assert [item["id"] for item in response.json()["results"]] == expected


def test_computing_again_changes_nothing(activity):
    trending_compute(now=NOW)
    before = {name: score_of(video) for name, video in activity.items()}
    result = trending_compute(now=NOW)
    assert (result.scored, result.trending, result.reset, result.pruned) == (6, 6, 0, 0)
    assert {name: score_of(video) for name, video in activity.items()} == before


def test_batches_give_the_same_scores(activity):
    trending_compute(now=NOW)
    whole = {name: score_of(video) for name, video in activity.items()}
    Video.objects.update(trending_score=0)
    progress = []
    result = trending_compute(now=NOW, batch_size=2, on_batch=progress.append)
    assert progress == [2, 4, 6]
    assert result.scored == 6
    assert {name: score_of(video) for name, video in activity.items()} == whole


def test_videos_stop_trending_as_they_age(activity):
    trending_compute(now=NOW)
    result = trending_compute(now=NOW + timedelta(days=3))
    assert (result.scored, result.trending, result.reset, result.pruned) == (0, 0, 6, 9)
    assert Video.objects.exclude(trending_score=0).count() == 0
    assert not VideoActivity.objects.exists()


def test_a_video_made_private_stops_trending(activity):
    trending_compute(now=NOW)
    Video.objects.filter(pk=activity["new_liked"].pk).update(visibility=V.PRIVATE)
    result = trending_compute(now=NOW)
    assert result.reset == 1
    assert score_of(activity["new_liked"]) == 0


def test_the_command_computes_and_says_what_it_did(activity, monkeypatch):
    # The command computes as of the present: pin it to the fixture's clock, or a run
    # that crosses an hour after this module was imported prunes one bucket more.
    monkeypatch.setattr("videos.services.trending.timezone.now", lambda: NOW)
    out = StringIO()
    call_command("compute_trending", "--batch-size", "10", "--verbosity", "2", stdout=out)
    lines = out.getvalue().splitlines()
    assert lines[0] == "  6 video(s) scored so far"
    assert lines[1].startswith(
        "Scored 6 video(s), 6 now trending; reset 3 video(s) no longer trending to 0; "
        "pruned 2 activity bucket(s) older than 48 h (in "
    )
    assert score_of(activity["new_viewed"]) > 0


def test_the_command_refuses_a_bad_batch_size():
    with pytest.raises(CommandError, match="--batch-size must be 1 or more"):
        call_command("compute_trending", "--batch-size", "0")


def test_the_task_computes_and_beat_runs_it_periodically():
    now = timezone.now()
    video = VideoFactory(published_at=now - timedelta(hours=1))
    add_activity(video, at=now, views=10)
    trending_compute_task.delay()
    assert score_of(video) == pytest.approx(expected_score(10, 1), rel=1e-3)
    entry = settings.CELERY_BEAT_SCHEDULE["videos-trending-compute"]
    assert entry["task"] == trending_compute_task.name == "videos.tasks.trending_compute_task"
    assert entry["task"] in celery_app.tasks
    assert entry["schedule"] == timedelta(minutes=10)


def test_nothing_to_compute():
    result = trending_compute(now=NOW)
    assert isinstance(result, TrendingResult)
    assert (result.scored, result.trending, result.reset, result.pruned) == (0, 0, 0, 0)
