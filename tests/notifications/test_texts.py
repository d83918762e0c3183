"""The sentences of the payments notifications, from their `data`."""

import pytest

from notifications.texts import FALLBACK_SENTENCE, notification_text


@pytest.mark.parametrize(
    ("type_", "actor", "data", "text"),
    [
        ("tip_received", "ana", {"coins": 50}, "ana sent you a tip of 50 coins"),
        ("new_subscriber", "ana", {"tier": "Gold"}, "ana subscribed to your Gold tier"),
        (
            "subscription_renewed",
            "maker",
            {"creator": "maker"},
            "Your subscription to maker was renewed",
        ),
        (
            "subscription_past_due",
            "maker",
            {"creator": "maker"},
            "Your subscription to maker could not be renewed: top up your wallet to keep it",
        ),
        (
            "subscription_expired",
            "maker",
            {"creator": "maker"},
            "Your subscription to maker expired",
        ),
        ("payout_paid", None, {"coins": 1000}, "Your payout of 1000 coins was paid"),
        (
            "payout_rejected",
            None,
            {"coins": 1000, "reason": "Bank details missing"},
            "Your payout of 1000 coins was rejected: Bank details missing",
        ),
        (
            "payout_rejected",
            None,
            {"coins": 1000, "reason": ""},
            "Your payout of 1000 coins was rejected",
        ),
        # A sentence whose figure is missing falls back rather than failing.
        ("tip_received", "ana", {}, FALLBACK_SENTENCE),
    ],
)
def test_payments_sentences_carry_their_figures(type_, actor, data, text):
    assert notification_text(type=type_, actor_username=actor, actor_count=1, data=data) == text
