"""Live streaming app: writes. Sending a gift during a broadcast: paid through the
payments ledger exactly like a tip (`payments.services.tips.creator_payment_post`:
the platform's fee, then the creator's earnings), counted on the stream, the session
and the sender's total for the session (the top gifters), told to the creator
(`gift_received`, grouped) and shown in the chat."""

import uuid

from django.conf import settings
from django.db import transaction
from django.db.models import F
from rest_framework.exceptions import NotFound

from accounts.models import User
from core.locks import rows_lock
from livestream.exceptions import (
    GIFT_TOO_LARGE,
    GIFT_UNAVAILABLE,
    CannotGiftSelf,
    StreamNotLive,
)
from livestream.models import ChatMessage, Gift, GiftSent, SessionGifter, Stream, StreamSession
from livestream.selectors.streams import access_stream, stream_session_open
from livestream.services.chat import chat_system_message_post
from notifications.models import NotificationType
from notifications.services import notify
from payments.exceptions import RecipientNotCreator
from payments.models import LedgerTransaction
from payments.selectors.recipients import user_is_reachable
from payments.services.ledger import wallet_assert_can_spend
from payments.services.tips import creator_payment_post, platform_fee


def gift_chat_text(sent: GiftSent) -> str:
    """The chat's system line for a gift: "ana sent 3 x Rose: Great show!"."""
    text = f"{sent.sender.username} sent {sent.quantity} x {sent.gift.name}"
    return f"{text}: {sent.message}" if sent.message else text


def _gift_sendable(gift_id) -> Gift:
    gift = Gift.objects.filter(pk=gift_id, active=True).first() if gift_id else None
    if gift is None:
        raise GIFT_UNAVAILABLE.error()
    return gift


@transaction.atomic
def gift_send(
    *,
    sender: User,
    stream_id: uuid.UUID | str,
    gift_id: uuid.UUID | str,
    quantity: int,
    message: str = "",
) -> GiftSent:
    """`sender` sends `quantity` of the catalogue's gift `gift_id` to the broadcast
    under way on stream `stream_id`; `quantity` is 1 to `GIFT_QUANTITY_MAX` (the
    serializer checks).

    Refused, in this order: 404 `not_found` for a stream `sender` may not see, or when
    a block stands between `sender` and its owner (or the owner may not sign in);
    `cannot_gift_self` (the owner); `recipient_not_creator` when payments to users
    are limited to creators (`TIPS_CREATORS_ONLY`, as tips); `gift_unavailable` for
    an unknown or inactive gift; `max_value` on `quantity` when the total is over
    `TIP_MAX_COINS`; `stream_not_live`; `wallet_in_debt` (402); `insufficient_funds`
    (402), decided by the ledger's conditional update, so concurrent gifts never
    overspend. The gift, its ledger transaction (key `gift:<id>`) and the counters are
    written together or not at all.

    Locks, in `core.locks`' order: the stream's row (so gifts and the end of the
    broadcast never interleave, and the session's counters stay exact), then the
    ledger accounts, last.
    """
    stream = access_stream(viewer=sender, stream_id=stream_id)
    owner = stream.owner
    if not user_is_reachable(user=owner, viewer=sender):
        raise NotFound()
    if sender.pk == owner.pk:
        raise CannotGiftSelf()
    if settings.TIPS_CREATORS_ONLY and owner.role != User.Role.CREATOR:
        raise RecipientNotCreator()
    gift = _gift_sendable(gift_id)
    coins = gift.coins * quantity
    if coins > settings.TIP_MAX_COINS:
        raise GIFT_TOO_LARGE.error()

    locked = rows_lock(Stream.objects.filter(pk=stream.pk), of=("self",))
    session = stream_session_open(stream=locked[0]) if locked else None
    if session is None or locked[0].status != Stream.Status.LIVE:
        raise StreamNotLive()
    wallet_assert_can_spend(user=sender)

    sent = GiftSent(
        id=uuid.uuid4(),
        stream=stream,
        session=session,
        sender=sender,
        recipient=owner,
        gift=gift,
        quantity=quantity,
        coins=coins,
        fee=platform_fee(coins),
        message=message,
    )
    # Counted and told before posting: posting locks the accounts until commit, the
    # platform revenue among them, which every payment to a creator locks, so as little
    # as possible follows it (as tips do). A refusal rolls all of it back.
    Stream.objects.filter(pk=stream.pk).update(gift_coins=F("gift_coins") + coins)
    StreamSession.objects.filter(pk=session.pk).update(gift_coins=F("gift_coins") + coins)
    if not SessionGifter.objects.filter(session=session, user=sender).update(
        coins=F("coins") + coins
    ):  # the stream's lock serialises this with the sender's other gifts
        SessionGifter.objects.create(session=session, user=sender, coins=coins)
    notify(
        recipient=owner,
        actor=sender,
        type=NotificationType.GIFT_RECEIVED,
        target=stream,
        data={
            "stream_id": str(stream.pk),
            "stream_title": stream.title,
            "gift": gift.name,
            "quantity": quantity,
            "coins": coins,
        },
    )
    chat_system_message_post(
        stream=stream, text=gift_chat_text(sent), kind=ChatMessage.Kind.GIFT, author=sender
    )
    sent.ledger_transaction = creator_payment_post(
        kind=LedgerTransaction.Kind.GIFT,
        payer=sender,
        creator=owner,
        amount=coins,
        idempotency_key=f"gift:{sent.pk}",
        reference=sent,
        description=f"Live gift to {owner.username}",
    )
    sent.save(force_insert=True)
    return sent
