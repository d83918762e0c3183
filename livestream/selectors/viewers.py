"""Live streaming app: reads of the viewer counts, which live in the default cache
(shared by every worker), not in a row per heartbeat.

The rule. Time is cut into buckets of `BUCKET_SECONDS`. For each stream and bucket the
cache holds `C[b]`: how many viewers' latest heartbeat fell in bucket `b`
(`livestream.services.viewers` keeps it so, with `add` and `incr`/`decr` only). A viewer
counts at `now` when its latest heartbeat fell in one of the `window_buckets()` buckets
ending with now's, so the count is the sum of those `C[b]`: a viewer counts for at
least `LIVE_VIEWER_TIMEOUT_SECONDS` after its last heartbeat, and stops counting less
than one bucket later (45 s and 5 s: between 45 and 50 s). Each viewer is in exactly
one `C[b]`, so nobody is counted twice however many buckets they heartbeated in.
"""

import uuid
from datetime import datetime
from math import ceil

from django.conf import settings
from django.core.cache import cache

from livestream.models import Stream

BUCKET_SECONDS = 5
PREFIX = "live:viewers"


def viewer_bucket(now: datetime) -> int:
    """The bucket `now` falls in."""
    return int(now.timestamp()) // BUCKET_SECONDS


def window_buckets() -> int:
    """How many buckets, ending with the current one, a viewer counts in."""
    return ceil(settings.LIVE_VIEWER_TIMEOUT_SECONDS / BUCKET_SECONDS) + 1


def key_lifetime() -> int:
    """How long the keys of a bucket are kept: past the window, with a margin."""
    return (window_buckets() + 2) * BUCKET_SECONDS


def _hex(some_id) -> str:
    return uuid.UUID(str(some_id)).hex


def count_key(stream_id, bucket: int) -> str:
    """`C[bucket]` of the stream: viewers whose latest heartbeat fell in `bucket`."""
    return f"{PREFIX}:c:{_hex(stream_id)}:{bucket}"


def seen_key(stream_id, viewer_id: str, bucket: int) -> str:
    """Set (with `add`) by a viewer's first heartbeat in `bucket`."""
    return f"{PREFIX}:s:{_hex(stream_id)}:{viewer_id}:{bucket}"


def released_key(stream_id, viewer_id: str, bucket: int) -> str:
    """Set (with `add`) by whoever took the viewer out of `C[bucket]`."""
    return f"{PREFIX}:r:{_hex(stream_id)}:{viewer_id}:{bucket}"


def unique_key(session_id, viewer_id: str) -> str:
    return f"{PREFIX}:u:{_hex(session_id)}:{viewer_id}"


def unique_count_key(session_id) -> str:
    return f"{PREFIX}:uc:{_hex(session_id)}"


def stream_viewer_counts(*, stream_ids, now: datetime) -> dict[str, int]:
    """The current viewers of each stream (by its id's hex): one `get_many`."""
    current = viewer_bucket(now)
    buckets = range(current - window_buckets() + 1, current + 1)
    keys = {_hex(stream_id): [count_key(stream_id, b) for b in buckets] for stream_id in stream_ids}
    if not keys:
        return {}
    found = cache.get_many([key for stream_keys in keys.values() for key in stream_keys])
    # A count is briefly below zero when a viewer leaves a bucket before its increment lands.
    return {
        stream_hex: max(0, sum(int(found.get(key, 0)) for key in stream_keys))
        for stream_hex, stream_keys in keys.items()
    }


def stream_viewer_count(*, stream_id, now: datetime) -> int:
    return stream_viewer_counts(stream_ids=[stream_id], now=now)[_hex(stream_id)]


def session_unique_viewer_count(*, session_id) -> int:
    """How many different viewers the broadcast had (as long as the cache kept them)."""
    return int(cache.get(unique_count_key(session_id), 0))


def streams_viewer_count_attach(streams: list[Stream], now: datetime) -> None:
    """Set `viewer_count` on each stream (0 unless live), with one cache read for all."""
    live = [stream for stream in streams if stream.status == Stream.Status.LIVE]
    counts = stream_viewer_counts(stream_ids=[stream.pk for stream in live], now=now)
    for stream in streams:
        stream.viewer_count = counts.get(stream.pk.hex, 0)
