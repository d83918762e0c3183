"""Signing in with a password, and the second step for accounts with two-factor on.

Every attempt is recorded (`SignInAttempt`), and failures count against the account
whatever address they come from. Wrong passwords and unknown accounts get the same
answer in comparable time: the password hasher runs either way.
"""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from accounts.exceptions import (
    AccountInactive,
    ChallengeInvalid,
    InvalidCredentials,
    TooManySignInAttempts,
    TwoFactorCodeInvalid,
)
from accounts.models import AuthSession, SignInAttempt, TwoFactorChallenge, User
from accounts.services.moderation import user_suspension_lift_if_expired
from accounts.services.sessions import ClientInfo, session_start, user_can_sign_in
from accounts.services.two_factor import two_factor_code_verify, two_factor_is_enabled
from accounts.throttling import (
    sign_in_failure_record,
    sign_in_failures_clear,
    sign_in_limit_check,
    sign_in_subject,
)
from accounts.tokens import TokenPair
from core import metrics

CHALLENGE_LIFETIME = timedelta(minutes=5)
CHALLENGE_MAX_ATTEMPTS = 5

Method = SignInAttempt.Method
Outcome = SignInAttempt.Outcome


@dataclass(frozen=True)
class SignInResult:
    """Either a new session with its tokens, or a challenge awaiting a one-time code."""

    user: User
    session: AuthSession | None = None
    tokens: TokenPair | None = None
    challenge_token: str | None = None

    @property
    def two_factor_required(self) -> bool:
        return self.challenge_token is not None


class TwoFactorRequired(Exception):
    """The account has two-factor on and no code came with the password."""


def user_find_for_sign_in(identifier: str) -> User | None:
    """The account a username or an email address names (usernames have no `@`)."""
    identifier = identifier.strip()
    if not identifier:
        return None
    lookup = "email__iexact" if "@" in identifier else "username__iexact"
    return User.objects.filter(**{lookup: identifier}).first()


def sign_in_attempt_record(
    *, user: User | None, identifier: str, method: str, outcome: str, client: ClientInfo
) -> None:
    SignInAttempt.objects.create(
        user=user,
        identifier=identifier[:254],
        method=method,
        outcome=outcome,
        ip_address=client.ip_address,
        user_agent=client.user_agent,
    )
    if outcome != SignInAttempt.Outcome.SUCCESS:
        metrics.sign_in_failed(outcome=outcome)


def sign_in_with_password(
    *,
    identifier: str,
    password: str,
    client: ClientInfo,
    method: str,
    otp_code: str | None = None,
    allow_challenge: bool = True,
) -> SignInResult:
    """Check a password and start a session, or a two-factor challenge.

    With two-factor on: a given `otp_code` is checked at once (the OAuth2 password
    grant sends it with the password); without one, a challenge is returned when
    `allow_challenge`, else `TwoFactorRequired` is raised.
    """
    user = user_find_for_sign_in(identifier)
    subject = sign_in_subject(user_id=user.pk if user else None, identifier=identifier)

    def record(outcome: str) -> None:
        sign_in_attempt_record(
            user=user, identifier=identifier, method=method, outcome=outcome, client=client
        )

    try:
        sign_in_limit_check(subject=subject)
    except TooManySignInAttempts:
        record(Outcome.THROTTLED)
        raise

    if user is None:
        make_password(password)  # the same work as checking a real password
        password_ok = False
    else:
        password_ok = user.check_password(password)
    if not password_ok:
        sign_in_failure_record(subject=subject)
        record(Outcome.BAD_CREDENTIALS)
        raise InvalidCredentials()

    user = user_suspension_lift_if_expired(user=user)
    if not user_can_sign_in(user):
        record(Outcome.ACCOUNT_INACTIVE)
        raise AccountInactive()

    if two_factor_is_enabled(user):
        if otp_code is not None:
            if not two_factor_code_verify(user=user, code=otp_code):
                sign_in_failure_record(subject=subject)
                record(Outcome.TWO_FACTOR_FAILED)
                raise TwoFactorCodeInvalid()
        elif allow_challenge:
            record(Outcome.TWO_FACTOR_REQUIRED)
            return SignInResult(
                user=user, challenge_token=challenge_create(user=user, method=method, client=client)
            )
        else:
            record(Outcome.TWO_FACTOR_REQUIRED)
            raise TwoFactorRequired()

    sign_in_failures_clear(subject=subject)
    session, tokens = session_start(user=user, client=client)
    record(Outcome.SUCCESS)
    return SignInResult(user=user, session=session, tokens=tokens)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def challenge_create(*, user: User, method: str, client: ClientInfo) -> str:
    """A single-use challenge token for the second step; only its digest is stored."""
    token = secrets.token_urlsafe(32)
    TwoFactorChallenge.objects.create(
        user=user,
        token_digest=_digest(token),
        expires_at=timezone.now() + CHALLENGE_LIFETIME,
        method=method,
        ip_address=client.ip_address,
        user_agent=client.user_agent,
    )
    return token


def challenge_verify(*, challenge_token: str, code: str, client: ClientInfo) -> SignInResult:
    """Finish a sign-in with the one-time code (TOTP or backup code).

    A challenge allows `CHALLENGE_MAX_ATTEMPTS` codes within `CHALLENGE_LIFETIME` and
    succeeds once. The row is locked while it is checked, so concurrent attempts are
    counted one by one.
    """
    with transaction.atomic():
        challenge = (
            TwoFactorChallenge.objects.select_for_update()
            .select_related("user")
            .filter(token_digest=_digest(challenge_token))
            .first()
        )
        if (
            challenge is None
            or challenge.used_at is not None
            or challenge.expires_at <= timezone.now()
            or challenge.attempts >= CHALLENGE_MAX_ATTEMPTS
            or not user_can_sign_in(challenge.user)
        ):
            raise ChallengeInvalid()
        user = challenge.user
        verified = two_factor_code_verify(user=user, code=code)
        if verified:
            challenge.used_at = timezone.now()
            challenge.save(update_fields=["used_at", "updated_at"])
        else:
            TwoFactorChallenge.objects.filter(pk=challenge.pk).update(attempts=F("attempts") + 1)

    def record(outcome: str) -> None:
        sign_in_attempt_record(
            user=user,
            identifier=user.username,
            method=Method.TWO_FACTOR,
            outcome=outcome,
            client=client,
        )

    if not verified:
        record(Outcome.TWO_FACTOR_FAILED)
        raise TwoFactorCodeInvalid()
    session, tokens = session_start(user=user, client=client)
    record(Outcome.SUCCESS)
    return SignInResult(user=user, session=session, tokens=tokens)
