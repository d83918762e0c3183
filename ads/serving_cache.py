"""The version of what serving may decide from: every write that changes whether or
how a campaign is served (status, budget, targeting, creatives' review, an advertiser's
suspension, exhaustion) bumps it, after its transaction commits, so every process's
cached view of the eligible campaigns is rebuilt on its next decision.

The version lives in the shared cache (not in process memory). A process reads it at
most once every `VERSION_MAX_AGE_SECONDS` (a bump in this process is seen at once):
a decision is mostly in-memory work, and the cache read was a third of its queries on
the default (database) cache. Nothing is served late for it: the decision's last query
re-checks what stops a campaign (its status, its advertiser's, the creative's review,
the video's privacy), so a pause in one worker stops serving in every worker at once,
and a change that starts or re-targets one reaches every worker within that second.
"""

import secrets
import threading
import time

from django.core.cache import cache
from django.db import transaction

SERVING_VERSION_KEY = "ads:serving:version"
VERSION_MAX_AGE_SECONDS = 1.0

# (version, time.monotonic() when read), or None: read it again.
_seen: tuple[int, float] | None = None
_seen_lock = threading.Lock()


def serving_version() -> int:
    """The current version in the shared cache (0 before any change was recorded)."""
    return int(cache.get(SERVING_VERSION_KEY) or 0)


def serving_version_current() -> int:
    """The version a decision goes by: the shared one, read at most once a
    `VERSION_MAX_AGE_SECONDS`. When the shared cache has none (never set, evicted,
    cleared), a random one is set first, so a snapshot built under a lost version is
    never taken for current."""
    global _seen
    seen = _seen
    if seen is not None and time.monotonic() - seen[1] < VERSION_MAX_AGE_SECONDS:
        return seen[0]
    version = cache.get(SERVING_VERSION_KEY)
    if version is None:
        cache.add(SERVING_VERSION_KEY, secrets.randbits(62), timeout=None)
        version = cache.get(SERVING_VERSION_KEY)
    with _seen_lock:
        _seen = (int(version or 0), time.monotonic())
    return int(version or 0)


def serving_version_forget() -> None:
    """Read the shared version again on the next decision (a bump here, or a cleared
    cache)."""
    global _seen
    with _seen_lock:
        _seen = None


def _bump() -> None:
    if not cache.add(SERVING_VERSION_KEY, 1, timeout=None):
        try:
            cache.incr(SERVING_VERSION_KEY)
        except ValueError:  # evicted between add and incr
            cache.add(SERVING_VERSION_KEY, 1, timeout=None)
    serving_version_forget()


def serving_snapshot_invalidate() -> None:
    """Record that serving's inputs changed (once the current transaction commits)."""
    transaction.on_commit(_bump)
