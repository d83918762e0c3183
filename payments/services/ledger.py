"""The ledger's one writer: `ledger_post` records a balanced movement of coins.

Every feature (top-ups, tips, subscriptions, payouts, refunds) posts through it, so the
invariants live in one place:

- a transaction's entries sum to zero and none is zero;
- posting is idempotent: the same initiator and key post once (a unique constraint);
- no account that must stay non-negative (wallets, earnings, the system pots but
  `external`) goes below zero, and a debt never above zero. Each account's balance moves
  with one conditional `UPDATE ... SET balance = balance + x WHERE balance + x >= 0`,
  which both SQLite and PostgreSQL apply atomically; on PostgreSQL the rows are first
  locked in `core.locks`' order (ledger accounts last, in primary-key order), so two
  postings that touch the same accounts always lock them in the same order and never
  deadlock.
"""

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, models, transaction
from django.db.models import F, Q, Sum

from accounts.models import User
from core import metrics
from core.locks import rows_lock
from payments.exceptions import InsufficientFunds, WalletInDebt
from payments.models import BOOK_OF_ROLE, LedgerAccount, LedgerEntry, LedgerTransaction
from payments.selectors.wallet import ledger_debt_of

Role = LedgerAccount.Role


class LedgerError(ValueError):
    """A posting that breaks the ledger's rules: a bug in the caller, not bad input."""


@dataclass(frozen=True)
class Posting:
    """The outcome of `ledger_post`: the transaction, and whether this call created it
    (False when the key had been posted before: nothing moved this time)."""

    transaction: LedgerTransaction
    created: bool


# -- accounts ------------------------------------------------------------------------


def ledger_account_for_user(*, user: User, role: str) -> LedgerAccount:
    """`user`'s account of `role` (wallet, earnings or debt), created on first use."""
    if role not in LedgerAccount.USER_ROLES:
        raise LedgerError(f"{role!r} is not a user account role.")
    account, _ = LedgerAccount.objects.get_or_create(owner=user, role=role)
    return account


def ledger_account_system(*, role: str) -> LedgerAccount:
    """The system account of `role`, created on first use."""
    if role not in LedgerAccount.SYSTEM_ROLES:
        raise LedgerError(f"{role!r} is not a system account role.")
    account, _ = LedgerAccount.objects.get_or_create(owner=None, role=role)
    return account


def wallet_assert_can_spend(*, user: User) -> None:
    """Refuse spending (`wallet_in_debt`, 402) while `user` owes coins; the next paid
    top-up settles the debt first."""
    if ledger_debt_of(user=user) > 0:
        raise WalletInDebt()


# -- posting -------------------------------------------------------------------------


def _legs(entries: Iterable[tuple[LedgerAccount, int]]) -> dict[Any, int]:
    """Amounts per account id (an account named twice gets one entry), checked."""
    legs: dict[Any, int] = defaultdict(int)
    count = 0
    for account, amount in entries:
        if isinstance(amount, bool) or not isinstance(amount, int):
            raise LedgerError(f"Amounts are integers of coins, not {amount!r}.")
        if amount == 0:
            raise LedgerError("An entry of zero coins moves nothing.")
        legs[account.pk] += amount
        count += 1
    if count < 2:
        raise LedgerError("A transaction has at least two entries.")
    if sum(legs.values()) != 0:
        raise LedgerError(f"Entries must sum to zero, not {sum(legs.values())}.")
    return {pk: amount for pk, amount in legs.items() if amount != 0}


def _existing(*, initiator: User | None, idempotency_key: str) -> LedgerTransaction:
    if initiator is None:
        return LedgerTransaction.objects.get(
            initiator__isnull=True, idempotency_key=idempotency_key
        )
    return LedgerTransaction.objects.get(initiator=initiator, idempotency_key=idempotency_key)


@transaction.atomic
def ledger_post(
    *,
    kind: str,
    entries: Iterable[tuple[LedgerAccount, int]],
    idempotency_key: str,
    initiator: User | None = None,
    reference: models.Model | None = None,
    description: str = "",
    metadata: Mapping[str, Any] | None = None,
    reverses: LedgerTransaction | None = None,
) -> Posting:
    """Move coins: `entries` are `(account, signed amount)` pairs summing to zero.

    Raises `InsufficientFunds` (nothing is written) when an account that must stay
    non-negative would go below zero, and `LedgerError` for an unbalanced or empty
    posting. When `initiator` (None: the system) already posted `idempotency_key`, the
    earlier transaction is returned with `created=False` and nothing moves.
    """
    legs = _legs(entries)
    if not legs:
        raise LedgerError("Entries that cancel out on every account move nothing.")
    try:
        with transaction.atomic():  # a savepoint: a duplicate key must not spoil the rest
            ledger_transaction = LedgerTransaction.objects.create(
                kind=kind,
                initiator=initiator,
                idempotency_key=idempotency_key,
                reference_type=(
                    ContentType.objects.get_for_model(reference) if reference is not None else None
                ),
                reference_id=reference.pk if reference is not None else None,
                description=description,
                metadata=dict(metadata or {}),
                reverses=reverses,
            )
    except IntegrityError:
        return Posting(
            transaction=_existing(initiator=initiator, idempotency_key=idempotency_key),
            created=False,
        )

    ordered_ids = sorted(legs)
    accounts = {
        account.pk: account
        for account in rows_lock(LedgerAccount.objects.filter(pk__in=ordered_ids))
    }
    if len(accounts) != len(ordered_ids):
        raise LedgerError("Every entry needs an existing account.")
    rows = []
    for pk in ordered_ids:
        amount = legs[pk]
        account = accounts[pk]
        queryset = LedgerAccount.objects.filter(pk=pk)
        if account.role == Role.DEBT:
            queryset = queryset.filter(balance__lte=-amount)
        elif not account.may_go_negative:
            queryset = queryset.filter(balance__gte=-amount)
        if not queryset.update(balance=F("balance") + amount):
            if account.role == Role.DEBT:
                raise LedgerError("A debt cannot be paid back beyond zero.")
            raise InsufficientFunds()
        # The row was read under the lock (PostgreSQL's FOR UPDATE; SQLite's write lock,
        # taken when the transaction began), so nobody moved it since: no re-read.
        account.balance += amount
        balance_after = account.balance
        rows.append(
            LedgerEntry(
                transaction=ledger_transaction,
                account=account,
                owner_id=account.owner_id,
                book=account.book,
                amount=amount,
                balance_after=balance_after,
            )
        )
    LedgerEntry.objects.bulk_create(rows)
    metrics.coins_moved(kind=kind, amounts=list(legs.values()))
    return Posting(transaction=ledger_transaction, created=True)


@transaction.atomic
def ledger_reverse(
    *, original: LedgerTransaction, initiator: User | None, description: str = ""
) -> Posting:
    """Post the exact opposite of `original` (a correction); once per original."""
    # The key is per initiator but a reversal is once per original, whoever asks again.
    earlier = LedgerTransaction.objects.filter(reverses=original).first()
    if earlier is not None:
        return Posting(transaction=earlier, created=False)
    entries = [(entry.account, -entry.amount) for entry in original.entries.all()]
    return ledger_post(
        kind=LedgerTransaction.Kind.REVERSAL,
        entries=entries,
        idempotency_key=f"reversal:{original.pk}",
        initiator=initiator,
        reference=original,
        description=description or f"Reversal of {original.kind}",
        reverses=original,
    )


# -- checking ------------------------------------------------------------------------


@dataclass(frozen=True)
class LedgerProblem:
    what: str  # "balance", "unbalanced_transaction", "misfiled_entry" or "empty_transaction"
    id: str
    expected: int
    found: int


def _book_matches_account() -> Q:
    """An entry's `book` is its account's (`BOOK_OF_ROLE`)."""
    by_book = defaultdict(list)
    for role, book in BOOK_OF_ROLE.items():
        by_book[book].append(role)
    matches = Q()
    for book, roles in by_book.items():
        matches |= Q(book=book, account__role__in=roles)
    return matches


def ledger_verify() -> list[LedgerProblem]:
    """Recompute every cached balance from the entries, check that every transaction
    sums to zero and that every entry is filed under its account's owner and book;
    returns the mismatches (empty when the ledger is sound)."""
    problems = []
    sums = dict(
        LedgerEntry.objects.values("account")
        .annotate(total=Sum("amount"))
        .values_list("account", "total")
    )
    for pk, balance in LedgerAccount.objects.values_list("pk", "balance").iterator():
        expected = sums.get(pk, 0) or 0
        if expected != balance:
            problems.append(LedgerProblem("balance", str(pk), expected, balance))
    unbalanced = (
        LedgerEntry.objects.values("transaction")
        .annotate(total=Sum("amount"))
        .filter(~Q(total=0))
        .values_list("transaction", "total")
    )
    for pk, total in unbalanced:
        problems.append(LedgerProblem("unbalanced_transaction", str(pk), 0, total))
    misfiled = LedgerEntry.objects.exclude(
        _book_matches_account() & Q(owner_id__isnull=False, owner_id=F("account__owner_id"))
    ).exclude(_book_matches_account() & Q(owner_id__isnull=True, account__owner__isnull=True))
    for pk in misfiled.values_list("pk", flat=True):
        problems.append(LedgerProblem("misfiled_entry", str(pk), 0, 0))
    empty = LedgerTransaction.objects.filter(entries__isnull=True).values_list("pk", flat=True)
    for pk in empty:
        problems.append(LedgerProblem("empty_transaction", str(pk), 0, 0))
    return problems
