"""Live streaming app: gifts' input and output shapes (views/gifts.py)."""

from django.conf import settings
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.serializers.users import UserPublicSerializer
from core.serializers import ModelSerializer
from livestream.models import (
    GIFT_MESSAGE_MAX_LENGTH,
    GIFT_QUANTITY_MAX,
    Gift,
    GiftSent,
    SessionGifter,
)


class GiftSerializer(ModelSerializer):
    """An item of the gift catalogue."""

    image = serializers.SerializerMethodField(help_text="The image's URL; null without one.")

    class Meta:
        model = Gift
        fields = ["id", "name", "coins", "image"]
        read_only_fields = fields

    @extend_schema_field(serializers.URLField(allow_null=True))
    def get_image(self, gift: Gift) -> str | None:
        if not gift.image:
            return None
        url = gift.image.url
        request = self.context.get("request")
        return request.build_absolute_uri(url) if request is not None else url


class GiftSendSerializer(serializers.Serializer):
    gift = serializers.UUIDField(help_text="A gift of the catalogue (`GET live/gifts/`).")
    quantity = serializers.IntegerField(
        min_value=1,
        max_value=GIFT_QUANTITY_MAX,
        default=1,
        help_text=f"How many, 1 to {GIFT_QUANTITY_MAX}; the total is at most "
        f"`TIP_MAX_COINS` ({settings.TIP_MAX_COINS}) coins.",
    )
    message = serializers.CharField(
        max_length=GIFT_MESSAGE_MAX_LENGTH, required=False, allow_blank=True, default=""
    )


class GiftSentSerializer(ModelSerializer):
    """A gift as sent: `coins` left the sender's wallet; `fee` went to the platform."""

    sender = UserPublicSerializer(read_only=True)
    gift = GiftSerializer(read_only=True)
    stream = serializers.UUIDField(source="stream_id", read_only=True, allow_null=True)
    session = serializers.UUIDField(source="session_id", read_only=True)

    class Meta:
        model = GiftSent
        fields = [
            "id",
            "stream",
            "session",
            "sender",
            "gift",
            "quantity",
            "coins",
            "fee",
            "message",
            "created_at",
        ]
        read_only_fields = fields


class GifterSerializer(ModelSerializer):
    """A gifter of a broadcast and the coins they sent during it."""

    user = UserPublicSerializer(read_only=True)

    class Meta:
        model = SessionGifter
        fields = ["user", "coins"]
        read_only_fields = fields
