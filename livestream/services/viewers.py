"""Live streaming app: writes about viewers. `watch/` hands a viewer a signed token and
`heartbeat/` brings it back every `LIVE_HEARTBEAT_SECONDS`; each heartbeat marks the
viewer present in the shared presence store (`livestream.presence`: one statement or
one Redis round trip, never a row per heartbeat), and the counts reach the stream's and
the session's rows now and then (`stream_viewers_flush`: at most every
`LIVE_VIEWER_FLUSH_SECONDS` per stream, from a heartbeat or Celery beat, and when the
broadcast ends). A heartbeat costs its token check, one read of its broadcast and the
presence touch: no throttle, no cache round trip of its own.
"""

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q, Value
from django.db.models.functions import Greatest
from django.utils import timezone

from core.access import is_signed_in
from livestream.exceptions import INVALID_VIEWER_TOKEN, StreamNotLive
from livestream.models import Stream, StreamSession
from livestream.playback import playback_url, viewer_token_make, viewer_token_read
from livestream.presence import presence
from livestream.selectors.streams import stream_session_open
from livestream.selectors.viewers import (
    session_unique_viewer_count,
    stream_viewer_count,
    unique_viewers_group,
    viewers_group,
)

# How long a broadcast remembers who watched it (its unique viewers).
UNIQUE_VIEWER_SECONDS = 24 * 3600


@dataclass(frozen=True)
class Watch:
    """What a player needs to play a live stream and be counted."""

    hls_url: str
    viewer_token: str
    heartbeat_seconds: int
    viewer_count: int


def viewer_heartbeat_record(*, stream_id, viewer_id: str, now: datetime) -> None:
    """The viewer is present from `now` until `LIVE_VIEWER_TIMEOUT_SECONDS` later."""
    presence().touch(
        viewers_group(stream_id),
        viewer_id,
        seconds=settings.LIVE_VIEWER_TIMEOUT_SECONDS,
        now=now,
    )


def stream_viewers_flush(*, stream_id, session_id, now: datetime | None = None) -> int:
    """Write the presence counts to the rows: the stream's `current_viewers` (which
    orders the live list) and `peak_viewers`, the open session's `peak_viewers` and
    `unique_viewers` (peaks never go down), in one transaction. Returns the current
    count. The counts are read before the transaction, so no lock is held meanwhile."""
    now = now or timezone.now()
    count = stream_viewer_count(stream_id=stream_id, now=now)
    unique = session_unique_viewer_count(session_id=session_id, now=now)
    with transaction.atomic():
        Stream.objects.filter(pk=stream_id, status=Stream.Status.LIVE).update(
            current_viewers=count,
            peak_viewers=Greatest(F("peak_viewers"), Value(count)),
            viewers_flushed_at=now,
        )
        StreamSession.objects.filter(pk=session_id, ended_at__isnull=True).update(
            peak_viewers=Greatest(F("peak_viewers"), Value(count)),
            unique_viewers=Greatest(F("unique_viewers"), Value(unique)),
        )
    # Expired presence goes here too, not only from beat: the embedded default may run
    # no beat, and anonymous viewers leave a row each.
    presence().prune(now=now)
    return count


def _flush_due(flushed_at: datetime | None, now: datetime) -> bool:
    period = timedelta(seconds=settings.LIVE_VIEWER_FLUSH_SECONDS)
    return flushed_at is None or flushed_at <= now - period


def _flush_if_due(
    *, stream_id, session_id, flushed_at: datetime | None, now: datetime
) -> int | None:
    """Flush the stream's counts if nobody did in this `LIVE_VIEWER_FLUSH_SECONDS`
    period: a conditional update of `viewers_flushed_at` decides who, across processes.
    Returns the count flushed, or None when it was not due (or another process won)."""
    if not _flush_due(flushed_at, now):
        return None
    period = timedelta(seconds=settings.LIVE_VIEWER_FLUSH_SECONDS)
    claimed = Stream.objects.filter(
        Q(viewers_flushed_at__isnull=True) | Q(viewers_flushed_at__lte=now - period),
        pk=stream_id,
    ).update(viewers_flushed_at=now)
    if not claimed:
        return None
    return stream_viewers_flush(stream_id=stream_id, session_id=session_id, now=now)


def stream_viewers_flush_all(*, now: datetime | None = None) -> int:
    """Flush the counts of every live stream (Celery beat), so a stream nobody
    heartbeats any more falls to 0 in the live list, and drop expired presence.
    Returns how many streams were flushed."""
    now = now or timezone.now()
    broadcasts = StreamSession.objects.filter(
        ended_at__isnull=True, stream__status=Stream.Status.LIVE
    ).values_list("stream_id", "pk")
    flushed = 0
    for stream_id, session_id in broadcasts:
        stream_viewers_flush(stream_id=stream_id, session_id=session_id, now=now)
        flushed += 1
    presence().prune(now=now)  # also when no stream is live
    return flushed


def session_viewers_settle(*, stream: Stream, session: StreamSession, now: datetime) -> None:
    """Bring the presence counts' peak and unique viewers onto the ending broadcast's
    session and its stream (in memory: the caller saves `peak_viewers` and
    `unique_viewers`), and forget the broadcast's viewers once it has ended."""
    count = stream_viewer_count(stream_id=stream.pk, now=now)
    unique = session_unique_viewer_count(session_id=session.pk, now=now)
    session.peak_viewers = max(session.peak_viewers, count)
    session.unique_viewers = max(session.unique_viewers, unique)
    stream.peak_viewers = max(stream.peak_viewers, count)
    groups = [viewers_group(stream.pk), unique_viewers_group(session.pk)]
    transaction.on_commit(lambda: presence().forget(groups))


def _viewer_id(viewer) -> str:
    """A signed-in viewer is one viewer on every device; an anonymous one, per `watch/`."""
    return f"u{viewer.pk.hex}" if is_signed_in(viewer) else f"a{secrets.token_urlsafe(12)}"


def stream_watch(*, stream: Stream, viewer, now: datetime | None = None) -> Watch:
    """Start watching `stream` (which `viewer`, a user or anonymous, may see): its
    playback address (signed unless public), a viewer token for the heartbeats, and
    the viewer is counted from now (and among the broadcast's unique viewers).
    `stream_not_live` unless it is live."""
    now = now or timezone.now()
    session = stream_session_open(stream=stream) if stream.status == Stream.Status.LIVE else None
    if session is None:
        raise StreamNotLive()
    viewer_id = _viewer_id(viewer)
    token = viewer_token_make(
        stream_id=stream.pk,
        session_id=session.pk,
        viewer_id=viewer_id,
        user_id=viewer.pk if is_signed_in(viewer) else None,
        now=now,
    )
    viewer_heartbeat_record(stream_id=stream.pk, viewer_id=viewer_id, now=now)
    presence().touch(
        unique_viewers_group(session.pk), viewer_id, seconds=UNIQUE_VIEWER_SECONDS, now=now
    )
    count = _flush_if_due(
        stream_id=stream.pk, session_id=session.pk, flushed_at=stream.viewers_flushed_at, now=now
    )
    return Watch(
        hls_url=playback_url(stream, now),
        viewer_token=token,
        heartbeat_seconds=settings.LIVE_HEARTBEAT_SECONDS,
        viewer_count=count
        if count is not None
        else stream_viewer_count(stream_id=stream.pk, now=now),
    )


def stream_heartbeat(*, stream_id, viewer_token: str, viewer, now: datetime | None = None) -> int:
    """The viewer holding `viewer_token` still watches `stream_id`; returns the
    stream's viewer count as last flushed (at most `LIVE_VIEWER_FLUSH_SECONDS` old).
    Refused: `invalid_viewer_token` (forged, or given for another stream or another
    signed-in user), `viewer_token_expired`, `stream_not_live` (the broadcast it was
    given for has ended). One query and the presence touch (plus the flush, when due)."""
    now = now or timezone.now()
    ticket = viewer_token_read(viewer_token, now)
    user_id = str(viewer.pk) if is_signed_in(viewer) else None
    if ticket.stream_id != str(stream_id) or ticket.user_id not in (None, user_id):
        raise INVALID_VIEWER_TOKEN.error()
    broadcast = (
        StreamSession.objects.filter(
            pk=ticket.session_id, stream_id=stream_id, ended_at__isnull=True
        )
        .values_list("stream__current_viewers", "stream__viewers_flushed_at")
        .first()
    )
    if broadcast is None:
        raise StreamNotLive()
    current_viewers, flushed_at = broadcast
    viewer_heartbeat_record(stream_id=stream_id, viewer_id=ticket.viewer_id, now=now)
    count = _flush_if_due(
        stream_id=stream_id, session_id=ticket.session_id, flushed_at=flushed_at, now=now
    )
    return count if count is not None else current_viewers
