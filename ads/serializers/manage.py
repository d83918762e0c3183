"""Ads management: the input and output shapes of advertisers, campaigns and creatives.

Money as the API writes it (`ads.money`): budgets in whole coins; `bid` a decimal
string of coins with at most 3 decimals; spend decimal strings of micro-coins.
"""

import re

from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from ads.exceptions import (
    BID_INVALID,
    BID_MAX_COINS,
    COUNTRY_INVALID,
    FREQUENCY_CAP_INCOMPLETE,
    LANGUAGE_INVALID,
)
from ads.models import MICROS_PER_COIN, MILLIS_PER_COIN, Advertiser, Campaign, Creative
from ads.models.campaigns import INTEREST_MAX_LENGTH, LANGUAGE_MAX_LENGTH, TARGETING_MAX_ITEMS
from ads.money import bid_display, bid_millicoins_parse, micro_coins_display
from core.serializers import ModelSerializer

NAME_MAX_LENGTH = 100
AMOUNT_MAX_COINS = 1_000_000_000
BUDGET_MAX_COINS = 1_000_000_000
AGE_MIN, AGE_MAX = 13, 120
FREQUENCY_CAP_MAX_IMPRESSIONS = 1_000_000
_COUNTRY = re.compile(r"\A[A-Z]{2}\Z")
_LANGUAGE = re.compile(r"\A[a-z]{2,8}\Z")

# -- advertisers ------------------------------------------------------------------------


class AdvertiserSerializer(ModelSerializer):
    """An advertiser as its owner (and staff) see it."""

    balance = serializers.SerializerMethodField(
        help_text="Whole coins spendable now (what may be withdrawn)."
    )
    spendable = serializers.SerializerMethodField(
        help_text="The exact spendable coins (6 decimals): the advertising account's "
        "balance minus the spend reserved by impressions and clicks and not settled yet."
    )

    class Meta:
        model = Advertiser
        fields = (
            "id",
            "name",
            "status",
            "suspended_reason",
            "balance",
            "spendable",
            "created_at",
            "updated_at",
        )
        read_only_fields = fields

    def get_balance(self, advertiser: Advertiser) -> int:
        return advertiser.spendable_micro // MICROS_PER_COIN

    def get_spendable(self, advertiser: Advertiser) -> str:
        return micro_coins_display(advertiser.spendable_micro)


class AdvertiserCreateSerializer(serializers.Serializer):
    name = serializers.CharField(min_length=1, max_length=NAME_MAX_LENGTH)


class AdvertiserUpdateSerializer(serializers.Serializer):
    name = serializers.CharField(min_length=1, max_length=NAME_MAX_LENGTH, required=False)


class AdvertiserAmountSerializer(serializers.Serializer):
    amount = serializers.IntegerField(
        min_value=1, max_value=AMOUNT_MAX_COINS, help_text="Whole coins."
    )


# -- campaigns --------------------------------------------------------------------------


class FrequencyCapSerializer(serializers.Serializer):
    """At most `max_impressions` impressions of the campaign per viewer `per` period."""

    max_impressions = serializers.IntegerField(
        min_value=1, max_value=FREQUENCY_CAP_MAX_IMPRESSIONS, required=False
    )
    per = serializers.ChoiceField(choices=Campaign.FrequencyPeriod.choices, required=False)


def _unique(values: list[str]) -> list[str]:
    return list(dict.fromkeys(values))


class CampaignWriteSerializer(serializers.Serializer):
    """What the advertiser's owner sets on a campaign; the rules across fields (end
    after start, daily budget within total, a budget never below what was spent, the
    age range) are the service's."""

    name = serializers.CharField(min_length=1, max_length=NAME_MAX_LENGTH)
    start_at = serializers.DateTimeField()
    end_at = serializers.DateTimeField(required=False, allow_null=True)
    total_budget = serializers.IntegerField(
        min_value=1, max_value=BUDGET_MAX_COINS, help_text="Whole coins."
    )
    daily_budget = serializers.IntegerField(
        min_value=1, max_value=BUDGET_MAX_COINS, help_text="Whole coins, at most the total."
    )
    pricing = serializers.ChoiceField(choices=Campaign.Pricing.choices, required=False)
    bid = serializers.CharField(
        max_length=20,
        help_text='Coins, as a decimal string with at most 3 decimals (`"2.5"`): per '
        "thousand impressions (CPM) or per click (CPC).",
    )
    pacing = serializers.ChoiceField(choices=Campaign.Pacing.choices, required=False)
    frequency_cap = FrequencyCapSerializer(
        required=False, allow_null=True, help_text="Both parts, or null for no cap."
    )
    target_countries = serializers.ListField(
        child=serializers.CharField(max_length=2),
        max_length=TARGETING_MAX_ITEMS,
        required=False,
        help_text="ISO 3166-1 alpha-2 codes, upper case; empty: every country.",
    )
    target_languages = serializers.ListField(
        child=serializers.CharField(max_length=LANGUAGE_MAX_LENGTH),
        max_length=TARGETING_MAX_ITEMS,
        required=False,
        help_text="BCP 47 primary tags, lower case; empty: every language.",
    )
    target_interests = serializers.ListField(
        child=serializers.CharField(min_length=1, max_length=INTEREST_MAX_LENGTH),
        max_length=TARGETING_MAX_ITEMS,
        required=False,
        help_text="Stored in lower case; empty: every viewer.",
    )
    target_age_min = serializers.IntegerField(
        min_value=AGE_MIN, max_value=AGE_MAX, required=False, allow_null=True
    )
    target_age_max = serializers.IntegerField(
        min_value=AGE_MIN, max_value=AGE_MAX, required=False, allow_null=True
    )
    target_devices = serializers.ListField(
        child=serializers.ChoiceField(choices=Campaign.Device.choices),
        max_length=len(Campaign.Device.choices),
        required=False,
        help_text="Empty: every device.",
    )
    placements = serializers.ListField(
        child=serializers.ChoiceField(choices=Campaign.Placement.choices),
        max_length=len(Campaign.Placement.choices),
        required=False,
        help_text="Empty: every placement.",
    )

    def validate_bid(self, value: str) -> int:
        millicoins = bid_millicoins_parse(value)
        if not millicoins or millicoins > BID_MAX_COINS * MILLIS_PER_COIN:
            raise serializers.ValidationError(BID_INVALID.detail())
        return millicoins

    def validate_frequency_cap(self, value: dict | None) -> dict | None:
        if not value:
            return None
        if len(value) != 2:
            raise serializers.ValidationError(FREQUENCY_CAP_INCOMPLETE.detail())
        return value

    def validate_target_countries(self, value: list[str]) -> list[str]:
        if any(not _COUNTRY.match(country) for country in value):
            raise serializers.ValidationError(COUNTRY_INVALID.detail())
        return _unique(value)

    def validate_target_languages(self, value: list[str]) -> list[str]:
        if any(not _LANGUAGE.match(language) for language in value):
            raise serializers.ValidationError(LANGUAGE_INVALID.detail())
        return _unique(value)

    def validate_target_interests(self, value: list[str]) -> list[str]:
        return _unique([interest.lower() for interest in value])

    def validate_target_devices(self, value: list[str]) -> list[str]:
        return _unique(value)

    def validate_placements(self, value: list[str]) -> list[str]:
        return _unique(value)

    def service_fields(self) -> dict:
        """The validated data as the services name the model's fields."""
        data = dict(self.validated_data)
        if "bid" in data:
            data["bid_millicoins"] = data.pop("bid")
        if "frequency_cap" in data:
            cap = data.pop("frequency_cap")
            data["frequency_cap_impressions"] = cap["max_impressions"] if cap else None
            data["frequency_cap_period"] = cap["per"] if cap else ""
        return data


class CampaignUpdateSerializer(CampaignWriteSerializer):
    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("partial", True)
        super().__init__(*args, **kwargs)


class CampaignSerializer(ModelSerializer):
    """A campaign as its advertiser's owner (and staff) see it: settings, targeting,
    spend and counts."""

    bid = serializers.SerializerMethodField(
        help_text="Coins, a decimal string with at most 3 decimals."
    )
    frequency_cap = serializers.SerializerMethodField()
    spent = serializers.SerializerMethodField(help_text="Coins spent in total (6 decimals).")
    spent_today = serializers.SerializerMethodField(
        help_text="Coins spent today, UTC (6 decimals)."
    )
    settled = serializers.SerializerMethodField(
        help_text="Coins of the spend already moved to the platform (6 decimals)."
    )
    impressions = serializers.IntegerField(source="impression_count", read_only=True)
    clicks = serializers.IntegerField(source="click_count", read_only=True)

    class Meta:
        model = Campaign
        fields = (
            "id",
            "advertiser",
            "name",
            "status",
            "start_at",
            "end_at",
            "total_budget",
            "daily_budget",
            "pricing",
            "bid",
            "pacing",
            "frequency_cap",
            "target_countries",
            "target_languages",
            "target_interests",
            "target_age_min",
            "target_age_max",
            "target_devices",
            "placements",
            "spent",
            "spent_today",
            "settled",
            "impressions",
            "clicks",
            "created_at",
            "updated_at",
        )
        read_only_fields = fields

    def get_bid(self, campaign: Campaign) -> str:
        return bid_display(campaign.bid_millicoins)

    @extend_schema_field(FrequencyCapSerializer(allow_null=True))
    def get_frequency_cap(self, campaign: Campaign) -> dict | None:
        if campaign.frequency_cap_impressions is None:
            return None
        return {
            "max_impressions": campaign.frequency_cap_impressions,
            "per": campaign.frequency_cap_period,
        }

    def get_spent(self, campaign: Campaign) -> str:
        return micro_coins_display(campaign.spent_micro)

    def get_spent_today(self, campaign: Campaign) -> str:
        today = timezone.now().date()
        return micro_coins_display(campaign.spent_today_micro if campaign.spend_day == today else 0)

    def get_settled(self, campaign: Campaign) -> str:
        return micro_coins_display(campaign.settled_micro)


# -- creatives --------------------------------------------------------------------------


class CreativeVideoSerializer(serializers.Serializer):
    id = serializers.UUIDField(read_only=True)
    title = serializers.CharField(read_only=True)
    duration_seconds = serializers.FloatField(read_only=True, allow_null=True)


class CreativeSerializer(ModelSerializer):
    """A creative as its advertiser's owner (and staff) see it, with its review."""

    video = CreativeVideoSerializer(read_only=True)

    class Meta:
        model = Creative
        fields = (
            "id",
            "campaign",
            "video",
            "headline",
            "call_to_action",
            "click_url",
            "review_status",
            "rejection_reason",
            "reviewed_at",
            "created_at",
            "updated_at",
        )
        read_only_fields = fields


class CreativeCreateSerializer(serializers.Serializer):
    video = serializers.UUIDField(
        help_text="One of the advertiser owner's own videos, public and ready."
    )
    headline = serializers.CharField(min_length=1, max_length=100)
    call_to_action = serializers.CharField(min_length=1, max_length=30)
    click_url = serializers.CharField(
        max_length=2000, help_text="An absolute http:// or https:// URL, nothing else."
    )

    def service_fields(self) -> dict:
        data = dict(self.validated_data)
        if "video" in data:
            data["video_id"] = data.pop("video")
        return data


class CreativeUpdateSerializer(CreativeCreateSerializer):
    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("partial", True)
        super().__init__(*args, **kwargs)
