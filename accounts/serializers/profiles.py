"""Input shapes of the current user's profile, avatar and account deletion, and of
the user search. Every answer about a user is `UserSerializer`."""

from rest_framework import serializers

from accounts.models import (
    INTEREST_MAX_LENGTH,
    INTERESTS_MAX_ITEMS,
    User,
    phone_number_validator,
)
from accounts.serializers.auth import password_field, username_field
from core.serializers import FormInputMixin, StrictBooleanField

SEARCH_MAX_LENGTH = 50


def _max_length(field_name: str) -> int:
    return User._meta.get_field(field_name).max_length


class ProfileUpdateSerializer(FormInputMixin, serializers.Serializer):
    """The fields a user may change about themself; any other field sent is ignored."""

    username = username_field(
        required=False,
        help_text="3-30 letters, digits, underscores or dots; unique whatever the case.",
    )
    display_name = serializers.CharField(
        max_length=_max_length("display_name"), required=False, allow_blank=True
    )
    bio = serializers.CharField(max_length=_max_length("bio"), required=False, allow_blank=True)
    phone_number = serializers.CharField(
        max_length=_max_length("phone_number"),
        required=False,
        allow_blank=True,
        validators=[phone_number_validator],
        help_text="E.164, e.g. +14155550123; an empty string clears it.",
    )
    is_private = StrictBooleanField(required=False)
    # The targeting profile (ads): checked and normalised by `user_profile_update`.
    country = serializers.CharField(
        max_length=_max_length("country"),
        required=False,
        allow_blank=True,
        help_text="ISO 3166-1 alpha-2 (`US`, any case); an empty string clears it.",
    )
    language = serializers.CharField(
        max_length=_max_length("language"),
        required=False,
        allow_blank=True,
        help_text="A primary language tag (`en`, `pt`, any case); an empty string clears it.",
    )
    birth_date = serializers.DateField(
        required=False,
        allow_null=True,
        help_text="At least 13 years ago; null clears it.",
    )
    interests = serializers.ListField(
        child=serializers.CharField(max_length=INTEREST_MAX_LENGTH),
        max_length=INTERESTS_MAX_ITEMS,
        required=False,
        help_text=f"At most {INTERESTS_MAX_ITEMS} short words or phrases (kept in lower "
        "case, each once); an empty list clears them.",
    )


class AvatarUploadSerializer(FormInputMixin, serializers.Serializer):
    # An empty file is let through to be refused like any other non-image
    # (`invalid_image`), rather than with a code of its own.
    avatar = serializers.FileField(
        allow_empty_file=True,
        help_text="A JPEG, PNG, WebP or GIF image; it is stored as a JPEG of at most "
        "512x512 pixels, without its metadata.",
    )


class AccountDeleteSerializer(serializers.Serializer):
    password = password_field(help_text="The account's current password, to confirm.")


class UserSearchQuerySerializer(serializers.Serializer):
    search = serializers.CharField(
        max_length=SEARCH_MAX_LENGTH,
        required=False,
        allow_blank=True,
        help_text="A prefix of the username or display name, whatever the case; "
        "empty or absent lists every active user.",
    )
