"""What every ads test shares."""

import pytest


@pytest.fixture(autouse=True)
def _servable_asked_every_decision(monkeypatch):
    """A decision asks whether its creatives may still run every time, so a test sees
    a change at once and a decision's queries do not depend on the one before it. (In
    production the answer holds a second: `SERVABLE_MAX_AGE_SECONDS`, whose own test
    sets it back.)"""
    from ads.selectors import serving

    monkeypatch.setattr(serving, "SERVABLE_MAX_AGE_SECONDS", 0)
