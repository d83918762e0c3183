"""Live streaming app: writes about viewers. `watch/` hands a viewer a signed token and
`heartbeat/` brings it back every `LIVE_HEARTBEAT_SECONDS`; each heartbeat is counted in
the default cache, never in a row of its own, and the counts reach the stream's and
the session's rows now and then (`stream_viewers_flush`, at most every
`LIVE_VIEWER_FLUSH_SECONDS` per stream, from a heartbeat or Celery beat; and when the
broadcast ends).

How a heartbeat keeps the counts exact (the rule is in `livestream.selectors.viewers`:
`C[b]` holds the viewers whose latest heartbeat fell in bucket `b`), with nothing but
the cache's atomic `add`, `incr`/`decr` and `get_many`, whatever number of processes
heartbeat at once:

1. `add(seen[viewer, b])`: only the viewer's first heartbeat in bucket `b` goes on
   (the others change nothing: the viewer is already counted from `b`).
2. For every other bucket `q` within a window's width of `b` where `seen[viewer, q]`
   exists, the older of `q` and `b` is released: `add(released[viewer, older])`, and
   whoever adds it `decr(C[older])`. Of two heartbeats of one viewer in buckets `q` and
   `b`, the one whose step 1 came second sees the other's `seen` in its step 2, and the
   `released` key makes the decrement happen once; so when heartbeats have landed,
   each viewer is in the `C` of exactly its latest bucket (heartbeats arriving out of
   order, across processes whose clocks differ, included).
3. `incr(C[b])`, last: while a move is under way (its release landed, its increment
   not yet) a count read meanwhile is one lower for it, never higher, so the peak
   the flushes keep is never more than there were; once heartbeats have landed, the
   count is exact.

Keys are named after their bucket and never written again once expired (the database
cache's `add` of an expired key is not atomic on PostgreSQL; a new key's is). The
database cache's `incr` is made atomic in `core.cache`. Its `max_entries` must stay
above the live keys (about six per viewer), or culling loses counts.
"""

import secrets
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import F, Value
from django.db.models.functions import Greatest
from django.utils import timezone

from core.access import is_signed_in
from livestream.exceptions import INVALID_VIEWER_TOKEN, StreamNotLive
from livestream.models import Stream, StreamSession
from livestream.playback import playback_url, viewer_token_make, viewer_token_read
from livestream.selectors.streams import stream_session_open
from livestream.selectors.viewers import (
    PREFIX,
    count_key,
    key_lifetime,
    released_key,
    seen_key,
    session_unique_viewer_count,
    stream_viewer_count,
    unique_count_key,
    unique_key,
    viewer_bucket,
    window_buckets,
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


def _counter_add(key: str, delta: int, lifetime: int) -> None:
    """`incr` the counter `key` by `delta`, creating it (at 0, with `add`, which only
    one process wins) if it is missing."""
    for _ in range(3):
        try:
            cache.incr(key, delta)
            return
        except ValueError:
            cache.add(key, 0, lifetime)
    cache.incr(key, delta)


def viewer_heartbeat_record(*, stream_id, session_id, viewer_id: str, now: datetime) -> bool:
    """Count the viewer's heartbeat at `now` (the module's steps 1-3) and among the
    broadcast's unique viewers; whether it was its first in its bucket."""
    bucket = viewer_bucket(now)
    width = window_buckets()
    lifetime = key_lifetime()
    if not cache.add(seen_key(stream_id, viewer_id, bucket), 1, lifetime):
        return False
    others = [other for other in range(bucket - width + 1, bucket + width) if other != bucket]
    seen = cache.get_many([seen_key(stream_id, viewer_id, other) for other in others])
    for other in others:
        if seen_key(stream_id, viewer_id, other) in seen:
            older = min(other, bucket)
            if cache.add(released_key(stream_id, viewer_id, older), 1, lifetime):
                _counter_add(count_key(stream_id, older), -1, lifetime)
    _counter_add(count_key(stream_id, bucket), 1, lifetime)
    if cache.add(unique_key(session_id, viewer_id), 1, UNIQUE_VIEWER_SECONDS):
        _counter_add(unique_count_key(session_id), 1, UNIQUE_VIEWER_SECONDS)
    return True


def stream_viewers_flush(*, stream_id, session_id, now: datetime | None = None) -> int:
    """Write the cache's counts to the rows: the stream's `current_viewers` (which
    orders the live list) and `peak_viewers`, the open session's `peak_viewers` and
    `unique_viewers` (peaks never go down), in one transaction. Returns the current
    count. The cache is read before the transaction: the database cache may delete
    expired keys as it reads, and no row of it is then held while the stream's is
    awaited (a broadcast's end holds the stream's, then reads the cache)."""
    count = stream_viewer_count(stream_id=stream_id, now=now or timezone.now())
    unique = session_unique_viewer_count(session_id=session_id)
    with transaction.atomic():
        Stream.objects.filter(pk=stream_id, status=Stream.Status.LIVE).update(
            current_viewers=count, peak_viewers=Greatest(F("peak_viewers"), Value(count))
        )
        StreamSession.objects.filter(pk=session_id, ended_at__isnull=True).update(
            peak_viewers=Greatest(F("peak_viewers"), Value(count)),
            unique_viewers=Greatest(F("unique_viewers"), Value(unique)),
        )
    return count


def _flush_if_due(*, stream_id, session_id, now: datetime) -> None:
    """Flush the stream's counts if nobody did in this `LIVE_VIEWER_FLUSH_SECONDS`
    period (one `add` decides who)."""
    period_seconds = settings.LIVE_VIEWER_FLUSH_SECONDS
    period = int(now.timestamp()) // period_seconds
    stream_hex = str(stream_id).replace("-", "")
    if cache.add(f"{PREFIX}:f:{stream_hex}:{period}", 1, 2 * period_seconds):
        stream_viewers_flush(stream_id=stream_id, session_id=session_id, now=now)


def stream_viewers_flush_all(*, now: datetime | None = None) -> int:
    """Flush the counts of every live stream (Celery beat), so a stream nobody
    heartbeats any more falls to 0 in the live list. Returns how many."""
    now = now or timezone.now()
    broadcasts = StreamSession.objects.filter(
        ended_at__isnull=True, stream__status=Stream.Status.LIVE
    ).values_list("stream_id", "pk")
    flushed = 0
    for stream_id, session_id in broadcasts:
        stream_viewers_flush(stream_id=stream_id, session_id=session_id, now=now)
        flushed += 1
    return flushed


def session_viewers_settle(*, stream: Stream, session: StreamSession, now: datetime) -> None:
    """Bring the cache's peak and unique viewers onto the ending broadcast's session
    and its stream (in memory: the caller saves `peak_viewers` and `unique_viewers`)."""
    count = stream_viewer_count(stream_id=stream.pk, now=now)
    unique = session_unique_viewer_count(session_id=session.pk)
    session.peak_viewers = max(session.peak_viewers, count)
    session.unique_viewers = max(session.unique_viewers, unique)
    stream.peak_viewers = max(stream.peak_viewers, count)


def _viewer_id(viewer) -> str:
    """A signed-in viewer is one viewer on every device; an anonymous one, per `watch/`."""
    return f"u{viewer.pk.hex}" if is_signed_in(viewer) else f"a{secrets.token_urlsafe(12)}"


def stream_watch(*, stream: Stream, viewer, now: datetime | None = None) -> Watch:
    """Start watching `stream` (which `viewer`, a user or anonymous, may see): its
    playback address (signed unless public), a viewer token for the heartbeats, and
    the viewer is counted from now. `stream_not_live` unless it is live."""
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
    viewer_heartbeat_record(
        stream_id=stream.pk, session_id=session.pk, viewer_id=viewer_id, now=now
    )
    _flush_if_due(stream_id=stream.pk, session_id=session.pk, now=now)
    return Watch(
        hls_url=playback_url(stream, now),
        viewer_token=token,
        heartbeat_seconds=settings.LIVE_HEARTBEAT_SECONDS,
        viewer_count=stream_viewer_count(stream_id=stream.pk, now=now),
    )


def stream_heartbeat(*, stream_id, viewer_token: str, viewer, now: datetime | None = None) -> int:
    """The viewer holding `viewer_token` still watches `stream_id`; returns the
    stream's viewer count. Refused: `invalid_viewer_token` (forged, or given for
    another stream or another signed-in user), `viewer_token_expired`,
    `stream_not_live` (the broadcast it was given for has ended). One query."""
    now = now or timezone.now()
    ticket = viewer_token_read(viewer_token, now)
    user_id = str(viewer.pk) if is_signed_in(viewer) else None
    if ticket.stream_id != str(stream_id) or ticket.user_id not in (None, user_id):
        raise INVALID_VIEWER_TOKEN.error()
    broadcasting = StreamSession.objects.filter(
        pk=ticket.session_id, stream_id=stream_id, ended_at__isnull=True
    ).exists()
    if not broadcasting:
        raise StreamNotLive()
    viewer_heartbeat_record(
        stream_id=stream_id, session_id=ticket.session_id, viewer_id=ticket.viewer_id, now=now
    )
    _flush_if_due(stream_id=stream_id, session_id=ticket.session_id, now=now)
    return stream_viewer_count(stream_id=stream_id, now=now)
