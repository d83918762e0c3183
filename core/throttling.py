"""Rate limits backed by the default cache, so every web worker shares the counts.

The defaults limit anonymous clients by address and signed-in users by account. A view
that needs a tighter limit of its own sets `throttle_scope`, lists DRF's
`ScopedRateThrottle`, and adds a rate under that scope to `DEFAULT_THROTTLE_RATES`.
"""

from rest_framework import throttling


class AnonymousRateThrottle(throttling.AnonRateThrottle):
    """Requests without credentials, counted per client address."""

    scope = "anonymous"


class UserRateThrottle(throttling.UserRateThrottle):
    """Requests with credentials, counted per account."""

    scope = "user"


class UploadRateThrottle(throttling.UserRateThrottle):
    """Uploads, counted per account (an upload needs one): `THROTTLE_UPLOAD_RATE`."""

    scope = "upload"
