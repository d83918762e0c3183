"""Signing in: the OAuth2 token endpoint, JSON login, refresh rotation and logout."""

import time
from datetime import timedelta
from unittest import mock
from urllib.parse import urlencode

import jwt
import pytest
from django.conf import settings
from django.contrib.auth import hashers
from django.core.cache import cache
from django.utils import timezone
from oauthlib.oauth2 import LegacyApplicationClient
from rest_framework.test import APIClient

from accounts.models import AuthSession, SignInAttempt, User
from tests.accounts.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

TOKEN = "/api/v1/auth/token/"
LOGIN = "/api/v1/auth/login/"
REFRESH = "/api/v1/auth/token/refresh/"
LOGOUT = "/api/v1/auth/logout/"
LOGOUT_ALL = "/api/v1/auth/logout-all/"
SESSIONS = "/api/v1/auth/sessions/"
ACCESS_SECONDS = int(settings.JWT_ACCESS_TOKEN_LIFETIME.total_seconds())

INVALID_CREDENTIALS = {
    "type": "client_error",
    "errors": [
        {
            "code": "invalid_credentials",
            "detail": "The username or password is incorrect.",
            "attr": None,
        }
    ],
}


@pytest.fixture
def ada():
    return UserFactory(username="ada", email="ada@example.com")


def bearer(access_token: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {access_token}")
    return client


def login(client, username=None, password=PASSWORD, **extra):
    return client.post(LOGIN, {"username": username, "password": password}, **extra)


def token_request(client, data: dict, **extra):
    """POST form-encoded, as OAuth2 clients do."""
    return client.post(
        TOKEN, urlencode(data), content_type="application/x-www-form-urlencoded", **extra
    )


# -- the OAuth2 token endpoint (RFC 6749) -------------------------------------------


def test_password_grant_answers_an_rfc_6749_token_response(api_client, ada):
    response = token_request(
        api_client,
        {"grant_type": "password", "username": "ada", "password": PASSWORD},
    )
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"access_token", "refresh_token", "token_type", "expires_in"}
    assert (body["token_type"], body["expires_in"]) == ("bearer", ACCESS_SECONDS)
    assert response["Cache-Control"] == "no-store"
    assert response["Pragma"] == "no-cache"
    assert bearer(body["access_token"]).get(SESSIONS).status_code == 200


def test_a_standard_oauth2_client_can_fetch_and_refresh_tokens(ada):
    """oauthlib builds the requests and parses the answers, unchanged."""
    oauth = LegacyApplicationClient(client_id="mobile-app")
    http = APIClient()
    body = oauth.prepare_request_body(username="ada@example.com", password=PASSWORD)
    response = http.post(TOKEN, body, content_type="application/x-www-form-urlencoded")
    token = oauth.parse_request_body_response(response.content.decode())
    assert token["token_type"] == "bearer"
    assert token["expires_in"] == ACCESS_SECONDS

    body = oauth.prepare_refresh_body(refresh_token=token["refresh_token"])
    response = http.post(TOKEN, body, content_type="application/x-www-form-urlencoded")
    refreshed = oauth.parse_request_body_response(response.content.decode())
    assert refreshed["access_token"] != token["access_token"]
    assert refreshed["refresh_token"] != token["refresh_token"]


@pytest.mark.parametrize(
    ("data", "status", "error"),
    [
        ({}, 400, "invalid_request"),
        ({"grant_type": "client_credentials"}, 400, "unsupported_grant_type"),
        ({"grant_type": "password", "username": "ada"}, 400, "invalid_request"),
        ({"grant_type": "password", "password": PASSWORD}, 400, "invalid_request"),
        ({"grant_type": "password", "username": "ada", "password": "nope"}, 400, "invalid_grant"),
        ({"grant_type": "password", "username": "nobody", "password": "x"}, 400, "invalid_grant"),
        ({"grant_type": "refresh_token"}, 400, "invalid_request"),
        ({"grant_type": "refresh_token", "refresh_token": "garbage"}, 400, "invalid_grant"),
    ],
)
def test_token_endpoint_errors_are_rfc_6749_shaped(api_client, ada, data, status, error):
    response = token_request(api_client, data)
    assert response.status_code == status
    body = response.json()
    assert set(body) == {"error", "error_description"}
    assert body["error"] == error
    assert body["error_description"]


def test_a_malformed_token_request_body_is_an_rfc_6749_error(api_client):
    response = api_client.post(TOKEN, "{oops", content_type="application/json")
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"


def test_wrong_password_and_unknown_user_get_identical_token_errors(api_client, ada):
    wrong = api_client.post(
        TOKEN, {"grant_type": "password", "username": "ada", "password": "nope"}
    )
    unknown = token_request(
        api_client, {"grant_type": "password", "username": "nobody", "password": "nope"}
    )
    assert wrong.json() == unknown.json()


# -- JSON login ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "data",
    [
        {"username": "ada", "password": PASSWORD},
        {"username": "ADA", "password": PASSWORD},
        {"username": "ada@example.com", "password": PASSWORD},
        {"username": "Ada@Example.com", "password": PASSWORD},
        {"email": "ada@example.com", "password": PASSWORD},
    ],
    ids=["username", "username-case", "email", "email-case", "email-alias"],
)
def test_login_with_username_or_email(api_client, ada, data):
    response = api_client.post(LOGIN, data)
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"access_token", "refresh_token", "token_type", "expires_in", "user"}
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == ACCESS_SECONDS
    assert body["user"]["id"] == str(ada.pk)
    assert body["user"]["email"] == "ada@example.com"  # the user's own private fields


def test_wrong_password_and_unknown_account_get_the_same_401(api_client, ada):
    wrong = login(api_client, "ada", "wrong password")
    unknown = login(api_client, "nobody", "wrong password")
    unknown_email = login(api_client, "nobody@example.com", "wrong password")
    for response in (wrong, unknown, unknown_email):
        assert response.status_code == 401
        assert response.json() == INVALID_CREDENTIALS


def test_the_hasher_runs_for_unknown_accounts_too(api_client):
    with mock.patch(
        "accounts.services.sign_in.make_password", wraps=hashers.make_password
    ) as make_password:
        login(api_client, "nobody", "some password")
    make_password.assert_called_once_with("some password")


def test_login_updates_last_login(api_client, ada):
    assert ada.last_login is None
    before = timezone.now()
    body = login(api_client, "ada").json()
    ada.refresh_from_db()
    assert ada.last_login >= before
    assert body["user"]["last_login"] is not None


def test_two_logins_in_the_same_second_get_different_tokens(api_client, ada):
    with mock.patch("rest_framework_simplejwt.tokens.aware_utcnow", return_value=timezone.now()):
        first = login(api_client, "ada").json()
        second = login(api_client, "ada").json()
    assert first["access_token"] != second["access_token"]
    assert first["refresh_token"] != second["refresh_token"]
    claims = [
        jwt.decode(body["access_token"], options={"verify_signature": False})
        for body in (first, second)
    ]
    assert claims[0]["jti"] != claims[1]["jti"]
    assert claims[0]["sid"] != claims[1]["sid"]
    assert claims[0]["iat"] == claims[1]["iat"]


@pytest.mark.parametrize(
    "data",
    [{}, {"password": PASSWORD}, {"username": "ada"}, {"username": "", "password": PASSWORD}],
)
def test_login_with_missing_fields_is_a_400(api_client, ada, data):
    response = api_client.post(LOGIN, data)
    assert response.status_code == 400
    assert response.json()["type"] == "validation_error"


@pytest.mark.parametrize(
    "status",
    [User.Status.SUSPENDED, User.Status.BANNED, User.Status.DEACTIVATED, User.Status.DELETED],
)
def test_accounts_that_may_not_sign_in_are_refused(api_client, status):
    UserFactory(username="eve", status=status)
    wrong = login(api_client, "eve", "wrong password")
    right = login(api_client, "eve")
    assert wrong.json() == INVALID_CREDENTIALS  # nothing revealed without the password
    assert right.status_code == 401
    assert right.json()["errors"][0]["code"] == "account_inactive"
    assert not AuthSession.objects.exists()


def test_pending_accounts_sign_in_unless_verification_is_required(api_client, settings):
    UserFactory(username="new", status=User.Status.PENDING, email_verified=False)
    assert login(api_client, "new").status_code == 200
    settings.ACCOUNTS_REQUIRE_EMAIL_VERIFICATION = True
    response = login(api_client, "new")
    assert response.status_code == 401
    assert response.json()["errors"][0]["code"] == "account_inactive"


def test_every_attempt_is_recorded_with_user_address_and_outcome(api_client, ada):
    login(api_client, "ada", "wrong")
    login(api_client, "nobody", "wrong")
    api_client.post(LOGIN, {"username": "ada", "password": PASSWORD}, REMOTE_ADDR="10.1.2.3")
    attempts = list(
        SignInAttempt.objects.order_by("created_at").values_list(
            "user__username", "identifier", "outcome", "ip_address", "method"
        )
    )
    assert attempts == [
        ("ada", "ada", "bad_credentials", "127.0.0.1", "login"),
        (None, "nobody", "bad_credentials", "127.0.0.1", "login"),
        ("ada", "ada", "success", "10.1.2.3", "login"),
    ]


# -- per-account limits -------------------------------------------------------------


def test_ten_failures_lock_the_account_whatever_the_address(api_client, ada):
    for attempt in range(10):
        response = api_client.post(
            LOGIN, {"username": "ada", "password": "wrong"}, REMOTE_ADDR=f"10.0.0.{attempt}"
        )
        assert response.status_code == 401
    response = api_client.post(
        LOGIN, {"username": "ada", "password": PASSWORD}, REMOTE_ADDR="10.9.9.9"
    )
    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= 15 * 60
    assert response.json()["errors"][0]["code"] == "too_many_attempts"
    token_response = token_request(
        api_client, {"grant_type": "password", "username": "ada@example.com", "password": PASSWORD}
    )
    assert token_response.status_code == 429
    assert token_response.json()["error"] == "temporarily_unavailable"
    assert int(token_response["Retry-After"]) > 0
    assert SignInAttempt.objects.filter(outcome="throttled").count() == 2


def test_unknown_accounts_lock_the_same_way(api_client):
    for _ in range(10):
        assert login(api_client, "ghost", "wrong").status_code == 401
    assert login(api_client, "ghost", "wrong").status_code == 429


def test_a_success_clears_the_failure_count(api_client, ada):
    for _ in range(9):
        login(api_client, "ada", "wrong")
    assert login(api_client, "ada").status_code == 200
    for _ in range(9):
        assert login(api_client, "ada", "wrong").status_code == 401


def test_failures_are_counted_in_the_database_not_the_cache(api_client, ada):
    """Every worker process reads the same count: it is the sign-in log's."""
    for _ in range(10):
        login(api_client, "ada", "wrong")
    cache.clear()
    assert login(api_client, "ada").status_code == 429
    assert SignInAttempt.objects.filter(user=ada, outcome="bad_credentials").count() == 10


def test_the_lock_lasts_until_the_oldest_counted_failure_leaves_the_window(api_client, ada):
    for _ in range(10):
        login(api_client, "ada", "wrong")
    window = settings.ACCOUNTS_SIGN_IN_FAILURE_WINDOW_SECONDS
    failures = SignInAttempt.objects.filter(user=ada, outcome="bad_credentials")
    failures.update(created_at=timezone.now() - timedelta(seconds=window - 100))

    locked = login(api_client, "ada")
    failures.update(created_at=timezone.now() - timedelta(seconds=window + 1))
    unlocked = login(api_client, "ada")

    assert locked.status_code == 429
    assert 99 <= int(locked["Retry-After"]) <= 100
    assert unlocked.status_code == 200


def test_names_that_are_no_account_are_counted_whatever_their_case(api_client):
    for name in ["Ghost", "ghost", " GHOST ", "gHoSt", "ghost"] * 2:
        assert login(api_client, name, "wrong").status_code == 401
    assert login(api_client, "ghost", "wrong").status_code == 429
    assert login(api_client, "other-ghost", "wrong").status_code == 401


def test_the_sign_in_endpoints_are_throttled_per_address(api_client, ada):
    rate = settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["sign_in"]
    allowed = int(rate.split("/")[0])
    for index in range(allowed):
        login(api_client, f"someone{index}", "wrong")
    response = login(api_client, "ada")
    assert response.status_code == 429
    assert response.json()["errors"][0]["code"] == "throttled"


# -- refresh --------------------------------------------------------------------------


def test_refresh_rotates_the_pair(api_client, ada):
    first = login(api_client, "ada").json()
    response = api_client.post(REFRESH, {"refresh_token": first["refresh_token"]})
    assert response.status_code == 200
    second = response.json()
    assert set(second) == {"access_token", "refresh_token", "token_type", "expires_in"}
    assert second["refresh_token"] != first["refresh_token"]
    assert bearer(second["access_token"]).get(SESSIONS).status_code == 200
    session = AuthSession.objects.get()
    assert (
        session.refresh_jti
        == jwt.decode(second["refresh_token"], options={"verify_signature": False})["jti"]
    )


@pytest.mark.parametrize(
    ("refresh_token", "status", "code"),
    [("garbage", 401, "token_not_valid"), ("a.b.c", 401, "token_not_valid"), ("", 400, "blank")],
)
def test_an_invalid_refresh_token_is_refused(api_client, ada, refresh_token, status, code):
    response = api_client.post(REFRESH, {"refresh_token": refresh_token})
    assert response.status_code == status
    assert response.json()["errors"][0]["code"] == code


def test_an_access_token_is_not_a_refresh_token(api_client, ada):
    access = login(api_client, "ada").json()["access_token"]
    response = api_client.post(REFRESH, {"refresh_token": access})
    assert response.status_code == 401
    assert response.json()["errors"][0]["code"] == "token_not_valid"


def test_reusing_a_refresh_token_ends_the_whole_session(api_client, ada, now_frozen):
    first = login(api_client, "ada").json()
    second = api_client.post(REFRESH, {"refresh_token": first["refresh_token"]}).json()
    now_frozen[0] += timedelta(seconds=settings.JWT_REFRESH_GRACE_SECONDS + 1)
    stolen = api_client.post(REFRESH, {"refresh_token": first["refresh_token"]})
    assert stolen.status_code == 401
    assert stolen.json()["errors"][0]["code"] == "refresh_token_reused"
    session = AuthSession.objects.get()
    assert session.end_reason == "refresh_reuse"
    # Both the thief's and the owner's newest tokens are dead now.
    assert bearer(second["access_token"]).get(SESSIONS).status_code == 401
    again = api_client.post(REFRESH, {"refresh_token": second["refresh_token"]})
    assert again.status_code == 401
    assert again.json()["errors"][0]["code"] == "session_ended"


@pytest.mark.parametrize("seconds_later", [0, 1, settings.JWT_REFRESH_GRACE_SECONDS])
def test_a_refresh_repeated_within_the_grace_period_gets_the_same_pair(
    api_client, ada, now_frozen, seconds_later
):
    first = login(api_client, "ada").json()
    rotated = api_client.post(REFRESH, {"refresh_token": first["refresh_token"]})
    now_frozen[0] += timedelta(seconds=seconds_later)
    repeated = api_client.post(REFRESH, {"refresh_token": first["refresh_token"]})
    via_token_endpoint = token_request(
        api_client, {"grant_type": "refresh_token", "refresh_token": first["refresh_token"]}
    )

    assert (rotated.status_code, repeated.status_code, via_token_endpoint.status_code) == (
        200,
        200,
        200,
    )
    assert repeated.json() == rotated.json() == via_token_endpoint.json()
    session = AuthSession.objects.get()
    assert (session.ended_at, session.end_reason) == (None, "")
    assert bearer(rotated.json()["access_token"]).get(SESSIONS).status_code == 200
    onwards = api_client.post(REFRESH, {"refresh_token": rotated.json()["refresh_token"]})
    assert onwards.status_code == 200


def test_after_the_grace_period_a_repeated_refresh_ends_the_session(api_client, ada, now_frozen):
    first = login(api_client, "ada").json()
    rotated = api_client.post(REFRESH, {"refresh_token": first["refresh_token"]}).json()
    now_frozen[0] += timedelta(seconds=settings.JWT_REFRESH_GRACE_SECONDS, microseconds=1)

    late = api_client.post(REFRESH, {"refresh_token": first["refresh_token"]})

    assert late.status_code == 401
    assert late.json()["errors"][0]["code"] == "refresh_token_reused"
    assert AuthSession.objects.get().end_reason == "refresh_reuse"
    assert bearer(rotated["access_token"]).get(SESSIONS).status_code == 401


def test_only_the_token_just_replaced_has_a_grace_period(api_client, ada, now_frozen):
    """Two rotations later, the first token is a copy, however soon it comes back."""
    first = login(api_client, "ada").json()
    second = api_client.post(REFRESH, {"refresh_token": first["refresh_token"]}).json()
    third = api_client.post(REFRESH, {"refresh_token": second["refresh_token"]})

    replay = api_client.post(REFRESH, {"refresh_token": first["refresh_token"]})

    assert third.status_code == 200
    assert replay.status_code == 401
    assert replay.json()["errors"][0]["code"] == "refresh_token_reused"
    assert AuthSession.objects.get().end_reason == "refresh_reuse"


def test_the_grace_period_is_a_setting(api_client, ada, settings):
    settings.JWT_REFRESH_GRACE_SECONDS = 0
    first = login(api_client, "ada").json()
    api_client.post(REFRESH, {"refresh_token": first["refresh_token"]})

    repeated = api_client.post(REFRESH, {"refresh_token": first["refresh_token"]})

    assert repeated.status_code == 401
    assert repeated.json()["errors"][0]["code"] == "refresh_token_reused"


def test_the_database_keeps_no_usable_token(api_client, ada):
    """What the session row holds of its tokens are their ids: no token without the key."""
    first = login(api_client, "ada").json()
    rotated = api_client.post(REFRESH, {"refresh_token": first["refresh_token"]}).json()
    row = AuthSession.objects.values().get()
    stored = " ".join(str(value) for value in row.values())
    for token in (first["refresh_token"], rotated["refresh_token"], rotated["access_token"]):
        assert token not in stored
        assert token.split(".")[2] not in stored  # nor a signature


def test_an_expired_refresh_token_is_refused(api_client, ada):
    refresh_token = login(api_client, "ada").json()["refresh_token"]
    claims = jwt.decode(refresh_token, options={"verify_signature": False})
    expired = forged({**claims, "exp": int(time.time()) - 1})
    response = api_client.post(REFRESH, {"refresh_token": expired})
    assert response.status_code == 401
    assert response.json()["errors"][0]["code"] == "token_expired"


def test_a_refresh_token_of_a_suspended_user_is_refused(api_client, ada):
    refresh_token = login(api_client, "ada").json()["refresh_token"]
    User.objects.filter(pk=ada.pk).update(status=User.Status.SUSPENDED)
    response = api_client.post(REFRESH, {"refresh_token": refresh_token})
    assert response.status_code == 401
    assert response.json()["errors"][0]["code"] == "session_ended"


# -- bearer tokens ----------------------------------------------------------------------


def test_an_expired_access_token_is_refused_with_its_own_code(api_client, ada):
    access = login(api_client, "ada").json()["access_token"]
    claims = jwt.decode(access, options={"verify_signature": False})
    response = bearer(forged({**claims, "exp": int(time.time()) - 1})).get(SESSIONS)
    assert response.status_code == 401
    assert response.json()["errors"][0]["code"] == "token_expired"
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'


@pytest.mark.parametrize(
    "header",
    ["Bearer", "Bearer a b", "Bearer not.a.jwt", "Bearer " + "x" * 500],
)
def test_malformed_bearer_headers_are_401(api_client, ada, header):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=header)
    response = client.get(SESSIONS)
    assert response.status_code == 401
    assert response.json()["errors"][0]["code"] == "token_not_valid"


def forged(claims: dict, *, key: str = settings.SIMPLE_JWT["SIGNING_KEY"], algorithm="HS256"):
    return jwt.encode(claims, key, algorithm=algorithm)


def test_tokens_with_the_none_algorithm_or_another_key_are_refused(api_client, ada):
    real = jwt.decode(
        login(api_client, "ada").json()["access_token"], options={"verify_signature": False}
    )
    unsigned = jwt.encode(real, key=None, algorithm="none")
    wrong_key = forged(real, key="another key of at least thirty-two bytes!")
    for token in (unsigned, wrong_key):
        response = bearer(token).get(SESSIONS)
        assert response.status_code == 401
        assert response.json()["errors"][0]["code"] == "token_not_valid"
    assert bearer(forged(real)).get(SESSIONS).status_code == 200  # the control


def test_a_token_naming_another_users_session_is_refused(api_client, ada):
    other = UserFactory()
    real = jwt.decode(
        login(api_client, "ada").json()["access_token"], options={"verify_signature": False}
    )
    response = bearer(forged({**real, "user_id": str(other.pk)})).get(SESSIONS)
    assert response.status_code == 401
    assert response.json()["errors"][0]["code"] == "token_not_valid"


@pytest.mark.parametrize("claim", ["sid", "user_id"])
def test_a_token_with_a_malformed_claim_is_refused(api_client, ada, claim):
    real = jwt.decode(
        login(api_client, "ada").json()["access_token"], options={"verify_signature": False}
    )
    response = bearer(forged({**real, claim: "not-a-uuid"})).get(SESSIONS)
    assert response.status_code == 401
    assert response.json()["errors"][0]["code"] == "token_not_valid"


def test_a_suspended_users_token_stops_working_at_once(api_client, ada):
    access = login(api_client, "ada").json()["access_token"]
    User.objects.filter(pk=ada.pk).update(status=User.Status.SUSPENDED)
    response = bearer(access).get(SESSIONS)
    assert response.status_code == 401
    assert response.json()["errors"][0]["code"] == "account_inactive"


def test_authentication_costs_one_query(api_client, ada, django_assert_num_queries):
    client = bearer(login(api_client, "ada").json()["access_token"])
    with django_assert_num_queries(2):  # the session and user in one, then the logout
        response = client.post(LOGOUT)
    assert response.status_code == 204


# -- logout and sessions ---------------------------------------------------------------


def test_logout_kills_the_access_and_refresh_tokens_at_once(api_client, ada):
    tokens = login(api_client, "ada").json()
    client = bearer(tokens["access_token"])
    assert client.post(LOGOUT).status_code == 204
    assert client.get(SESSIONS).status_code == 401
    assert client.get(SESSIONS).json()["errors"][0]["code"] == "session_ended"
    response = api_client.post(REFRESH, {"refresh_token": tokens["refresh_token"]})
    assert response.status_code == 401
    assert response.json()["errors"][0]["code"] == "session_ended"


def test_logout_ends_only_the_current_session(api_client, ada):
    phone = bearer(login(api_client, "ada").json()["access_token"])
    laptop = bearer(login(api_client, "ada").json()["access_token"])
    phone.post(LOGOUT)
    assert laptop.get(SESSIONS).status_code == 200


def test_logout_all_ends_every_session(api_client, ada):
    phone = bearer(login(api_client, "ada").json()["access_token"])
    laptop = bearer(login(api_client, "ada").json()["access_token"])
    assert laptop.post(LOGOUT_ALL).status_code == 204
    assert phone.get(SESSIONS).status_code == 401
    assert laptop.get(SESSIONS).status_code == 401
    assert set(AuthSession.objects.values_list("end_reason", flat=True)) == {"logout_all"}


def test_logout_needs_authentication(api_client):
    response = api_client.post(LOGOUT)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'


def test_sessions_list_shows_live_sessions_with_the_current_one_flagged(api_client, ada):
    phone = login(api_client, "ada", HTTP_USER_AGENT="Phone/1.0", REMOTE_ADDR="10.0.0.1")
    login(api_client, "ada", HTTP_USER_AGENT="Laptop/2.0", REMOTE_ADDR="10.0.0.2")
    ended = bearer(login(api_client, "ada").json()["access_token"])
    ended.post(LOGOUT)
    UserFactory()  # another user's sessions never show
    client = bearer(phone.json()["access_token"])
    results = client.get(SESSIONS).json()["results"]
    assert [(s["user_agent"], s["ip_address"], s["is_current"]) for s in results] == [
        ("Laptop/2.0", "10.0.0.2", False),
        ("Phone/1.0", "10.0.0.1", True),
    ]
    assert set(results[0]) == {
        "id",
        "created_at",
        "last_used_at",
        "ip_address",
        "user_agent",
        "is_current",
    }


@pytest.mark.parametrize("page_size", [2, 20])
def test_sessions_list_costs_two_queries_at_any_page_size(
    make_auth_client, ada, django_assert_num_queries, page_size
):
    clients = [make_auth_client(ada) for _ in range(25)]
    with django_assert_num_queries(2):  # authentication, then the page
        response = clients[0].get(f"{SESSIONS}?page_size={page_size}")
    assert len(response.json()["results"]) == page_size


def test_ending_one_of_your_sessions(make_auth_client, ada):
    phone, laptop = make_auth_client(ada), make_auth_client(ada)
    response = laptop.delete(f"{SESSIONS}{phone.session_id}/")
    assert response.status_code == 204
    assert phone.get(SESSIONS).status_code == 401
    assert AuthSession.objects.get(pk=phone.session_id).end_reason == "revoked"


def test_other_users_sessions_are_not_found(make_auth_client, ada):
    mallory_session = make_auth_client(UserFactory()).session_id
    client = make_auth_client(ada)
    response = client.delete(f"{SESSIONS}{mallory_session}/")
    assert response.status_code == 404
    assert AuthSession.objects.get(pk=mallory_session).ended_at is None
    assert client.delete(f"{SESSIONS}not-a-uuid/").status_code == 404


def test_sessions_need_authentication(api_client):
    assert api_client.get(SESSIONS).status_code == 401
