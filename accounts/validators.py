"""Password rules of our own, beside Django's validators."""

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from rest_framework import serializers
from rest_framework.fields import get_error_detail


class MaximumLengthValidator:
    """Refuse passwords longer than `max_length`: accepted ones are never truncated,
    and a megabyte-long password cannot tie up the hasher."""

    def __init__(self, max_length: int = 128) -> None:
        self.max_length = max_length

    def validate(self, password: str, user=None) -> None:
        if len(password) > self.max_length:
            raise ValidationError(
                f"This password is too long: it may have at most {self.max_length} characters.",
                code="password_too_long",
                params={"max_length": self.max_length},
            )

    def get_help_text(self) -> str:
        return f"Your password can have at most {self.max_length} characters."


# The codes `password_validate` answers with, for the schema of every view that uses it.
PASSWORD_ERROR_CODES = [
    "password_too_short",
    "password_too_long",
    "password_too_common",
    "password_too_similar",
    "password_entirely_numeric",
]


def password_validate(password: str, user=None) -> str:
    """Django's password validators as a DRF validation error, the codes kept
    (`password_too_short`, `password_too_common`, `password_too_long`, ...)."""
    try:
        validate_password(password, user)
    except ValidationError as error:
        raise serializers.ValidationError(get_error_detail(error)) from error
    return password
