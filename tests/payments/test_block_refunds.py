"""A block between a subscriber and a creator ends their subscription at once and refunds
the unused part of the paid period (`payments.services.subscriptions`, called by
`social.services.blocks.block_create` through `core.events.user_blocked`)."""

import math
import uuid
from datetime import UTC, datetime, timedelta
from fractions import Fraction

import pytest
from django.utils import timezone

from notifications.models import Notification, NotificationType
from notifications.texts import notification_text
from payments.exceptions import InsufficientFunds
from payments.models import LedgerAccount, LedgerTransaction, Subscription
from payments.services.ledger import ledger_account_for_user, ledger_account_system, ledger_post
from payments.services.payouts import payout_request
from payments.services.subscriptions import (
    subscription_create,
    subscription_refund_unused,
    subscriptions_renew,
)
from payments.services.tips import creator_revenue_shard
from social.models import Block
from social.services.blocks import block_create, block_delete
from tests.accounts.factories import UserFactory
from tests.payments.factories import (
    CreatorFactory,
    CreatorTierFactory,
    balance,
    system_balance,
    wallet_fund,
)

pytestmark = pytest.mark.django_db

Role = LedgerAccount.Role
Status = Subscription.Status
# A 31-day first period: January 2026.
ANCHOR = datetime(2026, 1, 1, tzinfo=UTC)
TEN_DAYS_IN = ANCHOR + timedelta(days=10)


@pytest.fixture
def fan():
    return UserFactory(username="fan")


@pytest.fixture
def subscription(settings, fan, creator):
    """`fan` subscribed to `creator`'s 300-coin tier on January 1: paid 300, of which
    the platform kept 90 (30 %) and the creator earned 210."""
    settings.PLATFORM_FEE_PERCENT = 30
    wallet_fund(fan, 1000)
    tier = CreatorTierFactory(creator=creator, name="Gold", price=300)
    return subscription_create(subscriber=fan, tier=tier, now=ANCHOR)


def spend(user, coins: int) -> None:
    """Take `coins` out of `user`'s wallet (to the outside world)."""
    ledger_post(
        kind=LedgerTransaction.Kind.TIP,
        entries=[
            (ledger_account_for_user(user=user, role=Role.WALLET), -coins),
            (ledger_account_system(role=Role.EXTERNAL), coins),
        ],
        idempotency_key=f"test-spend:{uuid.uuid4()}",
    )


def refunds() -> list[LedgerTransaction]:
    return list(LedgerTransaction.objects.filter(kind=LedgerTransaction.Kind.REFUND))


@pytest.mark.parametrize("who_blocks", ["subscriber", "creator"])
def test_a_block_either_way_ends_the_subscription_and_refunds_the_unused_part(
    fan, creator, subscription, ledger_is_sound, who_blocks
):
    blocker, blocked = (fan, creator) if who_blocks == "subscriber" else (creator, fan)

    block_create(blocker=blocker, blocked=blocked, now=TEN_DAYS_IN)

    subscription.refresh_from_db()
    assert (subscription.status, subscription.ended_at, subscription.canceled_at) == (
        Status.CANCELED,
        TEN_DAYS_IN,
        TEN_DAYS_IN,
    )
    # 21 of 31 days unused: 300 * 21 / 31 = 203.2 coins, rounded up to 204 (the
    # subscriber's favour). The platform gives back 204/300 of its 90, rounded down (61),
    # the creator the rest (143).
    assert balance(fan) == 1000 - 300 + 204
    assert balance(creator, Role.EARNINGS) == 210 - 143
    assert system_balance(Role.PLATFORM_REVENUE) == 90 - 61
    [refund] = refunds()
    assert refund.reference == subscription
    assert refund.metadata == {"period": 0, "fee": 61, "debt_coins": 0, "reason": "block"}
    assert sorted(refund.entries.values_list("account__role", "amount")) == [
        (Role.EARNINGS, -143),
        (Role.PLATFORM_REVENUE, -61),
        (Role.WALLET, 204),
    ]
    notification = Notification.objects.get(recipient=fan, type=NotificationType.SUBSCRIPTION_ENDED)
    assert (notification.actor, notification.data) == (None, {"creator": "creator", "coins": 204})
    assert notification_text(
        type=notification.type, actor_username=None, actor_count=1, data=notification.data
    ) == (
        "Your subscription to creator ended: 204 coins for the unused part went back to your wallet"
    )
    ledger_is_sound()


@pytest.mark.parametrize(
    ("now", "coins", "fee_back"),
    [
        (ANCHOR, 300, 90),  # nothing used: everything back
        (ANCHOR + timedelta(microseconds=1), 300, 90),  # a sliver used: still 300, rounded up
        (ANCHOR + timedelta(days=10), 204, 61),
        (ANCHOR + timedelta(days=30, hours=23, minutes=59), 1, 0),  # a minute left: one coin
        (ANCHOR + timedelta(days=31), 0, 0),  # the period is over: nothing left to refund
    ],
)
def test_the_refund_is_pro_rata_in_whole_coins_rounded_up(now, coins, fee_back):
    end = ANCHOR + timedelta(days=31)
    assert subscription_refund_unused(paid=300, fee=90, start=ANCHOR, end=end, now=now) == (
        coins,
        fee_back,
    )


def test_the_creator_owes_what_their_earnings_no_longer_hold(
    settings, fan, creator, subscription, ledger_is_sound
):
    settings.PAYOUT_MINIMUM_COINS = 10
    payout_request(creator=creator, amount=200)  # 10 of the 210 earned stay

    block_create(blocker=creator, blocked=fan, now=TEN_DAYS_IN)

    assert balance(fan) == 904
    assert balance(creator, Role.EARNINGS) == 0
    assert balance(creator, Role.DEBT) == -133  # 143 owed back, 10 of them still earned
    assert system_balance(Role.PLATFORM_REVENUE) == 29
    assert refunds()[0].metadata["debt_coins"] == 133
    ledger_is_sound()


def test_a_past_due_subscription_ends_with_nothing_to_refund(
    fan, creator, subscription, ledger_is_sound
):
    spend(fan, 700)  # so February's renewal finds no funds
    february = ANCHOR + timedelta(days=31, hours=1)
    assert subscriptions_renew(now=february).past_due == 1

    block_create(blocker=fan, blocked=creator, now=february + timedelta(days=1))

    subscription.refresh_from_db()
    assert subscription.status == Status.CANCELED
    assert refunds() == []
    assert balance(fan) == 0
    assert Notification.objects.get(
        recipient=fan, type=NotificationType.SUBSCRIPTION_ENDED
    ).data == {"creator": "creator", "coins": 0}
    ledger_is_sound()


def test_blocking_again_or_after_unblocking_refunds_nothing_more(
    fan, creator, subscription, ledger_is_sound
):
    block_create(blocker=fan, blocked=creator, now=TEN_DAYS_IN)
    block_create(blocker=fan, blocked=creator, now=TEN_DAYS_IN + timedelta(days=1))
    block_delete(blocker=fan, blocked=creator)
    block_create(blocker=creator, blocked=fan, now=TEN_DAYS_IN + timedelta(days=2))

    assert len(refunds()) == 1
    assert balance(fan) == 904
    # The ended subscription is never charged again.
    assert subscriptions_renew(now=ANCHOR + timedelta(days=40)).renewed == 0
    assert balance(fan) == 904
    ledger_is_sound()


def test_a_block_between_others_leaves_the_subscription_alone(fan, creator, subscription):
    block_create(blocker=fan, blocked=UserFactory(), now=TEN_DAYS_IN)
    block_create(blocker=UserFactory(), blocked=creator, now=TEN_DAYS_IN)

    subscription.refresh_from_db()
    assert subscription.status == Status.ACTIVE
    assert refunds() == []


def test_blocking_through_the_api_ends_the_subscription(
    settings, make_auth_client, fan, creator, ledger_is_sound
):
    settings.PLATFORM_FEE_PERCENT = 30
    wallet_fund(fan, 1000)
    tier = CreatorTierFactory(creator=creator, name="Gold", price=300)
    anchor = timezone.now() - timedelta(days=10)
    subscription = subscription_create(subscriber=fan, tier=tier, now=anchor)
    days = Fraction((subscription.current_period_end - anchor) / timedelta(days=1))

    response = make_auth_client(creator).post("/api/v1/users/fan/block/")

    assert response.status_code == 201
    subscription.refresh_from_db()
    assert subscription.status == Status.CANCELED
    # A few milliseconds passed since "ten days in": the refund rounds up to the same.
    coins = math.ceil(300 * (days - 10) / days)
    assert balance(fan) == 700 + coins
    assert system_balance(Role.PLATFORM_REVENUE) == 90 - 90 * coins // 300
    listed = make_auth_client(fan).get("/api/v1/subscriptions/").json()["results"]
    assert [(item["id"], item["status"]) for item in listed] == [(str(subscription.pk), "canceled")]
    ledger_is_sound()


def test_the_block_and_the_refund_stand_or_fall_together(fan, creator, subscription):
    # Contrived (nothing takes coins out of platform revenue): the refund cannot be
    # posted, so the block is not made either. The charge's fee went to the creator's
    # shard, which the refund takes it back from.
    revenue = ledger_account_system(
        role=Role.PLATFORM_REVENUE, shard=creator_revenue_shard(creator=creator)
    )
    ledger_post(
        kind=LedgerTransaction.Kind.TIP,
        entries=[(revenue, -90), (ledger_account_system(role=Role.EXTERNAL), 90)],
        idempotency_key="test-drain-revenue",
    )

    with pytest.raises(InsufficientFunds):
        block_create(blocker=fan, blocked=creator, now=TEN_DAYS_IN)

    assert not Block.objects.exists()
    subscription.refresh_from_db()
    assert subscription.status == Status.ACTIVE
    assert refunds() == []
    assert balance(fan) == 700
    assert not Notification.objects.filter(type=NotificationType.SUBSCRIPTION_ENDED).exists()


def test_the_fee_comes_back_from_the_shard_it_went_to_whatever_the_shard_count_is_now(
    settings, fan, ledger_is_sound
):
    settings.PLATFORM_FEE_PERCENT = 30
    settings.PLATFORM_REVENUE_SHARDS = 4
    creator = CreatorFactory()
    while creator_revenue_shard(creator=creator) == 0:
        creator = CreatorFactory()
    charged_on = creator_revenue_shard(creator=creator)
    wallet_fund(fan, 1000)
    tier = CreatorTierFactory(creator=creator, name="Gold", price=300)
    subscription_create(subscriber=fan, tier=tier, now=ANCHOR)
    settings.PLATFORM_REVENUE_SHARDS = 1  # the creator's payments now go to shard 0

    block_create(blocker=fan, blocked=creator, now=TEN_DAYS_IN)

    coins = math.ceil(300 * 21 / 31)
    fee_back = 90 * coins // 300
    revenue = LedgerAccount.objects.filter(owner=None, role=Role.PLATFORM_REVENUE)
    assert dict(revenue.values_list("shard", "balance")) == {charged_on: 90 - fee_back}
    assert balance(fan) == 700 + coins
    ledger_is_sound()
