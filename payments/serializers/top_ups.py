"""Input and output shapes of coin packages and top-ups. Prices are integers of the
currency's minor units (cents); currencies are ISO 4217 codes."""

from rest_framework import serializers

from core.serializers import ModelSerializer
from payments.models import CoinPackage, TopUp


class CoinPackageSerializer(ModelSerializer):
    class Meta:
        model = CoinPackage
        fields = ("id", "name", "coins", "price", "currency")
        read_only_fields = fields


class TopUpCreateSerializer(serializers.Serializer):
    package = serializers.PrimaryKeyRelatedField(
        queryset=CoinPackage.objects.all(), help_text="The coin package's `id`."
    )


class TopUpSerializer(ModelSerializer):
    checkout_url = serializers.URLField(
        read_only=True, help_text="Where the payer completes the purchase."
    )

    class Meta:
        model = TopUp
        fields = (
            "id",
            "package",
            "status",
            "coins",
            "price",
            "currency",
            "checkout_url",
            "expires_at",
            "paid_at",
            "created_at",
        )
        read_only_fields = fields


class WebhookReceiptSerializer(serializers.Serializer):
    received = serializers.BooleanField(help_text="Always true: the event was verified.")
    event_id = serializers.CharField()
    duplicate = serializers.BooleanField(
        help_text="The event had been received before: nothing changed this time."
    )
    outcome = serializers.CharField(
        help_text="What applying it did: `applied`, or `ignored: <why>`."
    )
