"""Signing in with a password, and the second step for accounts with two-factor on.

Every attempt is recorded in the sign-in log (`SignInAttempt`), and the failures in it
count against the account whatever address they come from (`accounts.throttling`).
Wrong passwords and unknown accounts get the same answer in comparable time: the
password hasher runs either way. The admin site signs in through
`sign_in_password_check` too, so it shares the limit and the log.
"""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from accounts.clients import ClientInfo
from accounts.exceptions import (
    NULL_CHARACTERS_NOT_ALLOWED,
    AccountInactive,
    ChallengeInvalid,
    InvalidCredentials,
    TooManySignInAttempts,
    TwoFactorCodeInvalid,
    TwoFactorThrottled,
)
from accounts.models import AuthSession, SignInAttempt, TwoFactorChallenge, User
from accounts.selectors import user_can_act, user_list_by_username
from accounts.services.moderation import user_suspension_lift_if_expired
from accounts.services.sessions import session_start
from accounts.services.two_factor import two_factor_code_verify, two_factor_is_enabled
from accounts.throttling import (
    SignInSubject,
    sign_in_attempt_record,
    sign_in_limit_check,
    sign_in_subject,
)
from accounts.tokens import TokenPair

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
    if "@" in identifier:
        return User.objects.filter(email__iexact=identifier).first()
    return user_list_by_username(identifier).first()


def sign_in_password_check(
    *, identifier: str, password: str, client: ClientInfo, method: str
) -> tuple[User, SignInSubject]:
    """The account `identifier` names, once its password checked out and it may sign in.

    A name with a NUL character is a validation error (`null_characters_not_allowed`
    on `username`). Refused attempts are logged here: `TooManySignInAttempts` (the account's failure
    limit), `InvalidCredentials` (wrong password or no such account, counted as a
    failure), `AccountInactive`. The caller logs how the sign-in ends (with the
    subject returned). Call outside any transaction, so that failures stay counted.
    """
    if "\x00" in identifier:  # no account has one, and PostgreSQL refuses it in a query
        raise NULL_CHARACTERS_NOT_ALLOWED.error()
    user = user_find_for_sign_in(identifier)
    subject = sign_in_subject(user=user, identifier=identifier)
    try:
        sign_in_limit_check(subject=subject)
    except TooManySignInAttempts:
        sign_in_attempt_record(
            subject=subject, method=method, outcome=Outcome.THROTTLED, client=client
        )
        raise

    if user is None:
        make_password(password)  # the same work as checking a real password
        password_ok = False
    else:
        password_ok = user.check_password(password)
    if not password_ok:
        sign_in_attempt_record(
            subject=subject, method=method, outcome=Outcome.BAD_CREDENTIALS, client=client
        )
        raise InvalidCredentials()

    user = user_suspension_lift_if_expired(user=user)
    if not user_can_act(user):
        sign_in_attempt_record(
            subject=subject, method=method, outcome=Outcome.ACCOUNT_INACTIVE, client=client
        )
        raise AccountInactive()
    return user, subject


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
    `allow_challenge`, else `TwoFactorRequired` is raised. A code sent during
    django-otp's back-off after a wrong one raises `TwoFactorThrottled`.
    """
    user, subject = sign_in_password_check(
        identifier=identifier, password=password, client=client, method=method
    )

    if two_factor_is_enabled(user):
        if otp_code is None and allow_challenge:
            sign_in_attempt_record(
                subject=subject, method=method, outcome=Outcome.TWO_FACTOR_REQUIRED, client=client
            )
            return SignInResult(
                user=user, challenge_token=challenge_create(user=user, method=method, client=client)
            )
        sign_in_second_factor_check(
            user=user, subject=subject, otp_code=otp_code, client=client, method=method
        )

    session, tokens = session_start(user=user, client=client)
    # Which starts the failure count again.
    sign_in_attempt_record(subject=subject, method=method, outcome=Outcome.SUCCESS, client=client)
    return SignInResult(user=user, session=session, tokens=tokens)


def sign_in_second_factor_check(
    *, user: User, subject: SignInSubject, otp_code: str | None, client: ClientInfo, method: str
) -> None:
    """The one-time code that must come with the password of an account with two-factor
    on (the OAuth2 password grant, the admin site).

    Refusals are logged, and a wrong code counts as a failed sign-in: `TwoFactorRequired`
    (no code), `TwoFactorThrottled` (sent during django-otp's back-off, not checked),
    `TwoFactorCodeInvalid`. The caller logs the success.
    """

    def record(outcome: str) -> None:
        sign_in_attempt_record(subject=subject, method=method, outcome=outcome, client=client)

    if otp_code is None:
        record(Outcome.TWO_FACTOR_REQUIRED)
        raise TwoFactorRequired()
    try:
        verified = two_factor_code_verify(user=user, code=otp_code)
    except TwoFactorThrottled:
        record(Outcome.THROTTLED)
        raise
    if not verified:
        record(Outcome.TWO_FACTOR_FAILED)
        raise TwoFactorCodeInvalid()


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
    succeeds once; a code sent during django-otp's back-off raises `TwoFactorThrottled`
    and does not use an attempt up. The row is locked while it is checked, so
    concurrent attempts are counted one by one.
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
            or not user_can_act(challenge.user)
        ):
            raise ChallengeInvalid()
        user = challenge.user
        throttled = None
        try:
            verified = two_factor_code_verify(user=user, code=code)
        except TwoFactorThrottled as error:  # not a wrong code: the attempt is not used up
            verified, throttled = False, error
        if verified:
            challenge.used_at = timezone.now()
            challenge.save(update_fields=["used_at", "updated_at"])
        elif throttled is None:
            TwoFactorChallenge.objects.filter(pk=challenge.pk).update(attempts=F("attempts") + 1)

    subject = sign_in_subject(user=user, identifier=user.username)

    def record(outcome: str) -> None:
        sign_in_attempt_record(
            subject=subject, method=Method.TWO_FACTOR, outcome=outcome, client=client
        )

    if throttled is not None:
        record(Outcome.THROTTLED)
        raise throttled
    if not verified:
        record(Outcome.TWO_FACTOR_FAILED)
        raise TwoFactorCodeInvalid()
    session, tokens = session_start(user=user, client=client)
    record(Outcome.SUCCESS)
    return SignInResult(user=user, session=session, tokens=tokens)
