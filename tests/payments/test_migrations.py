"""Migrations that move data: entries made before 0003 are filed under their account's
owner and book, so the statements find them."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from payments.models import LedgerEntry

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
