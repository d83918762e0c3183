"""`manage.py ledger_check`: clean on a sound ledger, loud and non-zero on a tampered one."""

from io import StringIO

import pytest
from django.core.management import ManagementUtility, call_command
from django.core.management.base import CommandError

from payments.models import LedgerAccount, LedgerEntry, LedgerTransaction
from payments.services.ledger import ledger_account_for_user, ledger_account_system, ledger_post
from tests.payments.factories import CreatorFactory, wallet_fund

pytestmark = pytest.mark.django_db

Role = LedgerAccount.Role


@pytest.fixture
def postings():
    """A few movements: two fundings and a tip with a fee."""
    fan, creator = CreatorFactory(username="fan"), CreatorFactory(username="maker")
    wallet_fund(fan, 100)
    wallet_fund(creator, 5)
    ledger_post(
        kind=LedgerTransaction.Kind.TIP,
        entries=[
            (ledger_account_for_user(user=fan, role=Role.WALLET), -40),
            (ledger_account_for_user(user=creator, role=Role.EARNINGS), 28),
            (ledger_account_system(role=Role.PLATFORM_REVENUE), 12),
        ],
        idempotency_key="tip:1",
        initiator=fan,
    )
    return fan, creator


def run_check() -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("ledger_check", stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_a_sound_ledger_passes(postings):
    out, err = run_check()

    assert out == (
        "Checked 5 accounts, 3 transactions and 7 entries: the ledger is balanced. "
        "Platform revenue: 12 coins in 1 account(s).\n"
    )
    assert err == ""


def test_an_empty_ledger_passes():
    assert run_check() == (
        "Checked 0 accounts, 0 transactions and 0 entries: the ledger is balanced. "
        "Platform revenue: 0 coins in 0 account(s).\n",
        "",
    )


def test_a_tampered_cached_balance_fails_and_is_named(postings):
    fan, _ = postings
    wallet = LedgerAccount.objects.get(owner=fan, role=Role.WALLET)
    LedgerAccount.objects.filter(pk=wallet.pk).update(balance=61)
    err = StringIO()

    with pytest.raises(
        CommandError,
        match=r"Checked 5 accounts, 3 transactions and 7 entries: the ledger has 1 problem\(s\)\.",
    ):
        call_command("ledger_check", stdout=StringIO(), stderr=err)

    assert err.getvalue() == f"balance {wallet.pk}: expected 60, found 61\n"


def test_a_transaction_that_does_not_sum_to_zero_fails_and_is_named(postings):
    tip = LedgerTransaction.objects.get(idempotency_key="tip:1")
    revenue = ledger_account_system(role=Role.PLATFORM_REVENUE)
    # An extra leg written behind the service's back (the cached balance is kept in step,
    # so only the transaction's sum is wrong).
    LedgerEntry.objects.bulk_create(
        [LedgerEntry(transaction=tip, account=revenue, book="system", amount=3, balance_after=15)]
    )
    LedgerAccount.objects.filter(pk=revenue.pk).update(balance=15)
    err = StringIO()

    with pytest.raises(CommandError, match=r"the ledger has 1 problem\(s\)\."):
        call_command("ledger_check", stdout=StringIO(), stderr=err)

    assert err.getvalue() == f"unbalanced_transaction {tip.pk}: expected 0, found 3\n"


def test_an_extra_entry_also_breaks_the_cached_balance(postings):
    tip = LedgerTransaction.objects.get(idempotency_key="tip:1")
    revenue = ledger_account_system(role=Role.PLATFORM_REVENUE)
    LedgerEntry.objects.bulk_create(
        [LedgerEntry(transaction=tip, account=revenue, book="system", amount=3, balance_after=15)]
    )
    err = StringIO()

    with pytest.raises(CommandError, match=r"the ledger has 2 problem\(s\)\."):
        call_command("ledger_check", stdout=StringIO(), stderr=err)

    assert err.getvalue().splitlines() == [
        f"balance {revenue.pk}: expected 15, found 12",
        f"unbalanced_transaction {tip.pk}: expected 0, found 3",
    ]


@pytest.mark.parametrize("field", ["owner", "book"])
def test_an_entry_filed_under_another_owner_or_book_fails_and_is_named(postings, field):
    """A statement reads entries by `(owner, book)`: one filed wrongly would show on
    another user's statement, or on none."""
    _, creator = postings
    entry = LedgerEntry.objects.get(transaction__idempotency_key="tip:1", account__role=Role.WALLET)
    LedgerEntry.objects.filter(pk=entry.pk)._raw_delete(LedgerEntry.objects.db)
    entry.pk = None
    setattr(entry, field, creator if field == "owner" else LedgerEntry.Book.EARNINGS)
    LedgerEntry.objects.bulk_create([entry])
    err = StringIO()

    with pytest.raises(CommandError, match=r"the ledger has 1 problem\(s\)\."):
        call_command("ledger_check", stdout=StringIO(), stderr=err)

    assert (
        err.getvalue()
        == f"misfiled_entry {LedgerEntry.objects.latest('id').pk}: expected 0, found 0\n"
    )


def test_the_command_exits_non_zero_from_the_shell(postings, capsys):
    LedgerAccount.objects.filter(owner=None, role=Role.EXTERNAL).update(balance=0)

    with pytest.raises(SystemExit) as exit_info:
        ManagementUtility(["manage.py", "ledger_check"]).execute()

    assert exit_info.value.code == 1
    assert "the ledger has 1 problem(s)." in capsys.readouterr().err
