"""Tips: a viewer gives a creator coins from their wallet.

The platform keeps `PLATFORM_FEE_PERCENT` of every payment to a creator (tips and
subscription charges alike), rounded down to whole coins: a tip of 15 coins at 30 %
pays a fee of 4 (15 * 30 // 100), and 11 coins go to the creator's earnings. The fee
goes to the platform-revenue shard of the creator (`creator_revenue_shard`).
"""

import uuid

from django.conf import settings
from django.db import models, transaction
from rest_framework.exceptions import NotFound

from accounts.models import User
from notifications.models import NotificationType
from notifications.services import notify
from payments.exceptions import (
    TIP_TOO_LARGE,
    TIP_TOO_SMALL,
    CannotTipSelf,
    RecipientNotCreator,
    VideoNotByRecipient,
)
from payments.models import LedgerAccount, LedgerTransaction, Tip
from payments.selectors.recipients import user_is_reachable
from payments.services.ledger import (
    AccountKey,
    ledger_key_for_user,
    ledger_post,
    platform_revenue_key,
    platform_revenue_shard,
)
from videos.selectors import access_video

Role = LedgerAccount.Role


def platform_fee(amount: int) -> int:
    """The platform's share of a payment of `amount` coins to a creator (floor)."""
    return amount * settings.PLATFORM_FEE_PERCENT // 100


def creator_revenue_shard(*, creator: User) -> int:
    """The platform-revenue shard that fees of payments to `creator` accrue to."""
    return platform_revenue_shard(spread_by=creator.pk)


def creator_payment_entries(
    *, payer: User, creator: User, amount: int
) -> list[tuple[AccountKey, int]]:
    """The legs of `payer` paying `creator` `amount` coins: wallet -amount, the
    creator's earnings +(amount - fee), the creator's platform-revenue shard +fee (zero
    legs left out). Named, not read: `ledger_post` finds them."""
    fee = platform_fee(amount)
    entries = [(ledger_key_for_user(user=payer, role=Role.WALLET), -amount)]
    if amount - fee:
        entries.append((ledger_key_for_user(user=creator, role=Role.EARNINGS), amount - fee))
    if fee:
        entries.append((platform_revenue_key(spread_by=creator.pk), fee))
    return entries


def creator_payment_post(
    *,
    kind: str,
    payer: User,
    creator: User,
    amount: int,
    idempotency_key: str,
    reference: models.Model,
    description: str,
) -> LedgerTransaction:
    """Post `payer` paying `creator` `amount` coins (`creator_payment_entries`: the
    platform's fee to the creator's platform-revenue shard, the rest to the creator's
    earnings) as a ledger transaction of `kind` (a tip, a live gift) with
    `idempotency_key`, initiated by `payer`, about `reference`; `metadata` records the
    fee.

    The caller has checked whom `payer` may pay. Raises `wallet_in_debt` while `payer`
    owes coins and `insufficient_funds` (402), both decided by the ledger's conditional
    update, with nothing written; locks the accounts until commit (`core.locks`: last).
    """
    posting = ledger_post(
        kind=kind,
        entries=creator_payment_entries(payer=payer, creator=creator, amount=amount),
        idempotency_key=idempotency_key,
        initiator=payer,
        reference=reference,
        description=description,
        metadata={"fee": platform_fee(amount)},
        spender=payer,
    )
    return posting.transaction


def _amount_check(amount: int) -> None:
    if isinstance(amount, bool) or not isinstance(amount, int) or amount < 1:
        raise TIP_TOO_SMALL.error()
    if amount > settings.TIP_MAX_COINS:
        raise TIP_TOO_LARGE.error()


@transaction.atomic
def tip_send(
    *,
    sender: User,
    recipient: User,
    amount: int,
    video_id: uuid.UUID | str | None = None,
    message: str = "",
) -> Tip:
    """`sender` tips `recipient` `amount` coins, optionally for one of their videos.

    Refused, in this order: 404 `not_found` when `recipient` may not sign in or a block
    stands between the two; `cannot_tip_self`; `recipient_not_creator` when tips are
    limited to creators (`TIPS_CREATORS_ONLY`) and `recipient` lacks the `creator` role;
    404 for a `video_id` `sender` may not see, `video_not_by_recipient` for another's;
    `wallet_in_debt` (402); `insufficient_funds` (402), both decided by the ledger's
    conditional update, never by a balance read beforehand, so concurrent tips never
    overspend. The tip and its ledger transaction (key `tip:<tip id>`) are written
    together or not at all; `recipient` hears `tip_received`.

    Costs seven statements when `recipient` comes from `payments_user_get` for `sender`
    (whose query applied the reachability rule) and their accounts exist: the
    notification's three, the ledger's three, the tip's insert.
    """
    _amount_check(amount)
    if not user_is_reachable(user=recipient, viewer=sender):
        raise NotFound()
    if sender.pk == recipient.pk:
        raise CannotTipSelf()
    if settings.TIPS_CREATORS_ONLY and recipient.role != User.Role.CREATOR:
        raise RecipientNotCreator()
    video = None
    if video_id is not None:
        video = access_video(viewer=sender, video_id=video_id)
        if video.owner_id != recipient.pk:
            raise VideoNotByRecipient()

    tip = Tip(
        id=uuid.uuid4(),
        sender=sender,
        recipient=recipient,
        video_id=video.pk if video is not None else None,
        amount=amount,
        fee=platform_fee(amount),
        message=message,
    )
    # Told first: posting locks the accounts until commit (the creator's earnings and
    # revenue shard, which other payments to them lock too), so as little as possible
    # follows it. A refusal below rolls the notification back with the rest.
    notify(
        recipient=recipient,
        actor=sender,
        type=NotificationType.TIP_RECEIVED,
        target=tip,
        data={"coins": amount},
    )
    tip.ledger_transaction = creator_payment_post(
        kind=LedgerTransaction.Kind.TIP,
        payer=sender,
        creator=recipient,
        amount=amount,
        idempotency_key=f"tip:{tip.pk}",
        reference=tip,
        description=f"Tip to {recipient.username}",
    )
    tip.save(force_insert=True)
    return tip
