"""Races on sign-in sessions: one refresh token, two simultaneous exchanges."""

import threading

import pytest
from django.db import connection

from accounts.exceptions import RefreshTokenReused, SessionEnded
from accounts.models import AuthSession
from accounts.services.sessions import ClientInfo, session_refresh, session_start
from tests.accounts.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_refresh_token_exchanged_twice_at_once_succeeds_once():
    user = UserFactory()
    _, tokens = session_start(user=user, client=ClientInfo())
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def exchange() -> None:
        barrier.wait()
        try:
            session_refresh(refresh_token=tokens.refresh_token, client=ClientInfo())
            outcomes.append("rotated")
        except (RefreshTokenReused, SessionEnded) as error:
            outcomes.append(type(error).__name__)
        finally:
            connection.close()

    threads = [threading.Thread(target=exchange) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes) == ["RefreshTokenReused", "rotated"]
    session = AuthSession.objects.get()
    assert (session.ended_at is not None, session.end_reason) == (True, "refresh_reuse")
