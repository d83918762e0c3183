"""The ledger's one writer: `ledger_post` records a balanced movement of coins.

Every feature (top-ups, tips, subscriptions, payouts, refunds) posts through it, so the
invariants live in one place:

- a transaction's entries sum to zero and none is zero;
- posting is idempotent: the same initiator and key post once (a unique constraint);
- no account that must stay non-negative (wallets, earnings, the system pots but
  `external`) goes below zero, and a debt never above zero.

A posting costs three statements whatever the number of its accounts: the transaction's
insert, one `UPDATE` of every balance, conditional per account (`balance + x >= 0`),
which both SQLite and PostgreSQL apply atomically, and one insert of the entries,
which read their account and running balance from the rows just updated. The `UPDATE`
first locks its rows in primary-key order (a `SELECT ... FOR UPDATE ORDER BY id` inside
it, which PostgreSQL honours; SQLite's write lock, taken when the transaction began,
covers it), as `core.locks` orders ledger accounts, so two postings that touch the same
accounts never deadlock. Accounts are named by `AccountKey` (owner, role, shard) and
need not be read beforehand; one missing (a first tip to a creator, a shard's first
fee) makes the `UPDATE` move fewer rows than named: the attempt is then rolled back,
releasing its locks, the missing accounts are created while no account is locked,
then all of them are locked at once (primary-key order again) and read to tell why (a
refusal), and the posting runs again. Creating an account under another's lock would
wait for an insert, or lock a row out of order, while holding it: a cycle.
"""

import functools
import operator
import uuid
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, models, transaction
from django.db.models import BigIntegerField, Case, Exists, F, Q, Subquery, Sum, Value, When

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


@dataclass(frozen=True)
class AccountKey:
    """A ledger account named by what makes it unique (its owner, or None for the
    system's; its role; its shard), whether or not it exists yet: `ledger_post` finds
    it, or creates it on first use, in the statements it makes anyway."""

    role: str
    owner_id: Any = None
    shard: int = 0

    @classmethod
    def of(cls, account: LedgerAccount) -> "AccountKey":
        return cls(role=account.role, owner_id=account.owner_id, shard=account.shard)

    def matches(self) -> Q:
        """The condition on `LedgerAccount` rows that selects this account."""
        if self.owner_id is None:
            return Q(owner__isnull=True, role=self.role, shard=self.shard)
        return Q(owner_id=self.owner_id, role=self.role)

    @property
    def may_go_negative(self) -> bool:
        return self.role in (Role.EXTERNAL, Role.DEBT)


def ledger_key_for_user(*, user: User, role: str) -> AccountKey:
    """`user`'s account of `role` (wallet, earnings, debt or advertising), by name."""
    if role not in LedgerAccount.USER_ROLES:
        raise LedgerError(f"{role!r} is not a user account role.")
    return AccountKey(role=role, owner_id=user.pk)


def ledger_key_system(*, role: str, shard: int = 0) -> AccountKey:
    """The system account of `role` (of the platform revenue: shard `shard`), by name."""
    if role not in LedgerAccount.SYSTEM_ROLES:
        raise LedgerError(f"{role!r} is not a system account role.")
    if shard and role != Role.PLATFORM_REVENUE:
        raise LedgerError(f"Only the platform revenue has shards, not {role!r}.")
    if not 0 <= shard < max(settings.PLATFORM_REVENUE_SHARDS, 1):
        raise LedgerError(f"No platform revenue shard {shard!r}.")
    return AccountKey(role=role, shard=shard)


def platform_revenue_shard(*, spread_by: uuid.UUID) -> int:
    """The platform-revenue shard for payments about `spread_by` (a creator's id, a
    campaign's): ids are random, so different creators mostly fall on different shards
    and their payments need not wait for each other's."""
    return spread_by.int % settings.PLATFORM_REVENUE_SHARDS


def platform_revenue_key(*, spread_by: uuid.UUID) -> AccountKey:
    """The platform-revenue account that fees about `spread_by` accrue to."""
    return ledger_key_system(
        role=Role.PLATFORM_REVENUE, shard=platform_revenue_shard(spread_by=spread_by)
    )


def ledger_account_for_user(*, user: User, role: str) -> LedgerAccount:
    """`user`'s account of `role` (wallet, earnings or debt), created on first use."""
    key = ledger_key_for_user(user=user, role=role)
    account, _ = LedgerAccount.objects.get_or_create(owner=user, role=key.role)
    return account


def ledger_account_system(*, role: str, shard: int = 0) -> LedgerAccount:
    """The system account of `role` (of the platform revenue: shard `shard`), created
    on first use."""
    key = ledger_key_system(role=role, shard=shard)
    account, _ = LedgerAccount.objects.get_or_create(owner=None, role=key.role, shard=key.shard)
    return account


def wallet_assert_can_spend(*, user: User) -> None:
    """Refuse spending (`wallet_in_debt`, 402) while `user` owes coins; the next paid
    top-up settles the debt first."""
    if ledger_debt_of(user=user) > 0:
        raise WalletInDebt()


# -- posting -------------------------------------------------------------------------


def _legs(entries: Iterable[tuple[LedgerAccount | AccountKey, int]]) -> dict[AccountKey, int]:
    """Amounts per account (an account named twice gets one entry), checked."""
    legs: dict[AccountKey, int] = defaultdict(int)
    count = 0
    for account, amount in entries:
        if isinstance(amount, bool) or not isinstance(amount, int):
            raise LedgerError(f"Amounts are integers of coins, not {amount!r}.")
        if amount == 0:
            raise LedgerError("An entry of zero coins moves nothing.")
        if isinstance(account, LedgerAccount):
            if account.pk is None:
                raise LedgerError("Every entry needs an existing account.")
            account = AccountKey.of(account)
        legs[account] += amount
        count += 1
    if count < 2:
        raise LedgerError("A transaction has at least two entries.")
    if sum(legs.values()) != 0:
        raise LedgerError(f"Entries must sum to zero, not {sum(legs.values())}.")
    return {key: amount for key, amount in legs.items() if amount != 0}


def _any_of(conditions: Iterable[Q]) -> Q:
    return functools.reduce(operator.or_, conditions)


def _allowed(key: AccountKey, amount: int) -> Q:
    """`key`'s row, if its balance may move by `amount`."""
    if key.role == Role.DEBT:
        return key.matches() & Q(balance__lte=-amount)
    if key.may_go_negative:
        return key.matches()
    return key.matches() & Q(balance__gte=-amount)


def _in_debt(spender: User) -> Exists:
    return Exists(LedgerAccount.objects.filter(owner=spender, role=Role.DEBT, balance__lt=0))


class _KeyPosted(Exception):
    """The idempotency key was posted before (the transaction's insert hit the
    constraint)."""


class _NotMoved(Exception):
    """The balances' update moved fewer accounts than the posting names."""


def _post_once(
    *,
    legs: dict[AccountKey, int],
    spender: User | None,
    kind: str,
    **fields: Any,
) -> LedgerTransaction:
    """Insert the transaction, move the balances, insert the entries: three statements.
    Raises `_KeyPosted` or `_NotMoved`; the caller rolls the attempt back."""
    try:
        ledger_transaction = LedgerTransaction.objects.create(kind=kind, **fields)
    except IntegrityError as error:
        raise _KeyPosted() from error

    # Locked in primary-key order first (core.locks), then moved, each only if its
    # balance may take it.
    locked = LedgerAccount.objects.filter(_any_of(key.matches() for key in legs))
    allowed = _any_of(_allowed(key, amount) for key, amount in legs.items())
    moving = LedgerAccount.objects.filter(
        allowed, pk__in=locked.order_by("pk").select_for_update().values("pk")
    )
    if spender is not None:
        moving = moving.exclude(_in_debt(spender))
    moved = moving.update(
        balance=F("balance")
        + Case(
            *(When(key.matches(), then=Value(amount)) for key, amount in legs.items()),
            output_field=BigIntegerField(),
        )
    )
    if moved != len(legs):
        raise _NotMoved()

    rows = []
    for key, amount in legs.items():
        account = LedgerAccount.objects.filter(key.matches())
        rows.append(
            LedgerEntry(
                transaction=ledger_transaction,
                # Read from the rows just moved (and locked): their running balance.
                account_id=Subquery(account.values("pk")[:1]),
                owner_id=key.owner_id,
                book=BOOK_OF_ROLE[key.role],
                amount=amount,
                balance_after=Subquery(account.values("balance")[:1]),
            )
        )
    LedgerEntry.objects.bulk_create(rows)
    metrics.coins_moved(kind=kind, amounts=list(legs.values()))
    return ledger_transaction


def _key_order(key: AccountKey) -> tuple:
    return (key.role, str(key.owner_id or ""), key.shard)


def _accounts_create(keys: Iterable[AccountKey]) -> None:
    """Create those of `keys`' accounts that do not exist yet (a plain read, then one
    insert that skips a row another transaction inserted meanwhile).

    Called holding no lock on ledger accounts (the posting's attempt was rolled back;
    a caller that locked accounts beforehand locked them all, and they exist), so no
    lock on them is ever held while waiting here. The insert waits only for a
    transaction that inserted one of these accounts and has not committed, or that
    moves one committed since the read: inserters insert in one order everywhere
    (`_key_order`), so they wait for each other in turn, and a transaction holding
    account locks never waits for a row inserted here (its statements do not see a row
    not committed yet)."""
    keys = list(keys)
    if not keys:
        return
    existing = {
        AccountKey(role=role, owner_id=owner_id, shard=shard)
        for owner_id, role, shard in LedgerAccount.objects.filter(
            _any_of(key.matches() for key in keys)
        ).values_list("owner_id", "role", "shard")
    }
    missing = sorted((key for key in keys if key not in existing), key=_key_order)
    LedgerAccount.objects.bulk_create(
        [LedgerAccount(owner_id=key.owner_id, role=key.role, shard=key.shard) for key in missing],
        ignore_conflicts=True,
    )


def _refusal(key: AccountKey, amount: int, balance: int) -> Exception | None:
    """Why `key`'s account, holding `balance`, may not move by `amount` (None: it may)."""
    after = balance + amount
    if key.role == Role.DEBT and after > 0:
        return LedgerError("A debt cannot be paid back beyond zero.")
    if not key.may_go_negative and after < 0:
        return InsufficientFunds()
    return None


class _Refused(Exception):
    """The locked balances refuse the posting (`refusal`, raised to the caller)."""

    def __init__(self, refusal: Exception):
        self.refusal = refusal


def _not_moved_why(*, legs: dict[AccountKey, int], spender: User | None) -> Exception | None:
    """After an attempt that moved too few accounts (rolled back, so this posting holds
    no lock on them): create the missing accounts, then lock every account (and the
    spender's debt) in one statement, in primary-key order as the posting does, and
    read them. Returns the refusal, the accounts created rolled back with it; or None:
    post again, which under these locks moves."""
    keys = list(legs)
    if spender is not None:
        keys.append(AccountKey(role=Role.DEBT, owner_id=spender.pk))
    try:
        with transaction.atomic():  # a savepoint, for a refusal to leave nothing behind
            _accounts_create(legs)
            accounts = rows_lock(
                LedgerAccount.objects.filter(_any_of(key.matches() for key in keys))
            )
            balances = {AccountKey.of(account): account.balance for account in accounts}
            if spender is not None and balances.get(keys[-1], 0) < 0:
                raise _Refused(WalletInDebt())
            for key, amount in legs.items():
                refusal = _refusal(key, amount, balances.get(key, 0))
                if refusal is not None:
                    raise _Refused(refusal)
    except _Refused as refused:
        return refused.refusal
    return None


def _existing(*, initiator: User | None, idempotency_key: str) -> LedgerTransaction:
    if initiator is None:
        return LedgerTransaction.objects.get(
            initiator__isnull=True, idempotency_key=idempotency_key
        )
    return LedgerTransaction.objects.get(initiator=initiator, idempotency_key=idempotency_key)


def ledger_post(
    *,
    kind: str,
    entries: Iterable[tuple[LedgerAccount | AccountKey, int]],
    idempotency_key: str,
    initiator: User | None = None,
    reference: models.Model | None = None,
    description: str = "",
    metadata: Mapping[str, Any] | None = None,
    reverses: LedgerTransaction | None = None,
    spender: User | None = None,
) -> Posting:
    """Move coins: `entries` are `(account, signed amount)` pairs summing to zero, each
    account a `LedgerAccount` or an `AccountKey` (created on first use). Atomic.

    Raises `InsufficientFunds` when an account that must stay non-negative would go
    below zero, `WalletInDebt` when `spender` (the user whose wallet pays, if any) owes
    coins, and `LedgerError` for an unbalanced or empty posting; nothing is written
    then. When `initiator` (None: the system) already posted `idempotency_key`, the
    earlier transaction is returned with `created=False` and nothing moves. Locks the
    accounts until the surrounding transaction commits (`core.locks`: last).
    """
    legs = _legs(entries)
    if not legs:
        raise LedgerError("Entries that cancel out on every account move nothing.")
    fields = {
        "initiator": initiator,
        "idempotency_key": idempotency_key,
        "reference_type": (
            ContentType.objects.get_for_model(reference) if reference is not None else None
        ),
        "reference_id": reference.pk if reference is not None else None,
        "description": description,
        "metadata": dict(metadata or {}),
        "reverses": reverses,
    }
    # Without a savepoint of its own: a refusal leaves this block before it is raised,
    # so a caller that catches it may go on with its transaction.
    with transaction.atomic(savepoint=False):
        outcome = _post(legs=legs, spender=spender, kind=kind, fields=fields)
    if isinstance(outcome, Exception):
        raise outcome
    return outcome


def _post(
    *, legs: dict[AccountKey, int], spender: User | None, kind: str, fields: dict
) -> Posting | Exception:
    for _ in range(2):
        try:
            with transaction.atomic():  # a savepoint: a failed attempt leaves nothing
                return Posting(
                    transaction=_post_once(legs=legs, spender=spender, kind=kind, **fields),
                    created=True,
                )
        except _KeyPosted:
            return Posting(
                transaction=_existing(
                    initiator=fields["initiator"], idempotency_key=fields["idempotency_key"]
                ),
                created=False,
            )
        except _NotMoved:
            refusal = _not_moved_why(legs=legs, spender=spender)
            if refusal is not None:
                return refusal
    return LedgerError("The accounts were locked and checked, yet the posting did not move.")


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
