"""Rate limits every web worker shares, counted in `core.rates` (the database on the
embedded default, Redis when `CACHE_URL` names it): one round trip a request.

The defaults limit anonymous clients by address and signed-in users by account. A view
that needs a tighter limit of its own sets `throttle_scope`, lists `ScopedRateThrottle`
(this module's), and adds a rate under that scope to `DEFAULT_THROTTLE_RATES`.

Each limit is a sliding window of the rate's period, estimated from two fixed windows
(`core.rates.Hits.sliding`). Every attempt counts, a refused one too: a client that
keeps calling past its limit stays refused until it slows down. `Retry-After` says
when the estimate falls back under the limit if the client stops.
"""

import math

from rest_framework import throttling

from core.rates import rates


class SharedRateThrottle(throttling.SimpleRateThrottle):
    """DRF's `SimpleRateThrottle` (rates, scopes and cache keys as DRF reads them),
    counted in `core.rates` instead of a per-key list of request times in the cache.
    DRF's throttle classes are listed before it, so theirs run first (the scoped one
    picks the view's scope) and reach this one's `allow_request` through `super()`."""

    _wait: float | None = None

    def allow_request(self, request, view) -> bool:
        self._wait = None
        if self.rate is None:
            return True
        key = self.get_cache_key(request, view)
        if key is None:
            return True
        now = self.timer()
        hits = rates().hit(key, window=self.duration, now=now)
        if hits.sliding(now=now, window=self.duration) <= self.num_requests:
            return True
        self._wait = self._time_to_room(hits, now=now)
        return False

    def _time_to_room(self, hits, *, now: float) -> float:
        """Seconds until one more hit fits the limit, if the client makes none until
        then: the previous window's share shrinks as time passes; once the current
        window is the previous one, its hits shrink in turn."""
        window, limit = self.duration, self.num_requests
        if hits.current + 1 <= limit and hits.previous:
            # previous * (1 - (t - start) / window) + current + 1 <= limit
            fits = hits.window_start + window * (1 - (limit - hits.current - 1) / hits.previous)
        else:
            # In the next window: current * (1 - (t - end) / window) + 1 <= limit
            fits = hits.window_start + window * (2 - (limit - 1) / hits.current)
        return max(fits - now, 0.0)

    def wait(self) -> int | None:
        return None if self._wait is None else max(math.ceil(self._wait), 1)


class AnonymousRateThrottle(throttling.AnonRateThrottle, SharedRateThrottle):
    """Requests without credentials, counted per client address."""

    scope = "anonymous"


class UserRateThrottle(throttling.UserRateThrottle, SharedRateThrottle):
    """Requests with credentials, counted per account. Requests without are left to
    `AnonymousRateThrottle` (DRF's class would count them by address a second time:
    one more write a request, for a limit the anonymous one already sets)."""

    scope = "user"

    def get_cache_key(self, request, view) -> str | None:
        if not (request.user and request.user.is_authenticated):
            return None
        return super().get_cache_key(request, view)


class UploadRateThrottle(throttling.UserRateThrottle, SharedRateThrottle):
    """Uploads, counted per account (an upload needs one): `THROTTLE_UPLOAD_RATE`."""

    scope = "upload"


class ScopedRateThrottle(throttling.ScopedRateThrottle, SharedRateThrottle):
    """A view's own limit (`throttle_scope`), per account or else per address."""
