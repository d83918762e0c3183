"""Uploading, editing and deleting videos: who may, and every way a request is refused."""

import io
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.models import User
from tests.accounts.factories import ModeratorFactory, UserFactory
from tests.conftest import error_attr_codes
from tests.videos.factories import CategoryFactory, VideoFactory
from tests.videos.media import make_video
from videos.models import Video
from videos.storage import storage_tree_names

pytestmark = pytest.mark.django_db

URL = "/api/v1/videos/"


@pytest.fixture
def clip(video_small) -> bytes:
    """One second of 160x120 H.264 with sound."""
    return video_small.read_bytes()


@pytest.fixture(autouse=True)
def _storage_in_a_temporary_folder(media_root) -> None:
    pass


def upload(client, content: bytes, name: str = "clip.mp4", **fields):
    data = {"title": "My clip", **fields, "file": SimpleUploadedFile(name, content)}
    return client.post(URL, data, format="multipart")


def stored_files(media_root: Path) -> list[Path]:
    return [path for path in Path(media_root).rglob("*") if path.is_file()]


# -- uploading ----------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)  # the upload commits, so processing runs
def test_upload_processes_the_video_and_answers_201(auth_client, user, clip):
    category = CategoryFactory(slug="music", name="Music")
    response = upload(
        auth_client,
        clip,
        description="Late night #Jazz session #live",
        visibility="unlisted",
        tags="piano, Jazz",
        category="music",
        language="en",
        allow_comments="false",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    video = Video.objects.get()
    assert body["id"] == str(video.pk)
    assert body["status"] == "ready"  # tasks run in-process here
    assert body["owner"]["username"] == user.username
    assert "email" not in body["owner"]
    assert (body["title"], body["visibility"], body["language"]) == ("My clip", "unlisted", "en")
    assert body["tags"] == ["piano", "jazz", "live"]
    assert body["category"] == {"slug": "music", "name": "Music"}
    assert body["allow_comments"] is False
    assert (body["width"], body["height"]) == (160, 120)
    assert body["duration_seconds"] == pytest.approx(1.0, abs=0.2)
    assert body["thumbnail_url"].startswith("http://testserver/")
    assert body["hls_url"].startswith("http://testserver/")
    assert [rendition["height"] for rendition in body["renditions"]] == [120]
    assert body["published_at"] is not None
    assert video.category == category
    user.refresh_from_db()
    assert user.video_count == 1


def test_the_source_lives_under_the_videos_random_folder(auth_client, clip):
    upload(auth_client, clip)
    video = Video.objects.get()
    assert len(video.media_key) == 32
    assert video.source_file.name == f"videos/{video.media_key}/source.mp4"
    assert default_storage.exists(video.source_file.name)


def test_tags_may_be_repeated_form_fields(auth_client, clip):
    response = upload(auth_client, clip, tags=["One", "two", "#three"])
    assert response.json()["tags"] == ["one", "two", "three"]


@pytest.mark.parametrize(
    ("make_content", "name", "expected"),
    [
        (lambda clip: b"just some text, not a video", "notes.mp4", [("file", "invalid_media")]),
        (lambda clip: clip[: len(clip) // 2], "cut.mp4", [("file", "invalid_media")]),
        (lambda clip: b"", "empty.mp4", [("file", "empty")]),
        (lambda clip: _png(), "picture.mp4", [("file", "invalid_media")]),
    ],
    ids=["text", "truncated", "empty", "image"],
)
def test_files_that_are_not_videos_are_refused_and_leave_nothing(
    auth_client, clip, media_root, make_content, name, expected
):
    response = upload(auth_client, make_content(clip), name=name)
    assert response.status_code == 400
    assert error_attr_codes(response) == expected
    assert not Video.objects.exists()
    assert stored_files(media_root) == []


def _png() -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (32, 32), (200, 10, 10)).save(buffer, "PNG")
    return buffer.getvalue()


def test_a_file_over_the_size_limit_is_refused(auth_client, clip, settings, media_root):
    settings.VIDEO_MAX_UPLOAD_MB = 0
    response = upload(auth_client, clip)
    assert response.status_code == 400
    assert error_attr_codes(response) == [("file", "too_large")]
    assert not Video.objects.exists() and stored_files(media_root) == []


def test_a_video_over_the_duration_limit_is_refused(auth_client, tmp_path, settings, media_root):
    settings.VIDEO_MAX_DURATION_SECONDS = 1
    long_clip = make_video(tmp_path / "long.mp4", seconds=2.5, width=64, height=48, fps=4)
    settings.MEDIA_ROOT = media_root / "storage"
    response = upload(auth_client, long_clip.read_bytes())
    assert response.status_code == 400
    assert error_attr_codes(response) == [("file", "too_long")]
    assert not Video.objects.exists()
    assert not (media_root / "storage").exists()


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"title": ""}, [("title", "blank")]),
        ({"title": "x" * 151}, [("title", "max_length")]),
        ({"description": "x" * 5001}, [("description", "max_length")]),
        ({"visibility": "secret"}, [("visibility", "invalid_choice")]),
        ({"category": "no-such-category"}, [("category", "does_not_exist")]),
        ({"language": "english please"}, [("language", "invalid")]),
        ({"tags": "ok, not ok!"}, [("tags", "invalid_tag")]),
        ({"tags": ",".join(f"t{n}" for n in range(21))}, [("tags", "max_length")]),
        ({"tags": "x" * 51}, [("tags", "invalid_tag")]),
        ({"allow_comments": "maybe"}, [("allow_comments", "invalid")]),
    ],
)
def test_bad_fields_are_refused_before_anything_is_stored(
    auth_client, clip, media_root, fields, expected
):
    response = upload(auth_client, clip, **fields)
    assert response.status_code == 400
    assert error_attr_codes(response) == expected
    assert stored_files(media_root) == []


def test_a_missing_file_is_refused(auth_client):
    response = auth_client.post(URL, {"title": "No file"}, format="multipart")
    assert response.status_code == 400
    assert error_attr_codes(response) == [("file", "required")]


def test_uploading_needs_a_signed_in_user(api_client, clip):
    response = upload(api_client, clip)
    assert response.status_code == 401
    assert not Video.objects.exists()


# -- editing ----------------------------------------------------------------------------


@pytest.fixture
def video(user):
    return VideoFactory(owner=user, title="Before", description="", tags=["old"])


def test_the_owner_edits_the_video(auth_client, video):
    CategoryFactory(slug="news", name="News")
    response = auth_client.patch(
        f"{URL}{video.pk}/",
        {
            "title": "After",
            "description": "Now with #Hashtags",
            "tags": ["new"],
            "category": "news",
            "visibility": "followers",
            "allow_comments": False,
        },
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["title"], body["visibility"], body["allow_comments"]) == (
        "After",
        "followers",
        False,
    )
    assert body["tags"] == ["new", "hashtags"]
    assert body["category"] == {"slug": "news", "name": "News"}


def test_editing_the_description_adds_its_hashtags_to_the_tags(auth_client, video):
    response = auth_client.patch(f"{URL}{video.pk}/", {"description": "#Fresh take"})
    assert response.json()["tags"] == ["old", "fresh"]


def test_fields_an_owner_may_not_set_are_ignored(auth_client, video):
    response = auth_client.patch(
        f"{URL}{video.pk}/",
        {"view_count": 10**6, "status": "failed", "owner": str(UserFactory().pk)},
    )
    assert response.status_code == 200
    video.refresh_from_db()
    assert (video.view_count, video.status) == (0, "ready")


def test_put_is_not_allowed(auth_client, video):
    assert auth_client.put(f"{URL}{video.pk}/", {"title": "x"}).status_code == 405


@pytest.mark.parametrize(
    ("who", "status"),
    [("anonymous", 401), ("stranger", 403), ("staff", 403), ("owner", 200)],
)
def test_only_the_owner_edits(api_client, make_auth_client, video, who, status):
    clients = {
        "anonymous": api_client,
        "stranger": make_auth_client(UserFactory()),
        "staff": make_auth_client(ModeratorFactory()),
        "owner": make_auth_client(video.owner),
    }
    response = clients[who].patch(f"{URL}{video.pk}/", {"title": "Changed"})
    assert response.status_code == status


def test_editing_a_video_you_cannot_see_is_404(make_auth_client, user):
    hidden = VideoFactory(visibility=Video.Visibility.PRIVATE)
    response = make_auth_client(user).patch(f"{URL}{hidden.pk}/", {"title": "Mine now"})
    assert response.status_code == 404


# -- deleting ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "status"),
    [("anonymous", 401), ("stranger", 403), ("staff", 204), ("owner", 204)],
)
def test_the_owner_or_staff_delete(api_client, make_auth_client, video, who, status):
    clients = {
        "anonymous": api_client,
        "stranger": make_auth_client(UserFactory()),
        "staff": make_auth_client(ModeratorFactory()),
        "owner": make_auth_client(video.owner),
    }
    response = clients[who].delete(f"{URL}{video.pk}/")
    assert response.status_code == status
    assert Video.objects.filter(pk=video.pk).exists() == (status != 204)


def test_deleting_removes_the_files_after_commit(
    auth_client, user, clip, django_capture_on_commit_callbacks
):
    upload(auth_client, clip)
    video = Video.objects.get()
    assert storage_tree_names(video.media_folder)  # source, thumbnail, playlists...
    with django_capture_on_commit_callbacks(execute=True):
        response = auth_client.delete(f"{URL}{video.pk}/")
    assert response.status_code == 204
    assert storage_tree_names(video.media_folder) == []
    assert User.objects.get(pk=user.pk).video_count == 0


# -- form fields left out ------------------------------------------------------------


@pytest.mark.parametrize(("sent", "expected"), [(None, True), ("false", False), ("true", True)])
def test_allow_comments_left_out_of_the_upload_form_means_the_default(
    auth_client, clip, sent, expected
):
    fields = {} if sent is None else {"allow_comments": sent}
    response = upload(auth_client, clip, **fields)
    assert response.status_code == 201, response.json()
    assert response.json()["allow_comments"] is expected
    assert Video.objects.get().allow_comments is expected


def test_an_upload_form_with_only_the_file_and_title_takes_every_default(auth_client, clip):
    response = upload(auth_client, clip)
    body = response.json()
    assert (body["visibility"], body["tags"], body["category"], body["language"]) == (
        "public",
        [],
        None,
        "",
    )
    assert (body["description"], body["allow_comments"]) == ("", True)


def test_an_edit_is_json_only_and_a_multipart_edit_changes_nothing(auth_client, video):
    response = auth_client.patch(
        f"{URL}{video.pk}/", {"title": "After", "allow_comments": "false"}, format="multipart"
    )
    assert response.status_code == 415
    assert error_attr_codes(response) == [(None, "unsupported_media_type")]
    video.refresh_from_db()
    assert (video.title, video.allow_comments) == ("Before", True)


# -- what is stored, and what is refused before decoding ---------------------------------


@pytest.mark.parametrize(
    ("sample", "name", "stored"),
    [
        ("video_small", "clip.html", "source.mp4"),
        ("video_small", ".htaccess", "source.mp4"),
        ("video_webm", "clip.mp4", "source.webm"),
        ("video_webm", "clip", "source.webm"),
    ],
)
def test_the_source_is_named_by_the_container_found_in_it(
    request, auth_client, sample, name, stored
):
    content = request.getfixturevalue(sample).read_bytes()
    response = upload(auth_client, content, name=name)
    assert response.status_code == 201, response.json()
    video = Video.objects.get()
    assert video.source_file.name == f"videos/{video.media_key}/{stored}"
    assert default_storage.exists(video.source_file.name)


def test_frames_over_the_pixel_limit_are_refused(auth_client, clip, settings, media_root):
    settings.VIDEO_MAX_PIXELS = 160 * 120 - 1
    response = upload(auth_client, clip)
    assert response.status_code == 400
    assert response.json()["errors"] == [
        {
            "code": "too_many_pixels",
            "detail": "The video is 160x120 pixels; at most 8192 pixels a side and 19,199 "
            "pixels a frame are accepted.",
            "attr": "file",
        }
    ]
    assert not Video.objects.exists() and stored_files(media_root) == []


# -- processing beside the request, and the upload limit -----------------------------------


@pytest.mark.django_db(transaction=True)
def test_without_a_broker_the_upload_answers_before_processing_runs(auth_client, clip, settings):
    settings.TASKS_EAGER_RUN_DETACHED = True  # as served: no broker, tasks beside requests
    response = upload(auth_client, clip)
    assert response.status_code == 201
    assert (response.json()["status"], response.json()["renditions"]) == ("processing", [])
    video = Video.objects.get()
    deadline = time.monotonic() + 60
    while video.status == Video.Status.PROCESSING and time.monotonic() < deadline:
        time.sleep(0.1)
        video.refresh_from_db()
    assert video.status == Video.Status.READY
    assert [rendition["height"] for rendition in video.renditions] == [120]


def upload_rate() -> int:
    return int(settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["upload"].split("/")[0])


def test_uploads_are_throttled_per_account(auth_client, make_auth_client, clip, text_file):
    for _ in range(upload_rate()):  # refused files count too: the check is the cost
        assert upload(auth_client, text_file.read_bytes()).status_code == 400
    response = upload(auth_client, clip)
    assert response.status_code == 429
    assert error_attr_codes(response) == [(None, "throttled")]
    assert int(response["Retry-After"]) > 0
    assert not Video.objects.exists()
    assert auth_client.get(URL).status_code == 200  # only uploads are limited
    assert upload(make_auth_client(UserFactory()), clip).status_code == 201  # another account
