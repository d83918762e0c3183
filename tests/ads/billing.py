"""Helpers of the billing tests: funding an advertiser as the design says, running
campaigns, and the tokens serving would have handed out.

`advertiser_fund_coins` does what the advertisers' `fund` does (wallet -> the advertising
account through the ledger, then `spendable_micro` grows by as much): once that service
is merged, call it here instead.
"""

import time
import uuid

from django.conf import settings
from django.db.models import F

from ads.models import MICROS_PER_COIN, Advertiser, Campaign, Creative
from ads.tokens import ad_token_make
from payments.models import LedgerAccount, LedgerTransaction
from payments.services.ledger import ledger_account_for_user, ledger_post
from tests.ads.factories import CreativeFactory
from tests.payments.factories import wallet_fund

Role = LedgerAccount.Role


def advertiser_fund_coins(advertiser: Advertiser, coins: int) -> None:
    """Give `advertiser` `coins` to spend, from a freshly topped-up wallet of its owner."""
    wallet_fund(advertiser.owner, coins)
    ledger_post(
        kind=LedgerTransaction.Kind.AD_FUND,
        entries=[
            (ledger_account_for_user(user=advertiser.owner, role=Role.WALLET), -coins),
            (ledger_account_for_user(user=advertiser.owner, role=Role.ADVERTISING), coins),
        ],
        idempotency_key=f"test-ad-fund:{uuid.uuid4()}",
        initiator=advertiser.owner,
    )
    Advertiser.objects.filter(pk=advertiser.pk).update(
        spendable_micro=F("spendable_micro") + coins * MICROS_PER_COIN
    )


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
        creative_id=creative.pk,
        campaign_id=creative.campaign_id,
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
