"""Fixtures shared by every test (API clients, users, an admin-site client, a clean
cache) and the helpers that read error bodies (import them from `tests.conftest`)."""

from collections.abc import Callable

import pytest
from django.core.cache import cache
from django.test import Client
from rest_framework.test import APIClient

from accounts.models import User
from accounts.services.sessions import ClientInfo, session_start
from ads.serving_cache import serving_version_forget
from tests.accounts.factories import AdminFactory, UserFactory


@pytest.fixture(autouse=True)
def _clear_cache():
    """Throttle counts and cached values never leak from one test into the next (nor
    the ads serving version a process remembers from the cache for a second)."""
    cache.clear()
    serving_version_forget()
    yield
    cache.clear()
    serving_version_forget()


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


@pytest.fixture
def admin_user(db) -> User:
    """An admin (role `admin`: Django's staff and superuser too) named `boss`."""
    return AdminFactory(username="boss", email="boss@example.com")


@pytest.fixture
def admin_client(admin_user) -> Client:
    """A Django test client signed in to the admin site as `admin_user`."""
    client = Client()
    client.force_login(admin_user)
    return client


# -- error bodies ------------------------------------------------------------------------
# drf-standardized-errors' shape: {"type": ..., "errors": [{"code", "detail", "attr"}]}.


def error_body(
    code: str, detail: str, attr: str | None = None, *, kind: str = "client_error"
) -> dict:
    """A whole body with one error, to compare an answer's with."""
    return {"type": kind, "errors": [{"code": code, "detail": detail, "attr": attr}]}


def error_first(response) -> dict:
    """The first error of an error body."""
    return response.json()["errors"][0]


def error_code(response) -> str:
    """The code of the first error."""
    return error_first(response)["code"]


def error_codes(response) -> list[str]:
    """The code of each error."""
    return [error["code"] for error in response.json()["errors"]]


def error_attr_codes(response) -> list[tuple[str | None, str]]:
    """(attr, code) of each error."""
    return [(error["attr"], error["code"]) for error in response.json()["errors"]]


def validation_errors(response) -> list[tuple[str | None, str]]:
    """(attr, code) of each error in a validation error body."""
    assert response.json()["type"] == "validation_error"
    return error_attr_codes(response)


def error_status(response) -> tuple[int, str]:
    """The status code and the first error's code."""
    return response.status_code, error_code(response)


def error_status_attr(response) -> tuple[int, str, str | None]:
    """The status code, and the first error's code and attr."""
    first = error_first(response)
    return response.status_code, first["code"], first["attr"]


def error_one(response, status: int = 400) -> tuple[str, str | None]:
    """(code, attr) of an answer with this status and exactly one error."""
    assert response.status_code == status, response.content
    body = response.json()
    assert len(body["errors"]) == 1, body
    return body["errors"][0]["code"], body["errors"][0]["attr"]
