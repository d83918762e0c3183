"""Changing and resetting passwords, and verifying email addresses by link.

Reset and verification links carry the user's id (`uid`, base64) and a token from
one of Django's token generators. A bad link of any kind gets one answer,
`LinkTokenInvalid`, so a link tells nothing about which accounts exist.
"""

import uuid

from django.contrib.auth.tokens import PasswordResetTokenGenerator, default_token_generator
from django.db import transaction
from django.utils import timezone
from django.utils.http import urlsafe_base64_decode
from rest_framework.exceptions import ValidationError

from accounts.clients import UNKNOWN_CLIENT, ClientInfo
from accounts.exceptions import (
    INVALID_PASSWORD,
    PASSWORD_UNCHANGED,
    EmailAlreadyVerified,
    LinkTokenInvalid,
)
from accounts.models import AuthSession, SignInAttempt, User
from accounts.services.emails import password_reset_send
from accounts.services.sessions import (
    session_start,
    sessions_end_for_user,
)
from accounts.throttling import (
    password_confirm_refused,
    sign_in_attempt_record,
    sign_in_limit_check,
    sign_in_subject,
)
from accounts.tokens import TokenPair, email_verification_token_generator
from accounts.validators import password_validate
from core.locks import user_lock, users_lock
from core.tasks import task_enqueue_detached_on_commit, task_enqueue_on_commit


def _new_password_validate(password: str, user: User) -> None:
    try:
        password_validate(password, user)
    except ValidationError as error:
        raise ValidationError({"new_password": error.detail}) from error


def password_change(
    *, user: User, current_password: str, new_password: str, client: ClientInfo
) -> tuple[AuthSession, TokenPair]:
    """Replace the password of a signed-in user; returns a new session and its tokens.

    Every other session of the user ends, the caller's own included: whoever else held
    a token (or knew the old password) is signed out. Wrong current passwords count
    against the account's sign-in failure limit, so a stolen access token cannot be
    used to guess the password faster than the sign-in endpoints allow. The user row
    is locked, so two concurrent changes cannot both check the old password. Call
    outside any transaction: a wrong password is logged once the change rolled back.
    """
    sign_in_limit_check(subject=sign_in_subject(user=user, identifier=user.username))
    with transaction.atomic():
        locked = user_lock(user)
        if locked.check_password(current_password):
            if new_password == current_password:
                raise PASSWORD_UNCHANGED.error()
            _new_password_validate(new_password, locked)
            locked.set_password(new_password)
            locked.save(update_fields=["password", "updated_at"])
            user.password = locked.password
            sessions_end_for_user(user=user, reason=AuthSession.EndReason.PASSWORD_CHANGED)
            return session_start(user=user, client=client)
    password_confirm_refused(user=user, method=SignInAttempt.Method.PASSWORD_CHANGE, client=client)
    raise INVALID_PASSWORD.on("current_password").error()


def _user_may_reset_password(user: User) -> bool:
    """Accounts that can sign in, pending ones, and suspended ones whose suspension
    has ended (their next sign-in lifts it). Banned, deactivated and deleted accounts
    get no reset emails and their links do not work."""
    if user.status in (User.Status.ACTIVE, User.Status.PENDING):
        return True
    return (
        user.status == User.Status.SUSPENDED
        and user.suspended_until is not None
        and user.suspended_until <= timezone.now()
    )


def password_reset_request(*, email: str) -> None:
    """Ask for a reset link to be sent to `email`, if an account may receive one.

    The request does the same work whatever the address: it only queues a task, which
    looks the account up itself, and never waits for it (even without a broker).
    Callers answer the same way in every case, so nobody learns whether an address
    has an account.
    """
    task_enqueue_detached_on_commit("accounts.tasks.password_reset_request_task", email)


def password_reset_send_to_address(*, email: str) -> bool:
    """Email a reset link to the account using `email` when it may reset its password;
    returns whether one was sent. Runs in a task, never in the request."""
    user = User.objects.filter(email__iexact=email.strip()).first()
    if user is None or not user.email or not _user_may_reset_password(user):
        return False
    password_reset_send(user=user)
    return True


def _user_from_link(*, uid: str, token: str, token_generator: PasswordResetTokenGenerator) -> User:
    """The user a link names, locked for update; `LinkTokenInvalid` whatever is wrong.

    Call inside a transaction: the token is checked against the locked row, so of two
    concurrent uses of one single-use link only the first succeeds.
    """
    try:
        user_id = uuid.UUID(urlsafe_base64_decode(uid).decode())
    except (ValueError, TypeError, UnicodeDecodeError) as error:
        raise LinkTokenInvalid() from error
    user = users_lock([user_id]).get(user_id)
    if user is None or not token_generator.check_token(user, token):
        raise LinkTokenInvalid()
    return user


def password_reset_confirm(
    *, uid: str, token: str, new_password: str, client: ClientInfo = UNKNOWN_CLIENT
) -> User:
    """Set a new password from a reset link; every session of the user ends.

    The link dies with the old password (Django's token hashes it). The user is not
    signed in, and two-factor stays as it was: the next sign-in still asks for a code.
    The account's sign-in lockout is lifted, since the owner proved they hold its
    mailbox: the reset is logged as a success, where the failure count starts again.
    """
    with transaction.atomic():
        user = _user_from_link(uid=uid, token=token, token_generator=default_token_generator)
        if not _user_may_reset_password(user):
            raise LinkTokenInvalid()
        _new_password_validate(new_password, user)
        user.set_password(new_password)
        user.save(update_fields=["password", "updated_at"])
        sessions_end_for_user(user=user, reason=AuthSession.EndReason.PASSWORD_RESET)
    sign_in_attempt_record(
        subject=sign_in_subject(user=user, identifier=user.username),
        method=SignInAttempt.Method.PASSWORD_RESET,
        outcome=SignInAttempt.Outcome.SUCCESS,
        client=client,
    )
    return user


@transaction.atomic
def email_verify(*, uid: str, token: str) -> User:
    """Mark the address a verification link was sent to as verified; a `pending`
    account becomes `active`. The link dies once used (its token hashes
    `email_verified`) and when the address changes."""
    user = _user_from_link(uid=uid, token=token, token_generator=email_verification_token_generator)
    user.email_verified = True
    update_fields = ["email_verified", "updated_at"]
    if user.status == User.Status.PENDING:
        user.status = User.Status.ACTIVE
        update_fields.append("status")
    user.save(update_fields=update_fields)
    return user


def email_verification_resend(*, user: User) -> None:
    """Send a new verification link to the user's address, unless it is verified."""
    if user.email_verified:
        raise EmailAlreadyVerified()
    task_enqueue_on_commit("accounts.tasks.email_verification_send_task", str(user.pk))
