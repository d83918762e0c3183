"""The signed token of one served ad: its impression, click and player tracking URLs
all carry it.

It names the creative, the placement and the viewer it was served to, and the price
the ad was chosen at (its campaign's advertiser, pricing and bid when it was served:
an event is billed at that price, as an ad server bills the price of the auction, and
counting one reads no campaign), and expires `ADS_TOKEN_SECONDS` after it was made.
`token_id` (random, 128 bits) is what makes each event count once: impressions,
clicks and tracking events are unique on it. A token is signed with `SECRET_KEY`
(django.core.signing), so it cannot be forged, and carries no secret: it may sit in a
URL.
"""

import secrets
import time
from dataclasses import dataclass

from django.conf import settings
from django.core import signing

TOKEN_SALT = "ads.served-ad"


@dataclass(frozen=True)
class AdToken:
    token_id: str
    creative_id: str
    campaign_id: str
    placement: str
    viewer_key: str
    user_id: str | None
    country: str
    device: str
    advertiser_id: str
    pricing: str  # Campaign.Pricing
    bid_millicoins: int
    expires: int  # unix seconds


class AdTokenInvalid(ValueError):
    """Not a token we signed, or malformed."""


class AdTokenExpired(ValueError):
    """Signed by us, but past its expiry."""


def ad_token_make(
    *,
    creative,
    placement: str,
    viewer_key: str,
    user_id,
    country: str,
    device: str,
    now: float | None = None,
) -> tuple[str, AdToken]:
    """A new token (and what it says) for one ad, `creative` (with its campaign),
    served to one viewer."""
    issued = int(now if now is not None else time.time())
    campaign = creative.campaign
    token = AdToken(
        token_id=secrets.token_hex(16),
        creative_id=str(creative.pk),
        campaign_id=str(campaign.pk),
        placement=placement,
        viewer_key=viewer_key,
        user_id=str(user_id) if user_id is not None else None,
        country=country,
        device=device,
        advertiser_id=str(campaign.advertiser_id),
        pricing=campaign.pricing,
        bid_millicoins=campaign.bid_millicoins,
        expires=issued + settings.ADS_TOKEN_SECONDS,
    )
    payload = [
        token.token_id,
        token.creative_id,
        token.campaign_id,
        token.placement,
        token.viewer_key,
        token.user_id,
        token.country,
        token.device,
        token.advertiser_id,
        token.pricing,
        token.bid_millicoins,
        token.expires,
    ]
    return signing.dumps(payload, salt=TOKEN_SALT, compress=True), token


def ad_token_read(value: str, *, now: float | None = None) -> AdToken:
    """What `value` says; `AdTokenInvalid` or `AdTokenExpired` otherwise."""
    try:
        payload = signing.loads(value, salt=TOKEN_SALT)
        token = AdToken(
            token_id=str(payload[0]),
            creative_id=str(payload[1]),
            campaign_id=str(payload[2]),
            placement=str(payload[3]),
            viewer_key=str(payload[4]),
            user_id=None if payload[5] is None else str(payload[5]),
            country=str(payload[6]),
            device=str(payload[7]),
            advertiser_id=str(payload[8]),
            pricing=str(payload[9]),
            bid_millicoins=int(payload[10]),
            expires=int(payload[11]),
        )
    except (signing.BadSignature, IndexError, TypeError, ValueError):
        raise AdTokenInvalid() from None
    if token.expires < (now if now is not None else time.time()):
        raise AdTokenExpired()
    return token
