"""Input and output shapes of two-factor setup, backup codes and turning it off."""

from rest_framework import serializers

from accounts.models import BACKUP_CODE_COUNT
from accounts.serializers.auth import password_field

CODE_MAX_LENGTH = 32  # a TOTP code or a backup code, with spaces or dashes


def code_field(help_text: str) -> serializers.CharField:
    return serializers.CharField(max_length=CODE_MAX_LENGTH, help_text=help_text)


class TwoFactorSetupSerializer(serializers.Serializer):
    secret = serializers.CharField(help_text="The TOTP key in base32, for typing in by hand.")
    otpauth_uri = serializers.CharField(help_text="An `otpauth://totp/...` URI.")
    qr_svg = serializers.CharField(help_text="The URI as a QR code, an inline SVG document.")


class TwoFactorConfirmSerializer(serializers.Serializer):
    code = code_field("The code the authenticator app shows now.")


class TwoFactorCodeSerializer(serializers.Serializer):
    code = code_field("A current TOTP code or an unused backup code.")


class TwoFactorDisableSerializer(serializers.Serializer):
    password = password_field()
    code = code_field("A current TOTP code or an unused backup code.")


class BackupCodesSerializer(serializers.Serializer):
    backup_codes = serializers.ListField(
        child=serializers.CharField(),
        min_length=BACKUP_CODE_COUNT,
        max_length=BACKUP_CODE_COUNT,
        help_text="Single-use codes for when the authenticator is out of reach. Shown "
        "only now: they are stored hashed.",
    )
