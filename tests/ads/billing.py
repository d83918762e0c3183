"""Helpers of the billing and serving tests: funding an advertiser through the real
service, running campaigns, and the tokens serving would have handed out."""

import time

from django.conf import settings

from ads.models import Advertiser, Campaign, Creative
from ads.services.advertisers import advertiser_fund
from ads.tokens import ad_token_make
from tests.ads.factories import CreativeFactory
from tests.payments.factories import wallet_fund


def advertiser_fund_coins(advertiser: Advertiser, coins: int) -> Advertiser:
    """Give `advertiser` `coins` to spend: a top-up of its owner's wallet, then the
    advertisers' `fund` service (wallet -> advertising account, `spendable_micro`)."""
    wallet_fund(advertiser.owner, coins)
    return advertiser_fund(advertiser=advertiser, amount=coins)


def running_creative(*, coins: int = 100, **campaign) -> Creative:
    """An approved creative of an active campaign (CampaignFactory's defaults, changed
    by `campaign`) whose advertiser has `coins` to spend."""
    creative = CreativeFactory(
        campaign__status=Campaign.Status.ACTIVE,
        **{f"campaign__{name}": value for name, value in campaign.items()},
    )
    if coins:
        advertiser_fund_coins(creative.campaign.advertiser, coins)
    return creative


def served_token(
    creative: Creative,
    *,
    viewer_key: str = "anon:viewer",
    user_id=None,
    placement: str = "feed",
    issued: float | None = None,
) -> str:
    """The token serving hands out with `creative` (issued now, or at `issued`)."""
    token, _ = ad_token_make(
        creative=creative,
        placement=placement,
        viewer_key=viewer_key,
        user_id=user_id,
        country="FR",
        device="mobile",
        now=issued,
    )
    return token


def expired_token(creative: Creative, **options) -> str:
    """A token whose lifetime ended a second ago."""
    return served_token(creative, issued=time.time() - settings.ADS_TOKEN_SECONDS - 1, **options)


def forged_token(creative: Creative) -> str:
    """A real token with its last character changed: the signature no longer matches."""
    token = served_token(creative)
    return token[:-1] + ("A" if token[-1] != "A" else "B")


def campaign_of(creative: Creative) -> Campaign:
    return Campaign.objects.get(pk=creative.campaign_id)


def spendable(advertiser_id) -> int:
    return Advertiser.objects.values_list("spendable_micro", flat=True).get(pk=advertiser_id)
