"""Advertisers: becoming one, editing, moving coins in and out, and staff's suspension.

Coins: the advertiser's ledger account (role `advertising`) holds its coins; each
movement is a balanced ledger transaction. `spendable_micro` follows it, minus the
spend reserved by impressions and clicks and not settled yet, and is changed with
conditional updates only. Lock order, shared with serving and settlement: a campaign,
then its advertiser's row, then ledger accounts (`ledger_post`, last).
"""

import uuid

from django.db import IntegrityError, transaction
from django.db.models import F

from accounts.models import User
from accounts.selectors import user_can_act
from ads.exceptions import (
    REASON_REQUIRED,
    AdvertiserBalanceInsufficient,
    AdvertiserExists,
    AdvertiserOwnerRestricted,
    AdvertiserSuspended,
)
from ads.models import MICROS_PER_COIN, Advertiser
from ads.serving_cache import serving_snapshot_invalidate
from payments.models import LedgerAccount, LedgerTransaction
from payments.services.ledger import (
    ledger_account_for_user,
    ledger_post,
    wallet_assert_can_spend,
)

Role = LedgerAccount.Role


def advertiser_create(*, owner: User, name: str) -> Advertiser:
    """`owner` becomes an advertiser (one per user: `advertiser_exists`, 409; only users
    who may act: `advertiser_owner_restricted`, 403)."""
    if not user_can_act(owner):
        raise AdvertiserOwnerRestricted()
    try:
        with transaction.atomic():
            return Advertiser.objects.create(owner=owner, name=name)
    except IntegrityError:  # the one-to-one owner: a second one, maybe concurrent
        raise AdvertiserExists() from None


def advertiser_update(*, advertiser: Advertiser, name: str | None = None) -> Advertiser:
    """Rename the advertiser."""
    if name is not None and name != advertiser.name:
        advertiser.name = name
        advertiser.save(update_fields=["name", "updated_at"])
    return advertiser


def _ledger_key(kind: str, advertiser: Advertiser) -> str:
    # Each call moves coins once; a retried request is recognised by its
    # Idempotency-Key (payments.idempotency) before it reaches here.
    return f"{kind}:{advertiser.pk}:{uuid.uuid4()}"


@transaction.atomic
def advertiser_fund(*, advertiser: Advertiser, amount: int) -> Advertiser:
    """Move `amount` coins from the owner's wallet to the advertiser's account (ledger
    `ad_fund`) and make them spendable, exactly and atomically.

    Refused: `advertiser_suspended` (403); `wallet_in_debt` and `insufficient_funds`
    (402), decided by the ledger's conditional update. Locks the advertiser's row, then
    the ledger accounts, until commit."""
    micro = amount * MICROS_PER_COIN
    if not Advertiser.objects.filter(pk=advertiser.pk, status=Advertiser.Status.ACTIVE).update(
        spendable_micro=F("spendable_micro") + micro
    ):
        raise AdvertiserSuspended()
    owner = advertiser.owner
    wallet_assert_can_spend(user=owner)
    ledger_post(
        kind=LedgerTransaction.Kind.AD_FUND,
        entries=[
            (ledger_account_for_user(user=owner, role=Role.WALLET), -amount),
            (ledger_account_for_user(user=owner, role=Role.ADVERTISING), amount),
        ],
        idempotency_key=_ledger_key("ad-fund", advertiser),
        initiator=owner,
        reference=advertiser,
        description=f"Advertising funds for {advertiser.name}",
    )
    serving_snapshot_invalidate()  # an exhausted balance may serve again
    advertiser.refresh_from_db(fields=["spendable_micro", "status"])
    return advertiser


@transaction.atomic
def advertiser_withdraw(*, advertiser: Advertiser, amount: int) -> Advertiser:
    """Move `amount` of the advertiser's spendable coins back to the owner's wallet
    (ledger `ad_withdraw`), exactly and atomically; a suspended advertiser may too.

    Refused: `advertiser_balance_insufficient` (402) when fewer than `amount` coins are
    spendable, decided by one conditional update (never by a balance read first).
    Locks the advertiser's row, then the ledger accounts, until commit."""
    micro = amount * MICROS_PER_COIN
    if not Advertiser.objects.filter(pk=advertiser.pk, spendable_micro__gte=micro).update(
        spendable_micro=F("spendable_micro") - micro
    ):
        raise AdvertiserBalanceInsufficient()
    owner = advertiser.owner
    # The advertising account holds at least the spendable coins (reserved spend is
    # settled from it later), so the ledger cannot refuse this.
    ledger_post(
        kind=LedgerTransaction.Kind.AD_WITHDRAW,
        entries=[
            (ledger_account_for_user(user=owner, role=Role.ADVERTISING), -amount),
            (ledger_account_for_user(user=owner, role=Role.WALLET), amount),
        ],
        idempotency_key=_ledger_key("ad-withdraw", advertiser),
        initiator=owner,
        reference=advertiser,
        description=f"Advertising funds withdrawn from {advertiser.name}",
    )
    serving_snapshot_invalidate()
    advertiser.refresh_from_db(fields=["spendable_micro", "status"])
    return advertiser


def _reason_check(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise REASON_REQUIRED.error()
    return reason


@transaction.atomic
def advertiser_suspend(*, advertiser: Advertiser, staff: User, reason: str) -> Advertiser:
    """Staff suspend the advertiser, saying why: its campaigns stop serving at once; it
    may still withdraw its coins. Suspending again updates the reason."""
    advertiser.status = Advertiser.Status.SUSPENDED
    advertiser.suspended_reason = _reason_check(reason)
    advertiser.save(update_fields=["status", "suspended_reason", "updated_at"])
    serving_snapshot_invalidate()
    return advertiser


@transaction.atomic
def advertiser_reinstate(*, advertiser: Advertiser, staff: User) -> Advertiser:
    """Staff lift the suspension: its active campaigns serve again."""
    advertiser.status = Advertiser.Status.ACTIVE
    advertiser.suspended_reason = ""
    advertiser.save(update_fields=["status", "suspended_reason", "updated_at"])
    serving_snapshot_invalidate()
    return advertiser
