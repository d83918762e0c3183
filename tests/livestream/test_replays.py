"""Replays: the recordings nginx-rtmp (`on_record_done`) and MediaMTX (the segment
hook) hand over become videos of the stream's owner, only from inside
`LIVE_RECORDINGS_ROOT`; and MediaMTX's going live and ending (`ready`, `not-ready`)."""

import os
from pathlib import Path
from urllib.parse import urlencode

import pytest
from django.core.files.storage import default_storage

from livestream.models import Stream, StreamRecording, StreamSession
from livestream.services.streams import stream_create
from notifications.models import Notification, NotificationType
from tests.accounts.factories import AdminFactory, UserFactory
from tests.conftest import error_attr_codes, error_code
from tests.livestream.conftest import MediaServer
from tests.social.factories import SocialGraph
from tests.videos.media import make_text_file, make_video
from videos.models import Video

pytestmark = pytest.mark.django_db

NGINX_RECORD_DONE = "/api/v1/live/hooks/nginx/on-record-done/"
MEDIAMTX_RECORD_DONE = "/api/v1/live/hooks/mediamtx/record-done/"
MEDIAMTX_READY = "/api/v1/live/hooks/mediamtx/ready/"
MEDIAMTX_NOT_READY = "/api/v1/live/hooks/mediamtx/not-ready/"
EndReason = StreamSession.EndReason


@pytest.fixture
def root(settings, tmp_path) -> Path:
    """`LIVE_RECORDINGS_ROOT` in this test's folder, beside the storage's."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.LIVE_RECORDINGS_ROOT = tmp_path / "recordings"
    settings.LIVE_RECORDINGS_ROOT.mkdir()
    return settings.LIVE_RECORDINGS_ROOT


@pytest.fixture
def owner():
    return UserFactory(username="streamer")


@pytest.fixture
def created(owner):
    """A stream that keeps replays, and its key."""
    return stream_create(
        owner=owner, title="Evening show", visibility="followers", save_replay=True
    )


def record(folder: Path, name: str, **options) -> Path:
    """A recording as nginx-rtmp writes one: FLV with H.264 and AAC."""
    return make_video(folder / name, container="flv", **options)


def record_done(server: MediaServer, name: str, path, **fields):
    """nginx-rtmp's `on_record_done` call, form-encoded."""
    body = {"call": "record_done", "name": name, "app": "live", "clientid": "1", "path": str(path)}
    return server.client.post(
        f"{NGINX_RECORD_DONE}{server._query()}",
        urlencode({**body, **fields}),
        content_type="application/x-www-form-urlencoded",
    )


def mediamtx_post(server: MediaServer, url: str, body: dict):
    """What the generated MediaMTX configuration's commands post (JSON)."""
    return server.client.post(f"{url}{server._query()}", body, format="json")


def broadcast(server: MediaServer, created) -> None:
    assert server.publish(created.key).status_code == 302
    assert server.publish_done(created.stream.public_id).status_code == 204


# -- nginx-rtmp's on_record_done ---------------------------------------------------


@pytest.mark.django_db(transaction=True)  # the video is processed once committed
def test_a_recording_becomes_the_sessions_ready_replay(media_server, created, owner, root):
    follower = UserFactory()
    SocialGraph().follow(follower, owner)
    broadcast(media_server, created)
    path = record(root, f"{created.stream.public_id}-1700000000.flv", seconds=2)

    response = record_done(media_server, created.stream.public_id, path)

    assert response.status_code == 204
    recording = StreamRecording.objects.get()
    video = Video.objects.get()
    assert (recording.path, recording.video_id, recording.stream_id) == (
        str(path),
        video.pk,
        created.stream.pk,
    )
    session = StreamSession.objects.get()
    assert (recording.session_id, session.replay_video_id) == (session.pk, video.pk)
    assert (video.owner_id, video.title, video.visibility, video.status) == (
        owner.pk,
        "Evening show",
        "followers",
        "ready",
    )
    assert video.hls_playlist and video.thumbnail.name
    assert not path.exists()  # moved into the storage, not copied
    assert default_storage.exists(video.source_file.name)
    # The followers heard of the broadcast; the replay is not announced again.
    assert not Notification.objects.filter(
        recipient=follower, type=NotificationType.NEW_VIDEO_FROM_FOLLOWING
    ).exists()


@pytest.mark.django_db(transaction=True)
def test_the_same_recording_twice_makes_one_video(media_server, created, root):
    broadcast(media_server, created)
    path = record(root, "show.flv")

    first = record_done(media_server, created.stream.public_id, path)
    again = record_done(media_server, created.stream.public_id, path)

    assert (first.status_code, again.status_code) == (204, 204)
    assert Video.objects.count() == 1
    assert StreamRecording.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_second_part_of_a_broadcast_is_a_video_too_and_the_first_stays_the_replay(
    media_server, created, root
):
    broadcast(media_server, created)
    first, second = record(root, "part-1.flv"), record(root, "part-2.flv")

    assert record_done(media_server, created.stream.public_id, first).status_code == 204
    assert record_done(media_server, created.stream.public_id, second).status_code == 204

    first_video = StreamRecording.objects.get(path=str(first)).video
    assert Video.objects.count() == 2
    assert StreamSession.objects.get().replay_video == first_video


@pytest.mark.django_db(transaction=True)
def test_a_stream_without_replays_keeps_none_and_its_recording_is_deleted(
    media_server, owner, root
):
    created = stream_create(owner=owner, title="No replay", save_replay=False)
    broadcast(media_server, created)
    path = record(root, "show.flv")

    response = record_done(media_server, created.stream.public_id, path)

    assert response.status_code == 204
    assert not Video.objects.exists()
    assert not path.exists()
    assert StreamRecording.objects.get().video is None
    assert StreamSession.objects.get().replay_video is None
    assert record_done(media_server, created.stream.public_id, path).status_code == 204


def test_the_recording_may_name_the_key_if_the_server_kept_it(media_server, created, root):
    broadcast(media_server, created)
    path = record(root, "show.flv")

    assert record_done(media_server, created.key, path).status_code == 204

    assert StreamRecording.objects.get().stream_id == created.stream.pk


# -- paths: only regular files inside the root, nothing read otherwise ----------------


@pytest.fixture
def outside(tmp_path) -> Path:
    """A real video outside the root: what a traversal would reach."""
    return make_video(tmp_path / "outside.flv", container="flv")


def traversal_paths(root: Path, outside: Path) -> dict[str, str]:
    (root / "escape.flv").symlink_to(outside)
    (root / "folder").mkdir()
    (root / "folder" / "escape").symlink_to(root.parent)
    return {
        "dot_dot": f"{root}/../{outside.name}",
        "dot_dot_inside_a_folder": f"{root}/folder/../../{outside.name}",
        "absolute_elsewhere": str(outside),
        "symlink_out_of_the_root": str(root / "escape.flv"),
        "symlinked_folder_out_of_the_root": str(root / "folder" / "escape" / outside.name),
        "the_root_itself": str(root),
        "relative": outside.name,
        "relative_from_the_root": f"../{outside.name}",
        "etc_passwd": "/etc/passwd",
    }


@pytest.mark.parametrize(
    "case",
    [
        "dot_dot",
        "dot_dot_inside_a_folder",
        "absolute_elsewhere",
        "symlink_out_of_the_root",
        "symlinked_folder_out_of_the_root",
        "the_root_itself",
        "relative",
        "relative_from_the_root",
        "etc_passwd",
    ],
)
def test_a_path_outside_the_root_is_refused_and_nothing_is_read(
    media_server, created, root, outside, case
):
    broadcast(media_server, created)
    path = traversal_paths(root, outside)[case]
    before = outside.stat()

    response = record_done(media_server, created.stream.public_id, path)

    assert (response.status_code, error_code(response)) == (400, "recording_outside_root")
    assert not StreamRecording.objects.exists()
    assert not Video.objects.exists()
    after = outside.stat()
    assert (after.st_atime_ns, after.st_ino) == (before.st_atime_ns, before.st_ino)
    assert outside.exists()


@pytest.mark.parametrize("name", ["never.flv", "a" * 300 + ".flv", "loop.flv"])
def test_a_missing_file_in_the_root_is_refused(media_server, created, root, name):
    broadcast(media_server, created)
    (root / "loop.flv").symlink_to(root / "loop.flv")

    response = record_done(media_server, created.stream.public_id, root / name)

    assert (response.status_code, error_code(response)) == (400, "recording_missing")


@pytest.mark.parametrize("kind", ["folder", "fifo"])
def test_something_other_than_a_regular_file_is_refused(media_server, created, root, kind):
    broadcast(media_server, created)
    path = root / "thing.flv"
    path.mkdir() if kind == "folder" else os.mkfifo(path)

    response = record_done(media_server, created.stream.public_id, path)

    assert (response.status_code, error_code(response)) == (400, "recording_not_a_file")
    assert path.exists()


def test_a_symlink_inside_the_root_to_a_file_inside_it_is_taken_as_that_file(
    media_server, created, root
):
    broadcast(media_server, created)
    target = record(root, "real.flv")
    (root / "link.flv").symlink_to(target)

    assert record_done(media_server, created.stream.public_id, root / "link.flv").status_code == 204

    assert StreamRecording.objects.get().path == str(target)


def test_a_file_that_is_not_a_video_is_refused_and_left(media_server, created, root):
    broadcast(media_server, created)
    path = make_text_file(root / "notes.flv")

    response = record_done(media_server, created.stream.public_id, path)

    assert (response.status_code, error_attr_codes(response)) == (
        400,
        [("path", "invalid_media")],
    )
    assert path.exists()
    assert not Video.objects.exists()


def test_a_recording_over_the_recordings_limits_is_refused(media_server, created, root, settings):
    settings.VIDEO_MAX_RECORDING_SECONDS = 1
    broadcast(media_server, created)
    path = record(root, "long.flv", seconds=2)

    response = record_done(media_server, created.stream.public_id, path)

    assert (response.status_code, error_attr_codes(response)) == (400, [("path", "too_long")])


def test_a_recording_of_an_unknown_stream_is_refused(media_server, root):
    path = record(root, "show.flv")

    response = record_done(media_server, "no-such-stream", path)

    assert (response.status_code, error_code(response)) == (400, "recording_stream_unknown")
    assert path.exists()


def test_a_nul_character_or_an_overlong_path_is_a_400(media_server, created, root):
    nul = record_done(media_server, created.stream.public_id, f"{root}/a\x00.flv")
    long = record_done(media_server, created.stream.public_id, f"{root}/{'a' * 1100}.flv")

    assert (nul.status_code, error_code(nul)) == (400, "null_characters_not_allowed")
    assert (long.status_code, error_code(long)) == (400, "max_length")


# -- MediaMTX ------------------------------------------------------------------------


def mediamtx_ready(server, created, *, key=None, source_id="conn-1"):
    return mediamtx_post(
        server,
        MEDIAMTX_READY,
        {
            "path": f"live/{created.stream.public_id}",
            "query": f"key={created.key if key is None else key}",
            "source_id": source_id,
            "source_type": "rtmpConn",
        },
    )


def test_mediamtx_ready_and_not_ready_drive_the_status_machine(media_server, created):
    public_id = created.stream.public_id

    assert mediamtx_ready(media_server, created).status_code == 204
    assert Stream.objects.get(pk=created.stream.pk).status == Stream.Status.LIVE
    assert StreamSession.objects.get().publisher_ref == "conn-1"

    body = {"path": f"live/{public_id}", "query": "", "source_id": "conn-1"}
    assert mediamtx_post(media_server, MEDIAMTX_NOT_READY, body).status_code == 204
    assert mediamtx_post(media_server, MEDIAMTX_NOT_READY, body).status_code == 204

    assert Stream.objects.get(pk=created.stream.pk).status == Stream.Status.IDLE
    assert StreamSession.objects.get().end_reason == EndReason.PUBLISHER_STOPPED


def test_mediamtx_ready_refuses_a_wrong_key_or_another_streams_key(media_server, created, owner):
    other = stream_create(owner=owner, title="Other")

    wrong = mediamtx_ready(media_server, created, key="wrong")
    others = mediamtx_ready(media_server, created, key=other.key)

    assert (wrong.status_code, error_code(wrong)) == (403, "unknown_stream_key")
    assert (others.status_code, error_code(others)) == (403, "unknown_stream_key")
    assert not StreamSession.objects.exists()


def test_mediamtx_ready_refuses_a_second_publisher(media_server, created):
    assert mediamtx_ready(media_server, created).status_code == 204

    response = mediamtx_ready(media_server, created, source_id="conn-2")

    assert (response.status_code, error_code(response)) == (403, "stream_already_live")
    # The second publisher's end does not end the first one's broadcast.
    body = {"path": f"live/{created.stream.public_id}", "source_id": "conn-2"}
    assert mediamtx_post(media_server, MEDIAMTX_NOT_READY, body).status_code == 204
    assert Stream.objects.get(pk=created.stream.pk).status == Stream.Status.LIVE


@pytest.mark.django_db(transaction=True)
def test_mediamtx_record_done_makes_the_replay(media_server, created, root):
    assert mediamtx_ready(media_server, created).status_code == 204
    path = record(root, "live/segment.mp4".replace("/", "_"))
    body = {"path": f"live/{created.stream.public_id}", "segment_path": str(path)}

    assert mediamtx_post(media_server, MEDIAMTX_RECORD_DONE, body).status_code == 204
    assert mediamtx_post(media_server, MEDIAMTX_RECORD_DONE, body).status_code == 204

    video = Video.objects.get()
    assert video.status == Video.Status.READY
    assert StreamSession.objects.get().replay_video == video


def test_mediamtx_record_done_refuses_paths_outside_the_root(media_server, created, root, outside):
    body = {"path": f"live/{created.stream.public_id}", "segment_path": f"{root}/../outside.flv"}

    response = mediamtx_post(media_server, MEDIAMTX_RECORD_DONE, body)

    assert (response.status_code, error_code(response)) == (400, "recording_outside_root")
    assert outside.exists()


def test_mediamtx_record_done_names_the_segment_path_when_it_is_not_a_video(
    media_server, created, root
):
    path = make_text_file(root / "notes.mp4")
    body = {"path": f"live/{created.stream.public_id}", "segment_path": str(path)}

    response = mediamtx_post(media_server, MEDIAMTX_RECORD_DONE, body)

    assert error_attr_codes(response) == [("segment_path", "invalid_media")]


# -- who may call the hooks ----------------------------------------------------------

HOOKS = [NGINX_RECORD_DONE, MEDIAMTX_RECORD_DONE, MEDIAMTX_READY, MEDIAMTX_NOT_READY]


@pytest.mark.parametrize("url", HOOKS)
@pytest.mark.parametrize("caller", ["anonymous", "other_user", "owner", "staff"])
def test_the_hooks_refuse_anyone_without_the_secret(
    make_auth_client, api_client, created, owner, root, url, caller
):
    """A signed-in user, even the owner or staff, is no media server."""
    client = {
        "anonymous": lambda: api_client,
        "other_user": lambda: make_auth_client(UserFactory()),
        "owner": lambda: make_auth_client(owner),
        "staff": lambda: make_auth_client(AdminFactory()),
    }[caller]()
    path = record(root, "show.flv")

    response = client.post(
        f"{url}?secret=wrong",
        {"name": created.stream.public_id, "path": str(path), "segment_path": str(path)},
    )

    assert (response.status_code, error_code(response)) == (403, "hook_forbidden")
    assert path.exists()
    assert not StreamSession.objects.exists()


@pytest.mark.parametrize("url", HOOKS)
@pytest.mark.parametrize("secret", [None, ""])
def test_the_hooks_refuse_a_missing_secret(created, url, secret):
    response = mediamtx_post(MediaServer(secret=secret), url, {"path": "live/x"})

    assert (response.status_code, error_code(response)) == (403, "hook_forbidden")


@pytest.mark.parametrize("url", HOOKS)
def test_the_hooks_take_the_secret_in_a_header(created, root, url):
    server = MediaServer(secret=None)

    response = server.client.post(
        url, {}, format="json", HTTP_X_HOOK_SECRET="hook-secret-for-tests"
    )

    assert response.status_code in (400, 415)  # past the secret, into the body's checks


# -- the admin -----------------------------------------------------------------------


def test_the_recording_pages_load_and_are_read_only(admin_client, created):
    session = StreamSession.objects.create(
        stream=created.stream,
        started_at=created.stream.created_at,
        last_callback_at=created.stream.created_at,
    )
    recording = StreamRecording.objects.create(
        stream=created.stream, session=session, path="/srv/recordings/show-1.flv"
    )

    listing = admin_client.get("/admin/livestream/streamrecording/")
    page = admin_client.get(f"/admin/livestream/streamrecording/{recording.pk}/change/")

    assert (listing.status_code, page.status_code) == (200, 200)
    assert "/srv/recordings/show-1.flv" in listing.content.decode()
    assert admin_client.get("/admin/livestream/streamrecording/add/").status_code == 403
