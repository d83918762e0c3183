"""Live streaming app: reads of a stream's chat and its moderation.

The poll is one indexed query, or none: the stream's `chat_message_count` is the
sequence of its newest committed message (`livestream.models.chat`), and the stream is
read anyway to decide who may see it, so a cursor already at that count is answered
without touching the messages. A viewer never sees deleted messages, nor those of
authors they may not see (suspended or banned, or on either side of a block with
them: `accounts.selectors.user_visibility_filter`, staff included).
"""

from dataclasses import dataclass

from django.db.models import Q, QuerySet
from rest_framework.exceptions import NotFound

from accounts.selectors import user_visibility_filter
from core.access import is_signed_in, is_staff, uuid_or_404
from livestream.models import ChatBan, ChatMessage, Stream, StreamModerator
from livestream.selectors.streams import access_stream

CHAT_PAGE_MAX = 100


@dataclass(frozen=True)
class ChatPage:
    """Messages oldest first, and the cursor to poll from next."""

    messages: list[ChatMessage]
    next_cursor: str


def chat_message_queryset_visible(*, stream: Stream, viewer) -> QuerySet[ChatMessage]:
    """The stream's messages `viewer` (a user, or anonymous) may read, author joined."""
    authors = Q(author__isnull=True) | user_visibility_filter(
        viewer=viewer, staff_see_all=False, field="author"
    )
    return (
        ChatMessage.objects.filter(stream=stream, deleted_at__isnull=True)
        .filter(authors)
        .select_related("author")
    )


def chat_message_page(
    *, stream: Stream, viewer, after: int | None = None, limit: int = CHAT_PAGE_MAX
) -> ChatPage:
    """Up to `limit` messages of `stream` newer than the cursor `after` (without it: the
    newest ones), oldest first, as `viewer` may read them.

    `stream.chat_message_count`, read before the messages, is the newest committed
    sequence: a cursor at it needs no query, and a short page has seen everything up
    to it, so the next cursor moves past messages the viewer may not read."""
    newest = stream.chat_message_count
    if after is not None and after >= newest:
        return ChatPage(messages=[], next_cursor=str(after))
    queryset = chat_message_queryset_visible(stream=stream, viewer=viewer)
    if after is None:
        messages = list(queryset.order_by("-sequence")[:limit])[::-1]
        complete = True  # the newest ones: nothing visible is newer
    else:
        messages = list(queryset.filter(sequence__gt=after).order_by("sequence")[:limit])
        complete = len(messages) < limit
    last = messages[-1].sequence if messages else (after or 0)
    next_cursor = max(last, newest) if complete else last
    return ChatPage(messages=messages, next_cursor=str(next_cursor))


def stream_user_moderates(*, stream: Stream, user) -> bool:
    """Whether `user` may moderate `stream`'s chat: its owner, a moderator the owner
    named, or staff."""
    if not is_signed_in(user):
        return False
    if user.pk == stream.owner_id or is_staff(user):
        return True
    return StreamModerator.objects.filter(stream=stream, user=user).exists()


def access_stream_moderated(*, viewer, stream_id, managing: bool = False) -> Stream:
    """The stream `stream_id` if `viewer` may moderate its chat (with `managing`: name
    its moderators, which only the owner and staff may), else 404 (`not_found`), as if
    it were not theirs (the owner's pattern, `access_stream(owner_only=True)`)."""
    stream = access_stream(viewer=viewer, stream_id=stream_id)
    if managing:
        allowed = is_signed_in(viewer) and (viewer.pk == stream.owner_id or is_staff(viewer))
    else:
        allowed = stream_user_moderates(stream=stream, user=viewer)
    if not allowed:
        raise NotFound()
    return stream


def access_chat_message(*, stream: Stream, message_id) -> ChatMessage:
    """The stream's message `message_id`, not deleted, author joined; else 404."""
    pk = uuid_or_404(message_id)
    message = (
        ChatMessage.objects.select_related("author")
        .filter(stream=stream, pk=pk, deleted_at__isnull=True)
        .first()
    )
    if message is None:
        raise NotFound()
    return message


def stream_moderator_list(*, stream: Stream) -> QuerySet[StreamModerator]:
    """The stream's moderators, user joined (newest first: an index on `created_at`)."""
    return StreamModerator.objects.filter(stream=stream).select_related("user")


def chat_ban_list(*, stream: Stream) -> QuerySet[ChatBan]:
    """The stream's chat bans, user and banner joined (newest first: indexed)."""
    return ChatBan.objects.filter(stream=stream).select_related("user", "banned_by")
