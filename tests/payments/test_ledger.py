"""`ledger_post`, the ledger's one writer: balanced postings, idempotency keys, funds
checks, the accounts that may go negative, write-once entries, reversals."""

from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from payments.exceptions import InsufficientFunds
from payments.models import LedgerAccount, LedgerEntry, LedgerTransaction
from payments.services.ledger import (
    LedgerError,
    ledger_account_for_user,
    ledger_account_system,
    ledger_post,
    ledger_reverse,
)
from tests.accounts.factories import UserFactory
from tests.payments.factories import balance, system_balance, wallet_fund

pytestmark = pytest.mark.django_db

Role = LedgerAccount.Role
Kind = LedgerTransaction.Kind


@pytest.fixture
def ada():
    return UserFactory(username="ada")


@pytest.fixture
def bob():
    return UserFactory(username="bob")


def wallet(user) -> LedgerAccount:
    return ledger_account_for_user(user=user, role=Role.WALLET)


def external() -> LedgerAccount:
    return ledger_account_system(role=Role.EXTERNAL)


def counts() -> tuple[int, int]:
    return LedgerTransaction.objects.count(), LedgerEntry.objects.all().count()


# -- balanced postings ---------------------------------------------------------------


def test_a_balanced_posting_moves_exact_balances_and_records_balance_after(
    ada, bob, ledger_is_sound
):
    wallet_fund(ada, 100)

    posting = ledger_post(
        kind=Kind.TIP,
        entries=[
            (wallet(ada), -40),
            (ledger_account_for_user(user=bob, role=Role.EARNINGS), 28),
            (ledger_account_system(role=Role.PLATFORM_REVENUE), 12),
        ],
        idempotency_key="tip:1",
        initiator=ada,
        description="A tip",
    )

    assert posting.created is True
    assert (balance(ada), balance(bob, Role.EARNINGS)) == (60, 28)
    assert system_balance(Role.PLATFORM_REVENUE) == 12
    assert system_balance(Role.EXTERNAL) == -100
    entries = {
        (entry.account.owner_id, entry.account.role): (entry.amount, entry.balance_after)
        for entry in posting.transaction.entries.select_related("account")
    }
    assert entries == {
        (ada.pk, Role.WALLET): (-40, 60),
        (bob.pk, Role.EARNINGS): (28, 28),
        (None, Role.PLATFORM_REVENUE): (12, 12),
    }
    assert (posting.transaction.kind, posting.transaction.initiator) == (Kind.TIP, ada)
    ledger_is_sound()


def test_balance_after_follows_each_posting_on_the_account(ada):
    wallet_fund(ada, 10)
    wallet_fund(ada, 5)

    ledger_post(
        kind=Kind.TIP,
        entries=[(wallet(ada), -3), (ledger_account_system(role=Role.PLATFORM_REVENUE), 3)],
        idempotency_key="spend",
        initiator=ada,
    )

    running = list(
        LedgerEntry.objects.filter(account=wallet(ada))
        .order_by("id")
        .values_list("amount", "balance_after")
    )
    assert running == [(10, 10), (5, 15), (-3, 12)]


def test_an_account_named_twice_gets_one_entry_of_the_sum(ada):
    posting = ledger_post(
        kind=Kind.TOP_UP,
        entries=[(external(), -7), (wallet(ada), 3), (wallet(ada), 4)],
        idempotency_key="merged",
    )

    assert posting.transaction.entries.count() == 2
    assert balance(ada) == 7


# -- malformed postings ----------------------------------------------------------------


@pytest.mark.parametrize(
    "amounts",
    [
        pytest.param([10, -9], id="unbalanced"),
        pytest.param([10], id="single-entry"),
        pytest.param([], id="no-entry"),
        pytest.param([0, 0], id="zero"),
        pytest.param([10, -10, 0], id="a-zero-leg"),
        pytest.param([10.0, -10.0], id="float"),
        pytest.param([True, -1], id="bool"),
        pytest.param([Decimal(10), Decimal(-10)], id="decimal"),
        pytest.param(["10", "-10"], id="string"),
    ],
)
def test_a_malformed_posting_is_refused_and_writes_nothing(ada, amounts):
    accounts = [wallet(ada), external(), ledger_account_system(role=Role.PLATFORM_REVENUE)]

    with pytest.raises(LedgerError):
        ledger_post(
            kind=Kind.TOP_UP,
            entries=list(zip(accounts, amounts, strict=False)),
            idempotency_key="bad",
        )

    assert counts() == (0, 0)
    assert balance(ada) == system_balance(Role.EXTERNAL) == 0


def test_entries_that_cancel_out_on_every_account_are_refused(ada):
    with pytest.raises(LedgerError):
        ledger_post(
            kind=Kind.TOP_UP, entries=[(wallet(ada), 5), (wallet(ada), -5)], idempotency_key="k"
        )

    assert counts() == (0, 0)


# -- idempotency keys ------------------------------------------------------------------


def test_the_same_initiator_and_key_post_once(ada):
    wallet_fund(ada, 100)
    revenue = ledger_account_system(role=Role.PLATFORM_REVENUE)
    first = ledger_post(
        kind=Kind.TIP,
        entries=[(wallet(ada), -10), (revenue, 10)],
        idempotency_key="k",
        initiator=ada,
    )
    before = counts()

    again = ledger_post(
        kind=Kind.TIP,
        entries=[(wallet(ada), -10), (revenue, 10)],
        idempotency_key="k",
        initiator=ada,
    )

    assert (again.created, again.transaction.pk) == (False, first.transaction.pk)
    assert counts() == before
    assert (balance(ada), system_balance(Role.PLATFORM_REVENUE)) == (90, 10)


def test_the_system_initiator_posts_a_key_once(ada):
    first = ledger_post(
        kind=Kind.TOP_UP, entries=[(external(), -50), (wallet(ada), 50)], idempotency_key="top-up:1"
    )

    again = ledger_post(
        kind=Kind.TOP_UP, entries=[(external(), -50), (wallet(ada), 50)], idempotency_key="top-up:1"
    )

    assert (again.created, again.transaction.pk) == (False, first.transaction.pk)
    assert counts() == (1, 2)
    assert balance(ada) == 50


def test_different_initiators_may_use_the_same_key(ada, bob):
    wallet_fund(ada, 20)
    wallet_fund(bob, 20)
    revenue = ledger_account_system(role=Role.PLATFORM_REVENUE)

    for user in (ada, bob, None):
        source = wallet(user) if user else external()
        posting = ledger_post(
            kind=Kind.TIP,
            entries=[(source, -5), (revenue, 5)],
            idempotency_key="same",
            initiator=user,
        )
        assert posting.created is True

    assert (balance(ada), balance(bob), system_balance(Role.PLATFORM_REVENUE)) == (15, 15, 15)


# -- funds -------------------------------------------------------------------------------


def test_a_posting_beyond_the_balance_is_refused_and_writes_nothing(ada, bob, ledger_is_sound):
    wallet_fund(ada, 30)
    before = counts()
    # The external account sorts anywhere among the legs: whichever leg moves first, the
    # refusal undoes it.
    entries = [
        (external(), 5),
        (wallet(ada), -31),
        (ledger_account_for_user(user=bob, role=Role.EARNINGS), 26),
    ]

    with pytest.raises(InsufficientFunds):
        ledger_post(kind=Kind.TIP, entries=entries, idempotency_key="too-much", initiator=ada)

    assert counts() == before
    assert not LedgerTransaction.objects.filter(idempotency_key="too-much").exists()
    assert (balance(ada), balance(bob, Role.EARNINGS), system_balance(Role.EXTERNAL)) == (
        30,
        0,
        -30,
    )
    ledger_is_sound()


def test_spending_the_whole_balance_leaves_zero(ada):
    wallet_fund(ada, 30)

    ledger_post(
        kind=Kind.TIP,
        entries=[(wallet(ada), -30), (ledger_account_system(role=Role.PLATFORM_REVENUE), 30)],
        idempotency_key="all",
        initiator=ada,
    )

    assert balance(ada) == 0


def test_the_external_account_may_go_negative(ada):
    ledger_post(
        kind=Kind.TOP_UP, entries=[(external(), -500), (wallet(ada), 500)], idempotency_key="k"
    )

    assert system_balance(Role.EXTERNAL) == -500


def test_a_debt_may_go_negative_but_not_positive(ada):
    debt = ledger_account_for_user(user=ada, role=Role.DEBT)
    ledger_post(kind=Kind.REFUND, entries=[(debt, -40), (external(), 40)], idempotency_key="owe")
    assert balance(ada, Role.DEBT) == -40

    with pytest.raises(LedgerError):
        ledger_post(
            kind=Kind.TOP_UP, entries=[(external(), -41), (debt, 41)], idempotency_key="over"
        )

    assert balance(ada, Role.DEBT) == -40
    assert counts() == (1, 2)
    ledger_post(kind=Kind.TOP_UP, entries=[(external(), -40), (debt, 40)], idempotency_key="settle")
    assert balance(ada, Role.DEBT) == 0


# -- write-once entries and the database's last line of defence ------------------------


def test_entries_cannot_be_updated_or_deleted(ada):
    wallet_fund(ada, 10)
    entry = LedgerEntry.objects.filter(account=wallet(ada)).get()

    entry.amount = 1_000
    with pytest.raises(TypeError):
        entry.save()
    with pytest.raises(TypeError):
        entry.delete()
    with pytest.raises(TypeError):
        LedgerEntry.objects.filter(pk=entry.pk).update(amount=1_000)
    with pytest.raises(TypeError):
        LedgerEntry.objects.filter(pk=entry.pk).delete()

    entry.refresh_from_db()
    assert (entry.amount, LedgerEntry.objects.all().count()) == (10, 2)


@pytest.mark.parametrize("role", [Role.WALLET, Role.EARNINGS])
def test_the_database_refuses_a_negative_user_balance_even_behind_the_service(ada, role):
    account = ledger_account_for_user(user=ada, role=role)

    with pytest.raises(IntegrityError), transaction.atomic():
        LedgerAccount.objects.filter(pk=account.pk).update(balance=-1)

    assert balance(ada, role) == 0


def test_the_database_refuses_a_positive_debt(ada):
    debt = ledger_account_for_user(user=ada, role=Role.DEBT)

    with pytest.raises(IntegrityError), transaction.atomic():
        LedgerAccount.objects.filter(pk=debt.pk).update(balance=1)


# -- reversals ---------------------------------------------------------------------------


def test_a_reversal_undoes_a_transaction_exactly_once(ada, bob, ledger_is_sound):
    wallet_fund(ada, 100)
    original = ledger_post(
        kind=Kind.TIP,
        entries=[
            (wallet(ada), -50),
            (ledger_account_for_user(user=bob, role=Role.EARNINGS), 35),
            (ledger_account_system(role=Role.PLATFORM_REVENUE), 15),
        ],
        idempotency_key="tip",
        initiator=ada,
    ).transaction

    reversal = ledger_reverse(original=original, initiator=None)
    again = ledger_reverse(original=original, initiator=None)

    assert reversal.created is True
    assert (again.created, again.transaction.pk) == (False, reversal.transaction.pk)
    assert (balance(ada), balance(bob, Role.EARNINGS)) == (100, 0)
    assert system_balance(Role.PLATFORM_REVENUE) == 0
    reversed_tx = reversal.transaction
    assert (reversed_tx.kind, reversed_tx.reverses_id, reversed_tx.reference) == (
        Kind.REVERSAL,
        original.pk,
        original,
    )
    assert sorted(reversed_tx.entries.values_list("amount", flat=True)) == [-35, -15, 50]
    assert LedgerTransaction.objects.count() == 3
    ledger_is_sound()


def test_a_reversal_asked_for_again_by_someone_else_is_the_same_one(ada):
    original = wallet_fund(ada, 100)
    staff = UserFactory(username="staff")

    reversal = ledger_reverse(original=original, initiator=staff)
    again = ledger_reverse(original=original, initiator=None)

    assert (again.created, again.transaction.pk) == (False, reversal.transaction.pk)
    assert balance(ada) == 0
    assert LedgerTransaction.objects.filter(kind=Kind.REVERSAL).count() == 1


def test_a_reversal_that_would_overdraw_is_refused(ada, bob):
    wallet_fund(ada, 50)
    earnings = ledger_account_for_user(user=bob, role=Role.EARNINGS)
    original = ledger_post(
        kind=Kind.TIP,
        entries=[(wallet(ada), -50), (earnings, 50)],
        idempotency_key="tip",
        initiator=ada,
    ).transaction
    ledger_post(
        kind=Kind.PAYOUT_REQUEST,
        entries=[(earnings, -50), (ledger_account_system(role=Role.PAYOUTS_IN_TRANSIT), 50)],
        idempotency_key="payout",
        initiator=bob,
    )

    with pytest.raises(InsufficientFunds):
        ledger_reverse(original=original, initiator=None)

    assert (balance(ada), balance(bob, Role.EARNINGS)) == (0, 0)
    assert not LedgerTransaction.objects.filter(kind=Kind.REVERSAL).exists()
