"""Two-factor authentication: turning it on and off, backup codes, and signing in with it.

Codes are made the way an authenticator app makes them, from the device's key, at the
time of a `clock` the tests control (see the `clock` fixture and `Authenticator`). The
only other times moved are `timezone.now()` in the challenge-expiry test and the time of
a device's last failed check (`throttle_delay_pass`, to let django-otp's wait pass).
"""

import re
import threading
from base64 import b32encode
from datetime import timedelta
from unittest.mock import patch
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.exceptions import (
    ChallengeInvalid,
    TooManySignInAttempts,
    TwoFactorAlreadyEnabled,
    TwoFactorCodeInvalid,
    TwoFactorNotEnabled,
    TwoFactorNotSetUp,
)
from accounts.models import AuthSession, SignInAttempt, TwoFactorChallenge, User
from accounts.services.sessions import ClientInfo
from accounts.services.sign_in import (
    CHALLENGE_LIFETIME,
    CHALLENGE_MAX_ATTEMPTS,
    challenge_create,
    challenge_verify,
)
from accounts.services.two_factor import (
    BACKUP_CODE_COUNT,
    backup_code_digest,
    two_factor_is_enabled,
)
from tests.accounts.conftest import (
    Authenticator,
    TwoFactorAccount,
    throttle_delay_pass,
    two_factor_enable,
)
from tests.accounts.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

SETUP_URL = "/api/v1/auth/2fa/setup/"
CONFIRM_URL = "/api/v1/auth/2fa/confirm/"
BACKUP_CODES_URL = "/api/v1/auth/2fa/backup-codes/"
DISABLE_URL = "/api/v1/auth/2fa/disable/"
LOGIN_URL = "/api/v1/auth/login/"
VERIFY_URL = "/api/v1/auth/2fa/verify/"
TOKEN_URL = "/api/v1/auth/token/"
SESSIONS_URL = "/api/v1/auth/sessions/"

BACKUP_CODE_FORMAT = re.compile(r"^[a-hj-km-np-z2-9]{5}-[a-hj-km-np-z2-9]{5}$")
NO_STORE = "no-store"


# --- The clock, the authenticator app, and an account with two-factor on ---------------


@pytest.fixture
def account(user, clock) -> TwoFactorAccount:
    """`user`, with two-factor on; the authenticator's current code is already used."""
    return two_factor_enable(user, clock)


@pytest.fixture
def account_client(make_auth_client, account):
    """A client signed in as `account.user` after two-factor was turned on (turning it
    on ends the sessions opened before)."""
    return make_auth_client(account.user)


# --- Helpers ---------------------------------------------------------------------------


def client_error(exception: type) -> dict:
    """The body of a refusal raised as one of the accounts app's exceptions."""
    return {
        "type": "client_error",
        "errors": [
            {"code": exception.default_code, "detail": exception.default_detail, "attr": None}
        ],
    }


def validation_errors(response) -> list[tuple[str, str]]:
    body = response.json()
    assert body["type"] == "validation_error"
    return [(error["attr"], error["code"]) for error in body["errors"]]


def login(api_client, user: User):
    return api_client.post(
        LOGIN_URL, {"username": user.username, "password": PASSWORD}, format="json"
    )


def challenge_for(api_client, user: User) -> str:
    response = login(api_client, user)
    assert response.status_code == 200
    return response.json()["challenge_token"]


def verify(api_client, challenge_token: str, code: str):
    return api_client.post(
        VERIFY_URL, {"challenge_token": challenge_token, "code": code}, format="json"
    )


def attempts(user: User) -> list[tuple[str, str]]:
    """(method, outcome) of the user's sign-in attempts, oldest first."""
    return list(
        SignInAttempt.objects.filter(user=user)
        .order_by("created_at", "id")
        .values_list("method", "outcome")
    )


def bearer_status(access_token: str, api_client) -> int:
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {access_token}")
    status_code = api_client.get(SESSIONS_URL).status_code
    api_client.credentials()
    return status_code


def is_live(client) -> bool:
    return AuthSession.objects.get(pk=client.session_id).ended_at is None


# --- Who may call the endpoints -----------------------------------------------------------


@pytest.mark.parametrize("url", [SETUP_URL, CONFIRM_URL, BACKUP_CODES_URL, DISABLE_URL])
def test_two_factor_management_requires_a_signed_in_user(api_client, url):
    response = api_client.post(url, {"code": "123456", "password": PASSWORD}, format="json")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'
    assert response.json()["errors"][0]["code"] == "not_authenticated"


# --- Setup ---------------------------------------------------------------------------------


def test_setup_creates_an_unconfirmed_device_and_shows_its_secret(auth_client, user):
    response = auth_client.post(SETUP_URL)

    assert response.status_code == 200
    assert response["Cache-Control"] == NO_STORE
    body = response.json()
    assert set(body) == {"secret", "otpauth_uri", "qr_svg"}
    device = TOTPDevice.objects.get(user=user)
    assert device.confirmed is False
    assert body["secret"] == b32encode(device.bin_key).decode()
    assert re.fullmatch(r"[A-Z2-7]{32}", body["secret"])
    issuer = quote(settings.SITE_NAME)
    assert body["otpauth_uri"] == (
        f"otpauth://totp/{issuer}%3A{user.username}?secret={body['secret']}"
        f"&algorithm=SHA1&digits=6&period=30&issuer={issuer}"
    )
    assert body["qr_svg"].startswith("<svg")
    assert body["qr_svg"].endswith("</svg>")
    assert two_factor_is_enabled(user) is False


def test_setup_again_replaces_the_unconfirmed_device(auth_client, user, clock):
    first = auth_client.post(SETUP_URL).json()
    first_device = TOTPDevice.objects.get(user=user)

    second = auth_client.post(SETUP_URL).json()

    assert second["secret"] != first["secret"]
    assert list(TOTPDevice.objects.filter(user=user).values_list("confirmed", flat=True)) == [False]
    stale_code = Authenticator(first_device, clock).code()
    response = auth_client.post(CONFIRM_URL, {"code": stale_code}, format="json")
    assert response.status_code == 400
    assert response.json() == client_error(TwoFactorCodeInvalid)


def test_setup_is_refused_when_two_factor_is_on(account, account_client, user):
    device = TOTPDevice.objects.get(user=user)

    response = account_client.post(SETUP_URL)

    assert response.status_code == 409
    assert response.json() == client_error(TwoFactorAlreadyEnabled)
    assert list(TOTPDevice.objects.filter(user=user)) == [device]
    assert two_factor_is_enabled(user) is True


# --- Confirmation ----------------------------------------------------------------------------


def test_confirm_turns_two_factor_on_and_shows_backup_codes_once(auth_client, user, clock):
    auth_client.post(SETUP_URL)
    authenticator = Authenticator(TOTPDevice.objects.get(user=user), clock)

    response = auth_client.post(CONFIRM_URL, {"code": authenticator.code()}, format="json")

    assert response.status_code == 200
    assert response["Cache-Control"] == NO_STORE
    codes = response.json()["backup_codes"]
    assert set(response.json()) == {"backup_codes"}
    assert len(codes) == BACKUP_CODE_COUNT == 10
    assert len(set(codes)) == 10
    assert all(BACKUP_CODE_FORMAT.match(code) for code in codes)
    assert two_factor_is_enabled(user) is True
    device = StaticDevice.objects.get(user=user)
    assert device.confirmed is True
    stored = set(StaticToken.objects.filter(device=device).values_list("token", flat=True))
    assert stored == {backup_code_digest(code) for code in codes}
    # Only digests are stored: no plain code, in any spelling, is in the table.
    plain = {spelling for code in codes for spelling in (code, code.replace("-", ""))}
    assert not StaticToken.objects.filter(token__in=plain).exists()


@pytest.mark.parametrize("spacing", ["{}", " {} ", "{0[0]}{0[1]}{0[2]} {0[3]}{0[4]}{0[5]}"])
def test_confirm_accepts_a_code_with_spaces(auth_client, user, clock, spacing):
    auth_client.post(SETUP_URL)
    code = Authenticator(TOTPDevice.objects.get(user=user), clock).code()

    response = auth_client.post(CONFIRM_URL, {"code": spacing.format(code)}, format="json")

    assert response.status_code == 200
    assert two_factor_is_enabled(user) is True


def test_confirm_with_a_wrong_code_leaves_two_factor_off(auth_client, user, clock):
    auth_client.post(SETUP_URL)
    right = Authenticator(TOTPDevice.objects.get(user=user), clock).code()
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"

    response = auth_client.post(CONFIRM_URL, {"code": wrong}, format="json")

    assert response.status_code == 400
    assert response.json() == client_error(TwoFactorCodeInvalid)
    assert TOTPDevice.objects.get(user=user).confirmed is False
    assert not StaticDevice.objects.filter(user=user).exists()
    assert two_factor_is_enabled(user) is False


def test_confirm_without_a_setup_is_refused(auth_client, user):
    response = auth_client.post(CONFIRM_URL, {"code": "123456"}, format="json")

    assert response.status_code == 400
    assert response.json() == client_error(TwoFactorNotSetUp)


def test_confirm_when_two_factor_is_already_on_is_refused(account, account_client):
    response = account_client.post(
        CONFIRM_URL, {"code": account.authenticator.next_code()}, format="json"
    )

    assert response.status_code == 400
    assert response.json() == client_error(TwoFactorNotSetUp)


@pytest.mark.parametrize(
    ("body", "code"),
    [({}, "required"), ({"code": ""}, "blank"), ({"code": "1" * 33}, "max_length")],
)
def test_confirm_validates_its_input(auth_client, body, code):
    response = auth_client.post(CONFIRM_URL, body, format="json")

    assert response.status_code == 400
    assert validation_errors(response) == [("code", code)]


def test_confirm_ends_the_other_sessions(make_auth_client, user, clock):
    current, other = make_auth_client(user), make_auth_client(user)
    current.post(SETUP_URL)
    code = Authenticator(TOTPDevice.objects.get(user=user), clock).code()

    current.post(CONFIRM_URL, {"code": code}, format="json")

    assert is_live(current) is True
    assert is_live(other) is False
    assert AuthSession.objects.get(pk=other.session_id).end_reason == "two_factor_changed"
    assert other.get(SESSIONS_URL).status_code == 401


# --- Signing in: the challenge ------------------------------------------------------------------


def test_login_with_two_factor_on_answers_with_a_challenge_and_no_tokens(api_client, account):
    sessions_before = AuthSession.objects.count()

    response = login(api_client, account.user)

    assert response.status_code == 200
    body = response.json()
    assert body == {
        "two_factor_required": True,
        "challenge_token": body["challenge_token"],
        "expires_in": 300,
    }
    assert len(body["challenge_token"]) >= 40
    assert AuthSession.objects.count() == sessions_before
    assert attempts(account.user) == [("login", "two_factor_required")]


def test_verify_with_a_totp_code_signs_in(api_client, account):
    challenge = challenge_for(api_client, account.user)

    response = verify(api_client, challenge, account.authenticator.next_code())

    assert response.status_code == 200
    assert response["Cache-Control"] == NO_STORE
    body = response.json()
    assert set(body) == {"access_token", "refresh_token", "token_type", "expires_in", "user"}
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == settings.JWT_ACCESS_TOKEN_LIFETIME.total_seconds() == 900
    assert body["user"]["id"] == str(account.user.pk)
    assert body["user"]["two_factor_enabled"] is True
    assert bearer_status(body["access_token"], api_client) == 200
    assert attempts(account.user) == [
        ("login", "two_factor_required"),
        ("two_factor", "success"),
    ]


@pytest.mark.parametrize(
    "spelling",
    [str, str.upper, lambda code: code.replace("-", ""), lambda code: f" {code[:5]} {code[6:]} "],
    ids=["as-shown", "upper-case", "without-dash", "with-spaces"],
)
def test_verify_with_a_backup_code_signs_in_once(api_client, account, spelling):
    code = account.backup_codes[0]

    first = verify(api_client, challenge_for(api_client, account.user), spelling(code))
    again = verify(api_client, challenge_for(api_client, account.user), code)

    assert first.status_code == 200
    assert set(first.json()) == {
        "access_token",
        "refresh_token",
        "token_type",
        "expires_in",
        "user",
    }
    assert again.status_code == 400
    assert again.json() == client_error(TwoFactorCodeInvalid)
    assert StaticToken.objects.filter(device__user=account.user).count() == 9
    assert attempts(account.user)[-3:] == [
        ("two_factor", "success"),
        ("login", "two_factor_required"),
        ("two_factor", "two_factor_failed"),
    ]


def test_a_totp_code_cannot_be_used_twice(api_client, account):
    code = account.authenticator.next_code()
    first = verify(api_client, challenge_for(api_client, account.user), code)

    replay = verify(api_client, challenge_for(api_client, account.user), code)

    assert first.status_code == 200
    assert replay.status_code == 400
    assert replay.json() == client_error(TwoFactorCodeInvalid)
    assert attempts(account.user)[-1] == ("two_factor", "two_factor_failed")


def test_the_code_used_to_confirm_cannot_sign_in(api_client, account):
    response = verify(
        api_client, challenge_for(api_client, account.user), account.authenticator.code()
    )

    assert response.status_code == 400
    assert response.json() == client_error(TwoFactorCodeInvalid)


def test_a_challenge_is_single_use(api_client, account):
    challenge = challenge_for(api_client, account.user)
    first = verify(api_client, challenge, account.authenticator.next_code())

    second = verify(api_client, challenge, account.authenticator.next_code())

    assert first.status_code == 200
    assert second.status_code == 400
    assert second.json() == client_error(ChallengeInvalid)


@pytest.mark.parametrize(
    ("seconds_later", "status_code"),
    [(CHALLENGE_LIFETIME.total_seconds() - 1, 200), (CHALLENGE_LIFETIME.total_seconds(), 400)],
)
def test_a_challenge_expires_after_five_minutes(api_client, account, seconds_later, status_code):
    challenge = challenge_for(api_client, account.user)
    code = account.authenticator.next_code()
    later = timezone.now() + timedelta(seconds=seconds_later)

    with patch("django.utils.timezone.now", return_value=later):
        response = verify(api_client, challenge, code)

    assert CHALLENGE_LIFETIME.total_seconds() == 300
    assert response.status_code == status_code
    if status_code == 400:
        assert response.json() == client_error(ChallengeInvalid)


def test_a_challenge_allows_five_attempts(api_client, account):
    challenge = challenge_for(api_client, account.user)
    right = account.authenticator.next_code()
    wrong = "000000" if right != "000000" else "111111"

    failures = []
    for _ in range(CHALLENGE_MAX_ATTEMPTS):
        failures.append(verify(api_client, challenge, wrong))
        throttle_delay_pass(account.user)
    sixth = verify(api_client, challenge, right)

    assert CHALLENGE_MAX_ATTEMPTS == 5
    assert [response.status_code for response in failures] == [400] * 5
    assert all(response.json() == client_error(TwoFactorCodeInvalid) for response in failures)
    assert sixth.status_code == 400
    assert sixth.json() == client_error(ChallengeInvalid)
    assert TwoFactorChallenge.objects.get(user=account.user).attempts == 5
    assert (
        attempts(account.user)
        == [("login", "two_factor_required")] + [("two_factor", "two_factor_failed")] * 5
    )


def test_the_fifth_attempt_can_still_succeed(api_client, account):
    challenge = challenge_for(api_client, account.user)
    for _ in range(CHALLENGE_MAX_ATTEMPTS - 1):
        verify(api_client, challenge, "not-a-code")
        throttle_delay_pass(account.user)

    response = verify(api_client, challenge, account.authenticator.next_code())

    assert response.status_code == 200


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("kind", ["totp", "backup"])
def test_one_code_sent_twice_at_once_signs_in_once(account, kind):
    """The device row is locked while a code is checked: two racing checks of the same
    code cannot both pass."""
    code = account.authenticator.next_code() if kind == "totp" else account.backup_codes[0]
    challenges = [
        challenge_create(user=account.user, method="login", client=ClientInfo()) for _ in range(2)
    ]
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def finish(challenge_token: str) -> None:
        barrier.wait()
        try:
            challenge_verify(challenge_token=challenge_token, code=code, client=ClientInfo())
            outcomes.append("signed_in")
        except TwoFactorCodeInvalid:
            outcomes.append("invalid_otp")
        finally:
            connection.close()

    threads = [threading.Thread(target=finish, args=(token,)) for token in challenges]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes) == ["invalid_otp", "signed_in"]


@pytest.mark.parametrize(
    "challenge_token", ["unknown", "x" * 200], ids=["unknown", "longest-accepted"]
)
def test_verify_with_an_unknown_challenge_is_refused(api_client, account, challenge_token):
    response = verify(api_client, challenge_token, account.authenticator.next_code())

    assert response.status_code == 400
    assert response.json() == client_error(ChallengeInvalid)


def test_a_challenge_of_a_user_who_was_suspended_meanwhile_is_refused(api_client, account):
    challenge = challenge_for(api_client, account.user)
    User.objects.filter(pk=account.user.pk).update(status=User.Status.SUSPENDED)

    response = verify(api_client, challenge, account.authenticator.next_code())

    assert response.status_code == 400
    assert response.json() == client_error(ChallengeInvalid)


def test_the_challenge_token_is_not_a_bearer_token(api_client, account):
    challenge = challenge_for(api_client, account.user)

    assert bearer_status(challenge, api_client) == 401


# --- Signing in: the OAuth2 token endpoint ------------------------------------------------------


def password_grant(api_client, user: User, **extra):
    return api_client.post(
        TOKEN_URL,
        {"grant_type": "password", "username": user.username, "password": PASSWORD, **extra},
    )


def test_password_grant_without_a_code_asks_for_one(api_client, account):
    response = password_grant(api_client, account.user)

    assert response.status_code == 400
    assert response.json() == {
        "error": "invalid_grant",
        "error_description": "A one-time code is required (otp_code).",
    }
    assert attempts(account.user) == [("password_grant", "two_factor_required")]


@pytest.mark.parametrize("kind", ["totp", "backup"])
def test_password_grant_with_a_code_answers_with_tokens(api_client, account, kind):
    code = account.authenticator.next_code() if kind == "totp" else account.backup_codes[0]

    response = password_grant(api_client, account.user, otp_code=code)

    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"access_token", "refresh_token", "token_type", "expires_in"}
    assert body["token_type"] == "bearer"
    assert bearer_status(body["access_token"], api_client) == 200
    assert attempts(account.user) == [("password_grant", "success")]


def test_password_grant_with_a_wrong_code_is_refused(api_client, account):
    response = password_grant(api_client, account.user, otp_code="not-a-code")

    assert response.status_code == 400
    assert response.json() == {
        "error": "invalid_grant",
        "error_description": "The one-time code is invalid or was already used.",
    }
    assert attempts(account.user) == [("password_grant", "two_factor_failed")]


# --- Backup codes ------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["totp", "backup"])
def test_new_backup_codes_void_the_old_ones(api_client, account_client, account, kind):
    old = account.backup_codes
    code = account.authenticator.next_code() if kind == "totp" else old[0]

    response = account_client.post(BACKUP_CODES_URL, {"code": code}, format="json")

    assert response.status_code == 200
    assert response["Cache-Control"] == NO_STORE
    new = response.json()["backup_codes"]
    assert len(set(new)) == 10
    assert not set(new) & set(old)
    stored = set(
        StaticToken.objects.filter(device__user=account.user).values_list("token", flat=True)
    )
    assert stored == {backup_code_digest(code) for code in new}
    assert StaticDevice.objects.filter(user=account.user).count() == 1
    assert verify(api_client, challenge_for(api_client, account.user), old[1]).status_code == 400
    throttle_delay_pass(account.user)
    assert verify(api_client, challenge_for(api_client, account.user), new[0]).status_code == 200


def test_new_backup_codes_need_a_valid_code(account_client, account):
    response = account_client.post(BACKUP_CODES_URL, {"code": "123456"}, format="json")

    assert response.status_code == 400
    assert response.json() == client_error(TwoFactorCodeInvalid)
    stored = set(
        StaticToken.objects.filter(device__user=account.user).values_list("token", flat=True)
    )
    assert stored == {backup_code_digest(code) for code in account.backup_codes}


def test_new_backup_codes_need_two_factor_on(auth_client):
    response = auth_client.post(BACKUP_CODES_URL, {"code": "123456"}, format="json")

    assert response.status_code == 400
    assert response.json() == client_error(TwoFactorNotEnabled)


# --- Turning it off -----------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["totp", "backup"])
def test_disable_turns_two_factor_off(api_client, account_client, account, kind):
    code = account.authenticator.next_code() if kind == "totp" else account.backup_codes[0]

    response = account_client.post(DISABLE_URL, {"password": PASSWORD, "code": code}, format="json")

    assert response.status_code == 204
    assert not TOTPDevice.objects.filter(user=account.user).exists()
    assert not StaticDevice.objects.filter(user=account.user).exists()
    assert not StaticToken.objects.filter(device__user=account.user).exists()
    signed_in = login(api_client, account.user)
    assert signed_in.status_code == 200
    assert set(signed_in.json()) == {
        "access_token",
        "refresh_token",
        "token_type",
        "expires_in",
        "user",
    }
    assert signed_in.json()["user"]["two_factor_enabled"] is False
    assert attempts(account.user) == [("login", "success")]


def test_disable_ends_the_other_sessions(make_auth_client, account):
    current, other = make_auth_client(account.user), make_auth_client(account.user)

    current.post(
        DISABLE_URL,
        {"password": PASSWORD, "code": account.authenticator.next_code()},
        format="json",
    )

    assert is_live(current) is True
    assert is_live(other) is False
    assert AuthSession.objects.get(pk=other.session_id).end_reason == "two_factor_changed"


def test_disable_with_a_wrong_password_is_refused_and_spends_no_code(account_client, account):
    code = account.authenticator.next_code()

    response = account_client.post(
        DISABLE_URL, {"password": "not the password", "code": code}, format="json"
    )

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
    assert two_factor_is_enabled(account.user) is True
    # The code was not checked, so not spent either: with the password it works.
    retry = account_client.post(DISABLE_URL, {"password": PASSWORD, "code": code}, format="json")
    assert retry.status_code == 204


def test_wrong_passwords_at_disable_count_against_the_sign_in_limit(
    account_client, account, settings
):
    settings.ACCOUNTS_SIGN_IN_FAILURE_LIMIT = 2
    body = {"password": "not the password", "code": account.authenticator.next_code()}
    for _ in range(2):
        assert account_client.post(DISABLE_URL, body, format="json").status_code == 400

    response = account_client.post(DISABLE_URL, {**body, "password": PASSWORD}, format="json")

    assert response.status_code == 429
    assert response.json()["errors"][0]["code"] == TooManySignInAttempts.default_code
    assert two_factor_is_enabled(account.user) is True


def test_disable_with_a_wrong_code_is_refused(account_client, account):
    response = account_client.post(
        DISABLE_URL, {"password": PASSWORD, "code": "abcde-fghjk"}, format="json"
    )

    assert response.status_code == 400
    assert response.json() == client_error(TwoFactorCodeInvalid)
    assert two_factor_is_enabled(account.user) is True
    assert StaticToken.objects.filter(device__user=account.user).count() == 10


def test_disable_needs_two_factor_on(auth_client):
    response = auth_client.post(
        DISABLE_URL, {"password": PASSWORD, "code": "123456"}, format="json"
    )

    assert response.status_code == 400
    assert response.json() == client_error(TwoFactorNotEnabled)


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        ({}, [("password", "required"), ("code", "required")]),
        ({"password": PASSWORD, "code": ""}, [("code", "blank")]),
        ({"password": PASSWORD, "code": ["123456"]}, [("code", "invalid")]),
    ],
)
def test_disable_validates_its_input(account_client, account, body, errors):
    response = account_client.post(DISABLE_URL, body, format="json")

    assert response.status_code == 400
    assert validation_errors(response) == errors


# --- django-otp's back-off: "wait", never "wrong" ---------------------------------------------


TWO_FACTOR_THROTTLED = {
    "type": "client_error",
    "errors": [
        {
            "code": "two_factor_throttled",
            "detail": "Too many wrong one-time codes; wait before trying again. "
            "Expected available in 1 second.",
            "attr": None,
        }
    ],
}
SLOW_DOWN = {
    "error": "slow_down",
    "error_description": "Too many wrong one-time codes; wait before trying again.",
}


def _endpoint_send(endpoint: str, api_client, make_auth_client, account):
    """How `endpoint` is sent a code, and the status of a success."""
    if endpoint == "verify":
        return lambda code: verify(api_client, challenge_for(api_client, account.user), code), 200
    if endpoint == "token":
        return lambda code: password_grant(api_client, account.user, otp_code=code), 200
    client = make_auth_client(account.user)
    url, success = {
        "backup-codes": (BACKUP_CODES_URL, 200),
        "disable": (DISABLE_URL, 204),
    }[endpoint]
    return lambda code: client.post(url, {"password": PASSWORD, "code": code}, format="json"), (
        success
    )


@pytest.mark.parametrize("endpoint", ["verify", "token", "backup-codes", "disable"])
@pytest.mark.parametrize("kind", ["totp", "backup"])
def test_a_right_code_during_the_back_off_is_told_to_wait_not_refused(
    api_client, make_auth_client, account, now_frozen, endpoint, kind
):
    """After a wrong code, django-otp checks no code of that device for 1 s: a right one
    sent meanwhile answers 429 with `Retry-After` (whole seconds) and is not spent."""
    send, success = _endpoint_send(endpoint, api_client, make_auth_client, account)
    right = account.authenticator.next_code() if kind == "totp" else account.backup_codes[0]
    wrong = "000000" if right != "000000" else "111111"
    if kind == "backup":
        wrong = "aaaaa-aaaaa"

    first = send(wrong)
    now_frozen[0] += timedelta(milliseconds=250)
    too_soon = send(right)
    now_frozen[0] += timedelta(milliseconds=750)
    after_the_wait = send(right)

    assert first.status_code == 400
    assert too_soon.status_code == 429
    assert too_soon["Retry-After"] == "1"
    assert too_soon.json() == (SLOW_DOWN if endpoint == "token" else TWO_FACTOR_THROTTLED)
    assert after_the_wait.status_code == success


def test_the_back_off_doubles_and_retry_after_rounds_up(api_client, account, now_frozen):
    wrong = "aaaaa-aaaaa"
    verify(api_client, challenge_for(api_client, account.user), wrong)
    now_frozen[0] += timedelta(seconds=1)
    verify(api_client, challenge_for(api_client, account.user), wrong)  # the 2nd: 2 s
    now_frozen[0] += timedelta(milliseconds=500)

    response = verify(api_client, challenge_for(api_client, account.user), account.backup_codes[0])

    assert response.status_code == 429
    assert response["Retry-After"] == "2"  # 1.5 s left, rounded up


def test_confirm_during_the_back_off_is_told_to_wait(auth_client, user, clock, now_frozen):
    auth_client.post(SETUP_URL)
    right = Authenticator(TOTPDevice.objects.get(user=user), clock).code()
    wrong = "000000" if right != "000000" else "111111"

    first = auth_client.post(CONFIRM_URL, {"code": wrong}, format="json")
    too_soon = auth_client.post(CONFIRM_URL, {"code": right}, format="json")
    now_frozen[0] += timedelta(seconds=1)
    after_the_wait = auth_client.post(CONFIRM_URL, {"code": right}, format="json")

    assert first.status_code == 400
    assert (too_soon.status_code, too_soon["Retry-After"]) == (429, "1")
    assert too_soon.json() == TWO_FACTOR_THROTTLED
    assert after_the_wait.status_code == 200
    assert two_factor_is_enabled(user) is True


def test_a_code_during_the_back_off_uses_no_challenge_attempt_and_is_logged(
    api_client, account, now_frozen
):
    challenge = challenge_for(api_client, account.user)
    verify(api_client, challenge, "aaaaa-aaaaa")

    verify(api_client, challenge, account.backup_codes[0])

    assert TwoFactorChallenge.objects.get(user=account.user).attempts == 1
    assert sorted(attempts(account.user)) == [
        ("login", "two_factor_required"),
        ("two_factor", "throttled"),
        ("two_factor", "two_factor_failed"),
    ]


# --- The whole journey, through the API only ---------------------------------------------------


def test_the_whole_two_factor_journey(api_client, make_auth_client, clock):
    user = UserFactory()
    client = make_auth_client(user)

    setup = client.post(SETUP_URL).json()
    authenticator = Authenticator(TOTPDevice.objects.get(user=user), clock)
    assert setup["secret"] == b32encode(authenticator.device.bin_key).decode()
    backup_codes = client.post(CONFIRM_URL, {"code": authenticator.code()}, format="json").json()[
        "backup_codes"
    ]

    challenge = challenge_for(api_client, user)
    wrong = verify(api_client, challenge, "00000-00000")
    throttle_delay_pass(user)
    signed_in = verify(api_client, challenge, backup_codes[3])
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {signed_in.json()['access_token']}")
    off = client.post(
        DISABLE_URL, {"password": PASSWORD, "code": authenticator.next_code()}, format="json"
    )

    assert wrong.status_code == 400
    assert signed_in.status_code == 200
    assert off.status_code == 204
    assert set(login(api_client, user).json()) >= {"access_token", "refresh_token"}
    assert attempts(user) == [
        ("login", "two_factor_required"),
        ("two_factor", "two_factor_failed"),
        ("two_factor", "success"),
        ("login", "success"),
    ]
