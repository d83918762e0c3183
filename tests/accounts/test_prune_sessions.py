"""`manage.py prune_sessions`: dead sessions and spent two-factor challenges go."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from accounts.models import AuthSession, SignInAttempt, TwoFactorChallenge
from accounts.services.sessions import ClientInfo, session_start
from accounts.services.sign_in import challenge_create
from tests.accounts.factories import UserFactory

pytestmark = pytest.mark.django_db


def prune(*args: str) -> str:
    out = StringIO()
    call_command("prune_sessions", *args, stdout=out)
    return out.getvalue()


def summary(sessions: int, challenges: int) -> str:
    return f"Deleted {sessions} session(s) and {challenges} two-factor challenge(s) that"


@pytest.fixture
def rows():
    """Sessions and challenges in every state, named by what they are."""
    user = UserFactory()
    now = timezone.now()

    def session(**changes) -> AuthSession:
        created, _ = session_start(user=user, client=ClientInfo())
        AuthSession.objects.filter(pk=created.pk).update(**changes)
        return created

    def challenge(**changes) -> TwoFactorChallenge:
        challenge_create(user=user, method=SignInAttempt.Method.LOGIN, client=ClientInfo())
        created = TwoFactorChallenge.objects.latest("created_at")
        TwoFactorChallenge.objects.filter(pk=created.pk).update(**changes)
        return created

    return {
        "live": session(),
        "ended_now": session(ended_at=now, end_reason="logout"),
        "ended_long_ago": session(ended_at=now - timedelta(days=30), end_reason="logout"),
        "expired_now": session(expires_at=now - timedelta(minutes=1)),
        "expired_long_ago": session(expires_at=now - timedelta(days=30)),
        "challenge_open": challenge(),
        "challenge_used": challenge(used_at=now),
        "challenge_expired": challenge(expires_at=now - timedelta(minutes=1)),
        "challenge_expired_long_ago": challenge(expires_at=now - timedelta(days=30)),
    }


def remaining() -> set:
    return set(AuthSession.objects.values_list("pk", flat=True)) | set(
        TwoFactorChallenge.objects.values_list("pk", flat=True)
    )


def test_it_deletes_every_ended_or_expired_session_and_spent_challenge(rows):
    output = prune()

    assert output.startswith(summary(4, 3))
    assert remaining() == {rows["live"].pk, rows["challenge_open"].pk}


def test_days_keeps_what_ended_or_expired_recently(rows):
    output = prune("--days", "7")

    assert output.startswith(summary(2, 1))
    assert remaining() == {
        rows[name].pk
        for name in (
            "live",
            "ended_now",
            "expired_now",
            "challenge_open",
            "challenge_used",
            "challenge_expired",
        )
    }


def test_it_is_safe_to_run_twice(rows):
    prune()

    output = prune()

    assert output.startswith(summary(0, 0))
    assert remaining() == {rows["live"].pk, rows["challenge_open"].pk}


def test_it_says_so_when_there_is_nothing_to_do(db):
    assert prune().startswith(summary(0, 0))


def test_it_deletes_in_batches_and_shows_progress(rows):
    out = StringIO()

    call_command("prune_sessions", "--batch-size", "1", verbosity=2, stdout=out)

    lines = out.getvalue().splitlines()
    assert lines[:4] == [f"  sessions: {count} deleted so far" for count in (1, 2, 3, 4)]
    assert lines[-1].startswith(summary(4, 3))
    assert remaining() == {rows["live"].pk, rows["challenge_open"].pk}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--days", "-1"], "--days must be 0 or more."),
        (["--batch-size", "0"], "--batch-size must be 1 or more."),
    ],
)
def test_bad_arguments_are_refused(db, args, message):
    with pytest.raises(CommandError, match=message):
        prune(*args)
