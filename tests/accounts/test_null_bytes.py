"""A NUL byte where a username goes: 404 in paths, 400 in bodies, never a 500.

PostgreSQL refuses NUL in a query outright, so each route is tried on both databases.
"""

from urllib.parse import urlencode

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from tests.accounts.factories import PASSWORD, AdminFactory, UserFactory

pytestmark = pytest.mark.django_db

NOT_FOUND = {
    "type": "client_error",
    "errors": [{"code": "not_found", "detail": "Not found.", "attr": None}],
}
METHODS = ("get", "post", "put", "patch", "delete")


def username_routes() -> list[tuple[str, str]]:
    """(route, method) of every `users/{username}/...` route and each method it serves."""
    found = []

    def walk(patterns, prefix: str) -> None:
        for pattern in patterns:
            route = prefix + str(pattern.pattern)
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, route)
            elif isinstance(pattern, URLPattern) and "<username:username>" in route:
                view = getattr(pattern.callback, "view_class", None)
                found.extend((route, method) for method in METHODS if hasattr(view, method))

    walk(get_resolver().url_patterns, "/")
    return found


ROUTES = username_routes()


def test_every_users_username_route_is_found():
    routes = {route for route, _ in ROUTES}
    assert len(routes) >= 11
    assert "/api/v1/users/<username:username>/videos/" in routes


@pytest.mark.parametrize(("route", "method"), ROUTES)
@pytest.mark.parametrize("name", ["%00", "ada%00", "%00ada"])
def test_a_nul_in_a_username_path_is_404(make_auth_client, route, method, name):
    UserFactory(username="ada")
    staff = make_auth_client(AdminFactory())  # past every permission check, to the lookup
    path = route.replace("<username:username>", name)

    response = getattr(staff, method)(path, {}, format="json")

    assert response.status_code == 404
    assert response.json() == NOT_FOUND


@pytest.mark.parametrize("name", ["\x00", "ada\x00", "\x00@example.com"])
def test_a_nul_in_the_login_username_is_400(api_client, name):
    UserFactory(username="ada")

    response = api_client.post(
        "/api/v1/auth/login/", {"username": name, "password": PASSWORD}, format="json"
    )

    assert response.status_code == 400
    assert response.json()["errors"] == [
        {
            "code": "null_characters_not_allowed",
            "detail": "Null characters are not allowed.",
            "attr": "username",
        }
    ]


@pytest.mark.parametrize("name", ["\x00", "ada\x00", "\x00@example.com"])
def test_a_nul_in_the_token_endpoint_username_is_400(api_client, name):
    UserFactory(username="ada")

    response = api_client.post(
        "/api/v1/auth/token/",
        urlencode({"grant_type": "password", "username": name, "password": PASSWORD}),
        content_type="application/x-www-form-urlencoded",
    )

    assert response.status_code == 400
    assert response.json() == {
        "error": "invalid_request",
        "error_description": "The request is invalid.",
    }
