"""Campaigns: creating and editing them (with their validation), activating, pausing,
deleting, and completing those past their end.

Every change to what may be served calls `serving_snapshot_invalidate()`. Writes to a
campaign's row lock it first (`access_campaign(lock=True)` or `_locked`), the order
serving uses: the campaign, then its advertiser.
"""

from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from ads.exceptions import (
    AGE_RANGE_INVALID,
    CAMPAIGN_ENDS_BEFORE_START,
    DAILY_BUDGET_BELOW_SPENT,
    DAILY_BUDGET_OVER_TOTAL,
    FREQUENCY_CAP_INCOMPLETE,
    TOTAL_BUDGET_BELOW_SPENT,
    AdvertiserBalanceEmpty,
    AdvertiserSuspended,
    CampaignBudgetSpent,
    CampaignEnded,
    CampaignHasSpend,
    CampaignNotActive,
    CampaignNotEditable,
    NoApprovedCreative,
)
from ads.models import MICROS_PER_COIN, Advertiser, Campaign, Creative
from ads.serving_cache import serving_snapshot_invalidate

Status = Campaign.Status

EDITABLE_STATUSES = (Status.DRAFT, Status.PAUSED, Status.ACTIVE)

# What `campaign_create` and `campaign_update` take, beside the advertiser.
CAMPAIGN_FIELDS = (
    "name",
    "start_at",
    "end_at",
    "total_budget",
    "daily_budget",
    "pricing",
    "bid_millicoins",
    "pacing",
    "frequency_cap_impressions",
    "frequency_cap_period",
    "target_countries",
    "target_languages",
    "target_interests",
    "target_age_min",
    "target_age_max",
    "target_devices",
    "placements",
)


def _locked(campaign: Campaign) -> Campaign:
    """`campaign` read again under its row lock (call in a transaction)."""
    return (
        Campaign.objects.select_for_update(of=("self",), no_key=True)
        .select_related("advertiser")
        .get(pk=campaign.pk)
    )


def _validate(campaign: Campaign) -> None:
    """The rules across fields (each field's own are the serializer's), on the
    campaign as it would be saved; raises a 400 `validation_error` naming the field."""
    if campaign.end_at is not None and campaign.end_at <= campaign.start_at:
        raise CAMPAIGN_ENDS_BEFORE_START.error()
    if campaign.daily_budget > campaign.total_budget:
        raise DAILY_BUDGET_OVER_TOTAL.error()
    if campaign.total_budget * MICROS_PER_COIN < campaign.spent_micro:
        raise TOTAL_BUDGET_BELOW_SPENT.error()
    if campaign.daily_budget * MICROS_PER_COIN < campaign.spent_today_micro:
        raise DAILY_BUDGET_BELOW_SPENT.error()
    if (campaign.frequency_cap_impressions is None) != (not campaign.frequency_cap_period):
        raise FREQUENCY_CAP_INCOMPLETE.error()
    if (
        campaign.target_age_min is not None
        and campaign.target_age_max is not None
        and campaign.target_age_min > campaign.target_age_max
    ):
        raise AGE_RANGE_INVALID.error()


def _apply(campaign: Campaign, fields: dict[str, Any]) -> list[str]:
    """Set `fields` on `campaign`; the names of those that changed."""
    unknown = set(fields) - set(CAMPAIGN_FIELDS)
    if unknown:
        raise TypeError(f"Unknown campaign fields: {sorted(unknown)}")
    changed = []
    for name, value in fields.items():
        if getattr(campaign, name) != value:
            setattr(campaign, name, value)
            changed.append(name)
    return changed


@transaction.atomic
def campaign_create(*, advertiser: Advertiser, **fields: Any) -> Campaign:
    """A new draft campaign of `advertiser` (validated as `_validate` says)."""
    campaign = Campaign(advertiser=advertiser)
    _apply(campaign, fields)
    _validate(campaign)
    campaign.save()
    return campaign


@transaction.atomic
def campaign_update(*, campaign: Campaign, **fields: Any) -> Campaign:
    """Change a draft, paused or active campaign (`campaign_not_editable`, 409,
    otherwise); a budget never goes below what was spent (in total, and today)."""
    campaign = _locked(campaign)
    if campaign.status not in EDITABLE_STATUSES:
        raise CampaignNotEditable()
    today = timezone.now().date()
    if campaign.spend_day != today and campaign.spent_today_micro:
        # Yesterday's spend does not count against today's budget: forget it, as the
        # next billable event would (under the same row lock).
        campaign.spent_today_micro = 0
        fields_reset = ["spent_today_micro"]
    else:
        fields_reset = []
    changed = _apply(campaign, fields)
    _validate(campaign)
    if changed or fields_reset:
        campaign.save(update_fields=[*changed, *fields_reset, "updated_at"])
        serving_snapshot_invalidate()
    return campaign


def _campaign_ended(campaign: Campaign, now: datetime) -> bool:
    return campaign.status == Status.COMPLETED or (
        campaign.end_at is not None and campaign.end_at <= now
    )


@transaction.atomic
def campaign_activate(*, campaign: Campaign, now: datetime | None = None) -> Campaign:
    """Start (or resume) serving the campaign; an active one stays so.

    Refused, in this order: `advertiser_suspended` (403); `campaign_ended` (409) when
    completed or past its end; `campaign_budget_spent` (409) when its total budget is
    spent; `no_approved_creative` (409); `advertiser_balance_empty` (402) when the
    advertiser has no spendable coins. Locks the campaign, then reads its advertiser."""
    now = now or timezone.now()
    campaign = _locked(campaign)
    advertiser = campaign.advertiser
    if advertiser.status == Advertiser.Status.SUSPENDED:
        raise AdvertiserSuspended()
    if _campaign_ended(campaign, now):
        raise CampaignEnded()
    if campaign.spent_micro >= campaign.total_budget * MICROS_PER_COIN:
        raise CampaignBudgetSpent()
    if not campaign.creatives.filter(review_status=Creative.Review.APPROVED).exists():
        raise NoApprovedCreative()
    if advertiser.spendable_micro <= 0:
        raise AdvertiserBalanceEmpty()
    if campaign.status != Status.ACTIVE:
        campaign.status = Status.ACTIVE
        campaign.save(update_fields=["status", "updated_at"])
        serving_snapshot_invalidate()
    return campaign


@transaction.atomic
def campaign_pause(*, campaign: Campaign) -> Campaign:
    """Stop serving an active campaign at once (`campaign_not_active`, 409, for a
    draft, completed or exhausted one); a paused one stays so."""
    campaign = _locked(campaign)
    if campaign.status == Status.PAUSED:
        return campaign
    if campaign.status != Status.ACTIVE:
        raise CampaignNotActive()
    campaign.status = Status.PAUSED
    campaign.save(update_fields=["status", "updated_at"])
    serving_snapshot_invalidate()
    return campaign


@transaction.atomic
def campaign_delete(*, campaign: Campaign) -> None:
    """Delete a draft campaign, or one that never spent, with its creatives; one that
    spent keeps its records (`campaign_has_spend`, 409: pause it instead)."""
    campaign = _locked(campaign)
    if campaign.status != Status.DRAFT and campaign.spent_micro > 0:
        raise CampaignHasSpend()
    campaign.delete()
    serving_snapshot_invalidate()


@transaction.atomic
def campaigns_complete(*, now: datetime | None = None) -> int:
    """Mark the active and paused campaigns past their end `completed`; how many."""
    now = now or timezone.now()
    completed = Campaign.objects.filter(
        status__in=(Status.ACTIVE, Status.PAUSED), end_at__isnull=False, end_at__lte=now
    ).update(status=Status.COMPLETED, updated_at=now)
    if completed:
        serving_snapshot_invalidate()
    return completed
