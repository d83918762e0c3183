"""Registration: who may create an account, and every way a request can be refused."""

import pytest
from django.contrib.auth.hashers import identify_hasher
from django.core import mail

from accounts.models import User
from tests.accounts.factories import UserFactory
from tests.conftest import validation_errors

pytestmark = pytest.mark.django_db

URL = "/api/v1/auth/register/"
GOOD = {"email": "ada@example.com", "username": "ada.l", "password": "analytical-engine-1843"}


def test_register_creates_a_pending_account_and_answers_with_the_user(api_client):
    response = api_client.post(URL, {**GOOD, "full_name": "Ada Lovelace"})
    assert response.status_code == 201
    user = User.objects.get(username="ada.l")
    body = response.json()
    assert body == {
        "id": str(user.pk),
        "username": "ada.l",
        "display_name": "Ada Lovelace",
        "bio": "",
        "avatar_url": None,
        "is_private": False,
        "email_verified": False,
        "role": "user",
        "status": "pending",
        "follower_count": 0,
        "following_count": 0,
        "video_count": 0,
        "is_following": False,
        "follow_status": None,
        "created_at": body["created_at"],
        "email": "ada@example.com",
        "phone_number": "",
        "last_login": None,
        "two_factor_enabled": False,
    }
    assert "password" not in response.content.decode()
    assert identify_hasher(user.password).algorithm == "argon2"
    assert user.check_password(GOOD["password"])


def test_register_sends_a_verification_email(api_client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        api_client.post(URL, GOOD)
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["ada@example.com"]
    assert "uid=" in mail.outbox[0].body and "token=" in mail.outbox[0].body


def test_unknown_and_privileged_fields_are_ignored(api_client):
    response = api_client.post(
        URL,
        {
            **GOOD,
            "role": "admin",
            "status": "active",
            "is_staff": True,
            "is_superuser": True,
            "email_verified": True,
            "follower_count": 1000,
            "favourite_colour": "blue",
        },
    )
    assert response.status_code == 201
    user = User.objects.get(username="ada.l")
    assert (user.role, user.status, user.is_staff, user.is_superuser) == (
        "user",
        "pending",
        False,
        False,
    )
    assert (user.email_verified, user.follower_count) == (False, 0)


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"email": "not-an-email"}, [("email", "invalid")]),
        ({"email": ""}, [("email", "blank")]),
        ({"username": "ab"}, [("username", "min_length")]),
        ({"username": "a" * 31}, [("username", "max_length")]),
        ({"username": "has space"}, [("username", "invalid")]),
        ({"username": "at@sign"}, [("username", "invalid")]),
        ({"username": "emoji😀"}, [("username", "invalid")]),
        ({"username": "me"}, [("username", "min_length")]),  # users/me/ stays a path
        ({"username": "Admin"}, [("username", "username_reserved")]),
        ({"username": "SELF"}, [("username", "username_reserved")]),
        ({"password": "short"}, [("password", "password_too_short")]),
        ({"password": "password123"}, [("password", "password_too_common")]),
        ({"password": "12345678901234"}, [("password", "password_entirely_numeric")]),
        ({"password": "ada@example.com1"}, [("password", "password_too_similar")]),
        ({"password": "x" * 129}, [("password", "password_too_long")]),
    ],
)
def test_invalid_input_is_refused_with_field_and_code(api_client, changes, expected):
    response = api_client.post(URL, {**GOOD, **changes})
    assert response.status_code == 400
    assert validation_errors(response) == expected
    assert not User.objects.exists()


@pytest.mark.parametrize("missing", ["email", "username", "password"])
def test_missing_fields_are_refused(api_client, missing):
    data = {key: value for key, value in GOOD.items() if key != missing}
    response = api_client.post(URL, data)
    assert response.status_code == 400
    assert validation_errors(response) == [(missing, "required")]


def test_a_128_character_password_is_accepted_whole(api_client):
    password = "Zq9!" * 32
    response = api_client.post(URL, {**GOOD, "password": password})
    assert response.status_code == 201
    user = User.objects.get(username="ada.l")
    assert user.check_password(password)
    assert not user.check_password(password[:-1])


@pytest.mark.parametrize("email", ["ada@example.com", "ADA@Example.COM"])
def test_a_taken_email_is_refused_whatever_its_case(api_client, email):
    UserFactory(email="ada@example.com")
    response = api_client.post(URL, {**GOOD, "email": email})
    assert response.status_code == 400
    assert validation_errors(response) == [("email", "email_taken")]


@pytest.mark.parametrize("username", ["ada.l", "ADA.L"])
def test_a_taken_username_is_refused_whatever_its_case(api_client, username):
    UserFactory(username="Ada.L")
    response = api_client.post(URL, {**GOOD, "username": username})
    assert response.status_code == 400
    assert validation_errors(response) == [("username", "username_taken")]


def test_the_database_refuses_a_duplicate_that_slips_past_validation():
    """A concurrent registration loses with a clean error, not an IntegrityError."""
    from rest_framework.exceptions import ValidationError

    from accounts.services.users import user_register

    UserFactory(email="ada@example.com", username="someone")
    with pytest.raises(ValidationError) as caught:
        user_register(email="ADA@example.com", username="other", password=GOOD["password"])
    assert caught.value.detail["email"][0].code == "email_taken"


def test_a_json_body_that_is_not_an_object_is_a_400(api_client):
    response = api_client.post(URL, data="[1, 2]", content_type="application/json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["code"] == "invalid"


def test_registration_ignores_a_bad_bearer_token(api_client):
    api_client.credentials(HTTP_AUTHORIZATION="Bearer garbage")
    assert api_client.post(URL, GOOD).status_code == 201
