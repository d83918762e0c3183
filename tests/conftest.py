"""Fixtures shared by every test: API clients, users and a clean cache."""

from collections.abc import Callable

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from accounts.models import User
from accounts.services.sessions import ClientInfo, session_start
from tests.accounts.factories import UserFactory


@pytest.fixture(autouse=True)
def _clear_cache():
    """Throttle counts and cached values never leak from one test into the next."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def api_client() -> APIClient:
    """An anonymous API client."""
    return APIClient()


@pytest.fixture
def make_auth_client() -> Callable[[User], APIClient]:
    """Make an API client signed in as a user, through a real session and token."""

    def make(user: User) -> APIClient:
        session, tokens = session_start(user=user, client=ClientInfo(ip_address="127.0.0.1"))
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens.access_token}")
        client.session_id = session.pk
        client.tokens = tokens
        return client

    return make


@pytest.fixture
def user(db) -> User:
    return UserFactory()


@pytest.fixture
def auth_client(make_auth_client, user) -> APIClient:
    """An API client signed in as `user`."""
    return make_auth_client(user)
