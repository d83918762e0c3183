"""Fixtures of the accounts tests, and the authenticator app of the two-factor tests."""

import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from unittest.mock import patch

import pytest
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import User
from accounts.services.two_factor import two_factor_setup_begin, two_factor_setup_confirm


@pytest.fixture
def now_frozen() -> Iterator[list]:
    """Stops `timezone.now()` (which sessions, django-otp's back-off and the sign-in
    limit read); `now_frozen[0] += timedelta(...)` moves it. Row timestamps Django sets
    itself (`auto_now_add`) keep the real time."""
    frozen = [timezone.now()]
    with patch("django.utils.timezone.now", side_effect=lambda: frozen[0]):
        yield frozen


class Clock:
    """The time `time.time()` tells while a test runs: still, unless moved."""

    def __init__(self) -> None:
        self.now = time.time()

    def time(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock() -> Iterator[Clock]:
    """Stops `time.time()`, which django-otp reads to find the current TOTP step.

    Moving it one step (30 s) ahead is how a test gets a second valid TOTP code:
    django-otp refuses a code of a step it already accepted (`last_t`), so a code can
    never be used twice, but the next step's code is fresh. (django-otp's throttle and
    the challenges read `timezone.now()`, which this clock leaves alone.)
    """
    frozen = Clock()
    with patch("time.time", new=frozen.time):
        yield frozen


@dataclass
class Authenticator:
    """The user's authenticator app: the codes of a TOTP device at the clock's time."""

    device: TOTPDevice
    clock: Clock

    def code(self) -> str:
        device = self.device
        totp = TOTP(device.bin_key, step=device.step, t0=device.t0, digits=device.digits)
        totp.time = self.clock.now
        return f"{totp.token():0{self.device.digits}d}"

    def next_code(self) -> str:
        """The code of the next time step, once it has come."""
        self.clock.advance(self.device.step)
        return self.code()


@dataclass
class TwoFactorAccount:
    user: User
    authenticator: Authenticator
    backup_codes: list[str]


def two_factor_enable(user: User, clock: Clock) -> TwoFactorAccount:
    """Turn two-factor on for `user` the way a client does: setup, then a first code."""
    two_factor_setup_begin(user=user)
    authenticator = Authenticator(TOTPDevice.objects.get(user=user), clock)
    backup_codes = two_factor_setup_confirm(user=user, code=authenticator.code())
    return TwoFactorAccount(user, authenticator, backup_codes)


def throttle_delay_pass(user: User) -> None:
    """As if django-otp's wait after the user's last failed code (1, 2, 4... s) was over."""
    an_hour_ago = timezone.now() - timedelta(hours=1)
    for model in (TOTPDevice, StaticDevice):
        model.objects.filter(user=user, throttling_failure_timestamp__isnull=False).update(
            throttling_failure_timestamp=an_hour_ago
        )
