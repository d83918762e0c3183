"""Changing a password while signed in, and resetting a forgotten one by email."""

import re
from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core import mail
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.test import APIClient

from accounts.models import AuthSession, User
from accounts.services.emails import user_uid
from tests.accounts.factories import PASSWORD, UserFactory
from tests.conftest import validation_errors

pytestmark = pytest.mark.django_db

CHANGE_URL = "/api/v1/auth/password/change/"
RESET_URL = "/api/v1/auth/password/reset/"
CONFIRM_URL = "/api/v1/auth/password/reset/confirm/"
LOGIN_URL = "/api/v1/auth/login/"
SESSIONS_URL = "/api/v1/auth/sessions/"
REFRESH_URL = "/api/v1/auth/token/refresh/"
NEW_PASSWORD = "a brand new passphrase"
ACCESS_SECONDS = int(settings.JWT_ACCESS_TOKEN_LIFETIME.total_seconds())

INVALID_TOKEN = {
    "type": "client_error",
    "errors": [
        {
            "code": "invalid_token",
            "detail": "This link is invalid or has expired; ask for a new one.",
            "attr": None,
        }
    ],
}
SESSION_ENDED = {
    "type": "client_error",
    "errors": [
        {"code": "session_ended", "detail": "This session has ended; sign in again.", "attr": None}
    ],
}

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

WEAK_PASSWORDS = [
    ("short", ["password_too_short"]),
    ("1234567890", ["password_too_common", "password_entirely_numeric"]),
    ("qwertyuiop", ["password_too_common"]),
    ("person0@example.com", ["password_too_similar"]),
    ("x" * 129, ["password_too_long"]),
]


def login(username: str, password: str):
    return APIClient().post(LOGIN_URL, {"username": username, "password": password})


def bearer(access_token: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {access_token}")
    return client


def live_sessions(user: User) -> list[AuthSession]:
    return list(AuthSession.objects.filter(user=user, ended_at__isnull=True))


# Changing the password


def test_password_change_answers_with_a_new_session_and_ends_every_other(user, make_auth_client):
    current = make_auth_client(user)
    other = make_auth_client(user)

    response = current.post(
        CHANGE_URL, {"current_password": PASSWORD, "new_password": NEW_PASSWORD}
    )

    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    body = response.json()
    assert body == {
        "access_token": body["access_token"],
        "refresh_token": body["refresh_token"],
        "token_type": "bearer",
        "expires_in": ACCESS_SECONDS,
    }
    # The new tokens work, and belong to the one session left.
    (new_session,) = live_sessions(user)
    assert new_session.pk not in (current.session_id, other.session_id)
    listed = bearer(body["access_token"]).get(SESSIONS_URL)
    assert listed.status_code == 200
    assert [(s["id"], s["is_current"]) for s in listed.json()["results"]] == [
        (str(new_session.pk), True)
    ]
    refreshed = APIClient().post(REFRESH_URL, {"refresh_token": body["refresh_token"]})
    assert refreshed.status_code == 200
    # Every earlier session ended, the one the request came with included.
    for old in (current, other):
        assert old.get(SESSIONS_URL).status_code == 401
        assert old.get(SESSIONS_URL).json() == SESSION_ENDED
        stale = APIClient().post(REFRESH_URL, {"refresh_token": old.tokens.refresh_token})
        assert (stale.status_code, stale.json()) == (401, SESSION_ENDED)
    ended = AuthSession.objects.filter(pk__in=[current.session_id, other.session_id])
    assert {session.end_reason for session in ended} == {"password_changed"}
    # Only the new password signs in.
    refused = login(user.username, PASSWORD)
    assert (refused.status_code, refused.json()) == (401, INVALID_CREDENTIALS)
    assert login(user.username, NEW_PASSWORD).status_code == 200


def test_password_change_with_a_wrong_current_password_changes_nothing(user, auth_client):
    response = auth_client.post(
        CHANGE_URL, {"current_password": "not my password", "new_password": NEW_PASSWORD}
    )
    assert response.status_code == 400
    assert response.json() == {
        "type": "validation_error",
        "errors": [
            {
                "code": "invalid_password",
                "detail": "The current password is incorrect.",
                "attr": "current_password",
            }
        ],
    }
    user.refresh_from_db()
    assert user.check_password(PASSWORD)
    assert [s.pk for s in live_sessions(user)] == [auth_client.session_id]


def test_wrong_current_passwords_count_against_the_account_sign_in_limit(user, auth_client):
    for _ in range(settings.ACCOUNTS_SIGN_IN_FAILURE_LIMIT):
        wrong = auth_client.post(
            CHANGE_URL, {"current_password": "guess", "new_password": NEW_PASSWORD}
        )
        assert wrong.status_code == 400
    response = auth_client.post(
        CHANGE_URL, {"current_password": PASSWORD, "new_password": NEW_PASSWORD}
    )
    assert response.status_code == 429
    assert response.json()["errors"][0]["code"] == "too_many_attempts"
    assert int(response["Retry-After"]) > 0
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


@pytest.mark.parametrize(("new_password", "codes"), WEAK_PASSWORDS)
def test_password_change_refuses_a_weak_new_password(make_auth_client, new_password, codes):
    user = UserFactory(username="person0", email="person0@example.com")
    client = make_auth_client(user)
    response = client.post(CHANGE_URL, {"current_password": PASSWORD, "new_password": new_password})
    assert response.status_code == 400
    assert validation_errors(response) == [("new_password", code) for code in codes]
    user.refresh_from_db()
    assert user.check_password(PASSWORD)
    assert [s.pk for s in live_sessions(user)] == [client.session_id]


def test_password_change_refuses_the_current_password_as_the_new_one(user, auth_client):
    response = auth_client.post(
        CHANGE_URL, {"current_password": PASSWORD, "new_password": PASSWORD}
    )
    assert response.status_code == 400
    assert response.json() == {
        "type": "validation_error",
        "errors": [
            {
                "code": "password_unchanged",
                "detail": "The new password must differ from the current one.",
                "attr": "new_password",
            }
        ],
    }
    assert [s.pk for s in live_sessions(user)] == [auth_client.session_id]


def test_password_change_requires_both_fields(auth_client):
    response = auth_client.post(CHANGE_URL, {})
    assert response.status_code == 400
    assert validation_errors(response) == [
        ("current_password", "required"),
        ("new_password", "required"),
    ]


def test_password_change_requires_a_signed_in_user(api_client, user):
    response = api_client.post(
        CHANGE_URL, {"current_password": PASSWORD, "new_password": NEW_PASSWORD}
    )
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'
    assert response.json() == {
        "type": "client_error",
        "errors": [
            {
                "code": "not_authenticated",
                "detail": "Authentication credentials were not provided.",
                "attr": None,
            }
        ],
    }
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


# Asking for a reset link


def reset_link(message) -> tuple[str, str]:
    """The uid and token of the link in a reset email."""
    match = re.search(r"/reset-password\?uid=([\w-]+)&token=([\w-]+)", message.body)
    assert match is not None, message.body
    return match.group(1), match.group(2)


def reset_request(client: APIClient, email: str, capture):
    with capture(execute=True):
        return client.post(RESET_URL, {"email": email})


def test_reset_request_answers_the_same_whether_or_not_the_account_exists(
    api_client, user, django_capture_on_commit_callbacks
):
    unknown = reset_request(api_client, "nobody@example.com", django_capture_on_commit_callbacks)
    assert mail.outbox == []
    known = reset_request(api_client, user.email, django_capture_on_commit_callbacks)

    assert (unknown.status_code, unknown.json()) == (202, {})
    assert (known.status_code, known.json()) == (202, {})
    assert unknown.content == known.content
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [user.email]
    uid, token = reset_link(message)
    assert uid == user_uid(user)
    assert default_token_generator.check_token(user, token)
    assert f"uid={uid}, token={token}" in message.body


def test_reset_request_finds_the_address_whatever_its_case(
    api_client, django_capture_on_commit_callbacks
):
    user = UserFactory(email="Ada@Example.com")
    response = reset_request(api_client, "ada@EXAMPLE.COM", django_capture_on_commit_callbacks)
    assert response.status_code == 202
    assert [message.to for message in mail.outbox] == [[user.email]]


@pytest.mark.parametrize(
    ("status", "suspended_for", "sent"),
    [
        (User.Status.ACTIVE, None, True),
        (User.Status.PENDING, None, True),
        (User.Status.SUSPENDED, timedelta(days=-1), True),  # the suspension has ended
        (User.Status.SUSPENDED, timedelta(days=1), False),
        (User.Status.SUSPENDED, None, False),
        (User.Status.BANNED, None, False),
        (User.Status.DEACTIVATED, None, False),
        (User.Status.DELETED, None, False),
    ],
)
def test_only_accounts_that_may_sign_in_get_a_reset_email(
    api_client, django_capture_on_commit_callbacks, status, suspended_for, sent
):
    until = timezone.now() + suspended_for if suspended_for else None
    user = UserFactory(status=status, suspended_until=until)
    response = reset_request(api_client, user.email, django_capture_on_commit_callbacks)
    assert (response.status_code, response.json()) == (202, {})
    assert len(mail.outbox) == (1 if sent else 0)


@pytest.mark.parametrize("email", ["not-an-email", "a@", ""])
def test_reset_request_refuses_what_is_not_an_email_address(api_client, email):
    response = api_client.post(RESET_URL, {"email": email})
    assert response.status_code == 400
    assert validation_errors(response) == [("email", "blank" if email == "" else "invalid")]


def test_reset_requests_are_throttled_per_address(api_client):
    for _ in range(5):
        assert api_client.post(RESET_URL, {"email": "someone@example.com"}).status_code == 202
    response = api_client.post(RESET_URL, {"email": "someone@example.com"})
    assert response.status_code == 429
    assert response.json()["errors"][0]["code"] == "throttled"
    other_address = APIClient(REMOTE_ADDR="10.0.0.2")
    assert other_address.post(RESET_URL, {"email": "someone@example.com"}).status_code == 202


# Setting a new password with the link


def link_for(user: User) -> dict:
    return {"uid": user_uid(user), "token": default_token_generator.make_token(user)}


def test_reset_confirm_sets_the_password_and_ends_every_session(
    api_client, user, make_auth_client, django_capture_on_commit_callbacks
):
    first, second = make_auth_client(user), make_auth_client(user)
    reset_request(api_client, user.email, django_capture_on_commit_callbacks)
    uid, token = reset_link(mail.outbox[0])

    response = api_client.post(
        CONFIRM_URL, {"uid": uid, "token": token, "new_password": NEW_PASSWORD}
    )

    assert response.status_code == 204
    assert response.content == b""  # no tokens: nobody is signed in
    assert live_sessions(user) == []
    ended = AuthSession.objects.filter(pk__in=[first.session_id, second.session_id])
    assert {session.end_reason for session in ended} == {"password_reset"}
    assert first.get(SESSIONS_URL).json() == SESSION_ENDED
    refused = login(user.username, PASSWORD)
    assert (refused.status_code, refused.json()) == (401, INVALID_CREDENTIALS)
    signed_in = login(user.username, NEW_PASSWORD)
    assert signed_in.status_code == 200
    assert signed_in.json()["user"]["id"] == str(user.pk)


def test_a_reset_link_works_once(api_client, user):
    link = link_for(user)
    first = api_client.post(CONFIRM_URL, {**link, "new_password": NEW_PASSWORD})
    assert first.status_code == 204
    again = api_client.post(CONFIRM_URL, {**link, "new_password": "yet another passphrase"})
    assert again.status_code == 400
    assert again.json() == INVALID_TOKEN
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)


def test_a_reset_link_dies_when_the_user_signs_in(api_client, user):
    link = link_for(user)
    assert login(user.username, PASSWORD).status_code == 200
    response = api_client.post(CONFIRM_URL, {**link, "new_password": NEW_PASSWORD})
    assert response.status_code == 400
    assert response.json() == INVALID_TOKEN


@pytest.mark.parametrize(
    "uid",
    [
        "!!!not-base64!!!",
        "bm90LWEtdXVpZA",  # base64 of "not-a-uuid"
        "__8",  # base64 of bytes that are not UTF-8
        "MDAwMDAwMDAtMDAwMC0wMDAwLTAwMDAtMDAwMDAwMDAwMDAw",  # a UUID nobody has
        "x" * 200,
    ],
)
def test_reset_confirm_refuses_a_malformed_or_unknown_uid(api_client, user, uid):
    token = default_token_generator.make_token(user)
    response = api_client.post(
        CONFIRM_URL, {"uid": uid, "token": token, "new_password": NEW_PASSWORD}
    )
    assert response.status_code == 400
    assert response.json() == INVALID_TOKEN
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


@pytest.mark.parametrize("token", ["wrong", "abc-0123456789abcdef0123456789abcd", "x" * 200])
def test_reset_confirm_refuses_a_wrong_token(api_client, user, token):
    response = api_client.post(
        CONFIRM_URL, {"uid": user_uid(user), "token": token, "new_password": NEW_PASSWORD}
    )
    assert response.status_code == 400
    assert response.json() == INVALID_TOKEN


def test_a_reset_token_does_not_work_for_another_account(api_client, user):
    other = UserFactory()
    token = default_token_generator.make_token(user)
    response = api_client.post(
        CONFIRM_URL, {"uid": user_uid(other), "token": token, "new_password": NEW_PASSWORD}
    )
    assert response.status_code == 400
    assert response.json() == INVALID_TOKEN


def test_reset_confirm_refuses_a_banned_account(api_client):
    user = UserFactory(status=User.Status.BANNED)
    response = api_client.post(CONFIRM_URL, {**link_for(user), "new_password": NEW_PASSWORD})
    assert response.status_code == 400
    assert response.json() == INVALID_TOKEN


@pytest.mark.parametrize(("new_password", "codes"), WEAK_PASSWORDS)
def test_reset_confirm_refuses_a_weak_password_and_keeps_the_link(api_client, new_password, codes):
    user = UserFactory(username="person0", email="person0@example.com")
    link = link_for(user)
    response = api_client.post(CONFIRM_URL, {**link, "new_password": new_password})
    assert response.status_code == 400
    assert validation_errors(response) == [("new_password", code) for code in codes]
    assert api_client.post(CONFIRM_URL, {**link, "new_password": NEW_PASSWORD}).status_code == 204


def test_reset_confirm_requires_every_field(api_client):
    response = api_client.post(CONFIRM_URL, {})
    assert response.status_code == 400
    assert validation_errors(response) == [
        ("uid", "required"),
        ("token", "required"),
        ("new_password", "required"),
    ]


def test_a_reset_does_not_bypass_two_factor(api_client, user):
    TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    response = api_client.post(CONFIRM_URL, {**link_for(user), "new_password": NEW_PASSWORD})
    assert response.status_code == 204
    assert TOTPDevice.objects.filter(user=user, confirmed=True).count() == 1
    signed_in = login(user.username, NEW_PASSWORD)
    assert signed_in.status_code == 200
    body = signed_in.json()
    assert body["two_factor_required"] is True
    assert "access_token" not in body


def test_a_reset_lifts_the_account_sign_in_lockout(api_client, user):
    for _ in range(settings.ACCOUNTS_SIGN_IN_FAILURE_LIMIT):
        refused = login(user.username, "a wrong guess")
        assert (refused.status_code, refused.json()) == (401, INVALID_CREDENTIALS)
    assert login(user.username, PASSWORD).status_code == 429
    response = api_client.post(CONFIRM_URL, {**link_for(user), "new_password": NEW_PASSWORD})
    assert response.status_code == 204
    assert login(user.username, NEW_PASSWORD).status_code == 200
