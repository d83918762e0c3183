"""The current user, public profiles, user search and deleting one's account."""

import base64
import json
import time
import uuid
from datetime import timedelta
from unittest.mock import patch

import pytest
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.exceptions import NotFound
from rest_framework_simplejwt.tokens import AccessToken

from accounts.models import AuthSession, User
from accounts.selectors import (
    _follow_status_annotate,
    access_user,
    user_list_annotated,
    user_profile_get,
)
from accounts.services.sessions import session_end
from accounts.services.two_factor import two_factor_setup_begin, two_factor_setup_confirm
from accounts.tokens import SESSION_CLAIM
from tests.accounts.factories import PASSWORD, AdminFactory, ModeratorFactory, UserFactory
from tests.conftest import error_body, error_one, validation_errors
from tests.social.factories import SocialGraph

pytestmark = pytest.mark.django_db

ME_URL = "/api/v1/users/me/"
USERS_URL = "/api/v1/users/"
REGISTER_URL = "/api/v1/auth/register/"
LOGIN_URL = "/api/v1/auth/login/"
REFRESH_URL = "/api/v1/auth/token/refresh/"

PRIVATE_FIELDS = {"email", "phone_number", "last_login", "two_factor_enabled"}


def profile_url(username: str) -> str:
    return f"{USERS_URL}{username}/"


def public_body(user: User) -> dict:
    """What anyone signed in sees of `user`."""
    user.refresh_from_db()
    return {
        "id": str(user.pk),
        "username": user.username,
        "display_name": user.display_name,
        "bio": user.bio,
        "avatar_url": None,
        "is_private": user.is_private,
        "email_verified": user.email_verified,
        "role": user.role,
        "status": user.status,
        "follower_count": user.follower_count,
        "following_count": user.following_count,
        "video_count": user.video_count,
        "is_following": False,  # nobody follows anybody in these tests
        "follow_status": None,
        "created_at": user.date_joined.isoformat().replace("+00:00", "Z"),
    }


def private_body(user: User, *, two_factor_enabled: bool = False) -> dict:
    """What `user` themself and staff see of `user`."""
    body = public_body(user)
    return {
        **body,
        "email": user.email,
        "phone_number": user.phone_number,
        "last_login": user.last_login.isoformat().replace("+00:00", "Z")
        if user.last_login
        else None,
        "two_factor_enabled": two_factor_enabled,
    }


def me_body(user: User, *, two_factor_enabled: bool = False) -> dict:
    """What `user` sees of themself on `users/me/`: the private fields and the
    targeting profile."""
    return {
        **private_body(user, two_factor_enabled=two_factor_enabled),
        "country": user.country,
        "language": user.language,
        "birth_date": user.birth_date.isoformat() if user.birth_date else None,
        "interests": user.interests,
    }


def two_factor_turn_on(user: User) -> None:
    """Two-factor on through the real services, with a code the app would show."""
    two_factor_setup_begin(user=user)
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time()
    two_factor_setup_confirm(user=user, code=f"{totp.token():0{device.digits}d}")


def unsigned_token(claims: dict) -> str:
    """A JWT with `alg: none` and no signature, as an attacker would forge it."""

    def part(data: dict) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()

    return f"{part({'alg': 'none', 'typ': 'JWT'})}.{part(claims)}."


# --- GET users/me/ and authentication --------------------------------------------------


def test_me_answers_the_caller_with_private_fields(auth_client, user):
    user.bio = "Counting things."
    user.phone_number = "+14155550123"
    user.save(update_fields=["bio", "phone_number"])

    response = auth_client.get(ME_URL)

    assert response.status_code == 200
    assert response.json() == me_body(user)
    assert response.json()["last_login"] is not None  # the session's sign-in


def test_me_shows_two_factor_enabled_when_it_is_on(make_auth_client, user):
    two_factor_turn_on(user)
    response = make_auth_client(user).get(ME_URL)
    assert response.status_code == 200
    assert response.json()["two_factor_enabled"] is True


def test_me_without_credentials_is_401_with_a_bearer_challenge(api_client):
    response = api_client.get(ME_URL)
    assert response.status_code == 401
    assert response.json() == error_body(
        "not_authenticated", "Authentication credentials were not provided."
    )
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'


@pytest.mark.parametrize(
    "authorization",
    ["Bearer not-a-token", "Bearer a.b.c", "Bearer one two", "Bearer"],
    ids=["garbage", "three-parts", "two-words", "empty"],
)
def test_me_with_a_malformed_token_is_token_not_valid(api_client, authorization):
    api_client.credentials(HTTP_AUTHORIZATION=authorization)
    response = api_client.get(ME_URL)
    assert response.status_code == 401
    assert response.json()["errors"][0]["code"] == "token_not_valid"
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'


def test_me_with_a_token_signed_by_another_key_is_token_not_valid(auth_client, user):
    header, payload, signature = auth_client.tokens.access_token.split(".")
    tampered = signature[:-4] + ("AAAA" if signature[-4:] != "AAAA" else "BBBB")
    auth_client.credentials(HTTP_AUTHORIZATION=f"Bearer {header}.{payload}.{tampered}")
    response = auth_client.get(ME_URL)
    assert response.status_code == 401
    assert response.json() == error_body("token_not_valid", "The token is invalid.")


def test_me_with_an_expired_token_is_token_expired(api_client, auth_client, user):
    # Issued, correctly signed, for a live session, an access lifetime ago and a bit.
    issued = timezone.now() - settings.JWT_ACCESS_TOKEN_LIFETIME - timedelta(seconds=1)
    with patch("rest_framework_simplejwt.tokens.aware_utcnow", return_value=issued):
        token = AccessToken()
    token["user_id"] = str(user.pk)
    token[SESSION_CLAIM] = str(auth_client.session_id)
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    response = api_client.get(ME_URL)
    assert response.status_code == 401
    assert response.json() == error_body("token_expired", "The token has expired.")
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'


def test_me_with_an_unsigned_alg_none_token_is_refused(api_client, auth_client, user):
    now = int(time.time())
    forged = unsigned_token(
        {
            "token_type": "access",
            "exp": now + 600,
            "iat": now,
            "jti": uuid.uuid4().hex,
            "user_id": str(user.pk),
            "sid": str(auth_client.session_id),  # a live session of the user
        }
    )
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {forged}")
    response = api_client.get(ME_URL)
    assert response.status_code == 401
    assert response.json() == error_body("token_not_valid", "The token is invalid.")


def test_me_with_a_refresh_token_as_bearer_is_refused(api_client, auth_client):
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {auth_client.tokens.refresh_token}")
    response = api_client.get(ME_URL)
    assert response.status_code == 401
    assert response.json() == error_body("token_not_valid", "The token is invalid.")


@pytest.mark.parametrize(
    "status", [User.Status.SUSPENDED, User.Status.BANNED, User.Status.DEACTIVATED]
)
def test_a_token_stops_working_once_the_user_may_not_sign_in(auth_client, user, status):
    User.objects.filter(pk=user.pk).update(status=status)
    response = auth_client.get(ME_URL)
    assert response.status_code == 401
    assert response.json() == error_body("account_inactive", "This account cannot sign in.")


def test_a_token_of_an_ended_session_is_session_ended(auth_client):
    session_end(session_id=auth_client.session_id)
    response = auth_client.get(ME_URL)
    assert response.status_code == 401
    assert response.json() == error_body("session_ended", "This session has ended; sign in again.")


# --- private fields --------------------------------------------------------------------


def test_a_profile_shows_private_fields_to_the_user_themself(auth_client, user):
    response = auth_client.get(profile_url(user.username))
    assert response.status_code == 200
    assert response.json() == private_body(user)


@pytest.mark.parametrize("staff_factory", [ModeratorFactory, AdminFactory])
def test_a_profile_shows_private_fields_to_staff(make_auth_client, user, staff_factory):
    two_factor_turn_on(user)
    staff_client = make_auth_client(staff_factory())
    response = staff_client.get(profile_url(user.username))
    assert response.status_code == 200
    assert response.json() == private_body(user, two_factor_enabled=True)


def test_a_profile_hides_private_fields_from_other_users(make_auth_client, user):
    user.phone_number = "+14155550123"
    user.save(update_fields=["phone_number"])
    other_client = make_auth_client(UserFactory(role=User.Role.CREATOR))
    response = other_client.get(profile_url(user.username))
    assert response.status_code == 200
    assert response.json() == public_body(user)
    assert PRIVATE_FIELDS.isdisjoint(response.json())
    assert user.email not in response.content.decode()


# --- PATCH users/me/ -------------------------------------------------------------------


def test_patch_changes_the_profile_and_answers_with_the_user(auth_client, user):
    response = auth_client.patch(
        ME_URL,
        {
            "username": "Ada.L_1815",
            "display_name": "Ada Lovelace",
            "bio": "The first programmer.",
            "phone_number": "+442071234567",
            "is_private": True,
        },
    )
    assert response.status_code == 200
    user.refresh_from_db()
    assert (user.username, user.display_name, user.bio, user.phone_number, user.is_private) == (
        "Ada.L_1815",
        "Ada Lovelace",
        "The first programmer.",
        "+442071234567",
        True,
    )
    assert response.json() == me_body(user)


def test_patch_changes_only_the_fields_sent(auth_client, user):
    before = me_body(user)
    response = auth_client.patch(ME_URL, {"bio": "Just the bio."})
    assert response.status_code == 200
    assert response.json() == {**before, "bio": "Just the bio."}


def test_an_empty_patch_changes_nothing(auth_client, user):
    before = me_body(user)
    response = auth_client.patch(ME_URL, {})
    assert response.status_code == 200
    assert response.json() == before


def test_patch_ignores_privileged_and_unknown_fields(auth_client, user):
    before = me_body(user)
    response = auth_client.patch(
        ME_URL,
        {
            "display_name": "Still Me",
            "role": "admin",
            "status": "banned",
            "email": "new@example.com",
            "email_verified": False,
            "is_staff": True,
            "is_superuser": True,
            "follower_count": 10_000,
            "following_count": 10_000,
            "video_count": 10_000,
            "id": str(uuid.uuid4()),
            "password": "a-new-password-1234",
            "suspended_until": "2999-01-01T00:00:00Z",
            "metadata": {"verified_badge": True},
            "two_factor_enabled": True,
        },
    )
    assert response.status_code == 200
    assert response.json() == {**before, "display_name": "Still Me"}
    user.refresh_from_db()
    assert (user.role, user.status, user.email, user.email_verified) == (
        User.Role.USER,
        User.Status.ACTIVE,
        before["email"],
        True,
    )
    assert (user.is_staff, user.is_superuser, user.follower_count) == (False, False, 0)
    assert (user.suspended_until, user.metadata) == (None, {})
    assert user.check_password(PASSWORD)


def test_a_blank_phone_number_clears_it(auth_client, user):
    user.phone_number = "+14155550123"
    user.save(update_fields=["phone_number"])
    response = auth_client.patch(ME_URL, {"phone_number": ""})
    assert response.status_code == 200
    assert response.json()["phone_number"] == ""
    user.refresh_from_db()
    assert user.phone_number == ""


@pytest.mark.parametrize(
    ("phone_number", "codes"),
    [
        ("4155550123", ["invalid"]),  # no country code
        ("+04155550123", ["invalid"]),  # country codes never start with 0
        ("+1 415 555 0123", ["invalid"]),
        ("+1-415-555-0123", ["invalid"]),
        ("+1", ["invalid"]),
        ("+1415555012a", ["invalid"]),
        ("+1234567890123456", ["invalid", "max_length"]),  # E.164 allows 15 digits
    ],
)
def test_patch_refuses_a_phone_number_not_in_e164(auth_client, user, phone_number, codes):
    response = auth_client.patch(ME_URL, {"phone_number": phone_number})
    assert response.status_code == 400
    assert validation_errors(response) == [("phone_number", code) for code in codes]
    user.refresh_from_db()
    assert user.phone_number == ""


@pytest.mark.parametrize(
    ("field", "value", "code"),
    [
        ("display_name", "x" * 51, "max_length"),
        ("bio", "x" * 501, "max_length"),
        ("display_name", "null\x00byte", "null_characters_not_allowed"),
        ("is_private", "maybe", "invalid"),
        ("bio", None, "null"),
    ],
)
def test_patch_refuses_bad_values(auth_client, user, field, value, code):
    before = me_body(user)
    response = auth_client.patch(ME_URL, {field: value})
    assert response.status_code == 400
    assert validation_errors(response) == [(field, code)]
    assert auth_client.get(ME_URL).json() == before


def test_patch_accepts_values_at_their_maximum_length(auth_client):
    response = auth_client.patch(ME_URL, {"display_name": "d" * 50, "bio": "b" * 500})
    assert response.status_code == 200
    assert (response.json()["display_name"], response.json()["bio"]) == ("d" * 50, "b" * 500)


@pytest.mark.parametrize(
    ("username", "code"),
    [
        ("ab", "min_length"),
        ("a" * 31, "max_length"),
        ("has space", "invalid"),
        ("dash-ed", "invalid"),
        ("émile", "invalid"),
        ("at@sign", "invalid"),
        ("", "blank"),
    ],
)
def test_patch_applies_the_registration_rules_to_usernames(auth_client, user, username, code):
    before = user.username
    response = auth_client.patch(ME_URL, {"username": username})
    assert response.status_code == 400
    assert validation_errors(response) == [("username", code)]
    user.refresh_from_db()
    assert user.username == before


@pytest.mark.parametrize("taken_as", ["grace", "GRACE", "Grace"])
def test_patch_refuses_a_username_another_account_holds_whatever_the_case(auth_client, taken_as):
    UserFactory(username="Grace")
    response = auth_client.patch(ME_URL, {"username": taken_as, "bio": "not saved"})
    assert response.status_code == 400
    assert response.json() == {
        "type": "validation_error",
        "errors": [
            {
                "code": "username_taken",
                "detail": "This username is already taken.",
                "attr": "username",
            }
        ],
    }
    assert auth_client.get(ME_URL).json()["bio"] == ""


def test_patch_refuses_the_username_of_a_deleted_account(auth_client):
    UserFactory(username="gone", status=User.Status.DELETED)
    response = auth_client.patch(ME_URL, {"username": "Gone"})
    assert response.status_code == 400
    assert validation_errors(response) == [("username", "username_taken")]


@pytest.mark.parametrize("new_username", ["ADA.L", "Ada.L", "ada.l"])
def test_patch_may_change_only_the_case_of_ones_own_username(make_auth_client, new_username):
    user = UserFactory(username="ada.l")
    response = make_auth_client(user).patch(ME_URL, {"username": new_username})
    assert response.status_code == 200
    assert response.json()["username"] == new_username
    user.refresh_from_db()
    assert user.username == new_username


def test_the_old_username_is_free_once_changed(make_auth_client):
    first = UserFactory(username="first")
    assert make_auth_client(first).patch(ME_URL, {"username": "renamed"}).status_code == 200
    second_client = make_auth_client(UserFactory())
    response = second_client.patch(ME_URL, {"username": "First"})
    assert response.status_code == 200
    assert response.json()["username"] == "First"


@pytest.mark.parametrize("method", ["get", "patch", "delete"])
def test_me_needs_a_signed_in_user(api_client, method):
    response = getattr(api_client, method)(ME_URL, {})
    assert response.status_code == 401
    assert response.json()["errors"][0]["code"] == "not_authenticated"


def test_me_does_not_allow_put_or_post(auth_client):
    assert auth_client.put(ME_URL, {}).status_code == 405
    assert auth_client.post(ME_URL, {}).status_code == 405


# --- DELETE users/me/ ------------------------------------------------------------------


@pytest.fixture
def doomed(make_auth_client):
    """A user with everything deletion must wipe, signed in on two devices."""
    user = UserFactory(
        username="Doomed.One",
        display_name="Doomed",
        bio="Here today.",
        phone_number="+14155550123",
        is_private=False,
        metadata={"favourite_colour": "blue"},
    )
    two_factor_turn_on(user)  # before signing in: turning it on ends other sessions
    phone, laptop = make_auth_client(user), make_auth_client(user)
    return user, phone, laptop


def test_deleting_the_account_anonymises_it_and_keeps_the_row(doomed):
    user, phone, _ = doomed
    response = phone.delete(ME_URL, {"password": PASSWORD})
    assert response.status_code == 204
    assert response.content == b""

    user.refresh_from_db()
    assert user.status == User.Status.DELETED
    assert user.email == f"deleted-{user.pk.hex}@invalid"
    assert user.username == "Doomed.One"  # still reserved
    assert (user.display_name, user.bio, user.phone_number, user.avatar.name) == ("", "", "", "")
    assert user.metadata == {}
    assert (user.email_verified, user.is_private) == (False, True)
    assert not user.has_usable_password()
    assert not user.check_password(PASSWORD)


def test_deleting_the_account_ends_every_session_and_removes_two_factor(doomed):
    user, phone, _ = doomed
    assert TOTPDevice.objects.filter(user=user).exists()
    assert StaticToken.objects.filter(device__user=user).count() == 10

    assert phone.delete(ME_URL, {"password": PASSWORD}).status_code == 204

    sessions = AuthSession.objects.filter(user=user)
    assert sessions.count() == 2
    assert all(session.ended_at is not None for session in sessions)
    assert {session.end_reason for session in sessions} == {"account_deleted"}
    assert not TOTPDevice.objects.filter(user=user).exists()
    assert not StaticDevice.objects.filter(user=user).exists()
    assert not StaticToken.objects.filter(device__user=user).exists()


def test_old_tokens_stop_working_once_the_account_is_deleted(doomed, api_client):
    _, phone, laptop = doomed
    assert phone.delete(ME_URL, {"password": PASSWORD}).status_code == 204

    for client in (phone, laptop):
        response = client.get(ME_URL)
        assert response.status_code == 401
        assert response.json() == error_body(
            "session_ended", "This session has ended; sign in again."
        )
        response = api_client.post(REFRESH_URL, {"refresh_token": client.tokens.refresh_token})
        assert response.status_code == 401
        assert response.json()["errors"][0]["code"] == "session_ended"


def test_a_deleted_account_cannot_sign_in_again(doomed, api_client):
    user, phone, _ = doomed
    assert phone.delete(ME_URL, {"password": PASSWORD}).status_code == 204
    response = api_client.post(LOGIN_URL, {"username": user.username, "password": PASSWORD})
    assert response.status_code == 401
    assert response.json()["errors"][0]["code"] == "invalid_credentials"


@pytest.mark.parametrize("username", ["Doomed.One", "doomed.one"])
def test_the_username_of_a_deleted_account_cannot_be_registered(doomed, api_client, username):
    _, phone, _ = doomed
    assert phone.delete(ME_URL, {"password": PASSWORD}).status_code == 204
    response = api_client.post(
        REGISTER_URL,
        {"email": "newcomer@example.com", "username": username, "password": "a-fresh-start-99"},
    )
    assert response.status_code == 400
    assert validation_errors(response) == [("username", "username_taken")]


def test_the_placeholder_email_of_a_deleted_account_cannot_be_registered(doomed, api_client):
    user, phone, _ = doomed
    assert phone.delete(ME_URL, {"password": PASSWORD}).status_code == 204
    user.refresh_from_db()
    response = api_client.post(
        REGISTER_URL,
        {"email": user.email, "username": "newcomer", "password": "a-fresh-start-99"},
    )
    assert response.status_code == 400
    assert validation_errors(response) == [("email", "invalid")]


def test_the_original_email_is_free_again_after_deletion(doomed, api_client):
    user, phone, _ = doomed
    email = user.email
    assert phone.delete(ME_URL, {"password": PASSWORD}).status_code == 204
    response = api_client.post(
        REGISTER_URL, {"email": email, "username": "newcomer", "password": "a-fresh-start-99"}
    )
    assert response.status_code == 201


def test_deleting_with_a_wrong_password_changes_nothing(doomed):
    user, phone, _ = doomed
    before = me_body(user, two_factor_enabled=True)
    response = phone.delete(ME_URL, {"password": "not-my-password"})
    assert response.status_code == 400
    assert response.json() == {
        "type": "validation_error",
        "errors": [
            {
                "code": "invalid_password",
                "detail": "The current password is incorrect.",
                "attr": "password",
            }
        ],
    }
    assert phone.get(ME_URL).json() == before
    assert AuthSession.objects.filter(user=user, ended_at__isnull=True).count() == 2
    assert TOTPDevice.objects.filter(user=user).exists()


def test_deleting_without_a_password_is_refused(auth_client, user):
    response = auth_client.delete(ME_URL)
    assert response.status_code == 400
    assert validation_errors(response) == [("password", "required")]
    user.refresh_from_db()
    assert user.status == User.Status.ACTIVE


def test_wrong_deletion_passwords_count_against_the_sign_in_limit(
    auth_client, user, api_client, settings
):
    settings.ACCOUNTS_SIGN_IN_FAILURE_LIMIT = 2
    for _ in range(2):
        assert auth_client.delete(ME_URL, {"password": "guess"}).status_code == 400

    response = auth_client.delete(ME_URL, {"password": PASSWORD})  # even the right one
    assert response.status_code == 429
    assert response.json()["errors"][0]["code"] == "too_many_attempts"
    assert int(response["Retry-After"]) > 0
    user.refresh_from_db()
    assert user.status == User.Status.ACTIVE
    # The same limit guards signing in.
    response = api_client.post(LOGIN_URL, {"username": user.username, "password": PASSWORD})
    assert response.status_code == 429


# --- GET users/{username}/ -------------------------------------------------------------


def test_a_profile_is_found_whatever_the_case_of_the_username(make_auth_client):
    target = UserFactory(username="Grace.Hopper")
    viewer = make_auth_client(UserFactory())
    for username in ("Grace.Hopper", "grace.hopper", "GRACE.HOPPER"):
        response = viewer.get(profile_url(username))
        assert response.status_code == 200
        assert response.json() == public_body(target)


@pytest.mark.parametrize("status", [User.Status.ACTIVE, User.Status.PENDING])
def test_profiles_of_accounts_that_may_act_are_shown(auth_client, status):
    target = UserFactory(status=status)
    response = auth_client.get(profile_url(target.username))
    assert response.status_code == 200
    assert response.json()["status"] == status


@pytest.mark.parametrize("status", [User.Status.SUSPENDED, User.Status.DEACTIVATED])
def test_profiles_of_accounts_that_may_not_act_are_404_for_users(auth_client, status):
    """One rule with their videos, search and follows (`user_visible_statuses`)."""
    target = UserFactory(status=status)
    response = auth_client.get(profile_url(target.username))
    assert response.status_code == 404
    assert response.json() == error_body("not_found", "Not found.")


@pytest.mark.parametrize("status", [User.Status.DELETED, User.Status.BANNED])
def test_profiles_of_deleted_and_banned_accounts_are_404_for_users(make_auth_client, status):
    target = UserFactory(status=status)
    for viewer in (UserFactory(), UserFactory(role=User.Role.CREATOR)):
        response = make_auth_client(viewer).get(profile_url(target.username))
        assert response.status_code == 404
        assert response.json() == error_body("not_found", "Not found.")


@pytest.mark.parametrize("status", [User.Status.DELETED, User.Status.BANNED])
@pytest.mark.parametrize("staff_factory", [ModeratorFactory, AdminFactory])
def test_staff_still_see_deleted_and_banned_accounts(make_auth_client, status, staff_factory):
    target = UserFactory(status=status)
    response = make_auth_client(staff_factory()).get(profile_url(target.username.upper()))
    assert response.status_code == 200
    assert response.json() == private_body(target)


def test_the_profile_of_a_deleted_account_is_404_after_deletion(doomed, make_auth_client):
    user, phone, _ = doomed
    assert phone.delete(ME_URL, {"password": PASSWORD}).status_code == 204
    response = make_auth_client(UserFactory()).get(profile_url(user.username))
    assert response.status_code == 404


@pytest.mark.parametrize("username", ["nobody", "x", "a" * 200, "bad%20name", "..."])
def test_an_unknown_username_is_404(auth_client, username):
    response = auth_client.get(profile_url(username))
    assert response.status_code == 404
    assert response.json() == error_body("not_found", "Not found.")


def test_the_profile_query_compiled_once_gives_what_the_query_set_gives(settings):
    """`user_profile_get` and `access_user` run SQL the ORM made once for a stand-in
    username and viewer (`core.compiled`): for every viewer and user they find whom
    the rule's query set finds, the profile with the same follow status and two-factor
    flag. `_` and `%` in a name
    match only themselves (SQLite compares with LIKE)."""
    graph = SocialGraph()
    users = [
        UserFactory(username="a_b"),
        UserFactory(username="axb"),
        UserFactory(username="Mixed.Case"),
        UserFactory(username="pending_one", status=User.Status.PENDING),
        UserFactory(username="gone", status=User.Status.SUSPENDED),
        UserFactory(username="private_one", is_private=True),
    ]
    viewer, blocker, staff = UserFactory(), UserFactory(), ModeratorFactory()
    graph.follow(viewer, users[0])
    graph.request(viewer, users[5])
    graph.block(blocker, users[1])
    two_factor_turn_on(users[2])
    names = ["a_b", "A_B", "axb", "a%", "a_", "mixed.case", "PENDING_ONE", "gone", "private_one"]
    for required in (False, True):
        settings.ACCOUNTS_REQUIRE_EMAIL_VERIFICATION = required
        for who in (viewer, blocker, staff, users[0], AnonymousUser()):
            annotated = _follow_status_annotate(user_list_annotated(), viewer=who)
            for name in names:
                try:
                    wanted = access_user(viewer=who, username=name, queryset=annotated)
                except NotFound:
                    wanted = None
                try:
                    found = user_profile_get(username=name, viewer=who)
                except NotFound:
                    found = None
                try:
                    plain = access_user(viewer=who, username=name)  # compiled too
                except NotFound:
                    plain = None
                assert (found is None) == (wanted is None) == (plain is None), (who, name)
                if plain is not None:
                    assert plain.pk == wanted.pk
                    assert not hasattr(plain, "follow_status")
                if found is not None:
                    assert (found.pk, found.follow_status, found.two_factor_enabled) == (
                        wanted.pk,
                        wanted.follow_status,
                        wanted.two_factor_enabled,
                    )
    assert user_profile_get(username="A_B", viewer=viewer).follow_status == "following"
    assert user_profile_get(username="private_one", viewer=viewer).follow_status == "requested"
    assert user_profile_get(username="mixed.case", viewer=viewer).two_factor_enabled is True
    with pytest.raises(NotFound):
        user_profile_get(username="axb", viewer=blocker)


def test_profiles_need_a_signed_in_user(api_client, user):
    response = api_client.get(profile_url(user.username))
    assert response.status_code == 401
    assert response.json()["errors"][0]["code"] == "not_authenticated"


# --- GET users/?search= ----------------------------------------------------------------


@pytest.fixture
def viewer_client(make_auth_client):
    """A signed-in searcher whose own names match none of the searches below."""
    return make_auth_client(UserFactory(username="zz.viewer", display_name="Zed Viewer"))


def usernames(response) -> list[str]:
    assert response.status_code == 200, response.json()
    return [item["username"] for item in response.json()["results"]]


def test_search_matches_the_start_of_usernames_whatever_the_case(viewer_client):
    for username in ("ada", "Adalbert", "ADAM", "nomad", "ad"):
        UserFactory(username=username, display_name="Someone")
    # Compared as sets: how mixed case sorts depends on the database's collation.
    found = usernames(viewer_client.get(USERS_URL, {"search": "ada"}))
    assert (len(found), set(found)) == (3, {"ada", "Adalbert", "ADAM"})
    assert usernames(viewer_client.get(USERS_URL, {"search": "ADAL"})) == ["Adalbert"]


def test_search_matches_the_start_of_display_names_whatever_the_case(viewer_client):
    UserFactory(username="u1", display_name="Margaret Hamilton")
    UserFactory(username="u2", display_name="margot")
    UserFactory(username="u3", display_name="Ada Marlowe")  # not at the start
    assert usernames(viewer_client.get(USERS_URL, {"search": "MARG"})) == ["u1", "u2"]
    assert usernames(viewer_client.get(USERS_URL, {"search": "margaret h"})) == ["u1"]


def test_search_lists_the_users_who_may_act_pending_ones_too(viewer_client):
    for status in User.Status:
        UserFactory(username=f"kim.{status}", status=status)
    assert usernames(viewer_client.get(USERS_URL, {"search": "kim."})) == [
        "kim.active",
        "kim.pending",
    ]


def test_search_leaves_pending_users_out_when_verification_is_required(viewer_client, settings):
    settings.ACCOUNTS_REQUIRE_EMAIL_VERIFICATION = True
    for status in User.Status:
        UserFactory(username=f"kim.{status}", status=status)
    assert usernames(viewer_client.get(USERS_URL, {"search": "kim."})) == ["kim.active"]


# A pending (not yet verified) user, seen by someone else wherever users are found.
WHERE_USERS_ARE_FOUND = {
    "profile": ("get", "/api/v1/users/{}/", 200),
    "videos": ("get", "/api/v1/users/{}/videos/", 200),
    "followers": ("get", "/api/v1/users/{}/followers/", 200),
    "tiers": ("get", "/api/v1/users/{}/tiers/", 200),
    "follow": ("post", "/api/v1/users/{}/follow/", 201),
}


@pytest.mark.parametrize("where", WHERE_USERS_ARE_FOUND)
@pytest.mark.parametrize("verification_required", [False, True])
def test_pending_users_are_found_where_they_can_act_and_hidden_alike_otherwise(
    viewer_client, settings, where, verification_required
):
    settings.ACCOUNTS_REQUIRE_EMAIL_VERIFICATION = verification_required
    pending = UserFactory(username="newcomer", status=User.Status.PENDING)
    method, url, found = WHERE_USERS_ARE_FOUND[where]

    response = getattr(viewer_client, method)(url.format(pending.username))
    search = usernames(viewer_client.get(USERS_URL, {"search": "newc"}))

    if verification_required:
        assert (response.status_code, search) == (404, [])
    else:
        assert (response.status_code, search) == (found, ["newcomer"])


def test_search_treats_like_wildcards_as_plain_characters(viewer_client):
    UserFactory(username="a_b", display_name="Someone")
    UserFactory(username="axb", display_name="100% Someone")
    assert usernames(viewer_client.get(USERS_URL, {"search": "a_"})) == ["a_b"]
    assert usernames(viewer_client.get(USERS_URL, {"search": "%"})) == []
    assert usernames(viewer_client.get(USERS_URL, {"search": "100%"})) == ["axb"]


@pytest.mark.parametrize("query", [{}, {"search": ""}, {"search": "   "}])
def test_an_empty_search_lists_every_active_user_by_username(viewer_client, query):
    for username in ("carol", "alice", "bob"):
        UserFactory(username=username)
    UserFactory(username="banned", status=User.Status.BANNED)
    assert usernames(viewer_client.get(USERS_URL, query)) == ["alice", "bob", "carol", "zz.viewer"]


def test_search_results_are_users_without_private_fields_for_users(viewer_client):
    found = UserFactory(username="findme")
    response = viewer_client.get(USERS_URL, {"search": "findme"})
    assert response.status_code == 200
    assert response.json() == {"next": None, "previous": None, "results": [public_body(found)]}


def test_search_results_show_private_fields_to_staff(make_auth_client):
    found = UserFactory(username="findme")
    two_factor_turn_on(found)
    response = make_auth_client(ModeratorFactory()).get(USERS_URL, {"search": "findme"})
    assert response.status_code == 200
    assert response.json()["results"] == [private_body(found, two_factor_enabled=True)]


def test_search_pages_walk_every_match_once_in_order(viewer_client):
    names = [f"page{n:02d}" for n in range(7)]
    for username in reversed(names):
        UserFactory(username=username)
    seen, url, params = [], USERS_URL, {"search": "page", "page_size": 3}
    pages = 0
    while url:
        response = viewer_client.get(url, params)
        seen.extend(usernames(response))
        url, params = response.json()["next"], None
        pages += 1
    assert (seen, pages) == (names, 3)


def test_search_longer_than_50_characters_is_refused(viewer_client):
    assert viewer_client.get(USERS_URL, {"search": "a" * 50}).status_code == 200
    response = viewer_client.get(USERS_URL, {"search": "a" * 51})
    assert response.status_code == 400
    assert response.json() == {
        "type": "validation_error",
        "errors": [
            {
                "code": "max_length",
                "detail": "Ensure this field has no more than 50 characters.",
                "attr": "search",
            }
        ],
    }


@pytest.mark.parametrize(
    ("params", "attr", "code"),
    [
        ({"search": "a\x00b"}, "search", "null_characters_not_allowed"),
        ({"cursor": "forged"}, "cursor", "invalid_cursor"),
        ({"page_size": "0"}, "page_size", "invalid_page_size"),
    ],
)
def test_bad_list_parameters_are_400(viewer_client, params, attr, code):
    response = viewer_client.get(USERS_URL, params)
    assert response.status_code == 400
    assert validation_errors(response) == [(attr, code)]


@pytest.mark.parametrize("listed", [3, 20])
@pytest.mark.parametrize("viewer_factory", [UserFactory, ModeratorFactory])
def test_search_runs_a_fixed_number_of_queries(
    make_auth_client, django_assert_num_queries, listed, viewer_factory
):
    client = make_auth_client(viewer_factory(username="zz.viewer", display_name="Zed"))
    for n in range(listed):
        user = UserFactory(username=f"many{n:02d}")
        if n % 2:
            TOTPDevice.objects.create(user=user, name="app", confirmed=True)
    # One query authenticates (session and user), one reads the page.
    with django_assert_num_queries(2):
        response = client.get(USERS_URL, {"search": "many", "page_size": 100})
    assert len(usernames(response)) == listed


def test_search_needs_a_signed_in_user(api_client):
    response = api_client.get(USERS_URL, {"search": "a"})
    assert response.status_code == 401
    assert response.json()["errors"][0]["code"] == "not_authenticated"


@pytest.mark.parametrize("confirmed", [True, False])
def test_users_me_is_one_query_with_the_two_factor_flag(
    make_auth_client, django_assert_num_queries, confirmed
):
    user = UserFactory()
    TOTPDevice.objects.create(user=user, name="phone", confirmed=confirmed)
    client = make_auth_client(user)

    # The session, its user and the two-factor flag (the test cache counts the
    # throttle: on the database cache it is one statement more, core.rates).
    with django_assert_num_queries(1):
        response = client.get("/api/v1/users/me/")

    assert response.status_code == 200
    assert (response.json()["id"], response.json()["two_factor_enabled"]) == (
        str(user.pk),
        confirmed,
    )


@pytest.mark.parametrize("claim", [SESSION_CLAIM, "user_id"])
def test_a_token_whose_ids_are_not_uuids_is_refused(api_client, claim):
    user = UserFactory()
    token = AccessToken.for_user(user)
    token[SESSION_CLAIM] = str(uuid.uuid4())
    token[claim] = "not-a-uuid"
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")

    response = api_client.get("/api/v1/users/me/")

    assert error_one(response, 401) == ("token_not_valid", None)
