"""Fixtures shared by the payments tests."""

import pytest
from django.core.management import call_command

from tests.payments.factories import CreatorFactory


@pytest.fixture
def creator(db):
    return CreatorFactory(username="creator")


@pytest.fixture
def ledger_is_sound():
    """Call at the end of a test: `ledger_check` must find nothing wrong."""

    def check() -> None:
        call_command("ledger_check", verbosity=0)

    return check
