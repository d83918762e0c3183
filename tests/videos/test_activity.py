"""Activity buckets: each counted view, like, comment and share adds one to its video's
bucket for the hour, one statement each; unlikes and deleted or hidden comments take
one back, never below 0; old buckets are pruned in batches."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from social.services.comments import comment_create, comment_delete, comment_hide, comment_unhide
from social.services.engagement import video_like, video_share, video_unlike
from tests.accounts.factories import ModeratorFactory, UserFactory
from tests.videos.factories import VideoFactory
from videos.models import Video, VideoActivity
from videos.services.activity import (
    LIKES,
    VIEWS,
    activity_hour,
    video_activity_prune,
    video_activity_record,
)
from videos.services.trending import trending_compute
from videos.services.watching import video_view_record

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _clock(monkeypatch):
    """The services' clock stands still, so a test that reads the hour's bucket and
    the service that writes it agree even when the run crosses an hour's end."""
    moment = timezone.now()
    monkeypatch.setattr(timezone, "now", lambda: moment)


def buckets(video: Video) -> list[tuple]:
    """The video's buckets, oldest first: (hour, views, likes, comments, shares)."""
    return list(
        VideoActivity.objects.filter(video=video)
        .order_by("hour")
        .values_list("hour", "views", "likes", "comments", "shares")
    )


def this_hour() -> timezone.datetime:
    return activity_hour(timezone.now())


def test_likes_count_in_the_bucket_of_the_hour_and_an_unlike_takes_one_back():
    video = VideoFactory()
    first, second = UserFactory(), UserFactory()
    video_like(video=video, user=first)
    video_like(video=video, user=second)
    video_like(video=video, user=second)  # liking twice is one like
    assert buckets(video) == [(this_hour(), 0, 2, 0, 0)]

    assert video_unlike(video=video, user=first)
    assert buckets(video) == [(this_hour(), 0, 1, 0, 0)]
    assert not video_unlike(video=video, user=first)  # no like: nothing moves
    assert buckets(video) == [(this_hour(), 0, 1, 0, 0)]


def test_an_unlike_in_a_later_hour_takes_back_from_the_latest_bucket_with_likes():
    video = VideoFactory()
    user = UserFactory()
    video_like(video=video, user=user)
    earlier = this_hour() - timedelta(hours=5)
    # Move the like's bucket five hours back, as if it was liked then.
    VideoActivity.objects.filter(video=video).update(hour=earlier)
    VideoActivity.objects.create(video=video, hour=earlier - timedelta(hours=1), likes=4)
    VideoActivity.objects.create(video=video, hour=this_hour(), views=3)

    video_unlike(video=video, user=user)

    assert buckets(video) == [
        (earlier - timedelta(hours=1), 0, 4, 0, 0),
        (earlier, 0, 0, 0, 0),
        (this_hour(), 3, 0, 0, 0),
    ]


def test_taking_back_never_goes_below_zero_nor_reaches_outside_the_window():
    video = VideoFactory()
    old = this_hour() - timedelta(hours=60)
    VideoActivity.objects.create(video=video, hour=old, likes=2)
    video_activity_record(video_id=video.pk, kind=LIKES, delta=-1)
    video_activity_record(video_id=video.pk, kind=LIKES, delta=-1, at=timezone.now())
    assert buckets(video) == [(old, 0, 2, 0, 0)]

    VideoActivity.objects.create(video=video, hour=this_hour(), likes=1)
    video_activity_record(video_id=video.pk, kind=LIKES, delta=-3)
    assert buckets(video) == [(old, 0, 2, 0, 0), (this_hour(), 0, 0, 0, 0)]


def test_a_comment_counts_in_its_hour_and_deleting_or_hiding_it_takes_it_back():
    video = VideoFactory()
    author, moderator = UserFactory(), ModeratorFactory()
    kept = comment_create(author=author, video=video, text="First!")
    removed = comment_create(author=author, video=video, text="Second")
    reply = comment_create(author=author, video=video, text="Third", parent_id=kept.pk)
    assert buckets(video) == [(this_hour(), 0, 0, 3, 0)]

    comment_delete(comment=removed, actor=author)
    comment_delete(comment=removed, actor=author)  # deleting twice is one deletion
    assert buckets(video) == [(this_hour(), 0, 0, 2, 0)]
    comment_hide(comment=reply, actor=moderator)
    assert buckets(video) == [(this_hour(), 0, 0, 1, 0)]
    comment_unhide(comment=reply, actor=moderator)
    assert buckets(video) == [(this_hour(), 0, 0, 2, 0)]


def test_deleting_a_comment_takes_it_from_the_bucket_of_the_hour_it_was_posted_in():
    video = VideoFactory()
    author = UserFactory()
    comment = comment_create(author=author, video=video, text="Posted earlier")
    posted = timezone.now() - timedelta(hours=3)
    type(comment).objects.filter(pk=comment.pk).update(created_at=posted)
    VideoActivity.objects.filter(video=video).update(hour=activity_hour(posted))
    VideoActivity.objects.create(video=video, hour=this_hour(), comments=5)
    comment.refresh_from_db()

    comment_delete(comment=comment, actor=author)

    assert buckets(video) == [(activity_hour(posted), 0, 0, 0, 0), (this_hour(), 0, 0, 5, 0)]


def test_shares_and_counted_views_count_in_the_bucket_of_their_hour():
    video = VideoFactory(duration_seconds=60)
    video_share(video=video, user=None, channel="")
    video_share(video=video, user=UserFactory(), channel="")
    now = timezone.now()
    video_view_record(video=video, viewer_key="a", user=None, watched_seconds=30, now=now)
    video_view_record(video=video, viewer_key="a", user=None, watched_seconds=30, now=now)
    video_view_record(video=video, viewer_key="b", user=None, watched_seconds=30, now=now)
    video_view_record(video=video, viewer_key="c", user=None, watched_seconds=1, now=now)
    assert buckets(video) == [(activity_hour(now), 2, 0, 0, 2)]

    earlier = now - timedelta(hours=2)
    video_view_record(video=video, viewer_key="a", user=None, watched_seconds=30, now=earlier)
    assert buckets(video) == [
        (activity_hour(earlier), 1, 0, 0, 0),
        (activity_hour(now), 2, 0, 0, 2),
    ]


@pytest.mark.parametrize("delta", [1, 5, -1])
def test_a_change_is_one_statement(delta):
    video = VideoFactory()
    VideoActivity.objects.create(video=video, hour=this_hour(), views=2)
    with CaptureQueriesContext(connection) as queries:
        video_activity_record(video_id=video.pk, kind=VIEWS, delta=delta)
    assert len(queries) == 1
    assert buckets(video) == [(this_hour(), 2 + delta, 0, 0, 0)]


def test_an_unknown_kind_is_refused():
    with pytest.raises(ValueError, match="Unknown activity kind: 'hugs'"):
        video_activity_record(video_id=VideoFactory().pk, kind="hugs")


def test_liking_lifts_a_video_in_trending_and_unliking_takes_it_back():
    video = VideoFactory(published_at=timezone.now() - timedelta(hours=1))
    user = UserFactory()
    video_like(video=video, user=user)
    trending_compute()
    assert Video.objects.get(pk=video.pk).trending_score > 0

    video_unlike(video=video, user=user)
    trending_compute()
    assert Video.objects.get(pk=video.pk).trending_score == 0


def test_pruning_deletes_the_buckets_older_than_the_window_in_batches():
    now = timezone.now()
    videos = [VideoFactory() for _ in range(3)]
    for video in videos:
        for hours in (1, 47, 48, 49, 100):
            VideoActivity.objects.create(
                video=video, hour=activity_hour(now) - timedelta(hours=hours), views=1
            )
    progress = []
    deleted = video_activity_prune(now=now, batch_size=4, on_batch=progress.append)
    assert (deleted, progress) == (9, [4, 8, 9])
    assert VideoActivity.objects.count() == 6
    assert video_activity_prune(now=now) == 0
