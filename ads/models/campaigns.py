"""Advertisers, their campaigns and the creatives a campaign promotes.

Money: budgets are whole coins (the ledger's unit); a bid is in thousandths of a coin
(`bid_millicoins`: per thousand impressions for CPM, per click for CPC); spend is kept
in millionths of a coin (`*_micro`), so one CPM impression costs exactly
`bid_millicoins` micro-coins and no fraction is ever rounded away. The settlement
moves whole coins to the ledger and carries the remainder to its next run.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from core.fields import PortableArrayField
from core.models import BaseModel
from videos.models import Video

MILLIS_PER_COIN = 1_000
MICROS_PER_COIN = 1_000_000

COUNTRY_LENGTH = 2  # ISO 3166-1 alpha-2, upper case
LANGUAGE_MAX_LENGTH = 16  # a BCP 47 primary tag, lower case ("en", "pt")
INTEREST_MAX_LENGTH = 40
TARGETING_MAX_ITEMS = 250


class Advertiser(BaseModel):
    """A user's self-serve advertising account (one per user).

    Its coins are the owner's ledger account of role `advertising`, funded from and
    withdrawn to the owner's wallet. `spendable_micro` is that balance minus the spend
    that has been reserved by impressions and clicks but not settled yet: each billable
    event takes its cost from it with a conditional update, so the advertiser can never
    spend (or withdraw) coins it does not have.
    """

    class Status(models.TextChoices):
        ACTIVE = "active"
        SUSPENDED = "suspended"

    owner = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="advertiser"
    )
    name = models.CharField(max_length=100)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACTIVE)
    suspended_reason = models.CharField(max_length=500, blank=True)
    spendable_micro = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(spendable_micro__gte=0), name="ads_advertiser_spendable_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Campaign(BaseModel):
    """What an advertiser pays for, to whom it is shown, and what it has spent."""

    class Status(models.TextChoices):
        DRAFT = "draft"
        ACTIVE = "active"
        PAUSED = "paused"
        COMPLETED = "completed"
        EXHAUSTED = "exhausted"

    class Pricing(models.TextChoices):
        CPM = "cpm"
        CPC = "cpc"

    class Pacing(models.TextChoices):
        EVEN = "even"
        ASAP = "asap"

    class FrequencyPeriod(models.TextChoices):
        HOUR = "hour"
        DAY = "day"
        WEEK = "week"

    class Device(models.TextChoices):
        MOBILE = "mobile"
        TABLET = "tablet"
        DESKTOP = "desktop"
        TV = "tv"

    class Placement(models.TextChoices):
        FEED = "feed"
        PREROLL = "preroll"

    advertiser = models.ForeignKey(Advertiser, on_delete=models.CASCADE, related_name="campaigns")
    name = models.CharField(max_length=100)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    start_at = models.DateTimeField()
    end_at = models.DateTimeField(null=True, blank=True)
    total_budget = models.PositiveBigIntegerField(help_text="Coins.")
    daily_budget = models.PositiveBigIntegerField(help_text="Coins.")
    pricing = models.CharField(max_length=3, choices=Pricing.choices, default=Pricing.CPM)
    bid_millicoins = models.PositiveBigIntegerField(
        help_text="Thousandths of a coin: per thousand impressions (CPM) or per click (CPC)."
    )
    pacing = models.CharField(max_length=4, choices=Pacing.choices, default=Pacing.EVEN)
    frequency_cap_impressions = models.PositiveIntegerField(null=True, blank=True)
    frequency_cap_period = models.CharField(
        max_length=4, choices=FrequencyPeriod.choices, blank=True
    )
    # Targeting: an empty list (or no age bound) matches everyone; a non-empty one
    # matches only viewers who gave that field and whose value is in it.
    target_countries = PortableArrayField(
        models.CharField(max_length=COUNTRY_LENGTH),
        size=TARGETING_MAX_ITEMS,
        default=list,
        blank=True,
    )
    target_languages = PortableArrayField(
        models.CharField(max_length=LANGUAGE_MAX_LENGTH),
        size=TARGETING_MAX_ITEMS,
        default=list,
        blank=True,
    )
    target_interests = PortableArrayField(
        models.CharField(max_length=INTEREST_MAX_LENGTH),
        size=TARGETING_MAX_ITEMS,
        default=list,
        blank=True,
    )
    target_age_min = models.PositiveSmallIntegerField(null=True, blank=True)
    target_age_max = models.PositiveSmallIntegerField(null=True, blank=True)
    target_devices = PortableArrayField(
        models.CharField(max_length=8, choices=Device.choices), size=4, default=list, blank=True
    )
    placements = PortableArrayField(
        models.CharField(max_length=8, choices=Placement.choices),
        size=2,
        default=list,
        blank=True,
        help_text="Where it may run; empty means every placement.",
    )
    # Spend, in millionths of a coin. `spent_micro` only grows; `settled_micro` is the
    # part already moved to the ledger (whole coins); `spend_day` is the UTC day that
    # `spent_today_micro` counts.
    spent_micro = models.PositiveBigIntegerField(default=0)
    settled_micro = models.PositiveBigIntegerField(default=0)
    spend_day = models.DateField(null=True, blank=True)
    spent_today_micro = models.PositiveBigIntegerField(default=0)
    impression_count = models.PositiveBigIntegerField(default=0)
    click_count = models.PositiveBigIntegerField(default=0)

    class Meta:
        constraints = [
            # The last line of defence behind the conditional updates that reserve spend.
            models.CheckConstraint(
                condition=Q(spent_micro__lte=F("total_budget") * MICROS_PER_COIN),
                name="ads_campaign_spend_within_budget",
            ),
            models.CheckConstraint(
                condition=Q(spent_today_micro__lte=F("daily_budget") * MICROS_PER_COIN),
                name="ads_campaign_daily_spend_within_budget",
            ),
            models.CheckConstraint(
                condition=Q(settled_micro__lte=F("spent_micro")),
                name="ads_campaign_settled_within_spent",
            ),
            models.CheckConstraint(
                condition=Q(daily_budget__lte=F("total_budget")),
                name="ads_campaign_daily_within_total",
            ),
            models.CheckConstraint(
                condition=Q(end_at__isnull=True) | Q(end_at__gt=F("start_at")),
                name="ads_campaign_ends_after_start",
            ),
            models.CheckConstraint(
                condition=(
                    Q(frequency_cap_impressions__isnull=True, frequency_cap_period="")
                    | Q(frequency_cap_impressions__isnull=False) & ~Q(frequency_cap_period="")
                ),
                name="ads_campaign_frequency_cap_whole",
            ),
        ]
        indexes = [
            models.Index(fields=["advertiser", "-created_at", "-id"], name="ads_campaign_owner"),
            models.Index(
                fields=["status", "id"], name="ads_campaign_active", condition=Q(status="active")
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Creative(BaseModel):
    """One promoted video of a campaign, with its headline and call to action; served
    only once staff approved it."""

    class Review(models.TextChoices):
        PENDING = "pending"
        APPROVED = "approved"
        REJECTED = "rejected"

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="creatives")
    video = models.ForeignKey(Video, on_delete=models.CASCADE, related_name="ad_creatives")
    headline = models.CharField(max_length=100)
    call_to_action = models.CharField(max_length=30)
    click_url = models.URLField(max_length=2000)
    review_status = models.CharField(max_length=8, choices=Review.choices, default=Review.PENDING)
    rejection_reason = models.CharField(max_length=500, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["campaign", "-created_at", "-id"], name="ads_creative_campaign"),
            models.Index(
                fields=["review_status", "created_at"],
                name="ads_creative_pending",
                condition=Q(review_status="pending"),
            ),
        ]

    def __str__(self) -> str:
        return self.headline
