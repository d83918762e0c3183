"""The ads app's errors, each with a stable code a client can switch on.

Objects the caller may not see answer DRF's `NotFound` (`not_found`, 404), as if they
did not exist. Each area keeps its errors together under a comment naming it.
"""

from django.conf import settings

from core.exceptions import FieldRejection

# Tracking and billing (services/tracking.py): the served ad's token.

AD_TOKEN_INVALID = FieldRejection(
    "token",
    "ad_token_invalid",
    "This ad token is forged or malformed; use the token the ad was served with.",
)
AD_TOKEN_EXPIRED = FieldRejection(
    "token",
    "ad_token_expired",
    "This ad token has expired: a served ad's token lasts {seconds} seconds.",
    seconds=lambda: settings.ADS_TOKEN_SECONDS,
)

# VAST (views/vast.py): what the pre-roll endpoint refuses.

VAST_PLACEMENT_UNSUPPORTED = FieldRejection(
    "placement",
    "vast_placement_unsupported",
    "VAST answers the preroll placement only (or no placement at all).",
)
