"""Input and output shapes of the staff actions and the moderation log."""

from rest_framework import serializers

from accounts.models import ModerationAction, User
from core.serializers import ModelSerializer

REASON_MAX_LENGTH = ModerationAction._meta.get_field("reason").max_length


def reason_field(**kwargs) -> serializers.CharField:
    return serializers.CharField(
        max_length=REASON_MAX_LENGTH, help_text="Why; shown in the moderation log.", **kwargs
    )


class UserSuspendSerializer(serializers.Serializer):
    reason = reason_field()
    until = serializers.DateTimeField(
        required=False,
        allow_null=True,
        help_text="When the suspension ends by itself (a future moment); without it, the "
        "suspension lasts until the account is reinstated.",
    )


class UserBanSerializer(serializers.Serializer):
    reason = reason_field()


class UserReinstateSerializer(serializers.Serializer):
    reason = reason_field(required=False, allow_blank=True, default="")


class UserRoleChangeSerializer(serializers.Serializer):
    role = serializers.ChoiceField(choices=User.Role.choices)
    reason = reason_field(required=False, allow_blank=True, default="")


class UserReferenceSerializer(ModelSerializer):
    """Who an entry is about, in brief."""

    class Meta:
        model = User
        fields = ["id", "username"]
        read_only_fields = fields


class ModerationActionSerializer(ModelSerializer):
    actor = UserReferenceSerializer(
        allow_null=True, help_text="The staff member; null when the system acted."
    )
    target = UserReferenceSerializer()

    class Meta:
        model = ModerationAction
        fields = [
            "id",
            "created_at",
            "action",
            "reason",
            "until",
            "actor",
            "target",
            "previous_status",
            "previous_role",
            "new_role",
        ]
        read_only_fields = fields
