"""Processing an uploaded video: probe it, make its thumbnail and its H.264/AAC
renditions as HLS, publish them to the storage, and mark it `ready` or `failed`.

Runs from `videos.tasks.video_process_task` and `manage.py process_videos`. Processing
takes minutes: it runs outside any transaction (call it so), and only its short
status changes touch the database. Every output lives under the video's media folder:

    <media_folder>/thumbnail.jpg
    <media_folder>/hls/master.m3u8
    <media_folder>/hls/<label>/index.m3u8, segment_00000.ts, ...   (label: "480p")
"""

import logging
import shutil
import tempfile
import time
from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from django.conf import settings
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone

from core import metrics
from notifications.models import NotificationType
from notifications.services import notify, notify_followers_of_new_video
from videos.media.base import InvalidMedia, MediaInfo, MediaTooLong
from videos.media.hls import HlsOutput, media_hls_write
from videos.media.probe import media_probe
from videos.media.thumbnails import media_thumbnail_write
from videos.models import Video
from videos.storage import storage_tree_delete

logger = logging.getLogger(__name__)

THUMBNAIL_NAME = "thumbnail.jpg"
HLS_FOLDER = "hls"
# How often a running processing says it is alive (its row's `updated_at`), so
# `process_videos` can tell a stuck video from one being worked on.
HEARTBEAT_SECONDS = 30
INTERNAL_ERROR_MESSAGE = (
    "Processing failed because of a problem on our side, not with the file; it can be run again."
)
# `Video.metadata` keys of a video made from a recording (`video_create_from_stored_file`):
# its duration limit is the recordings' one, and whether followers hear of it when ready.
METADATA_RECORDING = "recording"
METADATA_ANNOUNCE_TO_FOLLOWERS = "announce_to_followers"


class SourceMissing(Exception):
    """The video is ready and its source file is not in the storage: processing it
    again could only make it fail, so it is left as it is."""

    def __init__(self, video_id) -> None:
        self.video_id = video_id
        super().__init__(f"Video {video_id} is ready and its source file is missing.")


class StorageRenamedFile(Exception):
    """The storage saved an output under another name than asked (so the relative
    addresses inside the playlists would not resolve)."""


@dataclass(frozen=True)
class _Outputs:
    """What processing made in its working folder, ready to publish."""

    folder: Path
    info: MediaInfo
    hls: HlsOutput

    @property
    def files(self) -> list[str]:
        """Names relative to the media folder, in publishing order: the thumbnail, then
        segments before the playlists that name them, the master playlist last."""
        return [THUMBNAIL_NAME, *(f"{HLS_FOLDER}/{name}" for name in self.hls.files)]


def video_process(*, video_id) -> Video:
    """Process the video `video_id` from its source file; returns it, `ready` or
    `failed` (with a `processing_error` a person can read).

    Sets `processing` first. On success the width, height, duration, codecs and frame
    rate (the last two in `metadata["media"]`), the thumbnail, `renditions` and
    `hls_playlist` are filled in, the status becomes `ready` and `published_at` is set
    the first time. Idempotent: a re-run replaces every output (the old ones are
    deleted first, so names never change and nothing is duplicated). On any failure
    no output is left, only the source. Raises `Video.DoesNotExist` when the video
    does not exist or was deleted while being processed (its outputs are removed),
    and `SourceMissing`, changing nothing, for a ready video whose source is gone.
    Call outside a transaction.
    """
    video = Video.objects.get(pk=video_id)
    video_reprocessing_check(video)
    _video_mark_processing(video)
    try:
        with tempfile.TemporaryDirectory(prefix="video-process-") as workdir:
            heartbeat = _heartbeat(video)
            outputs = _outputs_make(video, Path(workdir), heartbeat=heartbeat)
            _outputs_publish(video, outputs, heartbeat=heartbeat)
            result = _video_ready(video, outputs)
    except Video.DoesNotExist:
        raise
    except (InvalidMedia, MediaTooLong) as error:
        result = _video_fail(video, str(error))
    except Exception:
        logger.exception("Processing video %s failed.", video.pk)
        result = _video_fail(video, INTERNAL_ERROR_MESSAGE)
    _video_processing_announce(first_ready=video.published_at is None, video=result)
    return result


def video_source_exists(video: Video) -> bool:
    """Whether the video's source file is in the storage."""
    name = video.source_file.name
    return bool(name) and default_storage.exists(name)


def video_duration_limit(video: Video) -> int:
    """The longest this video may last, in seconds: a recording's limit or an upload's."""
    if video.metadata.get(METADATA_RECORDING):
        return settings.VIDEO_MAX_RECORDING_SECONDS
    return settings.VIDEO_MAX_DURATION_SECONDS


def video_reprocessing_check(video: Video) -> None:
    """Raise `SourceMissing` for a ready video whose source file is gone (the demo's
    bulk videos, a lost file): processing must never turn it from ready to failed."""
    if video.status == Video.Status.READY and not video_source_exists(video):
        raise SourceMissing(video.pk)


def video_processing_claim(
    *,
    video_id,
    statuses: Collection[str] | None = None,
    unchanged_since: datetime | None = None,
) -> bool:
    """Mark the video `processing` for a caller about to process it, unless someone
    else got to it first: only when its status is one of `statuses` (any, when None)
    and, with `unchanged_since`, its row has not changed since then. One conditional
    UPDATE, so of two callers racing for a video exactly one wins; returns whether
    this caller did. Raises `SourceMissing` (and claims nothing) for a ready video
    whose source is gone (`video_reprocessing_check`)."""
    video = Video.objects.filter(pk=video_id).first()
    if video is None:
        return False
    video_reprocessing_check(video)
    videos = Video.objects.filter(pk=video_id)
    if statuses is not None:
        videos = videos.filter(status__in=list(statuses))
    if unchanged_since is not None:
        videos = videos.filter(updated_at__lt=unchanged_since)
    return (
        videos.update(
            status=Video.Status.PROCESSING, processing_error="", updated_at=timezone.now()
        )
        == 1
    )


def _video_mark_processing(video: Video) -> None:
    video.status = Video.Status.PROCESSING
    video.processing_error = ""
    video.updated_at = timezone.now()
    updated = Video.objects.filter(pk=video.pk).update(
        status=video.status, processing_error="", updated_at=video.updated_at
    )
    if not updated:
        raise Video.DoesNotExist(f"Video {video.pk} no longer exists.")


def _heartbeat(video: Video) -> Callable[..., None]:
    """A callable to call often while working: at most every `HEARTBEAT_SECONDS` it
    touches the row's `updated_at` (while it is still `processing`)."""
    last = time.monotonic()

    def beat(*_progress) -> None:
        nonlocal last
        now = time.monotonic()
        if now - last >= HEARTBEAT_SECONDS:
            last = now
            Video.objects.filter(pk=video.pk, status=Video.Status.PROCESSING).update(
                updated_at=timezone.now()
            )

    return beat


def _source_local_path(video: Video, workdir: Path) -> Path:
    """A local path to the source for PyAV: the file itself when the storage keeps it
    on this machine's disk, else a copy in `workdir` (object storage, in-memory)."""
    name = video.source_file.name
    if not video_source_exists(video):
        raise InvalidMedia("The uploaded file is missing.")
    try:
        local = Path(default_storage.path(name))
    except NotImplementedError:  # object storage
        local = None
    if local is not None and local.is_file():
        return local
    copy = workdir / ("source" + Path(name).suffix)
    with default_storage.open(name, "rb") as source, copy.open("wb") as target:
        shutil.copyfileobj(source, target, length=1024 * 1024)
    return copy


def _outputs_make(video: Video, workdir: Path, *, heartbeat: Callable[..., None]) -> _Outputs:
    source = _source_local_path(video, workdir)
    info = media_probe(
        str(source),
        max_duration_seconds=video_duration_limit(video),
        max_pixels=settings.VIDEO_MAX_PIXELS,
    )
    heartbeat()
    folder = workdir / "outputs"
    folder.mkdir()
    media_thumbnail_write(source, folder / THUMBNAIL_NAME, info=info)
    hls = media_hls_write(source, folder / HLS_FOLDER, info=info, on_progress=heartbeat)
    return _Outputs(folder=folder, info=info, hls=hls)


def _outputs_publish(video: Video, outputs: _Outputs, *, heartbeat: Callable[..., None]) -> None:
    """Replace the video's outputs in the storage with these: every file under the
    media folder but the source goes first, so each new file keeps its exact name."""
    storage_tree_delete(video.media_folder, keep=(video.source_file.name,))
    for relative in outputs.files:
        name = f"{video.media_folder}/{relative}"
        with (outputs.folder / relative).open("rb") as handle:
            saved = default_storage.save(name, File(handle, name=name))
        if saved != name:
            raise StorageRenamedFile(f"The storage saved {name} as {saved}.")
        heartbeat()


def _renditions(video: Video, hls: HlsOutput) -> list[dict]:
    return [
        {
            "label": variant.label,
            "height": variant.height,
            "width": variant.width,
            "bitrate": variant.average_bandwidth,
            "path": f"{video.media_folder}/{HLS_FOLDER}/{variant.playlist}",
        }
        for variant in hls.variants
    ]


def _video_ready(video: Video, outputs: _Outputs) -> Video:
    info = outputs.info
    with transaction.atomic():
        # Locked and re-read: the owner may have edited the video (its metadata too)
        # while it was processed; only what processing owns is written.
        current = Video.objects.select_for_update(no_key=True).filter(pk=video.pk).first()
        if current is not None:
            current.status = Video.Status.READY
            current.processing_error = ""
            current.duration_seconds = info.duration_seconds
            current.width = info.width
            current.height = info.height
            current.thumbnail.name = f"{video.media_folder}/{THUMBNAIL_NAME}"
            current.renditions = _renditions(video, outputs.hls)
            current.hls_playlist = (
                f"{video.media_folder}/{HLS_FOLDER}/{outputs.hls.master_playlist}"
            )
            current.metadata = {
                **current.metadata,
                "media": {
                    "format_name": info.format_name,
                    "video_codec": info.video_codec,
                    "audio_codec": info.audio_codec,
                    "frame_rate": info.frame_rate,
                    "rotation": info.rotation,
                },
            }
            if current.published_at is None:
                current.published_at = timezone.now()
            current.save(
                update_fields=[
                    "status",
                    "processing_error",
                    "duration_seconds",
                    "width",
                    "height",
                    "thumbnail",
                    "renditions",
                    "hls_playlist",
                    "metadata",
                    "published_at",
                    "updated_at",
                ]
            )
    if current is None:
        # Deleted while processing: what was just published belongs to nobody.
        storage_tree_delete(video.media_folder)
        raise Video.DoesNotExist(f"Video {video.pk} was deleted while it was processed.")
    metrics.upload_processed(outcome=Video.Status.READY)
    return current


def _video_fail(video: Video, message: str) -> Video:
    """Mark the video `failed` with `message` and remove every output (the source
    stays, for a retry)."""
    storage_tree_delete(video.media_folder, keep=(video.source_file.name,))
    video.status = Video.Status.FAILED
    video.processing_error = message
    video.thumbnail.name = ""
    video.renditions = []
    video.hls_playlist = ""
    video.updated_at = timezone.now()
    updated = Video.objects.filter(pk=video.pk).update(
        status=video.status,
        processing_error=message,
        thumbnail="",
        renditions=[],
        hls_playlist="",
        updated_at=video.updated_at,
    )
    if not updated:
        raise Video.DoesNotExist(f"Video {video.pk} was deleted while it was processed.")
    metrics.upload_processed(outcome=Video.Status.FAILED)
    return video


def _video_processing_announce(*, first_ready: bool, video: Video) -> None:
    """Tell the owner how processing ended and, the first time a video that followers
    may see becomes ready, tell the followers. A failure here is logged, never undoes
    the processing."""
    ready = video.status == Video.Status.READY
    try:
        notify(
            recipient=video.owner,
            actor=None,
            type=NotificationType.VIDEO_PROCESSED if ready else NotificationType.VIDEO_FAILED,
            target=video,
            data={"video_title": video.title},
        )
        if (
            ready
            and first_ready
            and video.visibility in FOLLOWERS_ANNOUNCED_VISIBILITIES
            and video.metadata.get(METADATA_ANNOUNCE_TO_FOLLOWERS, True)
        ):
            notify_followers_of_new_video(
                owner=video.owner, target=video, data={"video_title": video.title}
            )
    except Exception:
        logger.exception("Announcing the processing of video %s failed.", video.pk)


# Unlisted and private videos are never announced to followers.
FOLLOWERS_ANNOUNCED_VISIBILITIES = (Video.Visibility.PUBLIC, Video.Visibility.FOLLOWERS)
