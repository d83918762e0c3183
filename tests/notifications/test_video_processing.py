"""Processing tells the owner how it ended, and the followers of a new video."""

import pytest
from django.core.files import File

from notifications.models import Notification, NotificationType
from tests.accounts.factories import UserFactory
from tests.notifications.factories import follow
from videos.models import Video
from videos.services.processing import video_process

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media_root")]
Type = NotificationType


def video_with_source(path, owner, **fields) -> Video:
    video = Video(owner=owner, title="Trip", **fields)
    with path.open("rb") as handle:
        video.source_file.save(f"upload{path.suffix}", File(handle), save=False)
    video.save()
    return video


@pytest.fixture
def owner_and_follower(db):
    owner, follower = UserFactory(), UserFactory()
    follow(follower, owner)
    return owner, follower


def test_a_processed_video_tells_its_owner_and_its_followers(
    video_small, owner_and_follower, django_capture_on_commit_callbacks
):
    owner, follower = owner_and_follower
    video = video_with_source(video_small, owner)

    with django_capture_on_commit_callbacks(execute=True):
        video_process(video_id=video.pk)

    processed = Notification.objects.get(recipient=owner)
    assert (processed.type, processed.actor, processed.target) == (
        Type.VIDEO_PROCESSED,
        None,
        video,
    )
    assert processed.data == {"video_title": "Trip"}
    told = Notification.objects.get(recipient=follower)
    assert (told.type, told.actor, told.target) == (Type.NEW_VIDEO_FROM_FOLLOWING, owner, video)


def test_processing_again_does_not_tell_the_followers_again(
    video_small, owner_and_follower, django_capture_on_commit_callbacks
):
    owner, follower = owner_and_follower
    video = video_with_source(video_small, owner)
    with django_capture_on_commit_callbacks(execute=True):
        video_process(video_id=video.pk)
    Notification.objects.filter(recipient=follower).delete()

    with django_capture_on_commit_callbacks(execute=True):
        video_process(video_id=video.pk)

    assert not Notification.objects.filter(recipient=follower).exists()
    assert Notification.objects.filter(recipient=owner, type=Type.VIDEO_PROCESSED).count() == 2


@pytest.mark.parametrize("visibility", [Video.Visibility.UNLISTED, Video.Visibility.PRIVATE])
def test_unlisted_and_private_videos_are_not_announced(
    video_small, owner_and_follower, django_capture_on_commit_callbacks, visibility
):
    owner, follower = owner_and_follower
    video = video_with_source(video_small, owner, visibility=visibility)

    with django_capture_on_commit_callbacks(execute=True):
        video_process(video_id=video.pk)

    assert not Notification.objects.filter(recipient=follower).exists()
    assert Notification.objects.filter(recipient=owner, type=Type.VIDEO_PROCESSED).exists()


def test_a_failed_video_tells_its_owner_only(
    text_file, owner_and_follower, django_capture_on_commit_callbacks
):
    owner, _follower = owner_and_follower
    video = video_with_source(text_file, owner)

    with django_capture_on_commit_callbacks(execute=True):
        video_process(video_id=video.pk)

    failed = Notification.objects.get()
    assert (failed.recipient, failed.type, failed.target) == (owner, Type.VIDEO_FAILED, video)
