"""Counted views and watch history.

A view is counted at most once per viewer, per video, per clock hour (UTC), and only
when enough of the video was watched. The `VideoView` unique constraint on (video,
viewer_key, hour) is what makes that hold under concurrency: the insert either goes in
or skips (`core.writes.row_insert_unless_conflict`), and only one that went in adds one
to `Video.view_count` (with `F()`, in the same transaction, so concurrent views are
never lost, reading the new count back from the same `UPDATE`) and to the video's
activity bucket of the hour, which trending reads.
"""

from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.crypto import salted_hmac

from accounts.models import User
from core.access import is_signed_in
from core.writes import row_insert_unless_conflict, rows_update_returning
from videos.exceptions import WATCHED_SECONDS_NEGATIVE, WATCHED_SECONDS_TOO_MANY
from videos.models import Video, VideoView, WatchHistoryEntry
from videos.services.activity import VIEWS, activity_hour, video_activity_record

# Watching this long always counts; shorter videos count at half their duration.
VIEW_MIN_SECONDS = 10.0
# Players report a little past the end (rounding, buffering, a replayed second).
WATCHED_SECONDS_SLACK = 60.0
# The bound when the duration is unknown (no video is allowed to be this long).
WATCHED_SECONDS_MAX = 24 * 60 * 60.0
VIEWER_KEY_SALT = "videos.views.viewer-key"
CLIENT_KEY_MAX_LENGTH = 64


@dataclass(frozen=True)
class ViewRecorded:
    """What recording a view did: whether it was counted, and the count after it."""

    counted: bool
    view_count: int


def video_viewer_key(*, user: User | None, client_key: str = "", client_address: str = "") -> str:
    """Who is watching, as a `VideoView.viewer_key` (at most 64 characters).

    A signed-in user is their id. An anonymous client is a keyed SHA-256 digest (the
    key derives from `SECRET_KEY`) of the client key they send and their address: no
    address is stored, and nobody without the secret can tell whose a key is. Clients
    behind one address (a household, an office) count apart when their keys differ.
    """
    if is_signed_in(user):
        return str(user.pk)
    return salted_hmac(
        VIEWER_KEY_SALT, f"{client_key}\n{client_address}", algorithm="sha256"
    ).hexdigest()


def video_view_threshold_seconds(video: Video) -> float:
    """How long one must watch `video` for the view to count: min(10, duration / 2),
    10 when the duration is unknown."""
    if not video.duration_seconds:
        return VIEW_MIN_SECONDS
    return min(VIEW_MIN_SECONDS, video.duration_seconds / 2)


def video_watched_seconds_max(video: Video) -> float:
    """The most `watched_seconds` a report of one viewing of `video` may claim."""
    if not video.duration_seconds:
        return WATCHED_SECONDS_MAX
    return min(video.duration_seconds + WATCHED_SECONDS_SLACK, WATCHED_SECONDS_MAX)


def _watched_seconds_check(video: Video, watched_seconds: float) -> None:
    if watched_seconds < 0:
        raise WATCHED_SECONDS_NEGATIVE.error()
    limit = video_watched_seconds_max(video)
    if watched_seconds > limit:
        raise WATCHED_SECONDS_TOO_MANY.error(limit=f"{limit:g}")


def video_view_record(
    *,
    video: Video,
    viewer_key: str,
    user: User | None,
    watched_seconds: float,
    now: datetime | None = None,
) -> ViewRecorded:
    """Record that `viewer_key` (see `video_viewer_key`) watched `watched_seconds` of
    `video`; `user` is the signed-in viewer, or None for an anonymous one.

    The view is counted when the video is ready, `watched_seconds` reaches
    `video_view_threshold_seconds`, and this viewer has no counted view of it in the
    current hour. A signed-in viewer's history entry for the video is written whether
    or not the view counts: it moves to the top of their history and keeps this
    report's `watched_seconds` (the latest viewing, not the longest). Raises a
    `ValidationError` (`min_value`, `max_value` on `watched_seconds`) when
    `watched_seconds` is negative or beyond `video_watched_seconds_max`. The caller
    checks that the viewer may see the video.
    """
    _watched_seconds_check(video, watched_seconds)
    now = now or timezone.now()
    if not is_signed_in(user):
        user = None
    is_ready = video.status == Video.Status.READY
    counted = is_ready and watched_seconds >= video_view_threshold_seconds(video)
    videos = Video.objects.filter(pk=video.pk)
    with transaction.atomic():
        # Not counted when this viewer's view of the hour is there already.
        counted = counted and row_insert_unless_conflict(
            VideoView(
                video=video,
                viewer=user,
                viewer_key=viewer_key,
                hour=activity_hour(now),
                watched_seconds=watched_seconds,
            )
        )
        if counted:
            [view_count] = rows_update_returning(
                videos, returning="view_count", view_count=F("view_count") + 1
            )
            video_activity_record(video_id=video.pk, kind=VIEWS, at=now)
        if user is not None and is_ready:
            watch_history_entry_upsert(
                user=user, video=video, watched_seconds=watched_seconds, now=now
            )
        if not counted:
            view_count = videos.values_list("view_count", flat=True).first()
    return ViewRecorded(counted=counted, view_count=view_count or 0)


def watch_history_entry_upsert(
    *, user: User, video: Video, watched_seconds: float, now: datetime
) -> None:
    """Make `user`'s one history entry for `video` say they watched `watched_seconds`
    of it at `now`, creating it if there is none. One statement, safe against a
    concurrent upsert of the same entry: `INSERT ... ON CONFLICT (user, video) DO
    UPDATE`, the unique constraint on user and video deciding."""
    WatchHistoryEntry.objects.bulk_create(
        [
            WatchHistoryEntry(
                user=user, video=video, watched_seconds=watched_seconds, last_watched_at=now
            )
        ],
        update_conflicts=True,
        unique_fields=["user", "video"],
        update_fields=["watched_seconds", "last_watched_at", "updated_at"],
    )


def watch_history_clear(*, user: User) -> int:
    """Delete every entry of `user`'s watch history; returns how many there were."""
    deleted, _ = WatchHistoryEntry.objects.filter(user=user).delete()
    return deleted
