"""The accounts app's errors, each with a stable code a client can switch on."""

from django.conf import settings
from rest_framework import status
from rest_framework.exceptions import (
    APIException,
    AuthenticationFailed,
    PermissionDenied,
    Throttled,
)

from accounts.models import MINIMUM_AGE_YEARS
from core.exceptions import FieldRejection


class InvalidCredentials(AuthenticationFailed):
    """Wrong password or no such account: the same answer for both."""

    default_detail = "The username or password is incorrect."
    default_code = "invalid_credentials"


class AccountInactive(AuthenticationFailed):
    """The password was right but the account may not sign in (suspended, banned, ...)."""

    default_detail = "This account cannot sign in."
    default_code = "account_inactive"


class TokenNotValid(AuthenticationFailed):
    default_detail = "The token is invalid."
    default_code = "token_not_valid"


class TokenExpired(AuthenticationFailed):
    default_detail = "The token has expired."
    default_code = "token_expired"


class SessionEnded(AuthenticationFailed):
    default_detail = "This session has ended; sign in again."
    default_code = "session_ended"


class RefreshTokenReused(AuthenticationFailed):
    """A refresh token that was already exchanged: treated as stolen."""

    default_detail = "This refresh token was already used; the session has been ended."
    default_code = "refresh_token_reused"


class TooManySignInAttempts(Throttled):
    default_detail = "Too many failed sign-in attempts for this account."
    default_code = "too_many_attempts"


class TwoFactorThrottled(Throttled):
    """A code sent during django-otp's back-off after a wrong one: not checked at all,
    so the client waits `Retry-After` seconds and sends it again."""

    default_detail = "Too many wrong one-time codes; wait before trying again."
    default_code = "two_factor_throttled"


class TwoFactorCodeInvalid(APIException):
    status_code = status.HTTP_400_BAD_REQUEST
    default_detail = "The one-time code is invalid or was already used."
    default_code = "invalid_otp"


class ChallengeInvalid(APIException):
    status_code = status.HTTP_400_BAD_REQUEST
    default_detail = "The sign-in challenge is invalid, used up or expired; sign in again."
    default_code = "invalid_challenge"


class Conflict(APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "The request conflicts with the current state."
    default_code = "conflict"


EMAIL_TAKEN = FieldRejection("email", "email_taken", "An account with this email already exists.")
USERNAME_TAKEN = FieldRejection("username", "username_taken", "This username is already taken.")
USERNAME_RESERVED = FieldRejection("username", "username_reserved", "This username is reserved.")
# What signing in refuses before looking an account up (DRF's own code and sentence
# for the same refusal in a CharField).
NULL_CHARACTERS_NOT_ALLOWED = FieldRejection(
    "username", "null_characters_not_allowed", "Null characters are not allowed."
)


class LinkTokenInvalid(APIException):
    """A password-reset or email-verification link that is malformed, unknown, wrong,
    expired or already used: one answer for all, so it tells nothing about accounts."""

    status_code = status.HTTP_400_BAD_REQUEST
    default_detail = "This link is invalid or has expired; ask for a new one."
    default_code = "invalid_token"


class EmailAlreadyVerified(APIException):
    status_code = status.HTTP_400_BAD_REQUEST
    default_detail = "This email address is already verified."
    default_code = "email_already_verified"


# A password that confirms an action (`.on("current_password")` when changing it).
INVALID_PASSWORD = FieldRejection(
    "password", "invalid_password", "The current password is incorrect."
)
PASSWORD_UNCHANGED = FieldRejection(
    "new_password", "password_unchanged", "The new password must differ from the current one."
)

# Avatars (services/profiles.py)

AVATAR_TOO_LARGE = FieldRejection(
    "avatar",
    "too_large",
    "The image is larger than {limit} MB.",
    limit=lambda: settings.ACCOUNTS_AVATAR_MAX_UPLOAD_MB,
)
AVATAR_TOO_MANY_PIXELS = FieldRejection("avatar", "invalid_image", "The image has too many pixels.")
AVATAR_NOT_AN_IMAGE = FieldRejection(
    "avatar",
    "invalid_image",
    "Upload a valid JPEG, PNG, WebP or GIF image; the file is not one or is damaged.",
)


class TwoFactorAlreadyEnabled(Conflict):
    default_detail = "Two-factor authentication is already on; turn it off first."
    default_code = "two_factor_already_enabled"


class TwoFactorNotSetUp(APIException):
    status_code = status.HTTP_400_BAD_REQUEST
    default_detail = "No two-factor setup is waiting for confirmation; start one first."
    default_code = "two_factor_not_set_up"


class TwoFactorNotEnabled(APIException):
    status_code = status.HTTP_400_BAD_REQUEST
    default_detail = "Two-factor authentication is not on."
    default_code = "two_factor_not_enabled"


# Staff actions (services/moderation.py)


class InsufficientRole(PermissionDenied):
    """Moderators may act only on users and creators; staff accounts need an admin."""

    default_detail = "Your role does not allow this action on this account."
    default_code = "insufficient_role"


class CannotModerateSelf(APIException):
    status_code = status.HTTP_400_BAD_REQUEST
    default_detail = "Staff cannot take this action on their own account."
    default_code = "cannot_moderate_self"


class AccountDeleted(APIException):
    status_code = status.HTTP_400_BAD_REQUEST
    default_detail = "This account has been deleted."
    default_code = "account_deleted"


class AlreadyBanned(APIException):
    status_code = status.HTTP_400_BAD_REQUEST
    default_detail = "This account is banned; reinstate it first."
    default_code = "already_banned"


class NotSuspendedOrBanned(APIException):
    status_code = status.HTTP_400_BAD_REQUEST
    default_detail = "This account is neither suspended nor banned."
    default_code = "not_suspended_or_banned"


class RoleUnchanged(APIException):
    status_code = status.HTTP_400_BAD_REQUEST
    default_detail = "The account already has this role."
    default_code = "role_unchanged"


class LastAdmin(APIException):
    status_code = status.HTTP_400_BAD_REQUEST
    default_detail = "This is the last active admin; promote another admin first."
    default_code = "last_admin"


INVALID_UNTIL = FieldRejection(
    "until", "invalid_until", "The end of a suspension must be in the future."
)


# The targeting profile (`users/me/`: country, language, birth date, interests).

INVALID_COUNTRY = FieldRejection(
    "country", "invalid_country", "Use an ISO 3166-1 alpha-2 country code such as US."
)
INVALID_LANGUAGE = FieldRejection(
    "language", "invalid_language", "Use a primary language tag such as en or pt."
)
BIRTH_DATE_IN_FUTURE = FieldRejection(
    "birth_date", "birth_date_in_future", "A birth date cannot be in the future."
)
TOO_YOUNG = FieldRejection(
    "birth_date",
    "too_young",
    "Users must be at least {minimum_age} years old.",
    minimum_age=MINIMUM_AGE_YEARS,
)
INVALID_INTEREST = FieldRejection(
    "interests", "invalid_interest", "An interest cannot be empty or only spaces."
)
