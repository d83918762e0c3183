"""Verifying an account's email address with the emailed link, and sending a new link."""

import re

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.core import mail

from accounts.models import User
from accounts.services.emails import user_uid
from accounts.tokens import email_verification_token_generator
from tests.accounts.factories import UserFactory

pytestmark = pytest.mark.django_db

VERIFY_URL = "/api/v1/auth/email/verify/"
RESEND_URL = "/api/v1/auth/email/verify/resend/"
REGISTER_URL = "/api/v1/auth/register/"

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


def verification_link(message) -> dict:
    """The uid and token of the link in a verification email."""
    match = re.search(r"/verify-email\?uid=([\w-]+)&token=([\w-]+)", message.body)
    assert match is not None, message.body
    return {"uid": match.group(1), "token": match.group(2)}


def link_for(user: User) -> dict:
    return {"uid": user_uid(user), "token": email_verification_token_generator.make_token(user)}


@pytest.fixture
def pending_user() -> User:
    return UserFactory(status=User.Status.PENDING, email_verified=False)


def test_verifying_activates_a_pending_account(api_client, pending_user):
    response = api_client.post(VERIFY_URL, link_for(pending_user))
    assert response.status_code == 200
    assert response.json() == {"email_verified": True}
    pending_user.refresh_from_db()
    assert (pending_user.email_verified, pending_user.status) == (True, "active")


def test_verifying_leaves_a_suspended_account_suspended(api_client):
    user = UserFactory(status=User.Status.SUSPENDED, email_verified=False)
    response = api_client.post(VERIFY_URL, link_for(user))
    assert response.status_code == 200
    user.refresh_from_db()
    assert (user.email_verified, user.status) == (True, "suspended")


def test_a_verification_link_works_once(api_client, pending_user):
    link = link_for(pending_user)
    assert api_client.post(VERIFY_URL, link).status_code == 200
    again = api_client.post(VERIFY_URL, link)
    assert again.status_code == 400
    assert again.json() == INVALID_TOKEN


def test_a_verification_link_dies_when_the_address_changes(api_client, pending_user):
    link = link_for(pending_user)
    User.objects.filter(pk=pending_user.pk).update(email="elsewhere@example.com")
    response = api_client.post(VERIFY_URL, link)
    assert response.status_code == 400
    assert response.json() == INVALID_TOKEN
    pending_user.refresh_from_db()
    assert (pending_user.email_verified, pending_user.status) == (False, "pending")


@pytest.mark.parametrize(
    "link",
    [
        pytest.param(lambda user: {"uid": user_uid(user), "token": "wrong"}, id="wrong token"),
        pytest.param(
            lambda user: {"uid": "!!!", "token": link_for(user)["token"]}, id="malformed uid"
        ),
        pytest.param(
            lambda user: {"uid": "bm90LWEtdXVpZA", "token": link_for(user)["token"]},
            id="uid not a UUID",
        ),
        pytest.param(
            lambda user: {"uid": user_uid(UserFactory()), "token": link_for(user)["token"]},
            id="another account's uid",
        ),
        pytest.param(lambda user: {"uid": user_uid(user), "token": "x" * 200}, id="overlong token"),
    ],
)
def test_a_bad_verification_link_is_refused(api_client, pending_user, link):
    response = api_client.post(VERIFY_URL, link(pending_user))
    assert response.status_code == 400
    assert response.json() == INVALID_TOKEN
    pending_user.refresh_from_db()
    assert (pending_user.email_verified, pending_user.status) == (False, "pending")


def test_a_password_reset_token_does_not_verify_an_address(api_client, pending_user):
    token = default_token_generator.make_token(pending_user)
    response = api_client.post(VERIFY_URL, {"uid": user_uid(pending_user), "token": token})
    assert response.status_code == 400
    assert response.json() == INVALID_TOKEN


def test_verify_requires_uid_and_token(api_client):
    response = api_client.post(VERIFY_URL, {})
    assert response.status_code == 400
    body = response.json()
    assert body["type"] == "validation_error"
    assert [(e["attr"], e["code"]) for e in body["errors"]] == [
        ("uid", "required"),
        ("token", "required"),
    ]


def test_the_email_sent_at_registration_verifies_the_address(
    api_client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        registered = api_client.post(
            REGISTER_URL,
            {"email": "ada@example.com", "username": "ada.l", "password": "analytical-engine-1843"},
        )
    assert registered.status_code == 201
    assert [message.to for message in mail.outbox] == [["ada@example.com"]]

    response = api_client.post(VERIFY_URL, verification_link(mail.outbox[0]))

    assert response.status_code == 200
    assert response.json() == {"email_verified": True}
    user = User.objects.get(username="ada.l")
    assert (user.email_verified, user.status) == (True, "active")


# Sending a new link


def test_resend_emails_a_new_link_that_works(
    make_auth_client, pending_user, django_capture_on_commit_callbacks
):
    client = make_auth_client(pending_user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(RESEND_URL)
    assert response.status_code == 202
    assert response.json() == {}
    assert [message.to for message in mail.outbox] == [[pending_user.email]]

    verified = client.post(VERIFY_URL, verification_link(mail.outbox[0]))
    assert verified.status_code == 200
    pending_user.refresh_from_db()
    assert (pending_user.email_verified, pending_user.status) == (True, "active")


def test_resend_refuses_a_verified_address(auth_client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = auth_client.post(RESEND_URL)
    assert response.status_code == 400
    assert response.json() == {
        "type": "client_error",
        "errors": [
            {
                "code": "email_already_verified",
                "detail": "This email address is already verified.",
                "attr": None,
            }
        ],
    }
    assert mail.outbox == []


def test_resend_requires_a_signed_in_user(api_client):
    response = api_client.post(RESEND_URL)
    assert response.status_code == 401
    assert response.json()["errors"][0]["code"] == "not_authenticated"


def test_resend_is_throttled_per_account(make_auth_client, pending_user):
    client = make_auth_client(pending_user)
    for _ in range(5):
        assert client.post(RESEND_URL).status_code == 202
    response = client.post(RESEND_URL)
    assert response.status_code == 429
    assert response.json()["errors"][0]["code"] == "throttled"
