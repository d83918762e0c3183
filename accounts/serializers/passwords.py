"""Input and output shapes of password change and reset, and email verification."""

from rest_framework import serializers

from accounts.serializers.auth import password_field
from core.serializers import EmailAddressField

LINK_FIELD_MAX_LENGTH = 200  # far above what our links carry (about 50 characters)


class PasswordChangeSerializer(serializers.Serializer):
    current_password = password_field()
    new_password = password_field()


class PasswordResetRequestSerializer(serializers.Serializer):
    email = EmailAddressField()


class LinkSerializer(serializers.Serializer):
    """What a reset or verification link carries."""

    uid = serializers.CharField(max_length=LINK_FIELD_MAX_LENGTH)
    token = serializers.CharField(max_length=LINK_FIELD_MAX_LENGTH)


class PasswordResetConfirmSerializer(LinkSerializer):
    new_password = password_field()


class EmailVerifiedSerializer(serializers.Serializer):
    email_verified = serializers.BooleanField()
