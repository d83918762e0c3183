"""Renewals: `subscriptions_renew(now=...)` charges each month once, from the anchor,
marks unpaid subscriptions past due, expires them after the grace period and ends
those cancelled at period end. Time is moved by passing `now`."""

import threading
from datetime import UTC, datetime, timedelta

import pytest
from django.core.management import call_command
from django.db import connection

from accounts.models import User
from notifications.models import Notification, NotificationType
from payments.models import LedgerAccount, LedgerTransaction, Subscription
from payments.services.ledger import ledger_account_for_user, ledger_account_system, ledger_post
from payments.services.subscriptions import (
    RenewalSummary,
    subscription_cancel,
    subscription_create,
    subscriptions_renew,
)
from payments.tasks import subscriptions_renew_task
from tests.accounts.factories import UserFactory
from tests.payments.factories import CreatorTierFactory, balance, system_balance, wallet_fund
from tests.social.factories import BlockFactory

Role = LedgerAccount.Role
Status = Subscription.Status
START = datetime(2025, 3, 10, 12, 0, tzinfo=UTC)


def at(year: int, month: int, day: int, hour: int = 12) -> datetime:
    return datetime(year, month, day, hour, 0, tzinfo=UTC)


def charges(subscription) -> list[str]:
    return sorted(
        LedgerTransaction.objects.filter(
            kind=LedgerTransaction.Kind.SUBSCRIPTION_CHARGE, reference_id=subscription.pk
        ).values_list("idempotency_key", flat=True)
    )


def notices(type_: str) -> int:
    return Notification.objects.filter(type=type_).count()


@pytest.fixture
def fan(db):
    return UserFactory(username="fan")


@pytest.fixture
def gold(creator):
    return CreatorTierFactory(creator=creator, name="Gold", price=300)


@pytest.fixture
def subscription(fan, gold):
    """Begun on START with 1000 coins: 700 left after the first month."""
    wallet_fund(fan, 1000)
    return subscription_create(subscriber=fan, tier=gold, now=START)


pytestmark = pytest.mark.django_db


# -- renewing --------------------------------------------------------------------------


def test_nothing_is_due_before_the_period_ends(subscription):
    summary = subscriptions_renew(now=at(2025, 4, 10, 11))

    assert summary == RenewalSummary()
    assert str(summary) == "0 renewed, 0 past due, 0 expired, 0 canceled"
    assert balance(subscription.subscriber) == 700


@pytest.mark.parametrize(("fee_percent", "fee"), [(30, 90), (10, 30)])
def test_a_due_subscription_is_charged_the_next_month(
    settings, fan, creator, subscription, ledger_is_sound, fee_percent, fee
):
    first_fee = 90  # the first month was charged at the default 30 %
    settings.PLATFORM_FEE_PERCENT = fee_percent

    summary = subscriptions_renew(now=at(2025, 4, 10))

    assert (summary.renewed, str(summary)) == (1, "1 renewed, 0 past due, 0 expired, 0 canceled")
    subscription.refresh_from_db()
    assert subscription.status == Status.ACTIVE
    assert subscription.period_index == 1
    assert (subscription.current_period_start, subscription.current_period_end) == (
        at(2025, 4, 10),
        at(2025, 5, 10),
    )
    assert balance(fan) == 400
    assert balance(creator, Role.EARNINGS) == (300 - first_fee) + (300 - fee)
    assert system_balance(Role.PLATFORM_REVENUE) == first_fee + fee
    assert charges(subscription) == [
        f"subscription:{subscription.pk}:period:0",
        f"subscription:{subscription.pk}:period:1",
    ]
    renewal = LedgerTransaction.objects.get(idempotency_key__endswith=":period:1")
    assert renewal.initiator is None  # the system charges renewals
    notification = Notification.objects.get(type=NotificationType.SUBSCRIPTION_RENEWED)
    assert (notification.recipient, notification.target, notification.data) == (
        fan,
        subscription,
        {"creator": "creator"},
    )
    ledger_is_sound()


def test_running_twice_charges_a_month_once(fan, subscription, ledger_is_sound):
    first = subscriptions_renew(now=at(2025, 4, 10))
    second = subscriptions_renew(now=at(2025, 4, 10, 13))

    assert (first.renewed, second.renewed) == (1, 0)
    assert balance(fan) == 400
    assert len(charges(subscription)) == 2
    assert notices(NotificationType.SUBSCRIPTION_RENEWED) == 1
    ledger_is_sound()


def test_a_renewal_keeps_the_price_subscribed_at(fan, gold, subscription):
    gold.price = 1000
    gold.save()

    subscriptions_renew(now=at(2025, 4, 10))

    assert balance(fan) == 400


def test_an_inactive_tier_still_renews(fan, gold, subscription):
    gold.active = False
    gold.save()

    assert subscriptions_renew(now=at(2025, 4, 10)).renewed == 1
    assert balance(fan) == 400


@pytest.mark.parametrize(
    ("anchor", "ends"),
    [
        # A leap year: Jan 31 -> Feb 29 -> Mar 31 -> Apr 30 -> May 31.
        (at(2024, 1, 31), [at(2024, 2, 29), at(2024, 3, 31), at(2024, 4, 30), at(2024, 5, 31)]),
        (at(2025, 1, 31), [at(2025, 2, 28), at(2025, 3, 31), at(2025, 4, 30), at(2025, 5, 31)]),
        (at(2025, 8, 30), [at(2025, 9, 30), at(2025, 10, 30), at(2025, 11, 30), at(2025, 12, 30)]),
    ],
)
def test_periods_follow_the_anchor_day_without_drift(fan, gold, anchor, ends):
    wallet_fund(fan, 10_000)
    subscription = subscription_create(subscriber=fan, tier=gold, now=anchor)
    seen = [subscription.current_period_end]

    for _ in range(3):
        subscriptions_renew(now=seen[-1])
        subscription.refresh_from_db()
        assert subscription.current_period_start == seen[-1]
        seen.append(subscription.current_period_end)

    assert seen == ends
    assert subscription.period_index == 3
    assert balance(fan) == 10_000 - 4 * 300


def test_a_subscription_overdue_for_months_is_caught_up_one_month_per_run(
    fan, subscription, ledger_is_sound
):
    """The job did not run from April 10 to July 15: each run charges the next month
    only (its own key), until the running month (July 10 to August 10) is paid."""
    wallet_fund(fan, 500)
    now = at(2025, 7, 15)

    renewed = [subscriptions_renew(now=now).renewed for _ in range(5)]

    assert renewed == [1, 1, 1, 1, 0]
    subscription.refresh_from_db()
    assert subscription.period_index == 4
    assert (subscription.current_period_start, subscription.current_period_end) == (
        at(2025, 7, 10),
        at(2025, 8, 10),
    )
    assert balance(fan) == 1500 - 5 * 300
    assert charges(subscription) == sorted(
        f"subscription:{subscription.pk}:period:{n}" for n in range(5)
    )
    ledger_is_sound()


# -- cancelled at period end -----------------------------------------------------------


def test_a_subscription_cancelled_at_period_end_ends_then_without_a_charge(
    fan, subscription, ledger_is_sound
):
    subscription_cancel(subscription=subscription, user=fan, now=at(2025, 3, 20))

    early = subscriptions_renew(now=at(2025, 4, 9))
    subscription.refresh_from_db()
    assert (early.canceled, subscription.status) == (0, Status.ACTIVE)

    summary = subscriptions_renew(now=at(2025, 4, 10))

    assert (summary.canceled, summary.renewed) == (1, 0)
    subscription.refresh_from_db()
    assert subscription.status == Status.CANCELED
    assert subscription.ended_at == at(2025, 4, 10)
    assert balance(fan) == 700
    assert subscriptions_renew(now=at(2025, 6, 1)) == RenewalSummary()
    ledger_is_sound()


# -- no funds: past due, then expired --------------------------------------------------


@pytest.fixture
def poor_subscription(fan, gold):
    """Begun on START with just enough for the first month."""
    wallet_fund(fan, 300)
    return subscription_create(subscriber=fan, tier=gold, now=START)


def test_a_renewal_without_funds_makes_the_subscription_past_due(
    fan, creator, poor_subscription, ledger_is_sound
):
    summary = subscriptions_renew(now=at(2025, 4, 10, 13))

    assert (summary.past_due, summary.renewed) == (1, 0)
    poor_subscription.refresh_from_db()
    assert poor_subscription.status == Status.PAST_DUE
    assert poor_subscription.past_due_since == at(2025, 4, 10)  # the end of the paid month
    assert poor_subscription.period_index == 0
    assert balance(fan) == 0
    assert balance(creator, Role.EARNINGS) == 210
    notification = Notification.objects.get(type=NotificationType.SUBSCRIPTION_PAST_DUE)
    assert (notification.recipient, notification.data) == (fan, {"creator": "creator"})

    again = subscriptions_renew(now=at(2025, 4, 11))  # retried, still nothing

    assert again == RenewalSummary()
    assert notices(NotificationType.SUBSCRIPTION_PAST_DUE) == 1
    ledger_is_sound()


def test_a_wallet_in_debt_makes_the_renewal_past_due(fan, subscription):
    ledger_post(
        kind=LedgerTransaction.Kind.REFUND,
        entries=[
            (ledger_account_for_user(user=fan, role=Role.DEBT), -5),
            (ledger_account_system(role=Role.EXTERNAL), 5),
        ],
        idempotency_key="test-debt",
    )

    summary = subscriptions_renew(now=at(2025, 4, 10))

    assert summary.past_due == 1
    assert balance(fan) == 700  # the wallet holds enough, but the debt blocks spending


def test_a_past_due_subscription_paid_within_the_grace_period_is_active_again(
    fan, poor_subscription, ledger_is_sound
):
    subscriptions_renew(now=at(2025, 4, 10))
    wallet_fund(fan, 500)

    summary = subscriptions_renew(now=at(2025, 4, 15))

    assert summary.renewed == 1
    poor_subscription.refresh_from_db()
    assert poor_subscription.status == Status.ACTIVE
    assert poor_subscription.past_due_since is None
    assert poor_subscription.period_index == 1
    # The month runs from the anchor, not from the late payment.
    assert (poor_subscription.current_period_start, poor_subscription.current_period_end) == (
        at(2025, 4, 10),
        at(2025, 5, 10),
    )
    assert balance(fan) == 200
    assert notices(NotificationType.SUBSCRIPTION_RENEWED) == 1
    ledger_is_sound()


def test_a_past_due_subscription_expires_after_the_grace_period(
    settings, fan, poor_subscription, ledger_is_sound
):
    settings.SUBSCRIPTION_GRACE_DAYS = 7
    subscriptions_renew(now=at(2025, 4, 10))

    within = subscriptions_renew(now=at(2025, 4, 17, 11))
    poor_subscription.refresh_from_db()
    assert (within.expired, poor_subscription.status) == (0, Status.PAST_DUE)

    summary = subscriptions_renew(now=at(2025, 4, 17, 12))

    assert summary.expired == 1
    poor_subscription.refresh_from_db()
    assert poor_subscription.status == Status.EXPIRED
    assert poor_subscription.ended_at == at(2025, 4, 17, 12)
    notification = Notification.objects.get(type=NotificationType.SUBSCRIPTION_EXPIRED)
    assert (notification.recipient, notification.data) == (fan, {"creator": "creator"})
    assert subscriptions_renew(now=at(2025, 6, 1)) == RenewalSummary()
    assert balance(fan) == 0
    ledger_is_sound()


# -- a creator out of reach ------------------------------------------------------------


@pytest.mark.parametrize(
    "why",
    [
        "creator_blocks",
        "fan_blocks",
        "creator_banned",
        "fan_deleted",
        "fan_deactivated",
        "fan_banned",
    ],
)
def test_a_subscription_to_a_creator_out_of_reach_ends_without_a_charge(
    fan, creator, subscription, why
):
    # Rows only: a block made through `block_create` ends the subscription at once
    # (tests/payments/test_block_refunds.py); the renewal is the net for any other.
    if why == "creator_blocks":
        BlockFactory(blocker=creator, blocked=fan)
    elif why == "fan_blocks":
        BlockFactory(blocker=fan, blocked=creator)
    else:
        who, status = why.split("_")
        User.objects.filter(pk=(creator if who == "creator" else fan).pk).update(
            status=User.Status(status)
        )

    summary = subscriptions_renew(now=at(2025, 4, 10))

    assert (summary.canceled, summary.renewed) == (1, 0)
    subscription.refresh_from_db()
    assert subscription.status == Status.CANCELED
    assert balance(fan) == 700


def test_a_suspended_subscriber_is_still_renewed(fan, subscription):
    User.objects.filter(pk=fan.pk).update(status=User.Status.SUSPENDED)

    summary = subscriptions_renew(now=at(2025, 4, 10))

    assert (summary.renewed, summary.canceled) == (1, 0)
    assert balance(fan) == 400


# -- the command and the task ----------------------------------------------------------


def test_the_command_renews_and_reports(capsys, fan, subscription):
    Subscription.objects.filter(pk=subscription.pk).update(
        current_period_end=START + timedelta(minutes=1)
    )

    call_command("renew_subscriptions")

    assert "Subscriptions: 1 renewed, 0 past due, 0 expired, 0 canceled." in capsys.readouterr().out
    assert balance(fan) == 400


def test_the_periodic_task_renews(fan, subscription):
    Subscription.objects.filter(pk=subscription.pk).update(
        current_period_end=START + timedelta(minutes=1)
    )

    subscriptions_renew_task()

    assert balance(fan) == 400


# -- concurrent runs -------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_concurrent_runs_charge_a_month_once(creator, ledger_is_sound):
    fans = UserFactory.create_batch(5)
    tier = CreatorTierFactory(creator=creator, price=100)
    for fan in fans:
        wallet_fund(fan, 1000)
        subscription_create(subscriber=fan, tier=tier, now=START)
    barrier = threading.Barrier(4)
    summaries = []

    def run() -> None:
        try:
            barrier.wait()
            summaries.append(subscriptions_renew(now=at(2025, 4, 10)))
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sum(summary.renewed for summary in summaries) == 5
    assert [balance(fan) for fan in fans] == [800] * 5
    assert (
        LedgerTransaction.objects.filter(kind=LedgerTransaction.Kind.SUBSCRIPTION_CHARGE).count()
        == 10
    )
    ledger_is_sound()
