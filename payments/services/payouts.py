"""Payouts: a creator asks for earnings to be paid out; staff approve or reject.

The coins move in two steps through the ledger: a request takes them from the creator's
`earnings` into the system's `payouts_in_transit`, so they cannot be spent or asked for
twice; approving sends them on to `external` (the money left the platform), rejecting
gives them back to `earnings`. Each step has its own deterministic ledger key, and a
review locks the payout's row first, so a payout is paid or rejected once whoever clicks
twice.
"""

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from notifications.models import NotificationType
from notifications.services import notify
from payments.exceptions import (
    InsufficientEarnings,
    InsufficientFunds,
    NotStaff,
    PayoutBelowMinimum,
    PayoutNotPending,
)
from payments.models import LedgerAccount, LedgerTransaction, Payout
from payments.services.ledger import (
    ledger_account_for_user,
    ledger_account_system,
    ledger_post,
    wallet_assert_can_spend,
)

Role = LedgerAccount.Role


@transaction.atomic
def payout_request(*, creator: User, amount: int) -> Payout:
    """Ask for `amount` coins of `creator`'s earnings to be paid out: a `pending` payout,
    its coins moved from earnings to payouts-in-transit.

    Refused: an amount below `PAYOUT_MINIMUM_COINS` (`payout_below_minimum`, 400), and
    while a refund left `creator` owing coins (`wallet_in_debt`, 402: the platform is
    owed money, so it pays nothing out until a top-up settles the debt), and one above
    the available earnings (`insufficient_earnings`, 402). The ledger's
    conditional update decides the latter, so two requests at once cannot both take
    the same coins; nothing is written when it refuses.
    """
    if amount < settings.PAYOUT_MINIMUM_COINS:
        raise PayoutBelowMinimum(
            f"A payout must be at least {settings.PAYOUT_MINIMUM_COINS} coins."
        )
    wallet_assert_can_spend(user=creator)
    payout = Payout.objects.create(
        creator=creator,
        amount=amount,
        money_amount=amount * settings.COIN_PRICE_MINOR,
        currency=settings.COIN_CURRENCY,
    )
    earnings = ledger_account_for_user(user=creator, role=Role.EARNINGS)
    in_transit = ledger_account_system(role=Role.PAYOUTS_IN_TRANSIT)
    try:
        ledger_post(
            kind=LedgerTransaction.Kind.PAYOUT_REQUEST,
            entries=[(earnings, -amount), (in_transit, amount)],
            idempotency_key=f"payout:{payout.pk}:request",
            initiator=creator,
            reference=payout,
            description="Payout requested",
        )
    except InsufficientFunds:
        raise InsufficientEarnings() from None  # the atomic block drops the payout row
    return payout


def _payout_lock_pending(*, payout: Payout, staff: User) -> Payout:
    """`payout`'s row, locked, after checking that `staff` may review it and that it is
    still pending; the caller runs in a transaction."""
    if not staff.is_staff:
        raise NotStaff()
    locked = Payout.objects.select_for_update().select_related("creator").get(pk=payout.pk)
    if locked.status != Payout.Status.PENDING:
        raise PayoutNotPending()
    return locked


def _payout_review(*, payout: Payout, staff: User, status: str, reason: str = "") -> Payout:
    payout.status = status
    payout.reviewed_by = staff
    payout.reviewed_at = timezone.now()
    payout.reason = reason
    payout.save(update_fields=["status", "reviewed_by", "reviewed_at", "reason", "updated_at"])
    return payout


@transaction.atomic
def payout_approve(*, payout: Payout, staff: User) -> Payout:
    """Mark a pending payout `paid` (staff sent the money): its coins leave
    payouts-in-transit for the external world, and the creator hears `payout_paid`.

    Refused: a reviewer who is not staff (`not_staff`, 403) and a payout that is no
    longer pending (`payout_not_pending`, 409): the row is locked, so approving twice,
    or approving and rejecting at once, moves the coins once.
    """
    payout = _payout_lock_pending(payout=payout, staff=staff)
    ledger_post(
        kind=LedgerTransaction.Kind.PAYOUT_PAID,
        entries=[
            (ledger_account_system(role=Role.PAYOUTS_IN_TRANSIT), -payout.amount),
            (ledger_account_system(role=Role.EXTERNAL), payout.amount),
        ],
        idempotency_key=f"payout:{payout.pk}:paid",
        initiator=staff,
        reference=payout,
        description="Payout paid",
    )
    payout = _payout_review(payout=payout, staff=staff, status=Payout.Status.PAID)
    notify(
        recipient=payout.creator,
        actor=None,
        type=NotificationType.PAYOUT_PAID,
        target=payout,
        data={"coins": payout.amount},
    )
    return payout


@transaction.atomic
def payout_reject(*, payout: Payout, staff: User, reason: str = "") -> Payout:
    """Mark a pending payout `rejected`: its coins go back to the creator's earnings,
    and the creator hears `payout_rejected` (with `reason` on the payout).

    Refused as `payout_approve` is: `not_staff` (403), `payout_not_pending` (409).
    """
    payout = _payout_lock_pending(payout=payout, staff=staff)
    ledger_post(
        kind=LedgerTransaction.Kind.PAYOUT_REJECTED,
        entries=[
            (ledger_account_system(role=Role.PAYOUTS_IN_TRANSIT), -payout.amount),
            (ledger_account_for_user(user=payout.creator, role=Role.EARNINGS), payout.amount),
        ],
        idempotency_key=f"payout:{payout.pk}:rejected",
        initiator=staff,
        reference=payout,
        description="Payout rejected",
    )
    payout = _payout_review(
        payout=payout, staff=staff, status=Payout.Status.REJECTED, reason=reason[:500]
    )
    notify(
        recipient=payout.creator,
        actor=None,
        type=NotificationType.PAYOUT_REJECTED,
        target=payout,
        data={"coins": payout.amount, "reason": payout.reason},
    )
    return payout
