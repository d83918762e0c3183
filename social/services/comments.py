"""Comments: posting (threads, mentions), editing, deleting, pinning, likes, staff hiding.

Threads are one level deep: a reply to a reply joins the same thread (its parent is
the top-level comment) and mentions the author it answered. Counters count what
everyone can see: `Video.comment_count` the comments and replies that are neither
deleted nor hidden, a top-level comment's `reply_count` its replies of that kind.
Each counter moves with `F()` and only when a conditional `UPDATE` actually changed
the comment's state, so concurrent requests never count twice.

A deleted comment keeps its row (and its thread) with `deleted_at` set; its text and
mentions are erased from what anyone sees. The text moves to `deleted_text`, which only
staff see (a report's evidence, in the moderators' queue and the admin).
"""

import re
import uuid
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import F
from django.db.models.functions import Upper
from django.utils import timezone
from rest_framework.exceptions import NotFound, PermissionDenied

from accounts.models import User
from accounts.selectors import user_can_act, user_list_visible
from core.writes import row_insert_unless_conflict
from notifications.models import NotificationType
from notifications.services import notify
from social.exceptions import (
    INVALID_PARENT,
    CannotPinReply,
    CommentsDisabled,
    EditWindowClosed,
)
from social.models import Comment, CommentLike
from social.selectors import comment_visibility_filter
from videos.models import Video
from videos.selectors import video_queryset_visible
from videos.services.activity import COMMENTS, video_activity_record

EDIT_WINDOW = timedelta(hours=24)
MENTIONS_MAX = 10  # the first ten distinct @names of a text are linked; the rest stay text
# `@name` not inside a word or an email address; usernames are 3-30 of [A-Za-z0-9_.].
MENTION_PATTERN = re.compile(r"(?<![\w@.])@([A-Za-z0-9_.]{3,31})(?![A-Za-z0-9_.])")


# -- reading the text -----------------------------------------------------------------


def comment_mention_names(text: str) -> list[str]:
    """The distinct `@names` in `text` (case-insensitive), in order, at most
    `MENTIONS_MAX`. A name may end a sentence: "@bob." names `bob.` or else `bob`."""
    names: list[str] = []
    seen: set[str] = set()
    for match in MENTION_PATTERN.finditer(text):
        name = match.group(1)
        key = name.rstrip(".").casefold()
        if key in seen or len(name.rstrip(".")) < 3:
            continue
        seen.add(key)
        names.append(name)
        if len(names) == MENTIONS_MAX:
            break
    return names


def _video_visible_to(*, video: Video, user: User) -> bool:
    """Whether `user` may see `video` (the one privacy rule, `videos.selectors`)."""
    visible = video_queryset_visible(viewer=user, listed=False, annotated=False)
    return visible.filter(pk=video.pk).exists()


def comment_mentions_resolve(*, text: str, author: User, video: Video) -> list[User]:
    """The users `text` mentions who may be linked: existing accounts in good standing,
    with no block between them and `author`, who may see `video`. Others stay text."""
    names = comment_mention_names(text)
    if not names:
        return []
    wanted: list[str] = []
    for name in names:
        wanted.extend({name.upper(), name.rstrip(".").upper()})
    named = User.objects.annotate(username_upper=Upper("username")).filter(
        username_upper__in=wanted
    )
    candidates = {
        user.username.upper(): user
        for user in user_list_visible(named, viewer=author, staff_see_all=False)
    }
    linked: list[User] = []
    for name in names:
        user = candidates.get(name.upper()) or candidates.get(name.rstrip(".").upper())
        if user is not None and user not in linked and _video_visible_to(video=video, user=user):
            linked.append(user)
    return linked


# -- counters -------------------------------------------------------------------------


def _counters_change(*, comment: Comment, delta: int) -> None:
    """Move the video's `comment_count` and the thread's `reply_count` by `delta`, and
    the video's activity bucket of the hour the comment was posted in (for trending)."""
    videos = Video.objects.filter(pk=comment.video_id)
    threads = Comment.objects.filter(pk=comment.parent_id)
    if delta < 0:
        videos = videos.filter(comment_count__gte=-delta)
        threads = threads.filter(reply_count__gte=-delta)
    videos.update(comment_count=F("comment_count") + delta)
    video_activity_record(
        video_id=comment.video_id, kind=COMMENTS, delta=delta, at=comment.created_at
    )
    if comment.parent_id is not None:
        threads.update(reply_count=F("reply_count") + delta)


# -- posting --------------------------------------------------------------------------


def _parent_resolve(
    *, author: User, video: Video, parent_id: uuid.UUID
) -> tuple[Comment, User | None]:
    """The thread a reply joins, and the author of the reply it answers (mentioned)."""
    replied_to = (
        Comment.objects.select_related("author", "parent__author")
        .filter(pk=parent_id, video=video, deleted_at__isnull=True, is_hidden=False)
        .filter(comment_visibility_filter(viewer=author))
        .first()
    )
    if replied_to is None:
        raise INVALID_PARENT.error()
    if replied_to.parent is None:
        return replied_to, None
    thread = replied_to.parent
    if thread.is_hidden:
        raise INVALID_PARENT.error()
    return thread, replied_to.author


@transaction.atomic
def comment_create(
    *, author: User, video: Video, text: str, parent_id: uuid.UUID | None = None
) -> Comment:
    """Post `text` (already trimmed, 1-2,000 characters) on `video`, which `author` may
    see, as a top-level comment or, with `parent_id`, as a reply in that comment's
    thread. Refuses `comments_disabled` (403) and `invalid_parent` (400, `parent`).

    Notifies the video's owner (`video_comment`, top-level comments), the thread's
    author (`comment_reply`) and each linked mention (`mention`), once each.
    """
    if not video.allow_comments:
        raise CommentsDisabled()
    thread, answered = None, None
    if parent_id is not None:
        thread, answered = _parent_resolve(author=author, video=video, parent_id=parent_id)
    mentioned = comment_mentions_resolve(text=text, author=author, video=video)
    if (
        answered is not None
        and answered.pk != author.pk
        and answered not in mentioned
        and user_can_act(answered)
        and _video_visible_to(video=video, user=answered)
    ):
        mentioned = [answered, *mentioned][:MENTIONS_MAX]

    comment = Comment.objects.create(video=video, author=author, parent=thread, text=text)
    if mentioned:  # a new comment has none to compare with (`set` would read them first)
        comment.mentioned_users.add(*mentioned)
    comment.linked_mentions = mentioned  # for `social.selectors.comment_as_posted`
    _counters_change(comment=comment, delta=1)

    data = {"video_id": str(video.pk), "comment_id": str(comment.pk)}
    told: set[uuid.UUID] = set()
    if thread is None:
        notify(
            recipient=video.owner,
            actor=author,
            type=NotificationType.VIDEO_COMMENT,
            target=comment,
            data=data,
        )
        told.add(video.owner_id)
    elif thread.deleted_at is None and _video_visible_to(video=video, user=thread.author):
        notify(
            recipient=thread.author,
            actor=author,
            type=NotificationType.COMMENT_REPLY,
            target=comment,
            data={**data, "parent_id": str(thread.pk)},
        )
        told.add(thread.author_id)
    _mentions_notify(comment=comment, users=mentioned, told=told, data=data)
    return comment


def _mentions_notify(
    *, comment: Comment, users: list[User], told: set[uuid.UUID], data: dict
) -> None:
    for user in users:
        if user.pk not in told:
            notify(
                recipient=user,
                actor=comment.author,
                type=NotificationType.MENTION,
                target=comment,
                data=data,
            )
            told.add(user.pk)


# -- editing and deleting -------------------------------------------------------------


@transaction.atomic
def comment_update(
    *, comment: Comment, editor: User, text: str, now: datetime | None = None
) -> Comment:
    """Replace the text of `editor`'s own comment within `EDIT_WINDOW` of posting it
    (`permission_denied` for others, `edit_window_closed` after; both 403). Mentions
    are read again; users mentioned for the first time are notified."""
    now = now or timezone.now()
    if comment.author_id != editor.pk:
        raise PermissionDenied()
    if now - comment.created_at > EDIT_WINDOW:
        raise EditWindowClosed()
    if text == comment.text:
        return comment
    video = comment.video
    mentioned = comment_mentions_resolve(text=text, author=editor, video=video)
    before = set(comment.mentioned_users.values_list("pk", flat=True))
    comment.text = text
    comment.edited_at = now
    comment.save(update_fields=["text", "edited_at", "updated_at"])
    comment.mentioned_users.set(mentioned)
    data = {"video_id": str(video.pk), "comment_id": str(comment.pk)}
    _mentions_notify(comment=comment, users=mentioned, told=before, data=data)
    return comment


def comment_may_delete(*, comment: Comment, user: User) -> bool:
    """The author, the video's owner and staff may delete a comment."""
    return user.pk in (comment.author_id, comment.video.owner_id) or user.is_moderator


@transaction.atomic
def comment_delete(*, comment: Comment, actor: User) -> None:
    """Delete `comment` as `actor` (`permission_denied` unless `comment_may_delete`).

    The row stays, so a thread outlives its first comment: the text is erased, the
    mentions dropped, the pin removed, and the counters no longer count it. Deleting
    a deleted comment changes nothing (deleting twice is one deletion); to anyone who
    may not delete it, a deleted comment does not exist (`not_found`)."""
    if not comment_may_delete(comment=comment, user=actor):
        raise NotFound() if comment.deleted_at is not None else PermissionDenied()
    now = timezone.now()
    erase = {
        "deleted_at": now,
        "text": "",
        "deleted_text": F("text"),
        "is_pinned": False,
        "updated_at": now,
    }
    rows = Comment.objects.filter(pk=comment.pk, deleted_at__isnull=True)
    if rows.filter(is_hidden=False).update(**erase):
        _counters_change(comment=comment, delta=-1)
    elif not rows.update(**erase):
        return  # deleted already
    comment.mentioned_users.clear()
    comment.deleted_text = comment.text
    comment.deleted_at, comment.text, comment.is_pinned = now, "", False


# -- pinning --------------------------------------------------------------------------


def _owner_check(*, comment: Comment, actor: User) -> None:
    if comment.video.owner_id != actor.pk:
        raise PermissionDenied()


@transaction.atomic
def comment_pin(*, comment: Comment, actor: User) -> Comment:
    """Pin a top-level comment on `actor`'s video (`permission_denied` for anyone but
    the video's owner, `cannot_pin_reply` for a reply); the video's previous pin, if
    any, is removed. The video's row is locked so that concurrent pins queue."""
    _owner_check(comment=comment, actor=actor)
    if comment.parent_id is not None:
        raise CannotPinReply()
    Video.objects.select_for_update(no_key=True).filter(pk=comment.video_id).exists()
    Comment.objects.filter(video_id=comment.video_id, is_pinned=True).exclude(pk=comment.pk).update(
        is_pinned=False
    )
    Comment.objects.filter(pk=comment.pk).update(is_pinned=True)
    comment.is_pinned = True
    return comment


@transaction.atomic
def comment_unpin(*, comment: Comment, actor: User) -> Comment:
    """Remove the pin (`permission_denied` for anyone but the video's owner)."""
    _owner_check(comment=comment, actor=actor)
    Comment.objects.filter(pk=comment.pk).update(is_pinned=False)
    comment.is_pinned = False
    return comment


# -- likes ----------------------------------------------------------------------------


@transaction.atomic
def comment_like(*, comment: Comment, user: User) -> bool:
    """`user` likes `comment`; returns whether this added a like (liking twice is one
    like). Notifies the author (`comment_like`)."""
    if not row_insert_unless_conflict(CommentLike(comment=comment, user=user)):
        return False
    Comment.objects.filter(pk=comment.pk).update(like_count=F("like_count") + 1)
    if _video_visible_to(video=comment.video, user=comment.author):
        notify(
            recipient=comment.author,
            actor=user,
            type=NotificationType.COMMENT_LIKE,
            target=comment,
            data={"video_id": str(comment.video_id), "comment_id": str(comment.pk)},
        )
    return True


@transaction.atomic
def comment_unlike(*, comment: Comment, user: User) -> bool:
    """`user` takes their like back; returns whether there was one."""
    removed, _ = CommentLike.objects.filter(comment=comment, user=user).delete()
    if not removed:
        return False
    Comment.objects.filter(pk=comment.pk, like_count__gt=0).update(like_count=F("like_count") - 1)
    return True


# -- staff ----------------------------------------------------------------------------


def _staff_check(actor: User) -> None:
    if not actor.is_moderator:
        raise PermissionDenied()


@transaction.atomic
def comment_hide(*, comment: Comment, actor: User) -> bool:
    """Staff hide a comment from everyone but staff (and unpin it); returns whether it
    was visible before."""
    _staff_check(actor)
    hide = {"is_hidden": True, "is_pinned": False, "updated_at": timezone.now()}
    rows = Comment.objects.filter(pk=comment.pk, is_hidden=False)
    changed = rows.filter(deleted_at__isnull=True).update(**hide)
    if changed:
        _counters_change(comment=comment, delta=-1)
    else:
        changed = rows.update(**hide)
    comment.is_hidden, comment.is_pinned = True, False
    return bool(changed)


@transaction.atomic
def comment_unhide(*, comment: Comment, actor: User) -> bool:
    """Staff show a hidden comment again; returns whether it was hidden."""
    _staff_check(actor)
    show = {"is_hidden": False, "updated_at": timezone.now()}
    rows = Comment.objects.filter(pk=comment.pk, is_hidden=True)
    changed = rows.filter(deleted_at__isnull=True).update(**show)
    if changed:
        _counters_change(comment=comment, delta=1)
    else:
        changed = rows.update(**show)
    comment.is_hidden = False
    return bool(changed)
