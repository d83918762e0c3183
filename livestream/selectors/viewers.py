"""Live streaming app: reads of the viewer counts, which live in the shared presence
store (`livestream.presence`: Redis, or the default configuration's presence table),
not in a row per heartbeat.

The rule: a viewer counts from its heartbeat until `LIVE_VIEWER_TIMEOUT_SECONDS` after
its latest one (45 s), exactly; a signed-in user is one viewer however many players
they open. A broadcast's unique viewers are everyone who watched it.
"""

import uuid
from datetime import datetime

from livestream.models import Stream
from livestream.presence import presence


def _hex(some_id) -> str:
    return uuid.UUID(str(some_id)).hex


def viewers_group(stream_id) -> str:
    """The presence group of a stream's current viewers."""
    return f"v:{_hex(stream_id)}"


def unique_viewers_group(session_id) -> str:
    """The presence group of everyone who watched a broadcast."""
    return f"u:{_hex(session_id)}"


def stream_viewer_counts(*, stream_ids, now: datetime) -> dict[str, int]:
    """The current viewers of each stream (by its id's hex): one query or round trip."""
    groups = {viewers_group(stream_id): _hex(stream_id) for stream_id in stream_ids}
    counts = presence().counts(groups, now=now)
    return {stream_hex: counts.get(group, 0) for group, stream_hex in groups.items()}


def stream_viewer_count(*, stream_id, now: datetime) -> int:
    return stream_viewer_counts(stream_ids=[stream_id], now=now)[_hex(stream_id)]


def session_unique_viewer_count(*, session_id, now: datetime) -> int:
    """How many different viewers the broadcast had."""
    group = unique_viewers_group(session_id)
    return presence().counts([group], now=now)[group]


def streams_viewer_count_attach(streams: list[Stream], now: datetime) -> None:
    """Set `viewer_count` on each stream (0 unless live), with one read for all."""
    live = [stream for stream in streams if stream.status == Stream.Status.LIVE]
    counts = stream_viewer_counts(stream_ids=[stream.pk for stream in live], now=now)
    for stream in streams:
        stream.viewer_count = counts.get(stream.pk.hex, 0)
