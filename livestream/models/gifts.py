"""Live streaming app: live gifts. A staff-managed catalogue (`Gift`), each gift sent
during a broadcast (`GiftSent`, paid through the payments ledger like a tip), and each
session's gifters with their running totals (`SessionGifter`, the top-gifters list)."""

import uuid
from pathlib import PurePath

from django.conf import settings
from django.db import models
from django.db.models import Q

from core.models import BaseModel
from livestream.models.streams import Stream, StreamSession
from payments.models import LedgerTransaction

GIFT_MESSAGE_MAX_LENGTH = 200
GIFT_QUANTITY_MAX = 100  # of one gift sent at once


def gift_image_upload_path(gift: "Gift", filename: str) -> str:
    """A random path under `gifts/`, keeping the file's (short) extension: the
    catalogue is public, its file names need not be guessable."""
    suffix = PurePath(filename).suffix.lower()[:8]
    return f"gifts/{uuid.uuid4().hex}{suffix}"


class Gift(BaseModel):
    """An item of the gift catalogue, managed by staff in the admin: viewers send it
    to a live creator for `coins` each."""

    name = models.CharField(max_length=80)
    coins = models.PositiveIntegerField(help_text="The price of one, in coins.")
    image = models.ImageField(upload_to=gift_image_upload_path, max_length=300, blank=True)
    active = models.BooleanField(default=True, help_text="Inactive gifts cannot be sent.")
    position = models.PositiveSmallIntegerField(default=0, help_text="Lower comes first.")

    class Meta:
        ordering = ["position", "coins", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(coins__gt=0), name="livestream_gift_coins_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.coins} coins)"


class GiftSent(BaseModel):
    """`quantity` of a gift `sender` sent during a broadcast: `coins` (the gift's price
    then, times `quantity`) left their wallet in `ledger_transaction`; `fee` went to the
    platform, `coins - fee` to `recipient`'s (the stream owner's) earnings."""

    # Kept when the stream is deleted, as its sessions are.
    stream = models.ForeignKey(
        Stream, null=True, on_delete=models.SET_NULL, related_name="gifts_sent"
    )
    session = models.ForeignKey(StreamSession, on_delete=models.PROTECT, related_name="gifts_sent")
    sender = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="live_gifts_sent"
    )
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="live_gifts_received"
    )
    gift = models.ForeignKey(Gift, on_delete=models.PROTECT, related_name="sent")
    quantity = models.PositiveIntegerField()
    coins = models.PositiveIntegerField()
    fee = models.PositiveIntegerField()
    message = models.CharField(max_length=GIFT_MESSAGE_MAX_LENGTH, blank=True)
    ledger_transaction = models.OneToOneField(
        LedgerTransaction, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity__gt=0), name="livestream_gift_sent_quantity_positive"
            ),
            models.CheckConstraint(
                condition=Q(coins__gt=0), name="livestream_gift_sent_coins_positive"
            ),
            models.CheckConstraint(
                condition=~Q(sender=models.F("recipient")), name="livestream_gift_sent_not_to_self"
            ),
        ]
        indexes = [
            models.Index(fields=["session", "-created_at"], name="livestream_gift_session"),
            models.Index(fields=["sender", "-created_at", "-id"], name="livestream_gift_sender"),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} x {self.gift_id} by {self.sender_id}"


class SessionGifter(BaseModel):
    """`user`'s gifts during one broadcast, added up: the top-gifters list reads these
    rows (one per gifter and session, indexed by coins) instead of summing `GiftSent`."""

    session = models.ForeignKey(StreamSession, on_delete=models.CASCADE, related_name="gifters")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="live_gifter_of"
    )
    coins = models.PositiveBigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["session", "user"], name="livestream_gifter_once"),
        ]
        indexes = [
            models.Index(fields=["session", "-coins", "-id"], name="livestream_gifter_top"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id}: {self.coins} coins"
