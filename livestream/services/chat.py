"""Live streaming app: writes of a stream's chat and its moderation.

Every message takes the stream's row lock and its sequence is the stream's
`chat_message_count` once counted (`livestream.models.chat`), so sequences rise in the
order messages commit. A viewer's message is refused, under that lock, for what the
stream and the author's standing say (`chat_message_post`); slow mode and the rate
limit count the author's own recent messages, in the database, so they hold across
every worker. The platform's messages (`chat_system_message_post`: gifts, notices)
skip the viewer's refusals.
"""

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import BooleanField, Exists, ExpressionWrapper, F, OuterRef, Q, Subquery
from django.utils import timezone

from accounts.models import User
from core.access import is_staff
from core.locks import rows_lock
from core.relations import relations
from core.subscriptions import subscriptions
from livestream.exceptions import (
    ChatBanned,
    ChatBlocked,
    ChatClosed,
    ChatFollowersOnly,
    ChatRateLimited,
    ChatSlowMode,
    ChatSubscribersOnly,
    ChatTargetProtected,
    ChatTimedOut,
    ModeratorIsOwner,
)
from livestream.models import (
    ChatBan,
    ChatMessage,
    ChatTimeout,
    Stream,
    StreamModerator,
    StreamSession,
)

CHAT_TIMEOUT_MAX_MINUTES = 24 * 60


def _seconds_until(moment: datetime, now: datetime) -> int:
    """Whole seconds from `now` to `moment`, rounded up, at least 1 (`Retry-After`)."""
    return max(1, math.ceil((moment - now).total_seconds()))


def _as_condition(condition: Q) -> ExpressionWrapper:
    return ExpressionWrapper(condition, output_field=BooleanField())


def _chat_stream_lock(stream_id, *, author: User | None = None, now: datetime) -> Stream | None:
    """The stream, freshly read and locked for update, owner joined (None if gone).

    With `author`, the author's standing in the same query: `author_moderates`,
    `author_banned`, `author_timed_out_until`, `author_blocked` (either way with the
    owner), `author_follows_owner`, `author_subscribes_owner`."""
    queryset = Stream.objects.filter(pk=stream_id).select_related("owner")
    if author is not None:
        of_author = {"stream": OuterRef("pk"), "user": author}
        queryset = queryset.annotate(
            author_moderates=Exists(StreamModerator.objects.filter(**of_author)),
            author_banned=Exists(ChatBan.objects.filter(**of_author)),
            author_timed_out_until=Subquery(
                ChatTimeout.objects.filter(**of_author, until__gt=now)
                .order_by("-until")
                .values("until")[:1]
            ),
            author_blocked=_as_condition(Q(owner_id__in=relations().blocked_user_ids(author))),
            author_follows_owner=_as_condition(
                Q(owner_id__in=relations().followed_user_ids(author))
            ),
            author_subscribes_owner=_as_condition(
                Q(owner_id__in=subscriptions().subscribed_creator_ids(author))
            ),
        )
    locked = rows_lock(queryset, of=("self",))
    return locked[0] if locked else None


def _chat_session(*, stream: Stream, now: datetime) -> StreamSession | None:
    """The broadcast the chat is open for: the one under way, or the last one if it
    ended `LIVE_CHAT_OPEN_AFTER_END_SECONDS` ago at most; else None (closed)."""
    session = StreamSession.objects.filter(stream=stream).order_by("-started_at").first()
    if session is None:
        return None
    if session.ended_at is None:
        return session if stream.status == Stream.Status.LIVE else None
    after_end = timedelta(seconds=settings.LIVE_CHAT_OPEN_AFTER_END_SECONDS)
    return session if session.ended_at >= now - after_end else None


def _message_add(
    *,
    stream: Stream,
    kind: str,
    text: str,
    author: User | None,
    session: StreamSession | None,
) -> ChatMessage:
    """Count the message on the stream and store it with the new count as its
    sequence. The caller holds the stream's row lock (fresh `chat_message_count`)."""
    sequence = stream.chat_message_count + 1
    Stream.objects.filter(pk=stream.pk).update(chat_message_count=F("chat_message_count") + 1)
    stream.chat_message_count = sequence
    return ChatMessage.objects.create(
        stream=stream, session=session, author=author, kind=kind, text=text, sequence=sequence
    )


def _pace_check(*, stream: Stream, author: User, exempt: bool, now: datetime) -> None:
    """Slow mode (`slow_mode`, unless `exempt`) and the per-author rate limit
    (`chat_rate_limited`: `LIVE_CHAT_RATE_MESSAGES` per `LIVE_CHAT_RATE_SECONDS`), from
    the author's recent messages in one indexed query. The caller holds the stream's
    row lock, so two posts of the author cannot both pass."""
    limit = settings.LIVE_CHAT_RATE_MESSAGES
    window = timedelta(seconds=settings.LIVE_CHAT_RATE_SECONDS)
    slow = timedelta(seconds=0 if exempt else stream.slow_mode_seconds)
    recent = list(
        ChatMessage.objects.filter(
            stream=stream,
            author=author,
            kind=ChatMessage.Kind.USER,
            created_at__gt=now - max(window, slow),
        )
        .order_by("-created_at")
        .values_list("created_at", flat=True)[:limit]
    )
    if recent and slow and recent[0] + slow > now:
        raise ChatSlowMode(wait=_seconds_until(recent[0] + slow, now))
    in_window = [moment for moment in recent if moment > now - window]
    if len(in_window) >= limit:
        raise ChatRateLimited(wait=_seconds_until(in_window[limit - 1] + window, now))


@transaction.atomic
def chat_message_post(
    *, stream: Stream, author: User, text: str, now: datetime | None = None
) -> ChatMessage:
    """`author`'s message in `stream`'s chat, or the refusal: `chat_closed` (neither
    live nor within `LIVE_CHAT_OPEN_AFTER_END_SECONDS` of the last broadcast's end),
    `blocked` (the author and the owner, either way), `chat_banned`, `chat_timed_out`,
    `chat_followers_only` / `chat_subscribers_only` (the chat mode; the owner, moderators
    and staff are exempt), `slow_mode` (same exemptions), `chat_rate_limited`. Those
    to retry later carry `wait` (seconds)."""
    now = now or timezone.now()
    locked = _chat_stream_lock(stream.pk, author=author, now=now)
    if locked is None:
        raise ChatClosed()
    session = _chat_session(stream=locked, now=now)
    if session is None:
        raise ChatClosed()
    is_owner = author.pk == locked.owner_id
    exempt = is_owner or locked.author_moderates or is_staff(author)
    if locked.author_blocked and not is_owner:
        raise ChatBlocked()
    if locked.author_banned:
        raise ChatBanned()
    if locked.author_timed_out_until is not None:
        raise ChatTimedOut(wait=_seconds_until(locked.author_timed_out_until, now))
    if not exempt:
        if locked.chat_mode == Stream.ChatMode.FOLLOWERS and not locked.author_follows_owner:
            raise ChatFollowersOnly()
        if locked.chat_mode == Stream.ChatMode.SUBSCRIBERS and not locked.author_subscribes_owner:
            raise ChatSubscribersOnly()
    _pace_check(stream=locked, author=author, exempt=exempt, now=now)
    return _message_add(
        stream=locked, kind=ChatMessage.Kind.USER, text=text, author=author, session=session
    )


@transaction.atomic
def chat_system_message_post(
    *,
    stream: Stream,
    text: str,
    kind: str = ChatMessage.Kind.SYSTEM,
    author: User | None = None,
) -> ChatMessage:
    """A message of the platform in `stream`'s chat (`kind` `system`, or `gift` with the
    gifter as `author`), whatever the stream's state: no slow mode, rate limit or
    chat mode; in the same sequence as the viewers' messages, and counted. Attached
    to the broadcast under way or the last one.

    Takes the stream's row lock: a caller that also locks ledger accounts (a gift)
    locks the stream first, or calls this before posting to the ledger, so the
    ledger's accounts stay the last rows locked (`core.locks`)."""
    locked = _chat_stream_lock(stream.pk, now=timezone.now())
    if locked is None:
        raise Stream.DoesNotExist()
    session = StreamSession.objects.filter(stream=locked).order_by("-started_at").first()
    return _message_add(stream=locked, kind=kind, text=text, author=author, session=session)


@transaction.atomic
def chat_message_delete(
    *, message: ChatMessage, by: User, now: datetime | None = None
) -> ChatMessage:
    """Delete the message softly (kept, shown to nobody); deleting it again is a no-op.
    Who may (its author, or the stream's moderators) is the caller's check."""
    updated = ChatMessage.objects.filter(pk=message.pk, deleted_at__isnull=True).update(
        deleted_at=now or timezone.now(), deleted_by=by
    )
    if updated:
        message.refresh_from_db(fields=["deleted_at", "deleted_by"])
    return message


def _target_check(*, stream: Stream, moderator: User, target: User) -> None:
    """`chat_target_protected` unless `moderator` may ban or time out `target`: the
    owner and staff may anyone but the owner; a moderator, nobody who moderates."""
    if target.pk == stream.owner_id:
        raise ChatTargetProtected()
    if moderator.pk == stream.owner_id or is_staff(moderator):
        return
    if (
        target.pk == moderator.pk
        or StreamModerator.objects.filter(stream=stream, user=target).exists()
    ):
        raise ChatTargetProtected()


@transaction.atomic
def chat_timeout_create(
    *, stream: Stream, moderator: User, target: User, minutes: int, now: datetime | None = None
) -> ChatTimeout:
    """Keep `target` from posting in `stream`'s chat for `minutes` (1 to 1440) from now;
    `chat_target_protected` for the owner, and for moderators unless by the owner or
    staff. Who may moderate is the caller's check."""
    if not 1 <= minutes <= CHAT_TIMEOUT_MAX_MINUTES:
        raise ValueError(f"minutes must be 1 to {CHAT_TIMEOUT_MAX_MINUTES}")
    _target_check(stream=stream, moderator=moderator, target=target)
    now = now or timezone.now()
    return ChatTimeout.objects.create(
        stream=stream, user=target, until=now + timedelta(minutes=minutes), by=moderator
    )


@transaction.atomic
def chat_ban_create(
    *, stream: Stream, moderator: User, target: User, reason: str = ""
) -> tuple[ChatBan, bool]:
    """Ban `target` from `stream`'s chat until unbanned (the same checks as a timeout);
    banning again keeps the first ban. The ban, and whether it is new."""
    _target_check(stream=stream, moderator=moderator, target=target)
    try:
        with transaction.atomic():
            ban = ChatBan.objects.create(
                stream=stream, user=target, banned_by=moderator, reason=reason
            )
    except IntegrityError:
        return ChatBan.objects.select_related("user", "banned_by").get(
            stream=stream, user=target
        ), False
    return ban, True


@transaction.atomic
def chat_ban_delete(*, stream: Stream, target: User) -> bool:
    """Lift `target`'s ban from `stream`'s chat; whether there was one."""
    deleted, _ = ChatBan.objects.filter(stream=stream, user=target).delete()
    return bool(deleted)


@dataclass(frozen=True)
class ModeratorAdded:
    moderator: StreamModerator
    created: bool


@transaction.atomic
def stream_moderator_add(*, stream: Stream, user: User) -> ModeratorAdded:
    """Name `user` a moderator of `stream`'s chat (again: a no-op);
    `moderator_is_owner` for the owner."""
    if user.pk == stream.owner_id:
        raise ModeratorIsOwner()
    moderator, created = StreamModerator.objects.get_or_create(stream=stream, user=user)
    return ModeratorAdded(moderator=moderator, created=created)


@transaction.atomic
def stream_moderator_remove(*, stream: Stream, user: User) -> bool:
    """`user` no longer moderates `stream`'s chat; whether they did."""
    deleted, _ = StreamModerator.objects.filter(stream=stream, user=user).delete()
    return bool(deleted)
