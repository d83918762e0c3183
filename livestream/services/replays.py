"""Live streaming app: writes for replays and for MediaMTX's publish lifecycle.

A media server hands over a finished recording by its path (nginx-rtmp's
`on_record_done`, MediaMTX's `runOnRecordSegmentComplete`); a path is taken only when it
resolves (symlinks, `..`) to a regular file inside `LIVE_RECORDINGS_ROOT`, and is
otherwise refused before anything is read from it. A stream that keeps replays
(`save_replay`) gets a video of its owner from it; otherwise the file is deleted.
MediaMTX, which has no `on_publish`, says when a stream is ready and not ready any more:
the same status machine as nginx-rtmp's calls (`livestream.services.streams`).
"""

import logging
import os
import stat
from datetime import datetime
from pathlib import Path

from django.conf import settings
from django.db import transaction

from livestream.exceptions import (
    RecordingMissing,
    RecordingNotAFile,
    RecordingOutsideRoot,
    RecordingStreamUnknown,
    StreamKeyUnknown,
)
from livestream.models import Stream, StreamRecording
from livestream.selectors.replays import stream_recording_get, stream_session_latest
from livestream.selectors.streams import stream_get_by_key, stream_get_by_public_id
from livestream.services.streams import _stream_lock, stream_publish_start
from videos.services.videos import video_create_from_stored_file

logger = logging.getLogger(__name__)


def recording_path_resolve(path: str) -> Path:
    """The real path of the recording a media server names: absolute, every symlink and
    `..` resolved, strictly inside `LIVE_RECORDINGS_ROOT` (itself resolved), else
    `recording_outside_root`. Nothing is opened or read."""
    root = Path(os.path.realpath(settings.LIVE_RECORDINGS_ROOT))
    if not path or "\x00" in path or not os.path.isabs(path):
        raise RecordingOutsideRoot()
    real = Path(os.path.realpath(path))
    if real == root or not real.is_relative_to(root):
        raise RecordingOutsideRoot()
    return real


def _recording_file_check(path: Path) -> None:
    """Refuse a path where there is nothing to find (`recording_missing`: nothing
    there, or a name the system refuses, too long, say) or something other than a
    regular file (`recording_not_a_file`: a folder, a device, a pipe)."""
    try:
        mode = path.stat().st_mode
    except OSError as error:
        raise RecordingMissing() from error
    if not stat.S_ISREG(mode):
        raise RecordingNotAFile()


def stream_recording_save(*, name: str, path: str) -> StreamRecording:
    """Take the recording at `path` of the stream played under `name` (its public id,
    or its key if the server kept it). Safe to repeat: a path handed over before
    returns what the first call made. A stream with `save_replay` gets a video of its
    owner, with its title, description, category, tags and visibility, processed like
    an upload and linked from the broadcast as its replay (the first recording of a
    broadcast in several parts); its followers are not told again (they heard of the
    broadcast). A stream without `save_replay` keeps no replay: the file is deleted
    once this commits (the recording's `video` stays empty). Refusals:
    `recording_outside_root`, `recording_missing`, `recording_not_a_file`,
    `recording_stream_unknown`, and the video's own on `path` (`too_large`,
    `too_long`, `too_many_pixels`, `invalid_media`)."""
    real = recording_path_resolve(path)
    found = stream_get_by_public_id(public_id=name) or stream_get_by_key(key=name)
    if found is None:
        raise RecordingStreamUnknown()
    with transaction.atomic():
        # The stream's lock orders two calls for the same recording: the second finds
        # the first one's row.
        stream = _stream_lock(found.pk)
        if stream is None:
            raise RecordingStreamUnknown()
        existing = stream_recording_get(path=str(real))
        if existing is not None:
            return existing
        _recording_file_check(real)
        session = stream_session_latest(stream=stream)
        if not stream.save_replay:
            transaction.on_commit(lambda: _recording_delete(real))
            return StreamRecording.objects.create(stream=stream, session=session, path=str(real))
        video = video_create_from_stored_file(
            owner=stream.owner,
            path=real,
            title=stream.title,
            description=stream.description,
            visibility=stream.visibility,
            tags=list(stream.tags),
            category=stream.category,
            notify_followers=False,
        )
        recording = StreamRecording.objects.create(
            stream=stream, session=session, path=str(real), video=video
        )
        if session is not None and session.replay_video_id is None:
            session.replay_video = video
            session.save(update_fields=["replay_video", "updated_at"])
    return recording


def _recording_delete(path: Path) -> None:
    try:
        path.unlink(missing_ok=True)
    except OSError:
        logger.exception("Could not delete the recording %s.", path)


def stream_publish_start_at(
    *, public_id: str, key: str, publisher_ref: str = "", now: datetime | None = None
) -> Stream:
    """A publisher is ready on the stream played under `public_id` with `key`
    (MediaMTX's `runOnReady`): as `stream_publish_start`, and the key must be this
    stream's (`unknown_stream_key` otherwise)."""
    found = stream_get_by_key(key=key)
    if found is None or found.public_id != public_id:
        raise StreamKeyUnknown()
    return stream_publish_start(key=key, publisher_ref=publisher_ref, now=now)
