"""Fixtures of the accounts tests."""

from collections.abc import Iterator
from unittest.mock import patch

import pytest
from django.utils import timezone


@pytest.fixture
def now_frozen() -> Iterator[list]:
    """Stops `timezone.now()` (which sessions, django-otp's back-off and the sign-in
    limit read); `now_frozen[0] += timedelta(...)` moves it. Row timestamps Django sets
    itself (`auto_now_add`) keep the real time."""
    frozen = [timezone.now()]
    with patch("django.utils.timezone.now", side_effect=lambda: frozen[0]):
        yield frozen
