"""The platform's revenue in shards (`PLATFORM_REVENUE_SHARDS`): a payment to a creator
credits the shard its creator falls on, so payments to different creators do not
queue for one row; the platform's revenue is the sum of the shards, whatever their
count is now or was, and `ledger_check` checks each shard as an account."""

import pytest
from django.db import IntegrityError, transaction

from payments.exceptions import InsufficientFunds
from payments.models import LedgerAccount, LedgerEntry, LedgerTransaction
from payments.selectors.ledger import platform_revenue_balance, platform_revenue_totals
from payments.services.ledger import (
    AccountKey,
    LedgerError,
    ledger_account_system,
    ledger_key_for_user,
    ledger_key_system,
    ledger_post,
    platform_revenue_key,
)
from payments.services.tips import creator_revenue_shard, tip_send
from tests.accounts.factories import UserFactory
from tests.payments.factories import (
    CreatorFactory,
    balance,
    creators_on_distinct_shards,
    system_balance,
    wallet_fund,
)

pytestmark = pytest.mark.django_db

Role = LedgerAccount.Role


def revenue_by_shard() -> dict[int, int]:
    return dict(
        LedgerAccount.objects.filter(owner=None, role=Role.PLATFORM_REVENUE).values_list(
            "shard", "balance"
        )
    )


@pytest.fixture(autouse=True)
def _fee(settings):
    settings.PLATFORM_FEE_PERCENT = 30
    settings.PLATFORM_REVENUE_SHARDS = 4


# -- the shard a payment credits -------------------------------------------------------


def test_a_creators_shard_is_their_id_modulo_the_shard_count(settings):
    creator = CreatorFactory()

    assert creator_revenue_shard(creator=creator) == creator.pk.int % 4
    assert platform_revenue_key(spread_by=creator.pk) == AccountKey(
        role=Role.PLATFORM_REVENUE, shard=creator.pk.int % 4
    )
    settings.PLATFORM_REVENUE_SHARDS = 1
    assert creator_revenue_shard(creator=creator) == 0


def test_tips_to_creators_on_different_shards_credit_different_accounts(ledger_is_sound):
    ana, bob = creators_on_distinct_shards(2)
    fan = UserFactory()
    wallet_fund(fan, 1000)

    tip_send(sender=fan, recipient=ana, amount=100)  # fee 30
    tip_send(sender=fan, recipient=bob, amount=50)  # fee 15
    tip_send(sender=fan, recipient=ana, amount=10)  # fee 3

    assert revenue_by_shard() == {
        creator_revenue_shard(creator=ana): 33,
        creator_revenue_shard(creator=bob): 15,
    }
    assert platform_revenue_balance() == system_balance(Role.PLATFORM_REVENUE) == 48
    assert platform_revenue_totals() == (48, 2)
    assert (balance(fan), balance(ana, Role.EARNINGS), balance(bob, Role.EARNINGS)) == (
        840,
        77,
        35,
    )
    revenue_entries = LedgerEntry.objects.filter(account__role=Role.PLATFORM_REVENUE)
    assert sorted(revenue_entries.values_list("account__shard", "amount", "balance_after")) == (
        sorted(
            [
                (creator_revenue_shard(creator=ana), 30, 30),
                (creator_revenue_shard(creator=ana), 3, 33),
                (creator_revenue_shard(creator=bob), 15, 15),
            ]
        )
    )
    ledger_is_sound()


def test_the_revenue_counts_every_shard_whatever_the_shard_count_is_now(settings, ledger_is_sound):
    # Shard 0 is the one account of before the shards (migration 0007).
    ledger_post(
        kind=LedgerTransaction.Kind.AD_SPEND,
        entries=[
            (ledger_account_system(role=Role.EXTERNAL), -12),
            (ledger_account_system(role=Role.PLATFORM_REVENUE), 12),
        ],
        idempotency_key="old-revenue",
    )
    creator = next(c for c in creators_on_distinct_shards(4) if creator_revenue_shard(creator=c))
    fan = UserFactory()
    wallet_fund(fan, 100)
    tip_send(sender=fan, recipient=creator, amount=100)

    settings.PLATFORM_REVENUE_SHARDS = 1

    assert revenue_by_shard() == {0: 12, creator.pk.int % 4: 30}
    assert platform_revenue_totals() == (42, 2)
    ledger_is_sound()


# -- the accounts --------------------------------------------------------------------


def test_only_the_platform_revenue_has_shards_and_each_shard_is_one_account():
    with pytest.raises(LedgerError):
        ledger_key_system(role=Role.EXTERNAL, shard=1)
    with pytest.raises(LedgerError):
        ledger_key_system(role=Role.PLATFORM_REVENUE, shard=4)  # shards are 0 to 3
    with pytest.raises(IntegrityError), transaction.atomic():
        LedgerAccount.objects.create(role=Role.EXTERNAL, shard=1)
    LedgerAccount.objects.create(role=Role.PLATFORM_REVENUE, shard=3)
    with pytest.raises(IntegrityError), transaction.atomic():
        LedgerAccount.objects.create(role=Role.PLATFORM_REVENUE, shard=3)

    assert ledger_account_system(role=Role.PLATFORM_REVENUE, shard=3).shard == 3
    assert str(ledger_account_system(role=Role.PLATFORM_REVENUE, shard=3)) == (
        "system:platform_revenue#3"
    )


def test_a_posting_by_account_keys_creates_the_accounts_it_credits(ledger_is_sound):
    fan, creator = UserFactory(), CreatorFactory()
    wallet_fund(fan, 50)
    shard = creator_revenue_shard(creator=creator)

    posting = ledger_post(
        kind=LedgerTransaction.Kind.TIP,
        entries=[
            (ledger_key_for_user(user=fan, role=Role.WALLET), -50),
            (ledger_key_for_user(user=creator, role=Role.EARNINGS), 35),
            (ledger_key_system(role=Role.PLATFORM_REVENUE, shard=shard), 15),
        ],
        idempotency_key="keys",
        initiator=fan,
    )

    assert posting.created
    assert sorted(
        (str(entry.account), entry.amount, entry.balance_after)
        for entry in posting.transaction.entries.all()
    ) == sorted(
        [
            (f"{creator.username}:earnings", 35, 35),
            (f"{fan.username}:wallet", -50, 0),
            (f"system:platform_revenue#{shard}", 15, 15),
        ]
    )
    assert (balance(fan), balance(creator, Role.EARNINGS), revenue_by_shard()) == (
        0,
        35,
        {shard: 15},
    )
    ledger_is_sound()


def test_a_refused_posting_by_account_keys_creates_nothing_and_leaves_the_caller_going():
    fan, creator = UserFactory(), CreatorFactory()
    wallet_fund(fan, 10)
    accounts = LedgerAccount.objects.count()

    with pytest.raises(InsufficientFunds):
        ledger_post(
            kind=LedgerTransaction.Kind.TIP,
            entries=[
                (ledger_key_for_user(user=fan, role=Role.WALLET), -11),
                (platform_revenue_key(spread_by=creator.pk), 11),
            ],
            idempotency_key="too-much",
            initiator=fan,
        )

    # The test's own transaction is still usable: the refusal left nothing behind.
    assert LedgerAccount.objects.count() == accounts
    assert not LedgerTransaction.objects.filter(idempotency_key="too-much").exists()
    assert balance(fan) == 10
