"""Creator tiers and subscriptions: input and output shapes (views/subscriptions.py)."""

from rest_framework import serializers

from accounts.serializers.users import UserPublicSerializer
from core.serializers import FormInputMixin, ModelSerializer, StrictBooleanField
from payments.models import CreatorTier, Subscription

TIER_NAME_MAX_LENGTH = CreatorTier._meta.get_field("name").max_length
TIER_PERKS_MAX = 10
TIER_PERK_MAX_LENGTH = 200


class TierSerializer(ModelSerializer):
    """A tier as anyone sees it."""

    class Meta:
        model = CreatorTier
        fields = ["id", "name", "price", "perks"]
        read_only_fields = fields


class OwnTierSerializer(ModelSerializer):
    """A tier as its creator sees it."""

    subscriber_count = serializers.IntegerField(
        read_only=True, help_text="Its active subscriptions."
    )

    class Meta:
        model = CreatorTier
        fields = ["id", "name", "price", "perks", "active", "subscriber_count", "created_at"]
        read_only_fields = fields


class TierWriteSerializer(FormInputMixin, serializers.Serializer):
    """The fields of a tier; all required to create one, any subset to change one."""

    name = serializers.CharField(max_length=TIER_NAME_MAX_LENGTH)
    price = serializers.IntegerField(
        min_value=1, max_value=2_147_483_647, help_text="Coins a month, at least 1."
    )
    perks = serializers.ListField(
        child=serializers.CharField(max_length=TIER_PERK_MAX_LENGTH),
        max_length=TIER_PERKS_MAX,
        required=False,
        help_text=f"Up to {TIER_PERKS_MAX} short lines.",
    )
    active = StrictBooleanField(required=False, help_text="Inactive tiers take no new subscribers.")


class SubscriptionCreateSerializer(serializers.Serializer):
    tier = serializers.UUIDField(help_text="The tier's `id`.")


class SubscriptionSerializer(ModelSerializer):
    """A subscription as its subscriber sees it."""

    tier = TierSerializer(read_only=True)
    creator = UserPublicSerializer(read_only=True)

    class Meta:
        model = Subscription
        fields = [
            "id",
            "tier",
            "creator",
            "status",
            "price",
            "current_period_start",
            "current_period_end",
            "cancel_at_period_end",
            "canceled_at",
            "ended_at",
            "created_at",
        ]
        read_only_fields = fields


class SubscriberSerializer(ModelSerializer):
    """One of a creator's live subscriptions, as the creator sees it."""

    subscriber = UserPublicSerializer(read_only=True)
    tier = TierSerializer(read_only=True)

    class Meta:
        model = Subscription
        fields = [
            "id",
            "subscriber",
            "tier",
            "status",
            "price",
            "current_period_end",
            "cancel_at_period_end",
            "created_at",
        ]
        read_only_fields = fields
