"""Shapes of the tracking endpoints: an impression's token in, whether it counted out."""

from rest_framework import serializers

# A served ad's token is a few hundred characters (django.core.signing, compressed).
TOKEN_MAX_LENGTH = 1_000


class ImpressionSerializer(serializers.Serializer):
    token = serializers.CharField(
        max_length=TOKEN_MAX_LENGTH,
        help_text="The `impression_token` the ad was served with.",
    )


class ImpressionCountedSerializer(serializers.Serializer):
    counted = serializers.BooleanField(
        help_text="Whether this call counted the impression: false when the token had "
        "been counted before (or its ad is gone); nothing happened then."
    )
