"""Reads of a user's money: wallet and earnings summaries, their statements (ledger
entries with what caused them) and payouts.

Reads never create ledger accounts: a user without one has a balance of zero.
"""

import uuid
from dataclasses import dataclass

from django.contrib.contenttypes.prefetch import GenericPrefetch
from django.db.models import Q, QuerySet, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone
from rest_framework.exceptions import NotFound

from accounts.models import User
from core.access import uuid_or_404
from payments.models import (
    REFERENCE_TYPES,
    LedgerAccount,
    LedgerEntry,
    LedgerTransaction,
    Payout,
    Refund,
    Subscription,
    Tip,
    TopUp,
)

Role = LedgerAccount.Role

# Statements are ordered on the entry's big-integer id: insertion order, and the
# `ledger_entry_account_recent` index (account, -id) serves it.
STATEMENT_ORDERING = ("-id",)
PAYOUT_ORDERING = ("-created_at", "-id")


def ledger_debt_of(*, user: User) -> int:
    """How many coins `user` owes (a refund took back more than their wallet held): 0 or
    more."""
    debt = (
        LedgerAccount.objects.filter(owner=user, role=Role.DEBT)
        .values_list("balance", flat=True)
        .first()
    )
    return -(debt or 0)


@dataclass(frozen=True)
class WalletSummary:
    balance: int
    pending: int
    debt: int


@dataclass(frozen=True)
class EarningsSummary:
    balance: int
    pending_payouts: int
    paid_out: int


def _balance_of(*, user: User, role: str) -> int:
    return (
        LedgerAccount.objects.filter(owner=user, role=role)
        .values_list("balance", flat=True)
        .first()
        or 0
    )


def wallet_summary(*, user: User) -> WalletSummary:
    """`user`'s spendable coins, the coins of their checkouts still open (pending
    top-ups not past `expires_at`), and what they owe."""
    pending = TopUp.objects.filter(
        user=user, status=TopUp.Status.PENDING, expires_at__gt=timezone.now()
    ).aggregate(coins=Coalesce(Sum("coins"), 0))["coins"]
    return WalletSummary(
        balance=_balance_of(user=user, role=Role.WALLET),
        pending=pending,
        debt=ledger_debt_of(user=user),
    )


def earnings_summary(*, user: User) -> EarningsSummary:
    """`user`'s earnings available for payout, and the coins of their pending and paid
    payouts."""
    totals = Payout.objects.filter(creator=user).aggregate(
        pending=Coalesce(Sum("amount", filter=Q(status=Payout.Status.PENDING)), 0),
        paid=Coalesce(Sum("amount", filter=Q(status=Payout.Status.PAID)), 0),
    )
    return EarningsSummary(
        balance=_balance_of(user=user, role=Role.EARNINGS),
        pending_payouts=totals["pending"],
        paid_out=totals["paid"],
    )


def ledger_entry_list_for_user(*, user: User, book: str) -> QuerySet[LedgerEntry]:
    """`user`'s statement of `book` (`LedgerEntry.Book`: the wallet's, with the debt's
    entries, or the earnings'), order by `STATEMENT_ORDERING`: one range of the
    `(owner, book, -id)` index, read in order, so a page costs the same however long
    the user's history or the ledger.

    Each comes with its account and transaction (joined) and the transaction's
    reference (one query per kind of reference, whatever the number of rows), with the
    users a statement names (a tip's sender and recipient, a subscription's subscriber
    and creator) joined, so serializing a page costs a fixed number of queries.
    """
    references = GenericPrefetch(
        "transaction__reference",
        [
            Tip.objects.select_related("sender", "recipient"),
            Subscription.objects.select_related("subscriber", "creator"),
            TopUp.objects.all(),
            Refund.objects.all(),
            Payout.objects.all(),
            LedgerTransaction.objects.all(),  # a reversal refers to what it undoes
        ],
    )
    return (
        LedgerEntry.objects.filter(owner=user, book=book)
        .select_related("account", "transaction")
        .prefetch_related(references)
    )


def payout_list_for_creator(*, user: User) -> QuerySet[Payout]:
    """`user`'s payouts, order by `PAYOUT_ORDERING`."""
    return Payout.objects.filter(creator=user)


def payout_get_for_creator(*, user: User, payout_id: str) -> Payout:
    """`user`'s payout `payout_id`; 404 when there is no such payout of theirs
    (someone else's included: staff review payouts in the admin)."""
    payout = payout_list_for_creator(user=user).filter(pk=uuid_or_404(payout_id)).first()
    if payout is None:
        raise NotFound()
    return payout


def ledger_entry_reference(entry: LedgerEntry) -> tuple[str, uuid.UUID] | None:
    """`(type, id)` of what caused `entry`'s transaction (prefetched), or None."""
    reference = entry.transaction.reference
    if reference is None:
        return None
    return REFERENCE_TYPES.get(type(reference), type(reference)._meta.model_name), reference.pk


def ledger_entry_counterparty(entry: LedgerEntry) -> User | None:
    """The other user of `entry`'s movement, seen from the entry's account owner: a
    tip's other side, a subscription's creator (for the subscriber) or subscriber (for
    the creator); None for movements with the outside world (top-ups, refunds,
    payouts) and the system."""
    reference = entry.transaction.reference
    owner_id = entry.account.owner_id
    if isinstance(reference, Tip):
        return reference.recipient if reference.sender_id == owner_id else reference.sender
    if isinstance(reference, Subscription):
        if reference.subscriber_id == owner_id:
            return reference.creator
        return reference.subscriber
    return None
