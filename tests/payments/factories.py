"""Factories and helpers for payments: creators, packages, tiers, funded wallets."""

import uuid

import factory

from accounts.models import User
from payments.models import CoinPackage, CreatorTier, LedgerAccount, LedgerTransaction
from payments.services.ledger import (
    ledger_account_for_user,
    ledger_account_system,
    ledger_post,
)
from payments.services.tips import creator_revenue_shard
from tests.accounts.factories import UserFactory

Role = LedgerAccount.Role


class CreatorFactory(UserFactory):
    """A user with the creator role (and a published video): tips are limited to
    creators by default."""

    role = User.Role.CREATOR
    video_count = 1


class CoinPackageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CoinPackage

    name = factory.Sequence(lambda n: f"Package {n}")
    coins = 500
    price = 499
    currency = "USD"


class CreatorTierFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CreatorTier

    creator = factory.SubFactory(CreatorFactory)
    name = factory.Sequence(lambda n: f"Tier {n}")
    price = 300
    perks = factory.LazyFunction(lambda: ["Early access"])


def creators_on_distinct_shards(count: int) -> list[User]:
    """`count` creators, each on a platform-revenue shard of their own."""
    creators: dict[int, User] = {}
    while len(creators) < count:
        creator = CreatorFactory()
        creators.setdefault(creator_revenue_shard(creator=creator), creator)
    return list(creators.values())


def wallet_fund(user, coins: int) -> LedgerTransaction:
    """Put `coins` in `user`'s wallet, as a paid top-up would (external -> wallet)."""
    wallet = ledger_account_for_user(user=user, role=Role.WALLET)
    external = ledger_account_system(role=Role.EXTERNAL)
    return ledger_post(
        kind=LedgerTransaction.Kind.TOP_UP,
        entries=[(external, -coins), (wallet, coins)],
        idempotency_key=f"test-fund:{uuid.uuid4()}",
        description="Test funding",
    ).transaction


def balance(user, role: str = Role.WALLET) -> int:
    """`user`'s balance of `role` as stored (0 when the account does not exist yet)."""
    return (
        LedgerAccount.objects.filter(owner=user, role=role)
        .values_list("balance", flat=True)
        .first()
        or 0
    )


def system_balance(role: str) -> int:
    """The system's balance of `role` as stored: of the platform revenue, the sum of
    its shards."""
    balances = LedgerAccount.objects.filter(owner=None, role=role).values_list("balance", flat=True)
    return sum(balances)
