"""Processing an uploaded video end to end: outputs in the storage, statuses, re-runs,
failures, the task and `manage.py process_videos`."""

import io
import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.files import File
from django.core.files.storage import FileSystemStorage, default_storage
from django.core.management import CommandError, call_command
from django.utils import timezone
from PIL import Image, ImageStat

from notifications.models import Notification, NotificationType
from tests.accounts.factories import UserFactory
from tests.videos.factories import VideoFactory
from videos.media.playlists import hls_playlist_parse
from videos.models import Video
from videos.services.processing import (
    INTERNAL_ERROR_MESSAGE,
    SourceMissing,
    video_process,
    video_processing_claim,
)
from videos.storage import storage_tree_names
from videos.tasks import video_process_task

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media_root")]

Status = Video.Status
NOT_READABLE = (
    "The file is not a video we can read: it is damaged or not in a supported format "
    "(MP4, MOV, WebM, MKV, AVI, MPEG, FLV, WMV or OGG)."
)


class RenamingStorage(FileSystemStorage):
    """A storage that never overwrites: every save gets a fresh name, as some object
    storages are configured to do."""

    def get_available_name(self, name, max_length=None):
        return super().get_available_name(f"{name}.new", max_length=max_length)


class DeletingStorage(FileSystemStorage):
    """A storage during whose uploads the video is deleted (by its owner, elsewhere)."""

    def _save(self, name, content):
        if name.endswith("/hls/master.m3u8"):
            Video.objects.filter(media_key=name.split("/")[1]).delete()
        return super()._save(name, content)


def video_with_source(path: Path, **fields) -> Video:
    """A video row whose source is `path`, saved through the model's file field."""
    video = Video(owner=UserFactory(), title="Clip", **fields)
    with path.open("rb") as handle:
        video.source_file.save(f"upload{path.suffix}", File(handle), save=False)
    video.save()
    return video


def stored(video: Video) -> list[str]:
    """Every file under the video's media folder, relative to it."""
    prefix = f"{video.media_folder}/"
    return sorted(name.removeprefix(prefix) for name in storage_tree_names(video.media_folder))


def read_text(name: str) -> str:
    with default_storage.open(name, "rb") as handle:
        return handle.read().decode()


def aged(video: Video, minutes: int = 60) -> Video:
    """The video as if nothing had touched it for `minutes`."""
    Video.objects.filter(pk=video.pk).update(updated_at=timezone.now() - timedelta(minutes=minutes))
    video.refresh_from_db()
    return video


SMALL_OUTPUTS = [
    "hls/120p/index.m3u8",
    "hls/120p/segment_00000.ts",
    "hls/master.m3u8",
    "source.mp4",
    "thumbnail.jpg",
]


# -- success -------------------------------------------------------------------------


def test_processing_makes_the_video_ready_with_every_output(video_small):
    video = video_with_source(video_small, metadata={"origin": "upload"})
    folder = video.media_folder

    returned = video_process(video_id=video.pk)

    video.refresh_from_db()
    assert returned == video
    assert (video.status, video.processing_error) == (Status.READY, "")
    assert video.published_at is not None
    assert (video.width, video.height, video.duration_seconds) == (160, 120, 1.0)
    assert video.metadata == {
        "origin": "upload",
        "media": {
            "format_name": "mov,mp4,m4a,3gp,3g2,mj2",
            "video_codec": "h264",
            "audio_codec": "aac",
            "frame_rate": 10.0,
            "rotation": 0,
        },
    }
    assert video.thumbnail.name == f"{folder}/thumbnail.jpg"
    assert video.hls_playlist == f"{folder}/hls/master.m3u8"
    [rendition] = video.renditions
    assert rendition == {
        "label": "120p",
        "height": 120,
        "width": 160,
        "bitrate": rendition["bitrate"],
        "path": f"{folder}/hls/120p/index.m3u8",
    }
    assert isinstance(rendition["bitrate"], int) and rendition["bitrate"] > 10_000
    assert stored(video) == SMALL_OUTPUTS


def test_the_thumbnail_is_a_jpeg_of_the_video_size_and_not_black(video_small):
    video = video_with_source(video_small)
    video_process(video_id=video.pk)
    video.refresh_from_db()
    with video.thumbnail.open("rb") as handle, Image.open(handle) as image:
        assert (image.format, image.size) == ("JPEG", (160, 120))
        assert ImageStat.Stat(image.convert("L")).mean[0] > 80


def test_the_master_playlist_lists_each_rendition_and_each_playlist_its_segments(video_vga):
    video = video_with_source(video_vga)
    video_process(video_id=video.pk)
    video.refresh_from_db()

    assert [(r["label"], r["width"], r["height"]) for r in video.renditions] == [
        ("240p", 320, 240),
        ("360p", 480, 360),
        ("480p", 640, 480),
    ]
    master = hls_playlist_parse(read_text(video.hls_playlist), master=True)
    assert [entry.uri for entry in master.variants] == [
        "240p/index.m3u8",
        "360p/index.m3u8",
        "480p/index.m3u8",
    ]
    assert [entry.attributes["RESOLUTION"] for entry in master.variants] == [
        "320x240",
        "480x360",
        "640x480",
    ]
    for entry, rendition in zip(master.variants, video.renditions, strict=True):
        assert int(entry.attributes["BANDWIDTH"]) >= rendition["bitrate"] > 0
        assert int(entry.attributes["AVERAGE-BANDWIDTH"]) == rendition["bitrate"]
        assert entry.attributes["CODECS"].endswith(",mp4a.40.2")
        assert rendition["path"] == f"{video.media_folder}/hls/{entry.uri}"
        playlist = hls_playlist_parse(read_text(rendition["path"]), master=False)
        assert playlist.is_ended and playlist.target_duration == 1
        folder = rendition["path"].rsplit("/", 1)[0]
        assert [segment.uri for segment in playlist.segments] == ["segment_00000.ts"]
        assert default_storage.size(f"{folder}/segment_00000.ts") > 0
    assert stored(video) == [
        "hls/240p/index.m3u8",
        "hls/240p/segment_00000.ts",
        "hls/360p/index.m3u8",
        "hls/360p/segment_00000.ts",
        "hls/480p/index.m3u8",
        "hls/480p/segment_00000.ts",
        "hls/master.m3u8",
        "source.mp4",
        "thumbnail.jpg",
    ]


def test_a_video_without_sound_is_processed_without_a_sound_track(video_silent):
    video = video_with_source(video_silent)
    video_process(video_id=video.pk)
    video.refresh_from_db()
    assert video.status == Status.READY
    assert video.metadata["media"]["audio_codec"] is None
    [entry] = hls_playlist_parse(read_text(video.hls_playlist)).variants
    assert "mp4a" not in entry.attributes["CODECS"]


def test_a_webm_source_is_processed(video_webm):
    video = video_with_source(video_webm)
    video_process(video_id=video.pk)
    video.refresh_from_db()
    assert video.status == Status.READY
    assert video.metadata["media"]["video_codec"] == "vp8"
    assert stored(video) == [*SMALL_OUTPUTS[:3], "source.webm", "thumbnail.jpg"]


def test_a_rotated_video_is_stored_with_its_upright_size(video_rotated):
    video = video_with_source(video_rotated)
    video_process(video_id=video.pk)
    video.refresh_from_db()
    assert (video.width, video.height, video.metadata["media"]["rotation"]) == (120, 160, 90)
    assert [(r["width"], r["height"]) for r in video.renditions] == [(120, 160)]


def test_processing_works_on_a_storage_without_local_paths(settings, video_small):
    """Object storage (S3) has no paths: the source is copied out, outputs saved in."""
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    }
    video = video_with_source(video_small)
    video_process(video_id=video.pk)
    video.refresh_from_db()
    assert (video.status, video.processing_error) == (Status.READY, "")
    assert stored(video) == SMALL_OUTPUTS


# -- running again ---------------------------------------------------------------------


def test_processing_again_replaces_the_outputs_without_duplicating_them(video_small):
    video = video_with_source(video_small)
    video_process(video_id=video.pk)
    video.refresh_from_db()
    first_published_at = video.published_at
    first_renditions = video.renditions

    video_process(video_id=video.pk)

    video.refresh_from_db()
    assert video.status == Status.READY
    assert stored(video) == SMALL_OUTPUTS
    assert video.published_at == first_published_at  # published once
    assert video.renditions == first_renditions
    assert video.thumbnail.name == f"{video.media_folder}/thumbnail.jpg"


def test_processing_again_removes_outputs_it_no_longer_makes(video_small):
    video = video_with_source(video_small)
    leftover = f"{video.media_folder}/hls/720p/index.m3u8"
    default_storage.save(leftover, io.BytesIO(b"#EXTM3U\n"))

    video_process(video_id=video.pk)

    assert not default_storage.exists(leftover)
    assert stored(video) == SMALL_OUTPUTS


def test_processing_keeps_what_the_owner_changed_meanwhile(video_small):
    video = video_with_source(video_small, metadata={"origin": "upload"})
    Video.objects.filter(pk=video.pk).update(title="Renamed", visibility="private")
    video_process(video_id=video.pk)  # `video` in memory still says "Clip"
    video.refresh_from_db()
    assert (video.title, video.visibility, video.status) == ("Renamed", "private", Status.READY)


# -- failure ---------------------------------------------------------------------------


def test_a_corrupt_source_fails_with_a_reason_and_no_outputs(text_file):
    video = video_with_source(text_file)

    returned = video_process(video_id=video.pk)

    video.refresh_from_db()
    assert returned.status == video.status == Status.FAILED
    assert video.processing_error == returned.processing_error == NOT_READABLE
    assert video.published_at is None
    assert (video.thumbnail.name, video.renditions, video.hls_playlist) == ("", [], "")
    assert stored(video) == ["source.mp4"]


def test_a_truncated_source_fails(video_truncated_faststart):
    video = video_with_source(video_truncated_faststart)
    video_process(video_id=video.pk)
    video.refresh_from_db()
    assert (video.status, video.processing_error) == (
        Status.FAILED,
        "The file is truncated or damaged: part of the video is missing.",
    )
    assert stored(video) == ["source.mp4"]


def test_a_source_over_the_duration_limit_fails(settings, video_small):
    settings.VIDEO_MAX_DURATION_SECONDS = 0.5
    video = video_with_source(video_small)
    video_process(video_id=video.pk)
    video.refresh_from_db()
    assert (video.status, video.processing_error) == (
        Status.FAILED,
        "The video lasts 0:01; the limit is 0:00.5.",
    )
    assert stored(video) == ["source.mp4"]


def test_a_missing_source_fails(video_small):
    video = video_with_source(video_small)
    default_storage.delete(video.source_file.name)
    video_process(video_id=video.pk)
    video.refresh_from_db()
    assert (video.status, video.processing_error) == (
        Status.FAILED,
        "The uploaded file is missing.",
    )
    assert stored(video) == []


def test_a_failed_run_after_a_ready_one_removes_the_old_outputs(video_small, text_file):
    video = video_with_source(video_small)
    video_process(video_id=video.pk)
    with text_file.open("rb") as handle:  # the source is damaged since
        default_storage.delete(video.source_file.name)
        default_storage.save(video.source_file.name, handle)

    video_process(video_id=video.pk)

    video.refresh_from_db()
    assert video.status == Status.FAILED
    assert video.published_at is not None  # it was published once
    assert (video.thumbnail.name, video.renditions, video.hls_playlist) == ("", [], "")
    assert stored(video) == ["source.mp4"]


def test_a_storage_that_renames_outputs_fails_the_video_cleanly(settings, video_small):
    """Playlists name their segments relatively: a renamed file would break playback,
    so processing refuses it, and leaves nothing half published."""
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": f"{__name__}.RenamingStorage"},
    }
    video = video_with_source(video_small)
    source = video.source_file.name.removeprefix(f"{video.media_folder}/")

    video_process(video_id=video.pk)

    video.refresh_from_db()
    assert (video.status, video.processing_error) == (Status.FAILED, INTERNAL_ERROR_MESSAGE)
    assert stored(video) == [source]


def test_a_video_deleted_while_processed_leaves_no_files(settings, video_small):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": f"{__name__}.DeletingStorage"},
    }
    video = video_with_source(video_small)
    with pytest.raises(Video.DoesNotExist):
        video_process(video_id=video.pk)
    assert stored(video) == []


def test_processing_an_unknown_video_raises_does_not_exist():
    with pytest.raises(Video.DoesNotExist):
        video_process(video_id="00000000-0000-0000-0000-000000000000")


# -- the task ----------------------------------------------------------------------------


def test_the_task_processes_the_video(video_small):
    video = video_with_source(video_small)
    video_process_task.delay(str(video.pk))
    video.refresh_from_db()
    assert video.status == Status.READY


def test_the_task_skips_a_video_deleted_before_its_turn():
    video_process_task.delay("00000000-0000-0000-0000-000000000000")  # no error


# -- claiming --------------------------------------------------------------------------


def test_a_claim_marks_the_video_processing_once(video_small):
    video = aged(video_with_source(video_small))
    cutoff = timezone.now() - timedelta(minutes=15)
    stuck = [Status.UPLOADED, Status.PROCESSING]

    assert video_processing_claim(video_id=video.pk, statuses=stuck, unchanged_since=cutoff)
    video.refresh_from_db()
    assert video.status == Status.PROCESSING
    # A second run that selected it too finds it changed, and leaves it.
    assert not video_processing_claim(video_id=video.pk, statuses=stuck, unchanged_since=cutoff)
    assert not video_processing_claim(video_id=video.pk, statuses=[Status.FAILED])
    assert video_processing_claim(video_id=video.pk)


# -- the command -----------------------------------------------------------------------


def run_command(*args) -> tuple[str, str]:
    stdout, stderr = io.StringIO(), io.StringIO()
    call_command("process_videos", *args, stdout=stdout, stderr=stderr)
    return stdout.getvalue(), stderr.getvalue()


def progress_lines(stderr: str) -> list[str]:
    """The progress lines, their timings replaced by "T"."""
    return [re.sub(r"\(\d+\.\d s\)$", "(T)", line) for line in stderr.splitlines()]


def test_the_command_processes_stuck_videos_with_progress_and_a_summary(video_small, text_file):
    uploaded = aged(video_with_source(video_small))
    processing = aged(video_with_source(video_small, status=Status.PROCESSING))
    broken = aged(video_with_source(text_file, status=Status.PROCESSING), minutes=30)
    fresh = video_with_source(video_small, status=Status.PROCESSING)  # being processed
    failed = aged(video_with_source(video_small, status=Status.FAILED))
    ready = aged(video_with_source(video_small, status=Status.READY))

    stdout, stderr = run_command()

    assert progress_lines(stderr) == [
        f"[1/3] {uploaded.pk} ready (T)",
        f"[2/3] {processing.pk} ready (T)",
        f"[3/3] {broken.pk} failed: {NOT_READABLE} (T)",
    ]
    assert stdout == "Processed 3 video(s): 2 ready, 1 failed, 0 skipped.\n"
    statuses = dict(Video.objects.values_list("pk", "status"))
    assert statuses == {
        uploaded.pk: Status.READY,
        processing.pk: Status.READY,
        broken.pk: Status.FAILED,
        fresh.pk: Status.PROCESSING,
        failed.pk: Status.FAILED,
        ready.pk: Status.READY,
    }

    # Safe to run again: nothing is left to do.
    assert run_command() == ("No videos to process.\n", "")


def test_the_command_takes_recent_videos_with_stuck_minutes_zero(video_small):
    video = video_with_source(video_small, status=Status.PROCESSING)
    assert run_command()[0] == "No videos to process.\n"
    stdout, stderr = run_command("--stuck-minutes", "0")
    assert progress_lines(stderr) == [f"[1/1] {video.pk} ready (T)"]
    assert stdout == "Processed 1 video(s): 1 ready, 0 failed, 0 skipped.\n"


def test_the_command_reprocesses_failed_videos_with_failed(video_small, text_file):
    failed = video_with_source(video_small, status=Status.FAILED)
    still_broken = video_with_source(text_file, status=Status.FAILED)
    stuck = aged(video_with_source(video_small))

    stdout, stderr = run_command("--failed")

    assert progress_lines(stderr) == [
        f"[1/2] {failed.pk} ready (T)",
        f"[2/2] {still_broken.pk} failed: {NOT_READABLE} (T)",
    ]
    assert stdout == "Processed 2 video(s): 1 ready, 1 failed, 0 skipped.\n"
    stuck.refresh_from_db()
    assert stuck.status == Status.UPLOADED  # not selected by --failed


def test_the_command_processes_the_videos_named_with_id(video_small):
    first = video_with_source(video_small, status=Status.READY)
    second = video_with_source(video_small, status=Status.FAILED)
    other = aged(video_with_source(video_small))

    stdout, stderr = run_command("--id", str(second.pk), str(first.pk))

    assert progress_lines(stderr) == [
        f"[1/2] {first.pk} ready (T)",
        f"[2/2] {second.pk} ready (T)",
    ]
    assert stdout == "Processed 2 video(s): 2 ready, 0 failed, 0 skipped.\n"
    other.refresh_from_db()
    assert other.status == Status.UPLOADED


def test_the_command_processes_every_video_with_all(video_small):
    videos = [
        video_with_source(video_small, status=status)
        for status in (Status.READY, Status.FAILED, Status.PROCESSING)
    ]
    stdout, stderr = run_command("--all")
    assert progress_lines(stderr) == [
        f"[{index}/3] {video.pk} ready (T)" for index, video in enumerate(videos, start=1)
    ]
    assert stdout == "Processed 3 video(s): 3 ready, 0 failed, 0 skipped.\n"


def bulk_ready_video(**fields) -> Video:
    """A ready video whose source file is not in the storage (as `seed_demo --bulk`
    makes them), with outputs processing once made."""
    return VideoFactory(
        thumbnail="videos/x/thumbnail.jpg",
        hls_playlist="videos/x/hls/master.m3u8",
        renditions=[{"label": "360p", "height": 360, "width": 640, "bitrate": 1, "path": "p"}],
        **fields,
    )


def video_state(video: Video) -> tuple:
    video.refresh_from_db()
    return (video.status, video.processing_error, video.hls_playlist, video.updated_at)


def test_the_command_leaves_ready_videos_whose_source_is_missing_ready(mailoutbox, video_small):
    missing = [bulk_ready_video(), bulk_ready_video()]
    before = [video_state(video) for video in missing]
    whole = video_with_source(video_small, status=Status.READY)
    for _ in range(2):  # safe to run again: nothing piles up
        stdout, stderr = run_command("--all")
        assert progress_lines(stderr) == [
            f"[1/3] {missing[0].pk} skipped: source file missing, left ready (T)",
            f"[2/3] {missing[1].pk} skipped: source file missing, left ready (T)",
            f"[3/3] {whole.pk} ready (T)",
        ]
        assert stdout == (
            "Processed 3 video(s): 1 ready, 0 failed, 2 skipped "
            "(source file missing, left ready: 2).\n"
        )
    assert [video_state(video) for video in missing] == before
    assert not Notification.objects.filter(type=NotificationType.VIDEO_FAILED).exists()
    assert mailoutbox == []


def test_the_command_fails_a_video_never_ready_whose_source_is_missing(video_small):
    video = video_with_source(video_small, status=Status.FAILED)
    default_storage.delete(video.source_file.name)
    stdout, _ = run_command("--failed")
    assert stdout == "Processed 1 video(s): 0 ready, 1 failed, 0 skipped.\n"
    assert video_state(video)[:2] == (Status.FAILED, "The uploaded file is missing.")


def test_processing_a_ready_video_whose_source_is_missing_changes_nothing():
    video = bulk_ready_video()
    before = video_state(video)
    with pytest.raises(SourceMissing):
        video_process(video_id=video.pk)
    with pytest.raises(SourceMissing):
        video_processing_claim(video_id=video.pk)
    video_process_task.delay(str(video.pk))  # the task logs it and leaves it
    assert video_state(video) == before
    assert not Notification.objects.exists()


def test_the_command_is_quiet_at_verbosity_zero(video_small):
    aged(video_with_source(video_small))
    stdout, stderr = run_command("--verbosity", "0")
    assert (stdout, stderr) == ("Processed 1 video(s): 1 ready, 0 failed, 0 skipped.\n", "")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--id", "not-a-uuid"], "'not-a-uuid' is not a video id (a UUID)."),
        (
            ["--id", "00000000-0000-0000-0000-000000000000"],
            "No video has the id 00000000-0000-0000-0000-000000000000.",
        ),
        (["--stuck-minutes", "-1"], "--stuck-minutes must be 0 or more."),
        (
            ["--failed", "--all"],
            "Error: argument --all: not allowed with argument --failed",
        ),
    ],
)
def test_the_command_refuses_bad_arguments(args, message):
    with pytest.raises(CommandError) as caught:
        run_command(*args)
    assert str(caught.value) == message
