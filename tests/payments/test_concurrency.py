"""Money under concurrency, on real connections to the test database (SQLite's file or
PostgreSQL): no coin is created, lost or spent twice."""

import threading
from collections import Counter

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import connection

from notifications.models import Notification
from payments.exceptions import InsufficientFunds
from payments.models import LedgerAccount, LedgerTransaction, Tip
from payments.services.tips import creator_revenue_shard, tip_send
from social.services.follows import follow_create, follow_delete
from tests.accounts.factories import UserFactory
from tests.payments.factories import (
    CreatorFactory,
    balance,
    creators_on_distinct_shards,
    system_balance,
    wallet_fund,
)

pytestmark = pytest.mark.django_db(transaction=True)

Role = LedgerAccount.Role


def run_at_once(count: int, work) -> Counter:
    """Run `work()` in `count` threads released together; count their outcomes."""
    barrier = threading.Barrier(count)
    outcomes: Counter = Counter()
    lock = threading.Lock()

    def run() -> None:
        try:
            barrier.wait()
            outcome = work()
        except Exception as error:  # the outcome is what is counted
            outcome = getattr(error, "default_code", type(error).__name__)
        finally:
            connection.close()
        with lock:
            outcomes[outcome] += 1

    threads = [threading.Thread(target=run) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


def tips_in_turn(turns: list, *, amount: int):
    """A call for `run_at_once`: each tips `amount` coins from the next `(sender,
    recipient)` of `turns`."""
    turns_left = iter(turns)
    turns_lock = threading.Lock()

    def tip() -> str:
        with turns_lock:
            sender, recipient = next(turns_left)
        tip_send(sender=sender, recipient=recipient, amount=amount)
        return "tipped"

    return tip


def test_100_concurrent_tips_of_10_from_500_coins_spend_exactly_the_wallet(settings):
    settings.PLATFORM_FEE_PERCENT = 30
    viewer = UserFactory()
    creator = CreatorFactory()
    wallet_fund(viewer, 500)

    outcomes = run_at_once(
        100,
        lambda: tip_send(sender=viewer, recipient=creator, amount=10) and "tipped",
    )

    assert outcomes == {"tipped": 50, InsufficientFunds.default_code: 50}
    assert balance(viewer) == 0
    assert balance(creator, Role.EARNINGS) == 50 * 7
    assert system_balance(Role.PLATFORM_REVENUE) == 50 * 3
    assert system_balance(Role.EXTERNAL) == -500
    assert Tip.objects.count() == 50
    assert LedgerTransaction.objects.filter(kind=LedgerTransaction.Kind.TIP).count() == 50
    # The creator heard of each tip that went through, and of no other.
    assert Notification.objects.filter(recipient=creator, type="tip_received").count() == 50
    assert len([email for email in mail.outbox if email.to == [creator.email]]) == 50
    call_command("ledger_check", verbosity=0)


def test_concurrent_tips_through_the_api_with_one_idempotency_key_tip_once(make_auth_client):
    viewer = UserFactory()
    creator = CreatorFactory()
    wallet_fund(viewer, 100)
    body = {"recipient": creator.username, "amount": 25}

    def post() -> str:
        client = make_auth_client(viewer)
        response = client.post("/api/v1/tips/", body, format="json", HTTP_IDEMPOTENCY_KEY="once")
        return str(response.status_code)

    outcomes = run_at_once(8, post)

    assert outcomes == {"201": 8}
    assert Tip.objects.count() == 1
    assert balance(viewer) == 75
    call_command("ledger_check", verbosity=0)


def test_tips_crossing_between_two_wallets_at_once_do_not_deadlock(settings):
    """Two creators tipping each other at once lock the same accounts in one order."""
    settings.TIPS_CREATORS_ONLY = False
    ana, bob = CreatorFactory(), CreatorFactory()
    wallet_fund(ana, 200)
    wallet_fund(bob, 200)
    outcomes = run_at_once(40, tips_in_turn([(ana, bob), (bob, ana)] * 20, amount=10))

    assert outcomes == {"tipped": 40}
    assert balance(ana) == balance(bob) == 0
    assert (
        balance(ana, Role.EARNINGS)
        + balance(bob, Role.EARNINGS)
        + system_balance(Role.PLATFORM_REVENUE)
        == 400
    )
    call_command("ledger_check", verbosity=0)


def test_eight_senders_tipping_eight_creators_at_once_land_on_eight_shards_exactly(settings):
    """Payments to creators on different revenue shards touch no common row; every
    balance is exact afterwards."""
    settings.PLATFORM_FEE_PERCENT = 30
    settings.PLATFORM_REVENUE_SHARDS = 16
    creators = creators_on_distinct_shards(8)
    pairs = [(UserFactory(), creator) for creator in creators]
    for sender, _ in pairs:
        wallet_fund(sender, 100)

    outcomes = run_at_once(40, tips_in_turn(pairs * 5, amount=20))

    assert outcomes == {"tipped": 40}
    for sender, creator in pairs:
        assert balance(sender) == 0
        assert balance(creator, Role.EARNINGS) == 5 * 14
    revenue = LedgerAccount.objects.filter(owner=None, role=Role.PLATFORM_REVENUE)
    shards = [creator_revenue_shard(creator=creator) for creator in creators]
    assert dict(revenue.values_list("shard", "balance")) == dict.fromkeys(shards, 5 * 6)
    assert system_balance(Role.PLATFORM_REVENUE) == 40 * 6
    assert Tip.objects.count() == 40
    call_command("ledger_check", verbosity=0)


def test_tips_while_the_two_follow_and_unfollow_each_other_do_not_deadlock(settings):
    """A tip's inserts check their references to both users (a key-share lock on each
    user's row, in the order the inserts come); following locks both users' rows in
    primary-key order without shutting those checks out, so none waits in a circle."""
    settings.TIPS_CREATORS_ONLY = False
    ana, bob = CreatorFactory(), CreatorFactory()
    wallet_fund(ana, 200)
    wallet_fund(bob, 200)
    tip = tips_in_turn([(ana, bob), (bob, ana)] * 10, amount=10)
    follows = [
        (follow_create, ana, bob),
        (follow_delete, ana, bob),
        (follow_create, bob, ana),
        (follow_delete, bob, ana),
    ]
    turns = iter([None] * 20 + follows * 5)
    turns_lock = threading.Lock()

    def work() -> str:
        with turns_lock:
            turn = next(turns)
        if turn is None:
            return tip()
        change, follower, followed = turn
        change(follower=follower, followed=followed)
        return "follow changed"

    outcomes = run_at_once(40, work)

    assert outcomes == {"tipped": 20, "follow changed": 20}
    assert balance(ana) == balance(bob) == 100
    call_command("ledger_check", verbosity=0)
