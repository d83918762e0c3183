"""Builders shared by the serving tests: servable campaigns and decisions."""

from datetime import datetime

from ads.models import Advertiser, Campaign, Creative
from ads.selectors.serving import ads_select
from ads.serving_cache import serving_snapshot_invalidate
from ads.viewers import Viewer
from tests.ads.billing import advertiser_fund_coins
from tests.ads.factories import AdvertiserFactory, CampaignFactory, CreativeFactory

FUNDED_COINS = 1_000


def servable_campaign(*, advertiser: Advertiser | None = None, **fields) -> Campaign:
    """An active campaign with one approved creative, of `advertiser` as it is, or else
    of a new advertiser funded with `FUNDED_COINS` through the fund service."""
    advertiser = advertiser or advertiser_fund_coins(AdvertiserFactory(), FUNDED_COINS)
    campaign = CampaignFactory(advertiser=advertiser, status=Campaign.Status.ACTIVE, **fields)
    CreativeFactory(campaign=campaign)
    return campaign


def creative_of(campaign: Campaign) -> Creative:
    return campaign.creatives.get()


def viewer(key: str = "viewer-1", **facts) -> Viewer:
    """A viewer with the targeting facts given (anonymous unless `user` is given)."""
    return Viewer(user=facts.pop("user", None), viewer_key=key, **facts)


def served_campaigns(
    who: Viewer | None = None,
    *,
    placement: str = "feed",
    count: int = 10,
    now: datetime | None = None,
) -> list:
    """The campaign ids a decision picks, best first."""
    served = ads_select(viewer=who or viewer(), placement=placement, count=count, now=now)
    return [ad.creative.campaign_id for ad in served]


def serving_changed(capture) -> None:
    """Bump the serving version as a committed change does (`capture` is pytest-django's
    `django_capture_on_commit_callbacks`: the test's transaction never commits)."""
    with capture(execute=True):
        serving_snapshot_invalidate()
