"""The version of what serving may decide from: every write that changes whether or
how a campaign is served (status, budget, targeting, creatives' review, an advertiser's
suspension, exhaustion) bumps it, after its transaction commits, so every process's
cached view of the eligible campaigns is rebuilt on its next decision.

The version lives in the shared cache (not in process memory), so a pause in one worker
stops serving in every worker at once.
"""

from django.core.cache import cache
from django.db import transaction

SERVING_VERSION_KEY = "ads:serving:version"


def serving_version() -> int:
    """The current version (0 before any change was recorded)."""
    return int(cache.get(SERVING_VERSION_KEY) or 0)


def _bump() -> None:
    if not cache.add(SERVING_VERSION_KEY, 1, timeout=None):
        try:
            cache.incr(SERVING_VERSION_KEY)
        except ValueError:  # evicted between add and incr
            cache.add(SERVING_VERSION_KEY, 1, timeout=None)


def serving_snapshot_invalidate() -> None:
    """Record that serving's inputs changed (once the current transaction commits)."""
    transaction.on_commit(_bump)
