"""Tips: a viewer gives a creator coins from their wallet.

The platform keeps `PLATFORM_FEE_PERCENT` of every payment to a creator (tips and
subscription charges alike), rounded down to whole coins: a tip of 15 coins at 30 %
pays a fee of 4 (15 * 30 // 100), and 11 coins go to the creator's earnings.
"""

import uuid

from django.conf import settings
from django.db import transaction
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
    ledger_account_for_user,
    ledger_account_system,
    ledger_post,
    wallet_assert_can_spend,
)
from videos.selectors import access_video

Role = LedgerAccount.Role


def platform_fee(amount: int) -> int:
    """The platform's share of a payment of `amount` coins to a creator (floor)."""
    return amount * settings.PLATFORM_FEE_PERCENT // 100


def creator_payment_entries(
    *, payer: User, creator: User, amount: int
) -> list[tuple[LedgerAccount, int]]:
    """The legs of `payer` paying `creator` `amount` coins: wallet -amount, the
    creator's earnings +(amount - fee), platform revenue +fee (zero legs left out)."""
    fee = platform_fee(amount)
    entries = [(ledger_account_for_user(user=payer, role=Role.WALLET), -amount)]
    if amount - fee:
        entries.append((ledger_account_for_user(user=creator, role=Role.EARNINGS), amount - fee))
    if fee:
        entries.append((ledger_account_system(role=Role.PLATFORM_REVENUE), fee))
    return entries


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
    `wallet_in_debt` (402); `insufficient_funds` (402), decided by the ledger's
    conditional update, never by a balance read beforehand, so concurrent tips never
    overspend. The tip and its ledger transaction (key `tip:<tip id>`) are written
    together or not at all; `recipient` hears `tip_received`.
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
    wallet_assert_can_spend(user=sender)

    tip = Tip(
        id=uuid.uuid4(),
        sender=sender,
        recipient=recipient,
        video_id=video.pk if video is not None else None,
        amount=amount,
        fee=platform_fee(amount),
        message=message,
    )
    entries = creator_payment_entries(payer=sender, creator=recipient, amount=amount)
    # Told first: posting locks the accounts until commit, the platform revenue among
    # them, which every creator payment locks, so as little as possible follows it. A
    # refusal below rolls the notification back with the rest.
    notify(
        recipient=recipient,
        actor=sender,
        type=NotificationType.TIP_RECEIVED,
        target=tip,
        data={"coins": amount},
    )
    posting = ledger_post(
        kind=LedgerTransaction.Kind.TIP,
        entries=entries,
        idempotency_key=f"tip:{tip.pk}",
        initiator=sender,
        reference=tip,
        description=f"Tip to {recipient.username}",
        metadata={"fee": tip.fee},
    )
    tip.ledger_transaction = posting.transaction
    tip.save(force_insert=True)
    return tip
