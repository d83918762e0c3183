"""The serving decision: which approved creatives a viewer gets for a placement.

(The first version: active campaigns' approved creatives, highest bid first, with no
targeting, caps or pacing; the serving work replaces the body, not the interface.)
"""

from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone

from ads.models import Campaign, Creative
from ads.tokens import AdToken, ad_token_make
from ads.viewers import Viewer


@dataclass(frozen=True)
class ServedAd:
    creative: Creative  # with its campaign and video loaded
    token: str  # signed: the impression, click and tracking URLs carry it
    ticket: AdToken  # what the token says


def ads_select(
    *, viewer: Viewer, placement: str, count: int, now: datetime | None = None
) -> list[ServedAd]:
    """Up to `count` creatives of different campaigns for `viewer` at `placement`,
    best first, each with a new token."""
    now = now or timezone.now()
    creatives = (
        Creative.objects.filter(
            review_status=Creative.Review.APPROVED,
            campaign__status=Campaign.Status.ACTIVE,
            campaign__start_at__lte=now,
        )
        .select_related("campaign", "video", "video__owner")
        .order_by("-campaign__bid_millicoins", "campaign_id", "id")
    )
    served: list[ServedAd] = []
    campaigns: set = set()
    for creative in creatives:
        if len(served) >= count:
            break
        if creative.campaign_id in campaigns:
            continue
        campaigns.add(creative.campaign_id)
        token, ticket = ad_token_make(
            creative_id=creative.pk,
            campaign_id=creative.campaign_id,
            placement=placement,
            viewer_key=viewer.viewer_key,
            user_id=viewer.user.pk if viewer.user is not None else None,
            country=viewer.country,
            device=viewer.device,
        )
        served.append(ServedAd(creative=creative, token=token, ticket=ticket))
    return served
