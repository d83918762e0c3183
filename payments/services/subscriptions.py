"""Creator tiers and subscriptions: subscribing, cancelling and the monthly renewals.

Periods are counted from the subscription's `anchor` (when it began): period `n` runs
from `anchor + n months` to `anchor + (n + 1) months` (`dateutil.relativedelta`, so a
subscription begun on January 31 renews on February 28 (29), then March 31: no drift).
Each period is charged once: its ledger key is `subscription:<id>:period:<n>`. Charges
split like tips (`payments.services.tips.platform_fee`). A tier's price may change;
subscriptions keep the price they were taken at (`Subscription.price`).

Renewals (`subscriptions_renew`, run by Celery beat and `manage.py renew_subscriptions`)
charge at most ONE period per subscription per run. A subscription overdue by several
periods (the job did not run for months) is caught up one period per run, each charged
at its own key, until its current period ends in the future; a run is quick and its
work bounded, and the subscriber pays for each period they had access in, once.

A block between a subscriber and a creator, either way, ends their live subscriptions
at once (`subscriptions_end_for_block`, which `social` calls through
`core.subscriptions` inside the block's transaction) and refunds the unused part of the
paid period.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from rest_framework.exceptions import NotFound

from accounts.models import User
from core.locks import rows_lock
from notifications.models import NotificationType
from notifications.services import notify
from payments.exceptions import (
    AlreadySubscribed,
    CannotSubscribeSelf,
    InsufficientFunds,
    NotACreator,
    SubscriptionEnded,
    TierNameTaken,
    TierUnavailable,
    WalletInDebt,
)
from payments.models import CreatorTier, LedgerAccount, LedgerTransaction, Subscription
from payments.selectors.recipients import user_is_reachable
from payments.selectors.wallet import ledger_debt_of
from payments.services.ledger import (
    ledger_account_for_user,
    ledger_account_system,
    ledger_post,
    platform_revenue_shard,
)
from payments.services.tips import creator_payment_entries

Status = Subscription.Status
Role = LedgerAccount.Role

# -- tiers ---------------------------------------------------------------------------


@transaction.atomic
def tier_create(
    *, creator: User, name: str, price: int, perks: list[str] | None = None, active: bool = True
) -> CreatorTier:
    """A new tier of `creator`'s: 403 `not_a_creator` without the `creator` role (admins
    grant it), `tier_name_taken` when they have one of that name."""
    if creator.role != User.Role.CREATOR:
        raise NotACreator()
    if CreatorTier.objects.filter(creator=creator, name=name).exists():
        raise TierNameTaken()
    try:
        with transaction.atomic():
            return CreatorTier.objects.create(
                creator=creator, name=name, price=price, perks=list(perks or []), active=active
            )
    except IntegrityError as error:  # a concurrent request took the name
        raise TierNameTaken() from error


TIER_FIELDS = ("name", "price", "perks", "active")


@transaction.atomic
def tier_update(*, tier: CreatorTier, **changes) -> CreatorTier:
    """Change `tier`'s `name`, `price`, `perks` or `active`. A new price is for new
    subscribers: existing subscriptions keep theirs. Deactivating takes no new
    subscribers and leaves the existing ones be. `tier_name_taken` for a name another
    of the creator's tiers has."""
    unknown = set(changes) - set(TIER_FIELDS)
    if unknown:
        raise TypeError(f"Unknown tier fields: {sorted(unknown)}")
    name = changes.get("name")
    if (
        name is not None
        and CreatorTier.objects.filter(creator_id=tier.creator_id, name=name)
        .exclude(pk=tier.pk)
        .exists()
    ):
        raise TierNameTaken()
    for field, value in changes.items():
        setattr(tier, field, list(value) if field == "perks" else value)
    if changes:
        try:
            with transaction.atomic():
                tier.save(update_fields=[*changes, "updated_at"])
        except IntegrityError as error:
            raise TierNameTaken() from error
    return tier


# -- periods -------------------------------------------------------------------------


def subscription_period_bounds(*, anchor: datetime, index: int) -> tuple[datetime, datetime]:
    """Start and end of period `index` of a subscription anchored at `anchor`."""
    return anchor + relativedelta(months=index), anchor + relativedelta(months=index + 1)


def _charge(*, subscription: Subscription, index: int, initiator: User | None) -> None:
    """Charge period `index` of `subscription` (once: the key names the period).
    Raises `wallet_in_debt` or `insufficient_funds` with nothing written (decided by
    the ledger's conditional update)."""
    ledger_post(
        kind=LedgerTransaction.Kind.SUBSCRIPTION_CHARGE,
        entries=creator_payment_entries(
            payer=subscription.subscriber, creator=subscription.creator, amount=subscription.price
        ),
        idempotency_key=f"subscription:{subscription.pk}:period:{index}",
        initiator=initiator,
        reference=subscription,
        description=f"Subscription to {subscription.creator.username}, period {index}",
        metadata={"period": index},
        spender=subscription.subscriber,
    )


def _period_set(subscription: Subscription, index: int) -> None:
    subscription.period_index = index
    subscription.current_period_start, subscription.current_period_end = subscription_period_bounds(
        anchor=subscription.anchor, index=index
    )


# -- subscribing and cancelling ------------------------------------------------------


@transaction.atomic
def subscription_create(
    *, subscriber: User, tier: CreatorTier, now: datetime | None = None
) -> Subscription:
    """`subscriber` subscribes to `tier`, paying its first month now.

    Refused, in this order: 404 `not_found` when the tier's creator may not sign in or
    a block stands between the two; `tier_unavailable` (an inactive tier);
    `cannot_subscribe_self`; `already_subscribed` (409) while a live (active or past
    due) subscription to the creator exists, also under a race (the partial unique
    constraint `subscription_unique_live`); `wallet_in_debt`, `insufficient_funds`
    (402). The subscription and its first charge (key
    `subscription:<id>:period:0`) are written together; the creator hears
    `new_subscriber`.
    """
    creator = tier.creator
    if not user_is_reachable(user=creator, viewer=subscriber):
        raise NotFound()
    if not tier.active:
        raise TierUnavailable()
    if creator.pk == subscriber.pk:
        raise CannotSubscribeSelf()
    live = Subscription.objects.filter(
        subscriber=subscriber, creator=creator, status__in=Subscription.LIVE_STATUSES
    )
    if live.exists():
        raise AlreadySubscribed()

    anchor = now or timezone.now()
    start, end = subscription_period_bounds(anchor=anchor, index=0)
    try:
        with transaction.atomic():
            subscription = Subscription.objects.create(
                subscriber=subscriber,
                creator=creator,
                tier=tier,
                price=tier.price,
                status=Status.ACTIVE,
                anchor=anchor,
                period_index=0,
                current_period_start=start,
                current_period_end=end,
            )
    except IntegrityError as error:  # a concurrent subscription to the creator won
        raise AlreadySubscribed() from error
    _charge(subscription=subscription, index=0, initiator=subscriber)
    notify(
        recipient=creator,
        actor=subscriber,
        type=NotificationType.NEW_SUBSCRIBER,
        target=subscription,
        data={"tier": tier.name},
    )
    return subscription


def subscription_create_or_get(
    *, subscriber: User, tier: CreatorTier, now: datetime | None = None
) -> tuple[Subscription, bool]:
    """`subscription_create`, where subscribing again to the tier of one's live
    subscription is no error: that subscription is returned, as it is, with nothing
    charged (also when a concurrent request made it). Returns the subscription and
    whether it is new. A live subscription to another of the creator's tiers is still
    `already_subscribed`."""
    try:
        return subscription_create(subscriber=subscriber, tier=tier, now=now), True
    except AlreadySubscribed:
        live = Subscription.objects.filter(
            subscriber=subscriber, tier=tier, status__in=Subscription.LIVE_STATUSES
        ).first()
        if live is None:
            raise
        return live, False


@transaction.atomic
def subscription_cancel(
    *, subscription: Subscription, user: User, now: datetime | None = None
) -> Subscription:
    """`user` (the subscriber) cancels `subscription`.

    An active one runs to the end of its paid period (`cancel_at_period_end`; access
    stays until the renewal run ends it); cancelling it again changes nothing. A past
    due one (nothing paid for the running period) ends at once. One that already ended
    (canceled, expired) answers `subscription_ended` (409). 404 for anyone but the
    subscriber. Locks the subscription's row.
    """
    now = now or timezone.now()
    subscription = (
        Subscription.objects.select_for_update().filter(pk=subscription.pk, subscriber=user).first()
    )
    if subscription is None:
        raise NotFound()
    if subscription.status == Status.ACTIVE:
        if not subscription.cancel_at_period_end:
            subscription.cancel_at_period_end = True
            subscription.canceled_at = now
            subscription.save(update_fields=["cancel_at_period_end", "canceled_at", "updated_at"])
    elif subscription.status == Status.PAST_DUE:
        subscription.status = Status.CANCELED
        subscription.canceled_at = now
        subscription.ended_at = now
        subscription.save(update_fields=["status", "canceled_at", "ended_at", "updated_at"])
    else:
        raise SubscriptionEnded()
    return subscription


# -- renewals ------------------------------------------------------------------------


# A subscriber in one of these states is not charged again: their subscriptions end.
SUBSCRIBER_GONE_STATUSES = (
    User.Status.DELETED,
    User.Status.DEACTIVATED,
    User.Status.BANNED,
)


@dataclass
class RenewalSummary:
    """What one run of `subscriptions_renew` did."""

    renewed: int = 0
    past_due: int = 0
    expired: int = 0
    canceled: int = 0

    def __str__(self) -> str:
        return (
            f"{self.renewed} renewed, {self.past_due} past due, {self.expired} expired, "
            f"{self.canceled} canceled"
        )


def _end(subscription: Subscription, *, status: str, now: datetime) -> None:
    subscription.status = status
    subscription.ended_at = now
    subscription.save(update_fields=["status", "ended_at", "updated_at"])


def _notify_subscriber(subscription: Subscription, type: str) -> None:
    notify(
        recipient=subscription.subscriber,
        actor=subscription.creator,
        type=type,
        target=subscription,
        data={"creator": subscription.creator.username},
    )


@transaction.atomic
def subscription_renew(*, subscription_id, now: datetime) -> str | None:
    """Bring one subscription up to date at `now`, under a lock on its row; returns
    what happened (`renewed`, `past_due`, `expired`, `canceled`) or None (nothing due:
    another run got there first).

    - active, period ended, `cancel_at_period_end`: canceled.
    - active, period ended, or past due: charge the next period. Paid: active, the
      period advances (from the anchor), the subscriber hears `subscription_renewed`.
      Not paid (no funds, or in debt): past due since the end of the paid period (the
      subscriber hears `subscription_past_due` once), retried every run; past due for
      longer than `SUBSCRIPTION_GRACE_DAYS`: expired (`subscription_expired`).
    - a subscription whose creator the subscriber may no longer reach (a block either
      way, or the creator may not sign in), or whose subscriber left (deleted,
      deactivated or banned; a suspension is temporary and changes nothing), is
      canceled, never charged.
    """
    subscription = (
        Subscription.objects.select_for_update(of=("self",))
        .select_related("subscriber", "creator")
        .filter(pk=subscription_id)
        .first()
    )
    if subscription is None:
        return None
    if subscription.status == Status.ACTIVE:
        if subscription.current_period_end > now:
            return None
        if subscription.cancel_at_period_end:
            _end(subscription, status=Status.CANCELED, now=now)
            return "canceled"
    elif subscription.status != Status.PAST_DUE:
        return None
    if subscription.subscriber.status in SUBSCRIBER_GONE_STATUSES or not user_is_reachable(
        user=subscription.creator, viewer=subscription.subscriber
    ):
        subscription.canceled_at = subscription.canceled_at or now
        subscription.save(update_fields=["canceled_at", "updated_at"])
        _end(subscription, status=Status.CANCELED, now=now)
        return "canceled"

    index = subscription.period_index + 1
    try:
        with transaction.atomic():
            _charge(subscription=subscription, index=index, initiator=None)
    except (InsufficientFunds, WalletInDebt):
        if subscription.status == Status.ACTIVE:
            subscription.status = Status.PAST_DUE
            subscription.past_due_since = subscription.current_period_end
            subscription.save(update_fields=["status", "past_due_since", "updated_at"])
            _notify_subscriber(subscription, NotificationType.SUBSCRIPTION_PAST_DUE)
            return "past_due"
        past_due_since = subscription.past_due_since or subscription.current_period_end
        grace_end = past_due_since + relativedelta(days=settings.SUBSCRIPTION_GRACE_DAYS)
        if now >= grace_end:
            _end(subscription, status=Status.EXPIRED, now=now)
            _notify_subscriber(subscription, NotificationType.SUBSCRIPTION_EXPIRED)
            return "expired"
        return None  # still within the grace period: retried next run
    _period_set(subscription, index)
    subscription.status = Status.ACTIVE
    subscription.past_due_since = None
    subscription.save(
        update_fields=[
            "status",
            "past_due_since",
            "period_index",
            "current_period_start",
            "current_period_end",
            "updated_at",
        ]
    )
    _notify_subscriber(subscription, NotificationType.SUBSCRIPTION_RENEWED)
    return "renewed"


def subscriptions_renew(*, now: datetime | None = None) -> RenewalSummary:
    """Renew every subscription due at `now` (default: the current time): active ones
    whose period ended, and past due ones (see `subscription_renew`). Each is handled
    in its own transaction under a lock on its row, re-checked there, so the run is
    safe to repeat and to run concurrently: a period is charged once."""
    now = now or timezone.now()
    summary = RenewalSummary()
    due = Subscription.objects.filter(
        status=Status.ACTIVE, current_period_end__lte=now
    ).values_list("pk", flat=True)
    past_due = Subscription.objects.filter(status=Status.PAST_DUE).values_list("pk", flat=True)
    for subscription_id in [*due.order_by("current_period_end", "pk"), *past_due.order_by("pk")]:
        outcome = subscription_renew(subscription_id=subscription_id, now=now)
        if outcome is not None:
            setattr(summary, outcome, getattr(summary, outcome) + 1)
    return summary


# -- ending on a block ---------------------------------------------------------------


@dataclass(frozen=True)
class BlockRefund:
    """What ending a subscription on a block gave back: `coins` to the subscriber, of
    which `fee` came from platform revenue and `net` from the creator (`debt_coins` of
    it as a debt, when their earnings no longer held it)."""

    coins: int = 0
    fee: int = 0
    net: int = 0
    debt_coins: int = 0


def subscription_refund_unused(
    *, paid: int, fee: int, start: datetime, end: datetime, now: datetime
) -> tuple[int, int]:
    """The coins to give back of a period paid `paid` (of which `fee` was the
    platform's) from `start` to `end`, ended at `now`: `(coins, fee back)`.

    Pro rata to the microsecond, in whole coins rounded up: the subscriber's favour
    (an unused sliver of a coin is theirs). The platform gives back the same share of
    its fee, rounded down, and the creator the rest, which is never more than they
    got (`coins - fee_back` is `ceil(coins * (paid - fee) / paid)`).
    """
    if now >= end or paid <= 0:
        return 0, 0
    length = (end - start) // timedelta(microseconds=1)
    left = (end - max(now, start)) // timedelta(microseconds=1)
    coins = min(paid, -(-paid * left // length))
    return coins, fee * coins // paid


def _charge_of_period(subscription: Subscription) -> tuple[int, int, LedgerAccount | None]:
    """What the subscriber paid for the running period, the platform's fee of it, and
    the platform-revenue shard the fee went to, read from its charge in the ledger
    ((0, 0, None) when it was not charged, or charged no fee)."""
    charge = (
        LedgerTransaction.objects.filter(
            kind=LedgerTransaction.Kind.SUBSCRIPTION_CHARGE,
            idempotency_key=f"subscription:{subscription.pk}:period:{subscription.period_index}",
            reference_id=subscription.pk,
        )
        .prefetch_related("entries__account")
        .first()
    )
    if charge is None:
        return 0, 0, None
    by_role = {entry.account.role: entry for entry in charge.entries.all()}
    paid = -by_role[Role.WALLET].amount if Role.WALLET in by_role else 0
    fee = by_role.get(Role.PLATFORM_REVENUE)
    return paid, fee.amount if fee else 0, fee.account if fee else None


def _refund_post(
    *, subscription: Subscription, coins: int, fee_back: int, revenue: LedgerAccount | None
) -> BlockRefund:
    """Post the refund of `coins` to the subscriber: their debt is settled first (as
    a top-up would), the platform gives back `fee_back` from `revenue` (the shard the
    charge's fee went to, which holds it whatever the shards' count is now), the
    creator's earnings the rest, and what the earnings no longer hold (paid out)
    becomes the creator's debt. The accounts are locked (`core.locks`' order) before
    their balances are read."""
    subscriber, creator = subscription.subscriber, subscription.creator
    wallet = ledger_account_for_user(user=subscriber, role=Role.WALLET)
    subscriber_debt = ledger_account_for_user(user=subscriber, role=Role.DEBT)
    earnings = ledger_account_for_user(user=creator, role=Role.EARNINGS)
    creator_debt = ledger_account_for_user(user=creator, role=Role.DEBT)
    revenue = revenue or ledger_account_system(
        role=Role.PLATFORM_REVENUE, shard=platform_revenue_shard(spread_by=creator.pk)
    )
    accounts = [wallet, subscriber_debt, earnings, creator_debt, revenue]
    locked = {
        account.pk: account.balance
        for account in rows_lock(
            LedgerAccount.objects.filter(pk__in=[account.pk for account in accounts])
        )
    }
    net = coins - fee_back
    taken = min(net, locked[earnings.pk])
    settled = min(coins, ledger_debt_of(user=subscriber))
    legs = [
        (wallet, coins - settled),
        (subscriber_debt, settled),
        (revenue, -fee_back),
        (earnings, -taken),
        (creator_debt, -(net - taken)),
    ]
    ledger_post(
        kind=LedgerTransaction.Kind.REFUND,
        entries=[(account, amount) for account, amount in legs if amount],
        idempotency_key=f"subscription:{subscription.pk}:block-refund",
        reference=subscription,
        description=f"Refund of the unused part of a subscription to {creator.username}",
        metadata={
            "period": subscription.period_index,
            "fee": fee_back,
            "debt_coins": net - taken,
            "reason": "block",
        },
    )
    return BlockRefund(coins=coins, fee=fee_back, net=net, debt_coins=net - taken)


@transaction.atomic
def subscription_end_for_block(
    *, subscription_id, now: datetime | None = None
) -> BlockRefund | None:
    """End one live subscription at once because a block stands between its subscriber
    and creator: canceled now, the unused part of a paid (`active`) period refunded
    (`subscription_refund_unused`; a `past_due` one paid nothing for it), and the
    subscriber hears `subscription_ended` with the coins. Returns the refund, or None
    when it was not live any more. Locks the subscription's row, then the accounts."""
    now = now or timezone.now()
    subscription = (
        Subscription.objects.select_for_update(of=("self",))
        .select_related("subscriber", "creator")
        .filter(pk=subscription_id, status__in=Subscription.LIVE_STATUSES)
        .first()
    )
    if subscription is None:
        return None
    refund = BlockRefund()
    if subscription.status == Status.ACTIVE:
        paid, fee, revenue = _charge_of_period(subscription)
        coins, fee_back = subscription_refund_unused(
            paid=paid,
            fee=fee,
            start=subscription.current_period_start,
            end=subscription.current_period_end,
            now=now,
        )
        if coins:
            refund = _refund_post(
                subscription=subscription, coins=coins, fee_back=fee_back, revenue=revenue
            )
    subscription.canceled_at = subscription.canceled_at or now
    subscription.save(update_fields=["canceled_at", "updated_at"])
    _end(subscription, status=Status.CANCELED, now=now)
    # From no one: the block hides the creator from the subscriber as an actor.
    notify(
        recipient=subscription.subscriber,
        actor=None,
        type=NotificationType.SUBSCRIPTION_ENDED,
        target=subscription,
        data={"creator": subscription.creator.username, "coins": refund.coins},
    )
    return refund


def subscriptions_end_for_block(*, user, other, now: datetime | None = None) -> int:
    """End every live subscription between `user` and `other`, either way, as
    `subscription_end_for_block` does; returns how many. Call it in the transaction
    that makes the block, so both stand or fall together."""
    between = Q(subscriber=user, creator=other) | Q(subscriber=other, creator=user)
    ids = (
        Subscription.objects.filter(between, status__in=Subscription.LIVE_STATUSES)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    return sum(
        subscription_end_for_block(subscription_id=pk, now=now) is not None for pk in list(ids)
    )
