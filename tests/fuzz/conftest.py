"""The fuzz world (tests/fuzz/world.py) as a fixture, on a connection kept open."""

import pytest
from django.core import signals
from django.db import close_old_connections

from tests.fuzz.hooks import HOOK_SECRET
from tests.fuzz.world import FuzzWorld, fuzz_world_build


@pytest.fixture
def _keep_connection():
    """The WSGI handler closes the database connection around each request, as it
    should in production; the test's transaction lives on that connection, so keep it
    open, as Django's test client does."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def fuzz_world(db, settings, _keep_connection) -> FuzzWorld:
    """See `fuzz_world_build`."""
    # The werkzeug client the WSGI transport uses sends `Host: localhost`.
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "localhost"]
    settings.PAYMENTS_PROVIDER = "sandbox"
    settings.PAYOUT_MINIMUM_COINS = 10
    settings.LIVE_HOOK_SECRET = HOOK_SECRET
    settings.LIVE_HOOK_ALLOWED_IPS = []
    return fuzz_world_build()
