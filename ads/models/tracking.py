"""What serving recorded: impressions, clicks, player tracking events, daily sums.

Raw rows are written once per token (a unique constraint makes "counted once" hold
across processes); `ads_aggregate` sums them into `DailyStat` for the reports.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q

from ads.models.campaigns import COUNTRY_LENGTH, Campaign, Creative

TOKEN_ID_LENGTH = 32
VIEWER_KEY_MAX_LENGTH = 64


class _Served(models.Model):
    """Who saw what, where: shared by impressions and clicks.

    Every impression writes one row, so each index is paid for on the hottest insert
    of the ads: the campaign's lookups use the subclasses' `(campaign, created_at)`
    index (no index of the campaign alone), and the user's (`SET_NULL` when an account
    goes) a partial one that anonymous viewers' rows stay out of."""

    id = models.BigAutoField(primary_key=True)
    creative = models.ForeignKey(Creative, on_delete=models.CASCADE, related_name="+")
    campaign = models.ForeignKey(
        Campaign, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    placement = models.CharField(max_length=8, choices=Campaign.Placement.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )
    # The signed-in user's id, or an anonymous viewer's id: frequency caps, click dedup
    # and reach count by it.
    viewer_key = models.CharField(max_length=VIEWER_KEY_MAX_LENGTH)
    country = models.CharField(max_length=COUNTRY_LENGTH, blank=True)
    device = models.CharField(max_length=8, choices=Campaign.Device.choices, blank=True)
    cost_micro = models.PositiveBigIntegerField(default=0)
    created_at = models.DateTimeField()

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{type(self).__name__.lower()} {self.pk} of {self.creative_id}"


class Impression(_Served):
    """An ad seen, counted once per impression token."""

    token_id = models.CharField(max_length=TOKEN_ID_LENGTH)

    class Meta:
        # A constraint, not `unique=True`: PostgreSQL would get a second index for
        # `LIKE` on the token besides (nothing searches tokens).
        constraints = [
            models.UniqueConstraint(fields=["token_id"], name="ads_impression_once_per_token"),
        ]
        indexes = [
            models.Index(fields=["viewer_key", "created_at"], name="ads_impression_viewer"),
            models.Index(fields=["campaign", "created_at"], name="ads_impression_campaign"),
            models.Index(fields=["created_at"], name="ads_impression_time"),
            models.Index(
                fields=["user"], name="ads_impression_user", condition=Q(user__isnull=False)
            ),
        ]


class Click(_Served):
    """A click on an ad. An invalid one (a duplicate within the dedup window, or from a
    client address over its daily limit) is kept for the logs, costs nothing and is
    not counted."""

    class Invalid(models.TextChoices):
        DUPLICATE = "duplicate"
        ADDRESS_OVER_LIMIT = "address_over_limit"

    token_id = models.CharField(max_length=TOKEN_ID_LENGTH)
    ip_digest = models.CharField(max_length=64, help_text="Keyed digest of the client address.")
    is_valid = models.BooleanField(default=True)
    invalid_reason = models.CharField(max_length=20, choices=Invalid.choices, blank=True)

    class Meta:
        indexes = [
            models.Index(
                fields=["viewer_key", "creative", "created_at"], name="ads_click_viewer_creative"
            ),
            models.Index(fields=["ip_digest", "created_at"], name="ads_click_address"),
            models.Index(fields=["campaign", "created_at"], name="ads_click_campaign"),
            models.Index(
                fields=["created_at"], name="ads_click_invalid", condition=Q(is_valid=False)
            ),
            models.Index(fields=["user"], name="ads_click_user", condition=Q(user__isnull=False)),
        ]


class TrackingEvent(models.Model):
    """A VAST player event (start, quartiles, complete, skip, error), once per token."""

    class Event(models.TextChoices):
        START = "start"
        FIRST_QUARTILE = "firstQuartile"
        MIDPOINT = "midpoint"
        THIRD_QUARTILE = "thirdQuartile"
        COMPLETE = "complete"
        SKIP = "skip"
        ERROR = "error"

    id = models.BigAutoField(primary_key=True)
    token_id = models.CharField(max_length=TOKEN_ID_LENGTH)
    event = models.CharField(max_length=16, choices=Event.choices)
    creative = models.ForeignKey(Creative, on_delete=models.CASCADE, related_name="+")
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="+")
    error_code = models.CharField(max_length=8, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["token_id", "event"], name="ads_tracking_event_once_per_token"
            ),
        ]
        indexes = [
            models.Index(fields=["campaign", "created_at"], name="ads_tracking_campaign"),
        ]

    def __str__(self) -> str:
        return f"{self.event} of {self.token_id}"


class DailyStat(models.Model):
    """Impressions, clicks and spend per campaign, creative, UTC day, country and
    device: what `ads_aggregate` sums from the raw rows (recomputed, so reruns are
    safe)."""

    id = models.BigAutoField(primary_key=True)
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="daily_stats")
    creative = models.ForeignKey(Creative, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    country = models.CharField(max_length=COUNTRY_LENGTH, blank=True)
    device = models.CharField(max_length=8, choices=Campaign.Device.choices, blank=True)
    impressions = models.PositiveBigIntegerField(default=0)
    clicks = models.PositiveBigIntegerField(default=0)
    spend_micro = models.PositiveBigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "creative", "day", "country", "device"],
                name="ads_daily_stat_unique",
            ),
        ]
        indexes = [
            models.Index(fields=["campaign", "day"], name="ads_daily_stat_campaign_day"),
        ]

    def __str__(self) -> str:
        return f"{self.campaign_id} {self.day}"
