"""Live streaming app: writes. Creating, editing and deleting streams, rotating their
keys, and the status machine the media server's hooks drive:

    idle --publish--> live --publish done / key rotated / owner restricted / staff /
    deleted--> idle (permanent) or ended (one-off)

Every change of a stream's status takes the stream's row lock (`_stream_lock`), so a
publish and a rotation or a second publish never interleave.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from accounts.models import ModerationAction, User
from accounts.selectors import user_can_act
from accounts.services.moderation import moderation_action_record
from core.locks import rows_lock
from livestream.exceptions import (
    StreamAlreadyLive,
    StreamEnded,
    StreamKeyUnknown,
    StreamNotPublishing,
    StreamOwnerRestricted,
)
from livestream.keys import stream_key_digest, stream_key_new
from livestream.models import Stream, StreamSession
from livestream.selectors.streams import (
    stream_get_by_key,
    stream_get_by_public_id,
    stream_session_open,
)
from livestream.services.notices import stream_live_announce
from livestream.services.viewers import session_viewers_settle
from videos.models import Category

EndReason = StreamSession.EndReason

STREAM_EDITABLE_FIELDS = frozenset(
    {
        "title",
        "description",
        "category",
        "tags",
        "visibility",
        "save_replay",
        "scheduled_for",
        "chat_mode",
        "slow_mode_seconds",
    }
)


@dataclass(frozen=True)
class StreamWithKey:
    """A stream and its new key: the only moment the key exists in plain text."""

    stream: Stream
    key: str


def _stream_lock(stream_id) -> Stream | None:
    """The stream, freshly read and locked for update, owner joined (None if gone)."""
    locked = rows_lock(Stream.objects.filter(pk=stream_id).select_related("owner"), of=("self",))
    return locked[0] if locked else None


def stream_create(
    *,
    owner: User,
    title: str,
    description: str = "",
    category: Category | None = None,
    tags: list[str] | None = None,
    visibility: str = Stream.Visibility.PUBLIC,
    permanent: bool = True,
    save_replay: bool = False,
    scheduled_for: datetime | None = None,
    chat_mode: str = Stream.ChatMode.OPEN,
    slow_mode_seconds: int = 0,
    now: datetime | None = None,
) -> StreamWithKey:
    """A new idle stream of `owner`, with its key (stored only as its digest)."""
    key = stream_key_new()
    stream = Stream.objects.create(
        owner=owner,
        title=title,
        description=description,
        category=category,
        tags=tags or [],
        visibility=visibility,
        permanent=permanent,
        save_replay=save_replay,
        scheduled_for=scheduled_for,
        chat_mode=chat_mode,
        slow_mode_seconds=slow_mode_seconds,
        key_digest=stream_key_digest(key),
        key_rotated_at=now or timezone.now(),
    )
    return StreamWithKey(stream=stream, key=key)


@transaction.atomic
def stream_update(*, stream: Stream, **changes) -> Stream:
    """Change what the owner may change (`STREAM_EDITABLE_FIELDS`); returns the stream."""
    unknown = set(changes) - STREAM_EDITABLE_FIELDS
    if unknown:
        raise TypeError(f"stream_update() cannot change {sorted(unknown)}")
    for name, value in changes.items():
        setattr(stream, name, value)
    stream.save(update_fields={*changes, "updated_at"})
    return stream


def _session_end(*, stream: Stream, reason: str, now: datetime) -> StreamSession | None:
    """End the stream's broadcast under way, if any: the stream goes back to idle
    (permanent) or ends (one-off). The caller holds the stream's row lock."""
    session = stream_session_open(stream=stream)
    if session is not None:
        session_viewers_settle(stream=stream, session=session, now=now)
        session.ended_at = now
        session.end_reason = reason
        session.save(
            update_fields=["ended_at", "end_reason", "peak_viewers", "unique_viewers", "updated_at"]
        )
    if stream.status == Stream.Status.LIVE:
        stream.status = Stream.Status.IDLE if stream.permanent else Stream.Status.ENDED
        stream.current_viewers = 0
        stream.save(update_fields=["status", "current_viewers", "peak_viewers", "updated_at"])
    return session


@transaction.atomic
def stream_delete(*, stream: Stream, now: datetime | None = None) -> None:
    """Delete the stream (its key stops working); a broadcast under way ends with
    `deleted` and its session is kept."""
    locked = _stream_lock(stream.pk)
    if locked is None:
        return
    _session_end(stream=locked, reason=EndReason.DELETED, now=now or timezone.now())
    locked.delete()


@transaction.atomic
def stream_key_rotate(*, stream: Stream, now: datetime | None = None) -> StreamWithKey:
    """Give the stream a new key (the old one stops working at once); a broadcast
    under way on the old key ends with `key_rotated`."""
    now = now or timezone.now()
    locked = _stream_lock(stream.pk)
    _session_end(stream=locked, reason=EndReason.KEY_ROTATED, now=now)
    key = stream_key_new()
    locked.key_digest = stream_key_digest(key)
    locked.key_rotated_at = now
    locked.save(update_fields=["key_digest", "key_rotated_at", "updated_at"])
    return StreamWithKey(stream=locked, key=key)


@transaction.atomic
def stream_end(*, stream: Stream, reason: str, now: datetime | None = None) -> bool:
    """End the stream's broadcast under way with `reason` (staff: `staff_ended`); the
    media server's next `on-update` cuts the publisher. Whether one was under way."""
    locked = _stream_lock(stream.pk)
    if locked is None:
        return False
    return _session_end(stream=locked, reason=reason, now=now or timezone.now()) is not None


def stream_publish_check(*, stream: Stream | None) -> Stream:
    """`stream` if a publisher may start broadcasting it now, else the refusal:
    `unknown_stream_key` (no stream: a wrong, rotated or deleted key),
    `owner_restricted` (owner suspended, banned or deleted), `stream_already_live`
    (a second publisher), `stream_ended` (a one-off stream that was broadcast)."""
    if stream is None:
        raise StreamKeyUnknown()
    if not user_can_act(stream.owner):
        raise StreamOwnerRestricted()
    if stream.status == Stream.Status.LIVE:
        raise StreamAlreadyLive()
    if stream.status == Stream.Status.ENDED:
        raise StreamEnded()
    return stream


@transaction.atomic
def stream_publish_start(
    *, key: str, publisher_ref: str = "", now: datetime | None = None
) -> Stream:
    """A publisher starts with `key`: the stream goes live in a new session, or the
    refusal `stream_publish_check` names is raised; the followers who may see it hear
    `live_started` once this commits."""
    now = now or timezone.now()
    found = stream_get_by_key(key=key)
    stream = stream_publish_check(stream=_stream_lock(found.pk) if found else None)
    session = StreamSession.objects.create(
        stream=stream, started_at=now, last_callback_at=now, publisher_ref=publisher_ref
    )
    stream.status = Stream.Status.LIVE
    stream.save(update_fields=["status", "updated_at"])
    stream_live_announce(stream=stream, session=session)
    return stream


def _publishing_stream(name: str) -> Stream | None:
    """The stream a media server names in its later callbacks: its public id (after
    the rename on publish) or, if the server kept it, the key."""
    return stream_get_by_public_id(public_id=name) or stream_get_by_key(key=name)


def _is_this_publisher(session: StreamSession | None, publisher_ref: str) -> bool:
    return session is not None and (
        not session.publisher_ref or not publisher_ref or session.publisher_ref == publisher_ref
    )


@transaction.atomic
def stream_publish_stop(*, name: str, publisher_ref: str = "", now: datetime | None = None) -> bool:
    """The publisher of `name` stopped: its broadcast ends with `publisher_stopped`.
    Safe to repeat, and a no-op for a publisher whose broadcast already ended (cut
    for a rotated key, say); whether a broadcast ended."""
    found = _publishing_stream(name)
    stream = _stream_lock(found.pk) if found else None
    if stream is None or stream.status != Stream.Status.LIVE:
        return False
    if not _is_this_publisher(stream_session_open(stream=stream), publisher_ref):
        return False
    _session_end(stream=stream, reason=EndReason.PUBLISHER_STOPPED, now=now or timezone.now())
    return True


def stream_publish_update(
    *, name: str, publisher_ref: str = "", now: datetime | None = None
) -> Stream:
    """The media server's periodic word about the publisher of `name`: the session's
    `last_callback_at` moves on, or `stream_not_publishing` is raised so the server
    cuts the publisher (its stream was ended, deleted or its key rotated meanwhile).
    An owner restricted meanwhile ends the broadcast with `owner_restricted`, then
    that refusal is raised (once the end is committed)."""
    now = now or timezone.now()
    with transaction.atomic():
        found = _publishing_stream(name)
        stream = _stream_lock(found.pk) if found else None
        if stream is None or stream.status != Stream.Status.LIVE:
            raise StreamNotPublishing()
        session = stream_session_open(stream=stream)
        if not _is_this_publisher(session, publisher_ref):
            raise StreamNotPublishing()
        restricted = not user_can_act(stream.owner)
        if restricted:
            _session_end(stream=stream, reason=EndReason.OWNER_RESTRICTED, now=now)
        else:
            session.last_callback_at = now
            session.save(update_fields=["last_callback_at", "updated_at"])
    if restricted:
        raise StreamOwnerRestricted()
    return stream


@transaction.atomic
def stream_end_by_staff(*, actor: User, stream: Stream, now: datetime | None = None) -> bool:
    """Staff end the stream's broadcast under way (`staff_ended`; the media server's
    next `on-update` cuts the publisher), recorded in the moderation log as an
    `end_stream` action on its owner. Whether one was under way (only then is it
    recorded)."""
    ended = stream_end(stream=stream, reason=EndReason.STAFF_ENDED, now=now)
    if ended:
        moderation_action_record(
            actor=actor,
            target=stream.owner,
            action=ModerationAction.Action.END_STREAM,
            reason=f'Ended the live stream "{stream.title}" ({stream.public_id}).',
        )
    return ended


@dataclass(frozen=True)
class StaleStreams:
    """What `streams_end_stale` found: broadcasts past the limit, and those it ended."""

    stale: int
    ended: int


def streams_end_stale(*, now: datetime | None = None) -> StaleStreams:
    """End (`stale`) every live broadcast the media server has said nothing about for
    `LIVE_STALE_SECONDS` (a crashed server never calls `on-publish-done`). Each is
    decided again under its stream's lock, so a callback that arrives meanwhile keeps
    it live; safe to run twice or alongside the periodic task."""
    now = now or timezone.now()
    cutoff = now - timedelta(seconds=settings.LIVE_STALE_SECONDS)
    stream_ids = list(
        StreamSession.objects.filter(
            ended_at__isnull=True, last_callback_at__lt=cutoff, stream__isnull=False
        ).values_list("stream_id", flat=True)
    )
    ended = 0
    for stream_id in stream_ids:
        with transaction.atomic():
            stream = _stream_lock(stream_id)
            session = stream_session_open(stream=stream) if stream is not None else None
            if (
                stream is None
                or stream.status != Stream.Status.LIVE
                or session is None
                or session.last_callback_at >= cutoff
            ):
                continue
            _session_end(stream=stream, reason=EndReason.STALE, now=now)
            ended += 1
    return StaleStreams(stale=len(stream_ids), ended=ended)
