"""`GET wallet/`, `GET earnings/` and their statements (`.../transactions/`)."""

import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from payments.models import (
    LedgerAccount,
    LedgerTransaction,
    Payout,
    Refund,
    Subscription,
    TopUp,
)
from payments.services.ledger import ledger_account_for_user, ledger_account_system, ledger_post
from payments.services.payouts import payout_approve, payout_reject, payout_request
from payments.services.tips import tip_send
from tests.accounts.factories import AdminFactory, UserFactory
from tests.payments.factories import CoinPackageFactory, CreatorFactory, CreatorTierFactory

pytestmark = pytest.mark.django_db

Role = LedgerAccount.Role
Kind = LedgerTransaction.Kind
WALLET = "/api/v1/wallet/"
WALLET_TRANSACTIONS = "/api/v1/wallet/transactions/"
EARNINGS = "/api/v1/earnings/"
EARNINGS_TRANSACTIONS = "/api/v1/earnings/transactions/"


# -- building money the way the features do ---------------------------------------------


def top_up(user, coins: int, *, status=TopUp.Status.PAID, expires_in=timedelta(hours=1)) -> TopUp:
    """A top-up of `coins`; a paid one credits the wallet as the webhook does."""
    package = CoinPackageFactory(coins=coins)
    row = TopUp.objects.create(
        user=user,
        package=package,
        coins=coins,
        price=package.price,
        currency="USD",
        provider="sandbox",
        status=status,
        expires_at=timezone.now() + expires_in,
    )
    if status in (TopUp.Status.PAID, TopUp.Status.REFUNDED):
        ledger_post(
            kind=Kind.TOP_UP,
            entries=[
                (ledger_account_system(role=Role.EXTERNAL), -coins),
                (ledger_account_for_user(user=user, role=Role.WALLET), coins),
            ],
            idempotency_key=f"top-up:{row.pk}",
            reference=row,
            description="Coins bought",
        )
    return row


def subscription_charge(subscriber, tier) -> Subscription:
    """A subscription and its first period's charge (fee 30 %)."""
    now = timezone.now()
    subscription = Subscription.objects.create(
        subscriber=subscriber,
        creator=tier.creator,
        tier=tier,
        price=tier.price,
        anchor=now,
        current_period_start=now,
        current_period_end=now + timedelta(days=30),
    )
    fee = tier.price * 30 // 100
    ledger_post(
        kind=Kind.SUBSCRIPTION_CHARGE,
        entries=[
            (ledger_account_for_user(user=subscriber, role=Role.WALLET), -tier.price),
            (ledger_account_for_user(user=tier.creator, role=Role.EARNINGS), tier.price - fee),
            (ledger_account_system(role=Role.PLATFORM_REVENUE), fee),
        ],
        idempotency_key=f"subscription:{subscription.pk}:period:0",
        initiator=subscriber,
        reference=subscription,
        description=f"Subscription to {tier.creator.username}",
    )
    return subscription


def refund(top_up_row: TopUp, *, staff, from_wallet: int) -> Refund:
    """A refund of a paid top-up: `from_wallet` coins taken back, the rest owed."""
    debt = top_up_row.coins - from_wallet
    refund_row = Refund(
        id=uuid.uuid4(),
        top_up=top_up_row,
        created_by=staff,
        amount=top_up_row.price,
        currency="USD",
        coins=top_up_row.coins,
        debt_coins=debt,
    )
    user = top_up_row.user
    entries = [(ledger_account_system(role=Role.EXTERNAL), top_up_row.coins)]
    if from_wallet:
        entries.append((ledger_account_for_user(user=user, role=Role.WALLET), -from_wallet))
    if debt:
        entries.append((ledger_account_for_user(user=user, role=Role.DEBT), -debt))
    refund_row.ledger_transaction = ledger_post(
        kind=Kind.REFUND,
        entries=entries,
        idempotency_key=f"refund:{refund_row.pk}",
        initiator=staff,
        reference=refund_row,
        description="Top-up refunded",
    ).transaction
    refund_row.save(force_insert=True)
    TopUp.objects.filter(pk=top_up_row.pk).update(status=TopUp.Status.REFUNDED)
    return refund_row


@pytest.fixture
def fan(db):
    return UserFactory(username="fan")


@pytest.fixture
def fan_client(make_auth_client, fan):
    return make_auth_client(fan)


@pytest.fixture
def creator_client(make_auth_client, creator):
    return make_auth_client(creator)


# -- authentication ----------------------------------------------------------------------


@pytest.mark.parametrize("url", [WALLET, WALLET_TRANSACTIONS, EARNINGS, EARNINGS_TRANSACTIONS])
def test_money_pages_need_sign_in(api_client, url):
    response = api_client.get(url)

    assert response.status_code == 401
    assert response.json()["errors"][0]["code"] == "not_authenticated"
    assert response["WWW-Authenticate"].startswith("Bearer")


# -- the wallet --------------------------------------------------------------------------


def test_a_new_wallet_is_empty_and_reading_it_opens_no_account(fan_client):
    response = fan_client.get(WALLET)

    assert response.status_code == 200
    assert response.json() == {
        "balance": 0,
        "pending": 0,
        "debt": 0,
        "currency": "USD",
        "coin_price": 1,
    }
    assert not LedgerAccount.objects.exists()


def test_the_wallet_shows_balance_open_checkouts_and_the_coin_price(
    fan, fan_client, creator, settings
):
    settings.COIN_PRICE_MINOR, settings.COIN_CURRENCY = 2, "EUR"
    top_up(fan, 500)
    top_up(fan, 300, status=TopUp.Status.PENDING)
    top_up(fan, 150, status=TopUp.Status.PENDING)
    top_up(fan, 200, status=TopUp.Status.PENDING, expires_in=-timedelta(seconds=1))
    top_up(fan, 400, status=TopUp.Status.FAILED)
    top_up(fan, 600, status=TopUp.Status.EXPIRED)
    top_up(UserFactory(), 700, status=TopUp.Status.PENDING)  # someone else's
    tip_send(sender=fan, recipient=creator, amount=120)

    response = fan_client.get(WALLET)

    assert response.json() == {
        "balance": 380,
        "pending": 450,
        "debt": 0,
        "currency": "EUR",
        "coin_price": 2,
    }


def test_the_wallet_shows_what_a_refund_left_owing(fan, fan_client, creator):
    bought = top_up(fan, 100)
    tip_send(sender=fan, recipient=creator, amount=60)
    refund(bought, staff=AdminFactory(), from_wallet=40)

    assert fan_client.get(WALLET).json() | {"currency": None} == {
        "balance": 0,
        "pending": 0,
        "debt": 60,
        "currency": None,
        "coin_price": 1,
    }


# -- statements ----------------------------------------------------------------------------


def ids(response) -> list[int]:
    return [row["id"] for row in response.json()["results"]]


def test_the_wallet_statement_lists_every_movement_newest_first(fan, fan_client, creator):
    bought = top_up(fan, 1000)
    tip = tip_send(sender=fan, recipient=creator, amount=100)
    subscription = subscription_charge(fan, CreatorTierFactory(creator=creator, price=300))
    refunded = refund(bought, staff=AdminFactory(), from_wallet=600)

    response = fan_client.get(WALLET_TRANSACTIONS)

    assert response.status_code == 200
    body = response.json()
    assert (body["next"], body["previous"]) == (None, None)
    rows = [
        (
            row["kind"],
            row["amount"],
            row["balance_after"],
            row["account"],
            row["counterparty"] and row["counterparty"]["username"],
            row["reference"],
        )
        for row in body["results"]
    ]
    # The refund's two legs (in the order of their accounts' ids), then the rest.
    assert sorted(rows[:2], key=lambda row: row[3]) == [
        ("refund", -400, -400, "debt", None, {"type": "refund", "id": str(refunded.pk)}),
        ("refund", -600, 0, "wallet", None, {"type": "refund", "id": str(refunded.pk)}),
    ]
    assert rows[2:] == [
        (
            "subscription_charge",
            -300,
            600,
            "wallet",
            "creator",
            {"type": "subscription", "id": str(subscription.pk)},
        ),
        ("tip", -100, 900, "wallet", "creator", {"type": "tip", "id": str(tip.pk)}),
        ("top_up", 1000, 1000, "wallet", None, {"type": "top_up", "id": str(bought.pk)}),
    ]
    first = body["results"][0]
    assert set(first) == {
        "id",
        "kind",
        "amount",
        "balance_after",
        "account",
        "counterparty",
        "reference",
        "description",
        "created_at",
    }
    assert first["description"] == "Top-up refunded"
    tip_row = body["results"][3]
    assert tip_row["description"] == "Tip to creator"
    assert tip_row["counterparty"]["id"] == str(creator.pk)
    assert "email" not in tip_row["counterparty"]  # the public shape only


def test_the_earnings_statement_names_the_payer(fan, creator, creator_client):
    top_up(fan, 1000)
    tip = tip_send(sender=fan, recipient=creator, amount=100)
    subscription = subscription_charge(fan, CreatorTierFactory(creator=creator, price=300))

    response = creator_client.get(EARNINGS_TRANSACTIONS)

    rows = [
        (
            row["kind"],
            row["amount"],
            row["balance_after"],
            row["account"],
            row["counterparty"]["username"],
            row["reference"]["type"],
            row["reference"]["id"],
        )
        for row in response.json()["results"]
    ]
    assert rows == [
        ("subscription_charge", 210, 280, "earnings", "fan", "subscription", str(subscription.pk)),
        ("tip", 70, 70, "earnings", "fan", "tip", str(tip.pk)),
    ]
    # The creator's wallet statement has none of it.
    assert creator_client.get(WALLET_TRANSACTIONS).json()["results"] == []


def test_a_statement_shows_only_the_callers_entries(fan, fan_client, creator):
    top_up(fan, 100)
    other = UserFactory()
    top_up(other, 100)
    tip_send(sender=other, recipient=creator, amount=50)

    response = fan_client.get(WALLET_TRANSACTIONS)

    assert [row["amount"] for row in response.json()["results"]] == [100]


def test_a_statement_pages_with_a_cursor(fan, fan_client, creator):
    top_up(fan, 1000)
    for _ in range(4):
        tip_send(sender=fan, recipient=creator, amount=10)
    everything = ids(fan_client.get(WALLET_TRANSACTIONS))

    first = fan_client.get(WALLET_TRANSACTIONS, {"page_size": 3})
    second = fan_client.get(first.json()["next"])

    assert ids(first) + ids(second) == everything
    assert everything == sorted(everything, reverse=True)
    assert second.json()["next"] is None
    assert [row["balance_after"] for row in second.json()["results"]] == [990, 1000]


@pytest.mark.parametrize(
    ("params", "attr", "code"),
    [
        ({"cursor": "nonsense"}, "cursor", "invalid_cursor"),
        ({"page_size": "0"}, "page_size", "invalid_page_size"),
    ],
)
def test_bad_pagination_is_a_400(fan_client, params, attr, code):
    response = fan_client.get(WALLET_TRANSACTIONS, params)

    assert response.status_code == 400
    assert (response.json()["errors"][0]["attr"], response.json()["errors"][0]["code"]) == (
        attr,
        code,
    )


def _busy_statements(fan, creator, settings) -> None:
    """Three rounds of a top-up, a tip and a subscription, then a refund and a payout:
    the newest entries of each statement cover every kind of reference on it."""
    settings.PAYOUT_MINIMUM_COINS = 1
    for _ in range(3):
        bought = top_up(fan, 1000)
        tip_send(sender=fan, recipient=creator, amount=10)
        subscription = subscription_charge(fan, CreatorTierFactory(creator=creator, price=100))
        Subscription.objects.filter(pk=subscription.pk).update(status=Subscription.Status.CANCELED)
    refund(bought, staff=AdminFactory(), from_wallet=1000)
    payout_request(creator=creator, amount=5)


@pytest.mark.parametrize(
    ("url", "kinds", "total"),
    [
        # top-up, tip, subscription, refund; 3 x 3 entries and the refund's
        pytest.param(WALLET_TRANSACTIONS, 4, 10, id="wallet"),
        # tip, subscription, payout; 3 x 2 entries and the payout's
        pytest.param(EARNINGS_TRANSACTIONS, 3, 7, id="earnings"),
    ],
)
def test_a_statement_page_costs_the_same_queries_whatever_its_size(
    fan, creator, make_auth_client, django_assert_num_queries, settings, url, kinds, total
):
    _busy_statements(fan, creator, settings)
    client = make_auth_client(fan if url == WALLET_TRANSACTIONS else creator)

    for page_size in (kinds, 50):
        # the session with its user (authentication), the page, one query per kind of
        # reference on it
        with django_assert_num_queries(1 + 1 + kinds):
            response = client.get(url, {"page_size": page_size})
        assert len(response.json()["results"]) == min(page_size, total)


# -- earnings -----------------------------------------------------------------------------


def test_new_earnings_are_empty_and_reading_them_opens_no_account(creator_client, settings):
    settings.PAYOUT_MINIMUM_COINS = 1000

    response = creator_client.get(EARNINGS)

    assert response.status_code == 200
    assert response.json() == {
        "balance": 0,
        "pending_payouts": 0,
        "paid_out": 0,
        "currency": "USD",
        "coin_price": 1,
        "balance_value": 0,
        "payout_minimum": 1000,
    }
    assert not LedgerAccount.objects.exists()


def test_earnings_show_available_pending_and_paid_coins(fan, creator, creator_client, settings):
    settings.COIN_PRICE_MINOR, settings.PAYOUT_MINIMUM_COINS = 3, 100
    top_up(fan, 5000)
    tip_send(sender=fan, recipient=creator, amount=2000)  # earnings 1400
    staff = AdminFactory()
    payout_request(creator=creator, amount=100)  # pending
    payout_approve(payout=payout_request(creator=creator, amount=200), staff=staff)
    payout_reject(payout=payout_request(creator=creator, amount=300), staff=staff)
    Payout.objects.create(creator=CreatorFactory(), amount=700, money_amount=700, currency="USD")

    response = creator_client.get(EARNINGS)

    assert response.json() == {
        "balance": 1100,
        "pending_payouts": 100,
        "paid_out": 200,
        "currency": "USD",
        "coin_price": 3,
        "balance_value": 3300,
        "payout_minimum": 100,
    }
