"""Uploading, editing and deleting videos."""

import logging
import os
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from django.conf import settings
from django.core.files import File
from django.core.files.move import file_move_safe
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import F

from accounts.models import User
from core.tasks import task_enqueue_detached_on_commit
from videos.exceptions import (
    RECORDING_TOO_LARGE,
    RECORDING_TOO_LONG,
    VIDEO_INVALID_MEDIA,
    VIDEO_TOO_LARGE,
    VIDEO_TOO_LONG,
    VIDEO_TOO_MANY_PIXELS,
)
from videos.media.base import InvalidMedia, MediaFrameTooLarge, MediaInfo, MediaTooLong
from videos.media.probe import media_probe
from videos.models import Category, Video
from videos.services.processing import (
    METADATA_ANNOUNCE_TO_FOLLOWERS,
    METADATA_RECORDING,
    SourceMissing,
    video_reprocessing_check,
)
from videos.storage import storage_tree_delete
from videos.tags import tags_with_hashtags

logger = logging.getLogger(__name__)

MEGABYTE = 1024 * 1024


@contextmanager
def _local_path(upload: UploadedFile) -> Iterator[str]:
    """A path PyAV can open: the upload's temporary file, or a copy of a small one."""
    if hasattr(upload, "temporary_file_path"):
        yield upload.temporary_file_path()
        return
    with tempfile.NamedTemporaryFile(suffix=".upload") as copy:
        for chunk in upload.chunks():
            copy.write(chunk)
        copy.flush()
        yield copy.name


def video_upload_check(upload: UploadedFile) -> MediaInfo:
    """Refuse what is too large, too long, of too large frames or not a decodable
    video, with `too_large`, `too_long`, `too_many_pixels` or `invalid_media` on
    `file`; returns what probing found. The work is bounded by the file's size
    (`media_probe` decodes only the first frame)."""
    limit = settings.VIDEO_MAX_UPLOAD_MB
    if upload.size > limit * MEGABYTE:
        raise VIDEO_TOO_LARGE.error()
    with _local_path(upload) as path:
        try:
            return media_probe(
                path,
                max_duration_seconds=settings.VIDEO_MAX_DURATION_SECONDS,
                max_pixels=settings.VIDEO_MAX_PIXELS,
            )
        except MediaTooLong as error:
            raise VIDEO_TOO_LONG.error() from error
        except MediaFrameTooLarge as error:
            raise VIDEO_TOO_MANY_PIXELS.error(reason=str(error)) from error
        except InvalidMedia as error:
            raise VIDEO_INVALID_MEDIA.error(reason=str(error)) from error
        finally:
            upload.seek(0)


def video_upload(
    *,
    owner: User,
    upload: UploadedFile,
    title: str,
    description: str = "",
    visibility: str = Video.Visibility.PUBLIC,
    tags: list[str] | None = None,
    category: Category | None = None,
    language: str = "",
    allow_comments: bool = True,
) -> Video:
    """Store an uploaded video and queue its processing; returns it as committed.

    The file is checked first (`video_upload_check`): a rejected upload leaves no row
    and no file. The source is stored under the extension of the container found in
    it, whatever the upload's name says. Processing runs after the commit, beside the
    request (a Celery worker, or this process's bounded pool without a broker), so the
    video comes back `processing`; the test settings run it inline.
    """
    info = video_upload_check(upload)
    video = Video(
        owner=owner,
        title=title,
        description=description,
        visibility=visibility,
        tags=tags_with_hashtags(tags or [], description),
        category=category,
        language=language,
        allow_comments=allow_comments,
        status=Video.Status.PROCESSING,
    )
    video.source_file.save(f"source.{info.extension}", upload, save=False)
    try:
        with transaction.atomic():
            video.save(force_insert=True)
            User.objects.filter(pk=owner.pk).update(video_count=F("video_count") + 1)
            task_enqueue_detached_on_commit("videos.tasks.video_process_task", str(video.pk))
    except BaseException:
        video.source_file.delete(save=False)
        raise
    video.refresh_from_db()
    return video


def video_recording_check(path: Path) -> MediaInfo:
    """Refuse a recording that is too large (`VIDEO_MAX_RECORDING_MB`), too long
    (`VIDEO_MAX_RECORDING_SECONDS`), of too large frames or not a decodable video, with
    `too_large`, `too_long`, `too_many_pixels` or `invalid_media` on `path`; returns
    what probing found (which decodes only the first frame)."""
    if path.stat().st_size > settings.VIDEO_MAX_RECORDING_MB * MEGABYTE:
        raise RECORDING_TOO_LARGE.error()
    try:
        return media_probe(
            str(path),
            max_duration_seconds=settings.VIDEO_MAX_RECORDING_SECONDS,
            max_pixels=settings.VIDEO_MAX_PIXELS,
        )
    except MediaTooLong as error:
        raise RECORDING_TOO_LONG.error() from error
    except MediaFrameTooLarge as error:
        raise VIDEO_TOO_MANY_PIXELS.on("path").error(reason=str(error)) from error
    except InvalidMedia as error:
        raise VIDEO_INVALID_MEDIA.on("path").error(reason=str(error)) from error


class _FileOnDisk(File):
    """A finished file on this machine's disk, handed to the storage the way Django
    hands it a large upload: the local storage moves it into place (a rename on the
    same disk, so no second copy is ever made); an object store uploads it."""

    def temporary_file_path(self) -> str:
        return self.file.name


def video_create_from_stored_file(
    *,
    owner: User,
    path: Path,
    title: str,
    description: str = "",
    visibility: str = Video.Visibility.PUBLIC,
    tags: list[str] | None = None,
    category: Category | None = None,
    notify_followers: bool = False,
) -> Video:
    """Make a video of `owner` from the finished recording at `path` (a local file the
    caller trusts: a media server's recording inside `LIVE_RECORDINGS_ROOT`) and queue
    its processing, like an upload; returns it as committed, `processing`.

    The file is checked with the recordings' limits (`video_recording_check`). It then
    becomes the video's source: the local storage moves it into the video's media
    folder (no copy; it is no longer at `path`), an object store uploads it and the
    local file is removed once the video is committed. If the video cannot be saved,
    the file is put back at `path`. Its followers hear of it when it is ready only with
    `notify_followers` (a replay's followers were told when the stream went live).
    """
    info = video_recording_check(path)
    video = Video(
        owner=owner,
        title=title,
        description=description,
        visibility=visibility,
        tags=tags_with_hashtags(tags or [], description),
        category=category,
        status=Video.Status.PROCESSING,
        metadata={METADATA_RECORDING: True, METADATA_ANNOUNCE_TO_FOLLOWERS: notify_followers},
    )
    with _FileOnDisk(path.open("rb"), name=path.name) as content:
        video.source_file.save(f"source.{info.extension}", content, save=False)
    try:
        with transaction.atomic():
            video.save(force_insert=True)
            User.objects.filter(pk=owner.pk).update(video_count=F("video_count") + 1)
            task_enqueue_detached_on_commit("videos.tasks.video_process_task", str(video.pk))
            if path.exists():  # uploaded, not moved
                transaction.on_commit(partial(_file_remove, path))
    except BaseException:
        _source_restore(video.source_file.name, path)
        raise
    video.refresh_from_db()
    return video


def _file_remove(path: Path) -> None:
    try:
        path.unlink(missing_ok=True)
    except OSError:
        logger.exception("Could not remove %s after storing it.", path)


def _source_restore(name: str, path: Path) -> None:
    """Put the stored source `name` back at `path` (moved back from the local storage),
    or delete the stored copy when the file is still there (uploaded)."""
    try:
        if path.exists():
            default_storage.delete(name)
        else:
            file_move_safe(default_storage.path(name), os.fspath(path))
    except Exception:
        logger.exception("Could not put the recording %s back at %s.", name, path)


@transaction.atomic
def video_update(*, video: Video, **changes) -> Video:
    """Change what the owner may change (title, description, tags, category, visibility,
    language, allow_comments); returns the video.

    The description's hashtags join the tags whenever either changes.
    """
    allowed = {
        "title",
        "description",
        "tags",
        "category",
        "visibility",
        "language",
        "allow_comments",
    }
    unknown = set(changes) - allowed
    if unknown:
        raise TypeError(f"video_update() cannot change {sorted(unknown)}")
    for name, value in changes.items():
        setattr(video, name, value)
    if "tags" in changes or "description" in changes:
        video.tags = tags_with_hashtags(changes.get("tags", video.tags), video.description)
    video.save(update_fields={*changes, "tags", "updated_at"})
    return video


def video_delete(*, video: Video) -> None:
    """Delete the video and, once that is committed, every file it has."""
    folder = video.media_folder
    with transaction.atomic():
        Video.objects.filter(pk=video.pk).delete()
        User.objects.filter(pk=video.owner_id, video_count__gt=0).update(
            video_count=F("video_count") - 1
        )
        transaction.on_commit(partial(storage_tree_delete, folder))


@dataclass(frozen=True)
class VideosReprocessQueued:
    queued: int
    skipped_source_missing: int


def videos_reprocess_enqueue(*, videos: Iterable[Video]) -> VideosReprocessQueued:
    """Queue processing again for each of `videos` once the transaction commits,
    except ready videos whose source file is gone (processing could only make them
    fail: `video_reprocessing_check`), which are counted instead."""
    queued = skipped = 0
    with transaction.atomic():
        for video in videos:
            try:
                video_reprocessing_check(video)
            except SourceMissing:
                skipped += 1
                continue
            task_enqueue_detached_on_commit("videos.tasks.video_process_task", str(video.pk))
            queued += 1
    return VideosReprocessQueued(queued=queued, skipped_source_missing=skipped)
