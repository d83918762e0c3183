"""Gifts under concurrency, on real connections to the test database (SQLite's file or
PostgreSQL), as the payments' tips are tested: a wallet is never overspent."""

import pytest
from django.core.management import call_command

from livestream.models import GiftSent, SessionGifter, Stream, StreamSession
from livestream.services.gifts import gift_send
from livestream.services.streams import stream_publish_start
from notifications.models import Notification
from payments.exceptions import InsufficientFunds
from payments.models import LedgerAccount, LedgerTransaction
from tests.accounts.factories import UserFactory
from tests.livestream.factories import GiftFactory, StreamFactory
from tests.payments.factories import CreatorFactory, balance, system_balance, wallet_fund
from tests.payments.test_concurrency import run_at_once

pytestmark = pytest.mark.django_db(transaction=True)

Role = LedgerAccount.Role


def test_50_concurrent_gifts_from_a_wallet_that_covers_20_send_exactly_20(settings):
    settings.PLATFORM_FEE_PERCENT = 30
    creator = CreatorFactory()
    StreamFactory(owner=creator, key="live-key")
    stream = stream_publish_start(key="live-key")
    rose = GiftFactory(coins=10)
    viewer = UserFactory()
    wallet_fund(viewer, 200)

    outcomes = run_at_once(
        50,
        lambda: (
            gift_send(sender=viewer, stream_id=stream.pk, gift_id=rose.pk, quantity=1) and "sent"
        ),
    )

    assert outcomes == {"sent": 20, InsufficientFunds.default_code: 30}
    assert balance(viewer) == 0
    assert balance(creator, Role.EARNINGS) == 20 * 7
    assert system_balance(Role.PLATFORM_REVENUE) == 20 * 3
    assert GiftSent.objects.count() == 20
    assert LedgerTransaction.objects.filter(kind=LedgerTransaction.Kind.GIFT).count() == 20
    assert Stream.objects.get(pk=stream.pk).gift_coins == 200
    assert StreamSession.objects.get(stream=stream).gift_coins == 200
    assert SessionGifter.objects.get().coins == 200
    notification = Notification.objects.get(recipient=creator, type="gift_received")
    assert notification.actor_count == 1
    call_command("ledger_check", verbosity=0)
