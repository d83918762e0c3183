"""Settlement: moving the spend that impressions and clicks reserved from advertisers'
ledger accounts to platform revenue, in batches, and the invariant that ties the two.

Reserving (services/tracking.py) never touches the ledger, so the hot platform-revenue
account is not written per impression: `ads_settle` (run by Celery beat and
`manage.py ads_settle`) posts one balanced `ad_spend` transaction per campaign per run,
of the whole coins reserved since the last one; the fraction of a coin waits for the
next run, so nothing is lost to rounding.

The invariant, for each advertiser: its ledger balance * 1e6 equals its
`spendable_micro` plus, over its campaigns, `spent_micro - settled_micro` (reserved,
not settled yet). Funding and withdrawing move both sides by the same amount;
reserving moves spend from `spendable_micro` to the campaign; settling moves whole
coins from the ledger balance and the campaign's unsettled spend at once.
"""

import logging
from dataclasses import dataclass, field
from datetime import datetime

from django.db import transaction
from django.db.models import F, OuterRef, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from ads.models import MICROS_PER_COIN, Advertiser, Campaign
from core.locks import rows_lock
from payments.exceptions import InsufficientFunds
from payments.models import LedgerAccount, LedgerTransaction
from payments.services.ledger import ledger_account_for_user, ledger_post, platform_revenue_key

logger = logging.getLogger(__name__)

Role = LedgerAccount.Role


@dataclass(frozen=True)
class CampaignSettlement:
    """What one campaign settled in one run."""

    campaign_id: object
    campaign_name: str
    coins: int  # moved to platform revenue in this run
    carried_micro: int  # reserved but under a coin: waits for the next run
    failed: bool = False  # the advertiser's ledger account could not cover it (a bug)


@dataclass
class SettlementSummary:
    settled_at: datetime
    campaigns: list[CampaignSettlement] = field(default_factory=list)

    @property
    def coins(self) -> int:
        return sum(settlement.coins for settlement in self.campaigns)

    @property
    def failed(self) -> list[CampaignSettlement]:
        return [settlement for settlement in self.campaigns if settlement.failed]


def settlement_key(*, campaign_id, settled_micro: int) -> str:
    """The ledger idempotency key of a campaign's settlement from `settled_micro` on:
    a rerun that finds the same starting point posts nothing new."""
    return f"ad-settle:{campaign_id}:{settled_micro}"


@transaction.atomic
def campaign_settle(*, campaign_id, now: datetime) -> CampaignSettlement | None:
    """Settle one campaign's whole coins of reserved spend (None if it is gone).
    Locks the campaign's row, then (in `ledger_post`) the ledger accounts."""
    locked = rows_lock(
        Campaign.objects.filter(pk=campaign_id).select_related("advertiser"), no_key=True
    )
    if not locked:
        return None
    campaign = locked[0]
    settled_before = campaign.settled_micro
    unsettled = campaign.spent_micro - settled_before
    coins = unsettled // MICROS_PER_COIN
    if coins > 0:
        advertising = ledger_account_for_user(user=campaign.advertiser.owner, role=Role.ADVERTISING)
        try:
            ledger_post(
                kind=LedgerTransaction.Kind.AD_SPEND,
                entries=[
                    (advertising, -coins),
                    # The campaign's shard: settling campaigns in parallel never queues.
                    (platform_revenue_key(spread_by=campaign.pk), coins),
                ],
                idempotency_key=settlement_key(
                    campaign_id=campaign.pk, settled_micro=settled_before
                ),
                reference=campaign,
                description=f"Ad spend of campaign {campaign.name}",
                metadata={
                    "campaign": str(campaign.pk),
                    "settled_micro_before": settled_before,
                    "settled_at": now.isoformat(),
                },
            )
        except InsufficientFunds:
            logger.error(
                "Campaign %s reserved %s coins its advertiser's ledger account cannot cover.",
                campaign.pk,
                coins,
            )
            return CampaignSettlement(campaign.pk, campaign.name, 0, unsettled, failed=True)
        Campaign.objects.filter(pk=campaign.pk).update(
            settled_micro=F("settled_micro") + coins * MICROS_PER_COIN, updated_at=now
        )
    return CampaignSettlement(
        campaign.pk, campaign.name, coins, unsettled - coins * MICROS_PER_COIN
    )


def ads_settle(*, now: datetime | None = None) -> SettlementSummary:
    """Settle every campaign with at least a whole coin of reserved, unsettled spend:
    one `ad_spend` ledger transaction (advertiser's account -> platform revenue) per
    campaign, each in its own transaction. Safe to rerun, and to run beside serving:
    what is reserved meanwhile waits for the next run."""
    now = now or timezone.now()
    summary = SettlementSummary(settled_at=now)
    due = (
        Campaign.objects.filter(spent_micro__gte=F("settled_micro") + MICROS_PER_COIN)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    for campaign_id in list(due):
        settlement = campaign_settle(campaign_id=campaign_id, now=now)
        if settlement is not None and (settlement.coins or settlement.failed):
            summary.campaigns.append(settlement)
    return summary


# -- the invariant ---------------------------------------------------------------------


@dataclass(frozen=True)
class AdvertiserImbalance:
    """An advertiser whose ledger balance and reserved spend disagree (micro-coins)."""

    advertiser_id: object
    ledger_micro: int  # its advertising account's balance * 1e6
    expected_micro: int  # spendable_micro + its campaigns' unsettled spend


def ads_balance_check() -> list[AdvertiserImbalance]:
    """Every advertiser for whom `ledger balance * 1e6 == spendable_micro + sum over its
    campaigns of (spent_micro - settled_micro)` does not hold (empty when all is well)."""
    balance = LedgerAccount.objects.filter(
        owner=OuterRef("owner_id"), role=Role.ADVERTISING
    ).values("balance")[:1]
    unsettled = (
        Campaign.objects.filter(advertiser=OuterRef("pk"))
        .values("advertiser")
        .annotate(total=Sum(F("spent_micro") - F("settled_micro")))
        .values("total")
    )
    rows = (
        Advertiser.objects.annotate(
            ledger_balance=Coalesce(Subquery(balance), 0),
            unsettled_micro=Coalesce(Subquery(unsettled), 0),
        )
        .order_by("pk")
        .values_list("pk", "ledger_balance", "spendable_micro", "unsettled_micro")
    )
    problems = []
    for pk, ledger_balance, spendable, unsettled_micro in rows.iterator():
        ledger_micro = ledger_balance * MICROS_PER_COIN
        expected = spendable + unsettled_micro
        if ledger_micro != expected:
            problems.append(AdvertiserImbalance(pk, ledger_micro, expected))
    return problems
