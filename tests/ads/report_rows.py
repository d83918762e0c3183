"""Raw impressions and clicks written directly, with chosen costs, places and times, for
the aggregation and report tests (what the tracking endpoints would have recorded)."""

import secrets
from datetime import UTC, datetime

from ads.models import Campaign, Click, Creative, Impression


def at(text: str) -> datetime:
    """A UTC time from `YYYY-MM-DD HH:MM[:SS[.ffffff]]`."""
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def impression_add(
    creative: Creative,
    *,
    when: str,
    viewer: str = "viewer-1",
    country: str = "US",
    device: str = Campaign.Device.MOBILE,
    cost_micro: int = 2_000,
) -> Impression:
    return Impression.objects.create(
        creative=creative,
        campaign_id=creative.campaign_id,
        placement=Campaign.Placement.FEED,
        viewer_key=viewer,
        country=country,
        device=device,
        cost_micro=cost_micro,
        created_at=at(when),
        token_id=secrets.token_hex(16),
    )


def click_add(
    creative: Creative,
    *,
    when: str,
    viewer: str = "viewer-1",
    country: str = "US",
    device: str = Campaign.Device.MOBILE,
    cost_micro: int = 0,
    invalid_reason: str = "",
) -> Click:
    return Click.objects.create(
        creative=creative,
        campaign_id=creative.campaign_id,
        placement=Campaign.Placement.FEED,
        viewer_key=viewer,
        country=country,
        device=device,
        cost_micro=cost_micro,
        created_at=at(when),
        token_id=secrets.token_hex(16),
        ip_digest="0" * 64,
        is_valid=not invalid_reason,
        invalid_reason=invalid_reason,
    )
