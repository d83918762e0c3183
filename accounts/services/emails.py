"""The emails accounts receive: address verification and password reset links."""

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import send_mail
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from accounts.models import User
from accounts.tokens import email_verification_token_generator


def user_uid(user: User) -> str:
    return urlsafe_base64_encode(force_bytes(user.pk))


def email_verification_send(*, user: User) -> None:
    """Send a link that verifies the account's address (void once used)."""
    if user.email_verified or not user.email:
        return
    token = email_verification_token_generator.make_token(user)
    link = f"{settings.FRONTEND_URL}/verify-email?uid={user_uid(user)}&token={token}"
    send_mail(
        subject=f"Confirm your email address for {settings.SITE_NAME}",
        message=(
            f"Hello {user.display_name or user.username},\n\n"
            f"Confirm that this is your email address by opening this link:\n{link}\n\n"
            f"Or send uid={user_uid(user)} and token={token} to "
            "POST /api/v1/auth/email/verify/.\n\n"
            "If you did not create an account, ignore this message."
        ),
        from_email=settings.DEFAULT_FROM_EMAIL,
        recipient_list=[user.email],
    )


def password_reset_send(*, user: User) -> None:
    """Send a single-use password reset link (Django's token: void once the password
    changes or the user signs in)."""
    token = default_token_generator.make_token(user)
    link = f"{settings.FRONTEND_URL}/reset-password?uid={user_uid(user)}&token={token}"
    send_mail(
        subject=f"Reset your {settings.SITE_NAME} password",
        message=(
            f"Hello {user.display_name or user.username},\n\n"
            f"Someone asked to reset your password. To choose a new one, open:\n{link}\n\n"
            f"Or send uid={user_uid(user)}, token={token} and new_password to "
            "POST /api/v1/auth/password/reset/confirm/.\n\n"
            "If it was not you, ignore this message: your password has not changed."
        ),
        from_email=settings.DEFAULT_FROM_EMAIL,
        recipient_list=[user.email],
    )
