"""Likes, bookmarks and shares of videos.

Liking and bookmarking are idempotent: the unique constraints on (user, video) decide
under concurrency. A like is inserted unless the constraint holds one already
(`core.writes.row_insert_unless_conflict`: no savepoint, no `IntegrityError`), and only
the insert that went in moves `Video.like_count` (with `F()`, in the same transaction,
reading the new count back from the same `UPDATE`), so N concurrent likes count N and
one user liking from N requests counts one. Undoing moves the counter only when a
row was actually deleted. Every share is a row of its own and adds one to
`Video.share_count`. Each move of a counter also moves the video's activity bucket of
the hour (`videos.services.activity`), which trending reads.

The caller checks that the user may see the video (`social.selectors.access_video_engage`).
"""

from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import F

from accounts.models import User
from core.access import is_signed_in
from core.writes import row_insert_unless_conflict, rows_update_returning
from notifications.models import NotificationType
from notifications.services import notify
from social.models import Bookmark, Share, VideoLike
from videos.models import Video
from videos.services.activity import LIKES, SHARES, video_activity_record


@dataclass(frozen=True)
class LikeResult:
    """What liking did: whether it added a like, and the video's count after it."""

    created: bool
    like_count: int


@dataclass(frozen=True)
class ShareResult:
    share: Share
    share_url: str
    share_count: int


def _video_counter(video: Video, field: str) -> int:
    return Video.objects.filter(pk=video.pk).values_list(field, flat=True).first() or 0


@transaction.atomic
def video_like(*, video: Video, user: User) -> LikeResult:
    """`user` likes `video`; liking twice is one like. A new like adds one to
    `like_count` and tells the owner (`video_like`, grouped per video by the
    notifications app; nothing for the owner's own like)."""
    if not row_insert_unless_conflict(VideoLike(video=video, user=user)):
        return LikeResult(created=False, like_count=_video_counter(video, "like_count"))
    [like_count] = rows_update_returning(
        Video.objects.filter(pk=video.pk), returning="like_count", like_count=F("like_count") + 1
    )
    video_activity_record(video_id=video.pk, kind=LIKES)
    notify(
        recipient=video.owner,
        actor=user,
        type=NotificationType.VIDEO_LIKE,
        target=video,
        data={"video_id": str(video.pk)},
    )
    return LikeResult(created=True, like_count=like_count)


@transaction.atomic
def video_unlike(*, video: Video, user: User) -> bool:
    """`user` takes their like of `video` back; returns whether there was one. No
    notification."""
    removed, _ = VideoLike.objects.filter(video=video, user=user).delete()
    if not removed:
        return False
    Video.objects.filter(pk=video.pk, like_count__gt=0).update(like_count=F("like_count") - 1)
    video_activity_record(video_id=video.pk, kind=LIKES, delta=-1)
    return True


@transaction.atomic
def video_bookmark(*, video: Video, user: User) -> bool:
    """`user` bookmarks `video`; returns whether this added the bookmark (bookmarking
    twice is one bookmark)."""
    return row_insert_unless_conflict(Bookmark(video=video, user=user))


@transaction.atomic
def video_unbookmark(*, video: Video, user: User) -> bool:
    """`user` removes their bookmark of `video`; returns whether there was one."""
    removed, _ = Bookmark.objects.filter(video=video, user=user).delete()
    return bool(removed)


def video_share_url(video: Video) -> str:
    """The absolute address of `video` in the web app (`FRONTEND_URL`)."""
    return f"{settings.FRONTEND_URL.rstrip('/')}/videos/{video.pk}"


@transaction.atomic
def video_share(*, video: Video, user: User | None, channel: str = "") -> ShareResult:
    """Record that `user` (None when anonymous) shared `video` to `channel` (one of
    `SHARE_CHANNELS`, or "" when unknown), add one to `share_count`, and return the
    address to share."""
    if not is_signed_in(user):
        user = None
    share = Share.objects.create(video=video, user=user, channel=channel)
    Video.objects.filter(pk=video.pk).update(share_count=F("share_count") + 1)
    video_activity_record(video_id=video.pk, kind=SHARES)
    return ShareResult(
        share=share,
        share_url=video_share_url(video),
        share_count=_video_counter(video, "share_count"),
    )
