"""Videos made from a file already on this machine (a live stream's recording):
`video_create_from_stored_file`, its limits, the move into the storage, processing, and
no `new_video_from_following` unless asked."""

from pathlib import Path

import pytest
from django.core.files.storage import default_storage
from rest_framework.exceptions import ValidationError

from accounts.models import User
from notifications.models import Notification, NotificationType
from tests.accounts.factories import UserFactory
from tests.social.factories import SocialGraph
from tests.videos.media import make_text_file, make_video
from videos.models import Video
from videos.services.videos import video_create_from_stored_file, video_delete

pytestmark = pytest.mark.django_db(transaction=True)  # processing runs on commit


@pytest.fixture(autouse=True)
def _storage_in_a_temporary_folder(media_root) -> None:
    pass


@pytest.fixture
def recording(tmp_path) -> Path:
    """A finished recording as nginx-rtmp writes one: FLV, H.264 and AAC."""
    folder = tmp_path / "recordings"
    folder.mkdir()
    return make_video(folder / "show-1700000000.flv", seconds=2, container="flv")


def rejection(error: ValidationError) -> tuple[str, str]:
    [(attr, [detail])] = error.detail.items()
    return attr, detail.code


def test_a_recording_becomes_a_processed_video_without_a_second_copy(recording):
    owner = UserFactory()
    inode = recording.stat().st_ino

    video = video_create_from_stored_file(
        owner=owner, path=recording, title="Last night's show", visibility="unlisted"
    )

    assert video.source_file.name == f"videos/{video.media_key}/source.flv"
    assert not recording.exists()
    stored = Path(default_storage.path(video.source_file.name))
    assert stored.stat().st_ino == inode  # moved, not copied
    video.refresh_from_db()
    assert (video.status, video.visibility) == ("ready", "unlisted")
    assert video.hls_playlist and video.thumbnail.name
    assert video.duration_seconds == pytest.approx(2, abs=0.3)
    assert User.objects.get(pk=owner.pk).video_count == 1


def test_followers_hear_of_it_only_when_asked(recording, tmp_path):
    owner, follower = UserFactory(), UserFactory()
    SocialGraph().follow(follower, owner)

    quiet = video_create_from_stored_file(owner=owner, path=recording, title="Replay")

    assert Video.objects.get(pk=quiet.pk).status == Video.Status.READY
    assert not Notification.objects.filter(
        recipient=follower, type=NotificationType.NEW_VIDEO_FROM_FOLLOWING
    ).exists()
    # The owner is told it is processed, as for an upload.
    assert Notification.objects.filter(
        recipient=owner, type=NotificationType.VIDEO_PROCESSED
    ).exists()

    loud = make_video(tmp_path / "recordings" / "other.flv", container="flv")
    video_create_from_stored_file(owner=owner, path=loud, title="Re", notify_followers=True)

    assert Notification.objects.filter(
        recipient=follower, type=NotificationType.NEW_VIDEO_FROM_FOLLOWING
    ).exists()


def test_a_recording_may_be_longer_than_an_upload(settings, recording):
    settings.VIDEO_MAX_DURATION_SECONDS = 1
    settings.VIDEO_MAX_RECORDING_SECONDS = 60

    video = video_create_from_stored_file(owner=UserFactory(), path=recording, title="Long")

    assert Video.objects.get(pk=video.pk).status == Video.Status.READY


def test_a_recording_over_the_recordings_duration_is_refused_and_left_in_place(settings, recording):
    settings.VIDEO_MAX_RECORDING_SECONDS = 1

    with pytest.raises(ValidationError) as raised:
        video_create_from_stored_file(owner=UserFactory(), path=recording, title="Long")

    assert rejection(raised.value) == ("path", "too_long")
    assert recording.exists()
    assert not Video.objects.exists()


def test_a_recording_over_the_recordings_size_is_refused(settings, recording):
    settings.VIDEO_MAX_RECORDING_MB = 0

    with pytest.raises(ValidationError) as raised:
        video_create_from_stored_file(owner=UserFactory(), path=recording, title="Big")

    assert rejection(raised.value) == ("path", "too_large")
    assert recording.exists()


def test_a_recording_of_too_large_frames_is_refused(settings, recording):
    settings.VIDEO_MAX_PIXELS = 100

    with pytest.raises(ValidationError) as raised:
        video_create_from_stored_file(owner=UserFactory(), path=recording, title="Huge")

    assert rejection(raised.value) == ("path", "too_many_pixels")
    assert recording.exists()


def test_a_file_that_is_not_a_video_is_refused(tmp_path):
    text = make_text_file(tmp_path / "notes.flv")

    with pytest.raises(ValidationError) as raised:
        video_create_from_stored_file(owner=UserFactory(), path=text, title="Text")

    assert rejection(raised.value) == ("path", "invalid_media")
    assert not Video.objects.exists()


def test_deleting_the_video_deletes_the_moved_recording(recording):
    video = video_create_from_stored_file(owner=UserFactory(), path=recording, title="Gone")
    stored = Path(default_storage.path(video.source_file.name))

    video_delete(video=video)

    assert not stored.exists()
