"""Tips: input and output shapes (views/tips.py)."""

from django.conf import settings
from rest_framework import serializers

from accounts.serializers.users import UserPublicSerializer
from core.serializers import ModelSerializer
from payments.models import TIP_DIRECTIONS, Tip

TIP_MESSAGE_MAX_LENGTH = Tip._meta.get_field("message").max_length


class TipCreateSerializer(serializers.Serializer):
    # No length limit: a name no account can have is an unknown recipient (404), as is
    # one who may not be reached, so nothing tells the two apart.
    recipient = serializers.CharField(help_text="The creator's username.")
    amount = serializers.IntegerField(
        min_value=1,
        max_value=settings.TIP_MAX_COINS,
        help_text=f"Coins, 1 to {settings.TIP_MAX_COINS} (`TIP_MAX_COINS`).",
    )
    video = serializers.UUIDField(
        required=False, allow_null=True, help_text="One of the recipient's videos it is for."
    )
    message = serializers.CharField(
        max_length=TIP_MESSAGE_MAX_LENGTH, required=False, allow_blank=True, default=""
    )


class TipSerializer(ModelSerializer):
    """A tip as its sender and recipient see it."""

    sender = UserPublicSerializer(read_only=True)
    recipient = UserPublicSerializer(read_only=True)
    net = serializers.SerializerMethodField(help_text="`amount - fee`: the creator's share.")
    video = serializers.UUIDField(source="video_id", read_only=True, allow_null=True)

    class Meta:
        model = Tip
        fields = [
            "id",
            "sender",
            "recipient",
            "amount",
            "fee",
            "net",
            "video",
            "message",
            "created_at",
        ]
        read_only_fields = fields

    def get_net(self, tip: Tip) -> int:
        return tip.amount - tip.fee


class TipListQuerySerializer(serializers.Serializer):
    direction = serializers.ChoiceField(choices=TIP_DIRECTIONS, default="sent")
