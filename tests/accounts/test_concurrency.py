"""Races on sign-in sessions: one refresh token, many simultaneous exchanges."""

import threading

import pytest
from django.db import connection

from accounts.exceptions import RefreshTokenReused, SessionEnded
from accounts.models import AuthSession
from accounts.services.sessions import ClientInfo, session_refresh, session_start
from accounts.tokens import refresh_token_decode
from tests.accounts.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_ten_exchanges_of_one_refresh_token_at_once_get_one_pair_and_the_session_lives():
    """A client that refreshes from several threads at once (within the grace period)
    gets one new pair everywhere, not a session ended as stolen."""
    user = UserFactory()
    _, tokens = session_start(user=user, client=ClientInfo())
    barrier = threading.Barrier(10)
    outcomes: list[object] = []

    def exchange() -> None:
        barrier.wait()
        try:
            _, pair = session_refresh(refresh_token=tokens.refresh_token, client=ClientInfo())
            outcomes.append((pair.access_token, pair.refresh_token))
        except (RefreshTokenReused, SessionEnded) as error:
            outcomes.append(type(error).__name__)
        finally:
            connection.close()

    threads = [threading.Thread(target=exchange) for _ in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(outcomes) == 10
    assert len(set(outcomes)) == 1
    _, refresh_token = outcomes[0]
    session = AuthSession.objects.get()
    assert (session.ended_at, session.end_reason) == (None, "")
    assert session.refresh_jti == refresh_token_decode(refresh_token)["jti"]
    _, onwards = session_refresh(refresh_token=refresh_token, client=ClientInfo())
    assert onwards.refresh_token != refresh_token
