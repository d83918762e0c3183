"""Per-account sign-in limits, whatever address the attempts come from.

Failures are counted in the database, from the sign-in log (`SignInAttempt`), over a
sliding window (`ACCOUNTS_SIGN_IN_FAILURE_WINDOW_SECONDS`), as django-axes does: every
worker process and every host sees the same count, whatever cache is configured.
Once an account has `ACCOUNTS_SIGN_IN_FAILURE_LIMIT` failures in the window, every
password check for it is refused with 429, even with the right password, until the
oldest of them leaves the window. A success (a sign-in, or a password reset from the
account's mailbox) starts the count again. Accounts that do not exist are counted by
the name typed, so the answers never tell whether an account exists.

Checking and recording are not one atomic step: attempts racing each other may each
pass the check, so the count can overshoot the limit by the number of requests in
flight at once for one account (bounded by the per-address throttle and the workers).
"""

import math
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db.models import QuerySet, Subquery, Value
from django.db.models.functions import Coalesce, Greatest, Lower
from django.utils import timezone

from accounts.clients import ClientInfo
from accounts.exceptions import TooManySignInAttempts
from accounts.models import SignInAttempt, User
from core import metrics

Outcome = SignInAttempt.Outcome
# What counts against the limit: a wrong password, a wrong second-factor code.
FAILURE_OUTCOMES = (Outcome.BAD_CREDENTIALS, Outcome.TWO_FACTOR_FAILED)


@dataclass(frozen=True)
class SignInSubject:
    """What failures are counted against: the account, else the name typed."""

    user: User | None
    identifier: str


def sign_in_subject(*, user: User | None, identifier: str) -> SignInSubject:
    return SignInSubject(user=user, identifier=identifier.strip()[:254])


def _attempts(subject: SignInSubject) -> QuerySet[SignInAttempt]:
    if subject.user is not None:
        return SignInAttempt.objects.filter(user_id=subject.user.pk)  # accounts_attempt_user_new
    # Lowered on both sides by the database, so both sides agree whatever its rules
    # for non-ASCII letters (index accounts_attempt_name_new).
    return SignInAttempt.objects.annotate(name=Lower("identifier")).filter(
        user__isnull=True, name=Lower(Value(subject.identifier))
    )


def sign_in_limit_check(*, subject: SignInSubject) -> None:
    """Raise `TooManySignInAttempts` (with `wait`, whole seconds until the oldest
    counted failure leaves the window) when `subject` reached its failure limit.

    One query, whatever the limit or the log's size: the `limit`-th newest failure
    since the window's start or the latest success, whichever is later.
    """
    limit = settings.ACCOUNTS_SIGN_IN_FAILURE_LIMIT
    window = timedelta(seconds=settings.ACCOUNTS_SIGN_IN_FAILURE_WINDOW_SECONDS)
    now = timezone.now()
    attempts = _attempts(subject)
    latest_success = (
        attempts.filter(outcome=Outcome.SUCCESS).order_by("-created_at").values("created_at")[:1]
    )
    counted_since = Greatest(
        Value(now - window), Coalesce(Subquery(latest_success), Value(now - window))
    )
    oldest_counted = (
        attempts.filter(outcome__in=FAILURE_OUTCOMES, created_at__gt=counted_since)
        .order_by("-created_at")
        .values_list("created_at", flat=True)[limit - 1 : limit]
    )
    for created_at in oldest_counted:
        wait = math.ceil((created_at + window - now).total_seconds())
        raise TooManySignInAttempts(wait=max(1, wait))


def sign_in_attempt_record(
    *, subject: SignInSubject, method: str, outcome: str, client: ClientInfo
) -> None:
    """Write one row of the sign-in log; failures in it count against the limit.

    Call it outside any transaction that may roll back, or the failure is forgotten.
    """
    SignInAttempt.objects.create(
        user=subject.user,
        identifier=subject.identifier,
        method=method,
        outcome=outcome,
        ip_address=client.ip_address,
        user_agent=client.user_agent,
    )
    if outcome != Outcome.SUCCESS:
        metrics.sign_in_failed(outcome=outcome)


def password_confirm_refused(*, user: User, method: str, client: ClientInfo) -> None:
    """Log a wrong password typed to confirm an action (`method`): it counts against
    the account's sign-in failure limit, so a stolen access token cannot be used to
    guess the password faster than signing in allows. Call it once the action's
    transaction has rolled back."""
    sign_in_attempt_record(
        subject=sign_in_subject(user=user, identifier=user.username),
        method=method,
        outcome=Outcome.BAD_CREDENTIALS,
        client=client,
    )
