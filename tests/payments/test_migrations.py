"""Migrations that move data: entries made before 0003 are filed under their account's
owner and book, so the statements find them; the one platform-revenue account of
before 0007 becomes its shard 0, balance and entries kept."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from payments.models import LedgerAccount, LedgerEntry
from payments.selectors.ledger import platform_revenue_totals

# Accounts stays at its latest migration (going back in payments leaves its table as it
# is, so the old state must know every column of it).
ACCOUNTS = ("accounts", "0005_user_targeting_profile")
BEFORE = [("payments", "0002_seed_coin_packages"), ACCOUNTS]
AFTER = [("payments", "0003_ledger_entry_statement"), ACCOUNTS]


@pytest.fixture
def migrated_back_to_the_end():
    """Every migration applied again afterwards: going back to `BEFORE` also unapplies
    the later migrations of other apps that depend on payments' (livestream's gifts and
    replays), whose tables the tests that follow on this worker need."""
    yield
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())


@pytest.mark.django_db(transaction=True)
def test_0003_files_existing_entries_under_their_accounts_owner_and_book(
    migrated_back_to_the_end,
):
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps
    user = old.get_model("accounts", "User").objects.create(
        username="ana", email="ana@example.com", password="!"
    )
    Account = old.get_model("payments", "LedgerAccount")
    accounts = {
        role: Account.objects.create(owner=user if role != "external" else None, role=role)
        for role in ("wallet", "debt", "earnings", "external")
    }
    transaction = old.get_model("payments", "LedgerTransaction").objects.create(
        kind="top_up", idempotency_key="old"
    )
    Entry = old.get_model("payments", "LedgerEntry")
    for role, amount in (("external", -30), ("wallet", 10), ("debt", 5), ("earnings", 15)):
        Entry.objects.create(
            transaction=transaction, account=accounts[role], amount=amount, balance_after=amount
        )

    executor = MigrationExecutor(connection)
    executor.migrate(AFTER)

    assert sorted(LedgerEntry.objects.values_list("account__role", "owner__username", "book")) == [
        ("debt", "ana", "wallet"),
        ("earnings", "ana", "earnings"),
        ("external", None, "system"),
        ("wallet", "ana", "wallet"),
    ]


@pytest.mark.django_db(transaction=True)
def test_0007_makes_the_one_platform_revenue_account_its_shard_0(
    migrated_back_to_the_end, ledger_is_sound
):
    before = [("payments", "0006_advertising_accounts"), ACCOUNTS]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    old = executor.loader.project_state(before).apps
    Account = old.get_model("payments", "LedgerAccount")
    revenue = Account.objects.create(owner=None, role="platform_revenue", balance=12)
    external = Account.objects.create(owner=None, role="external", balance=-12)
    transaction = old.get_model("payments", "LedgerTransaction").objects.create(
        kind="ad_spend", idempotency_key="old"
    )
    Entry = old.get_model("payments", "LedgerEntry")
    for account, amount in ((external, -12), (revenue, 12)):
        Entry.objects.create(
            transaction=transaction,
            account=account,
            owner=None,
            book="system",
            amount=amount,
            balance_after=amount,
        )

    executor = MigrationExecutor(connection)
    executor.migrate([("payments", "0007_platform_revenue_shards"), ACCOUNTS])

    assert sorted(LedgerAccount.objects.values_list("role", "shard", "balance")) == [
        ("external", 0, -12),
        ("platform_revenue", 0, 12),
    ]
    assert LedgerAccount.objects.get(role="platform_revenue").pk == revenue.pk
    assert platform_revenue_totals() == (12, 1)
    ledger_is_sound()
