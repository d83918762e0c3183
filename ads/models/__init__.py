"""Ads app: advertisers, campaigns, creatives, and what serving them recorded."""

from ads.models.campaigns import (
    MICROS_PER_COIN,
    MILLIS_PER_COIN,
    Advertiser,
    Campaign,
    Creative,
)
from ads.models.tracking import Click, DailyStat, Impression, TrackingEvent

__all__ = [
    "MICROS_PER_COIN",
    "MILLIS_PER_COIN",
    "Advertiser",
    "Campaign",
    "Click",
    "Creative",
    "DailyStat",
    "Impression",
    "TrackingEvent",
]
