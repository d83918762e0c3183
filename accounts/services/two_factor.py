"""Two-factor authentication: a TOTP device (django-otp) and single-use backup codes.

Backup codes live in django-otp's static device, but only as keyed digests: the codes
themselves are shown once, when generated, and never stored. Also here: turning two-factor
on (setup, then confirmation with a first code), new backup codes, turning it off.
"""

import io
import math
import secrets
from base64 import b32encode
from dataclasses import dataclass

import segno
from django.db import transaction
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.clients import UNKNOWN_CLIENT, ClientInfo
from accounts.exceptions import (
    INVALID_PASSWORD,
    TwoFactorAlreadyEnabled,
    TwoFactorCodeInvalid,
    TwoFactorNotEnabled,
    TwoFactorNotSetUp,
    TwoFactorThrottled,
)
from accounts.models import BACKUP_CODE_COUNT, AuthSession, SignInAttempt, User
from accounts.services.sessions import sessions_end_for_user
from accounts.throttling import password_confirm_refused, sign_in_limit_check, sign_in_subject
from core.locks import user_lock

BACKUP_CODE_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no look-alikes (0/o, 1/l/i)
BACKUP_CODE_LENGTH = 10
TOTP_DIGITS = 6


def two_factor_is_enabled(user: User) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def backup_code_normalize(code: str) -> str:
    return "".join(code.split()).replace("-", "").lower()


def backup_code_digest(code: str) -> str:
    """What is stored for a backup code: an HMAC keyed by the site's secret, so a
    stolen database alone does not allow guessing codes offline."""
    digest = salted_hmac("accounts.backup-code", backup_code_normalize(code), algorithm="sha256")
    return digest.hexdigest()[:16]  # django-otp's token column holds 16 characters


def backup_code_generate() -> str:
    raw = "".join(secrets.choice(BACKUP_CODE_ALPHABET) for _ in range(BACKUP_CODE_LENGTH))
    return f"{raw[:5]}-{raw[5:]}"


def _device_verify(device: Device, token: str) -> bool:
    """django-otp's check of `token` against `device` (the caller holds its lock).

    After a wrong code django-otp refuses every code for 1, 2, 4, ... seconds without
    looking at it; that is `TwoFactorThrottled` (with the whole seconds left to wait),
    never a wrong code, so a client can tell "wait" from "wrong".
    """
    allowed, details = device.verify_is_allowed()
    if not allowed:
        locked_until = (details or {}).get("locked_until")
        wait = (locked_until - timezone.now()).total_seconds() if locked_until else 1
        raise TwoFactorThrottled(wait=max(1, math.ceil(wait)))
    return device.verify_token(token)


def two_factor_code_verify(*, user: User, code: str) -> bool:
    """Whether `code` is the user's current TOTP code or one of their backup codes.

    A TOTP code is accepted once (django-otp keeps the last time step used); a
    backup code is deleted when used. Failures are throttled per device by django-otp
    (1, 2, 4, ... seconds between attempts), whatever the client's address: a code sent
    meanwhile raises `TwoFactorThrottled`. The device row is locked while checked, so
    a code cannot be used twice concurrently.
    """
    code = "".join(code.split())
    if not code:
        return False
    with transaction.atomic():
        if code.isdigit() and len(code) == TOTP_DIGITS:
            device = (
                TOTPDevice.objects.select_for_update().filter(user=user, confirmed=True).first()
            )
            return device is not None and _device_verify(device, code)
        device = StaticDevice.objects.select_for_update().filter(user=user, confirmed=True).first()
        return device is not None and _device_verify(device, backup_code_digest(code))


# --- Turning two-factor on and off ----------------------------------------------------
#
# A failed code check must stay counted: django-otp records the failure on the device
# row (its throttle), so the functions below check the code inside a transaction and
# raise only after it has committed. Call them outside any transaction of your own.

TOTP_DEVICE_NAME = "authenticator"
BACKUP_DEVICE_NAME = "backup codes"


@dataclass(frozen=True)
class TwoFactorSetup:
    """What an authenticator app needs to add the account: shown once, at setup."""

    secret: str
    otpauth_uri: str
    qr_svg: str


def _qr_svg(data: str) -> str:
    buffer = io.BytesIO()
    segno.make(data, error="m").save(
        buffer, kind="svg", xmldecl=False, nl=False, scale=4, title="Two-factor setup"
    )
    return buffer.getvalue().decode()


def _backup_codes_replace(*, user: User) -> list[str]:
    """Void the user's backup codes and make new ones; returns the codes, which are
    stored only as digests. The caller holds the user's lock."""
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=BACKUP_DEVICE_NAME, confirmed=True)
    codes: dict[str, str] = {}  # digest -> code: distinct codes, distinct digests
    while len(codes) < BACKUP_CODE_COUNT:
        code = backup_code_generate()
        codes[backup_code_digest(code)] = code
    StaticToken.objects.bulk_create(StaticToken(device=device, token=digest) for digest in codes)
    return list(codes.values())


@transaction.atomic
def two_factor_setup_begin(*, user: User) -> TwoFactorSetup:
    """Start turning two-factor on: a new, unconfirmed TOTP device.

    Any earlier unconfirmed device is replaced, so only the latest secret shown can be
    confirmed. Raises `TwoFactorAlreadyEnabled` when two-factor is on.
    """
    user = user_lock(user)  # changes to one user's two-factor state run one by one
    if two_factor_is_enabled(user):
        raise TwoFactorAlreadyEnabled()
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    device = TOTPDevice.objects.create(
        user=user, name=TOTP_DEVICE_NAME, confirmed=False, digits=TOTP_DIGITS
    )
    otpauth_uri = device.config_url  # issuer: settings.OTP_TOTP_ISSUER (the site name)
    return TwoFactorSetup(
        secret=b32encode(device.bin_key).decode(),
        otpauth_uri=otpauth_uri,
        qr_svg=_qr_svg(otpauth_uri),
    )


def two_factor_setup_confirm(
    *, user: User, code: str, current_session_id: object | None = None
) -> list[str]:
    """Turn two-factor on with a code from the device being set up; returns the new
    backup codes (shown once).

    Every other session of the user ends: they were opened without a second factor.
    Raises `TwoFactorNotSetUp` when no setup is pending (or two-factor is already on),
    `TwoFactorCodeInvalid` for a wrong or reused code, `TwoFactorThrottled` for a
    code sent during the back-off after a wrong one.
    """
    code = "".join(code.split())
    backup_codes: list[str] = []
    with transaction.atomic():
        user = user_lock(user)
        device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
        if device is None or two_factor_is_enabled(user):
            raise TwoFactorNotSetUp()
        verified = _device_verify(device, code)  # throttled; records last_t
        if verified:
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            backup_codes = _backup_codes_replace(user=user)
            sessions_end_for_user(
                user=user,
                reason=AuthSession.EndReason.TWO_FACTOR_CHANGED,
                except_session_id=current_session_id,
            )
    if not verified:
        raise TwoFactorCodeInvalid()
    return backup_codes


def backup_codes_regenerate(*, user: User, code: str) -> list[str]:
    """New backup codes for a user with two-factor on, who proves it with a current
    TOTP code or a backup code; the old codes stop working.

    Raises `TwoFactorNotEnabled`, `TwoFactorCodeInvalid` for a bad code, or
    `TwoFactorThrottled`.
    """
    backup_codes: list[str] = []
    with transaction.atomic():
        user = user_lock(user)
        if not two_factor_is_enabled(user):
            raise TwoFactorNotEnabled()
        verified = two_factor_code_verify(user=user, code=code)
        if verified:
            backup_codes = _backup_codes_replace(user=user)
    if not verified:
        raise TwoFactorCodeInvalid()
    return backup_codes


def two_factor_disable(
    *,
    user: User,
    password: str,
    code: str,
    current_session_id: object | None = None,
    client: ClientInfo = UNKNOWN_CLIENT,
) -> None:
    """Turn two-factor off: delete the user's TOTP device and backup codes.

    Needs the password and a current TOTP or backup code. Wrong passwords count
    against the account's sign-in failure limit (logged after the transaction rolled
    back), so this is no way around it. Every other session of the user ends.

    Raises `TwoFactorNotEnabled`, `TooManySignInAttempts`, a validation error
    `invalid_password` on `password`, `TwoFactorCodeInvalid` or `TwoFactorThrottled`.
    """
    subject = sign_in_subject(user=user, identifier=user.username)
    with transaction.atomic():
        user = user_lock(user)
        if not two_factor_is_enabled(user):
            raise TwoFactorNotEnabled()
        sign_in_limit_check(subject=subject)
        password_ok = user.check_password(password)
        verified = password_ok and two_factor_code_verify(user=user, code=code)
        if verified:
            TOTPDevice.objects.filter(user=user).delete()
            StaticDevice.objects.filter(user=user).delete()
            sessions_end_for_user(
                user=user,
                reason=AuthSession.EndReason.TWO_FACTOR_CHANGED,
                except_session_id=current_session_id,
            )
    if not password_ok:
        password_confirm_refused(
            user=user, method=SignInAttempt.Method.TWO_FACTOR_DISABLE, client=client
        )
        raise INVALID_PASSWORD.error()
    if not verified:
        raise TwoFactorCodeInvalid()
