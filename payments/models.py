"""Payments app: a double-entry ledger and the things that move coins through it.

Coins are the in-app currency: integers, never floats. Real money is integer minor
units plus an ISO 4217 currency (top-ups, refunds, payouts).

The ledger
----------
`LedgerAccount` is a pot of coins: a user's `wallet` (what they may spend), a
creator's `earnings` (what they may pay out), a user's `debt` (what a refund took back
beyond their balance; zero or negative), or one of the system accounts:
`platform_revenue` (fees), `payouts_in_transit` (payouts asked for, not yet paid) and
`external` (the world outside: coins bought enter from it, payouts leave to it; its
balance is minus the coins in circulation). Its `balance` is a cache of the sum of its
entries, kept in step by `payments.services.ledger.ledger_post`, the one writer.

The platform's revenue is spread over several accounts, its shards
(`PLATFORM_REVENUE_SHARDS`, numbered from 0; every other account is shard 0): each
payment to a creator credits the shard its creator falls on, so payments to different
creators do not queue for one row. The platform's revenue is the sum of the shards
(`payments.selectors.ledger.platform_revenue_balance`).

`LedgerTransaction` is one movement: its `LedgerEntry` rows (signed amounts on accounts)
sum to zero. Entries are never updated or deleted: a correction is a new transaction
(`reverses` points at the one it undoes). A transaction's `idempotency_key` is unique
per initiator (and among system transactions), so posting the same movement twice posts
it once.
"""

import uuid

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q

from core.fields import PortableArrayField
from core.models import BaseModel, MetadataMixin

IDEMPOTENCY_KEY_MAX_LENGTH = 255


class LedgerAccount(BaseModel):
    class Role(models.TextChoices):
        WALLET = "wallet"
        EARNINGS = "earnings"
        DEBT = "debt"
        ADVERTISING = "advertising"  # an advertiser's coins (ads), funded from the wallet
        PLATFORM_REVENUE = "platform_revenue"
        PAYOUTS_IN_TRANSIT = "payouts_in_transit"
        EXTERNAL = "external"

    USER_ROLES = (Role.WALLET, Role.EARNINGS, Role.DEBT, Role.ADVERTISING)
    SYSTEM_ROLES = (Role.PLATFORM_REVENUE, Role.PAYOUTS_IN_TRANSIT, Role.EXTERNAL)

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="ledger_accounts",
    )
    role = models.CharField(max_length=20, choices=Role.choices)
    # Which of the platform revenue's accounts this is; 0 for every other account.
    shard = models.PositiveSmallIntegerField(default=0)
    balance = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["owner", "role"],
                condition=Q(owner__isnull=False),
                name="ledger_account_unique_owner_role",
            ),
            models.UniqueConstraint(
                fields=["role", "shard"],
                condition=Q(owner__isnull=True),
                name="ledger_account_unique_system_role_shard",
            ),
            models.CheckConstraint(
                condition=Q(shard=0) | Q(role="platform_revenue"),
                name="ledger_account_shard_only_for_revenue",
            ),
            models.CheckConstraint(
                condition=(
                    Q(owner__isnull=False, role__in=["wallet", "earnings", "debt", "advertising"])
                    | Q(
                        owner__isnull=True,
                        role__in=["platform_revenue", "payouts_in_transit", "external"],
                    )
                ),
                name="ledger_account_owner_matches_role",
            ),
            # The last line of defence: whatever a bug does, no wallet goes below zero
            # and no debt above it.
            models.CheckConstraint(
                condition=Q(balance__gte=0) | Q(role="external") | Q(role="debt"),
                name="ledger_account_balance_not_negative",
            ),
            models.CheckConstraint(
                condition=~Q(role="debt") | Q(balance__lte=0),
                name="ledger_account_debt_not_positive",
            ),
        ]

    def __str__(self) -> str:
        owner = self.owner.username if self.owner_id else "system"
        if self.role == self.Role.PLATFORM_REVENUE:
            return f"{owner}:{self.role}#{self.shard}"
        return f"{owner}:{self.role}"

    @property
    def may_go_negative(self) -> bool:
        return self.role in (self.Role.EXTERNAL, self.Role.DEBT)

    @property
    def book(self) -> str:
        """The statement its entries appear on (`LedgerEntry.book`)."""
        return BOOK_OF_ROLE[self.role]


class LedgerTransaction(BaseModel, MetadataMixin):
    class Kind(models.TextChoices):
        TOP_UP = "top_up"
        TIP = "tip"
        GIFT = "gift"  # a live gift (livestream), paid like a tip
        AD_FUND = "ad_fund"  # wallet -> an advertiser's account (ads)
        AD_WITHDRAW = "ad_withdraw"  # an advertiser's unspent coins -> wallet
        AD_SPEND = "ad_spend"  # an advertiser's settled spend -> platform revenue
        SUBSCRIPTION_CHARGE = "subscription_charge"
        PAYOUT_REQUEST = "payout_request"
        PAYOUT_PAID = "payout_paid"
        PAYOUT_REJECTED = "payout_rejected"
        REFUND = "refund"
        REVERSAL = "reversal"

    kind = models.CharField(max_length=24, choices=Kind.choices)
    initiator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="Who caused it; empty for the system (webhooks, renewals).",
    )
    idempotency_key = models.CharField(max_length=IDEMPOTENCY_KEY_MAX_LENGTH)
    # What caused it (a top-up, a tip, a subscription, a payout, a refund).
    reference_type = models.ForeignKey(
        ContentType, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reference_id = models.UUIDField(null=True, blank=True)
    reference = GenericForeignKey("reference_type", "reference_id")
    description = models.CharField(max_length=200, blank=True)
    reverses = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="reversed_by"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["initiator", "idempotency_key"],
                condition=Q(initiator__isnull=False),
                name="ledger_transaction_unique_key_per_initiator",
            ),
            models.UniqueConstraint(
                fields=["idempotency_key"],
                condition=Q(initiator__isnull=True),
                name="ledger_transaction_unique_system_key",
            ),
        ]
        indexes = [
            models.Index(fields=["reference_type", "reference_id"], name="ledger_tx_reference")
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.pk}"


class LedgerEntryQuerySet(models.QuerySet):
    """Entries are written once: bulk updates and deletes are refused."""

    def update(self, **kwargs):
        raise TypeError("Ledger entries are never updated; post a reversing transaction.")

    def delete(self):
        raise TypeError("Ledger entries are never deleted; post a reversing transaction.")


class LedgerEntry(models.Model):
    """One leg of a transaction: `amount` coins added to (or, negative, taken from)
    `account`. `id` is a big integer so a statement is ordered by insertion.

    `owner` and `book` repeat the account's owner and the statement it belongs to
    (`wallet` for the wallet and debt accounts, `earnings`, or `system`), written once
    with the entry by `ledger_post`: a user's statement is then one index range,
    `(owner, book, -id)`, read in order a page at a time, whatever the size of the
    ledger or of the user's history (`ledger_check` verifies they match the account).
    """

    class Book(models.TextChoices):
        WALLET = "wallet"
        EARNINGS = "earnings"
        ADVERTISING = "advertising"
        SYSTEM = "system"

    id = models.BigAutoField(primary_key=True)
    transaction = models.ForeignKey(
        LedgerTransaction, on_delete=models.PROTECT, related_name="entries"
    )
    account = models.ForeignKey(LedgerAccount, on_delete=models.PROTECT, related_name="entries")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,  # the statement index starts with it
    )
    book = models.CharField(max_length=12, choices=Book.choices)
    amount = models.BigIntegerField()
    # The account's balance right after this entry (a running balance for statements).
    balance_after = models.BigIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    objects = LedgerEntryQuerySet.as_manager()

    class Meta:
        verbose_name_plural = "ledger entries"
        ordering = ["-id"]
        constraints = [
            models.CheckConstraint(condition=~Q(amount=0), name="ledger_entry_amount_not_zero"),
        ]
        indexes = [
            models.Index(fields=["owner", "book", "-id"], name="ledger_entry_statement"),
        ]

    def __str__(self) -> str:
        return f"{self.amount:+d} {self.account}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise TypeError("Ledger entries are never updated; post a reversing transaction.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError("Ledger entries are never deleted; post a reversing transaction.")


BOOK_OF_ROLE = {
    LedgerAccount.Role.WALLET: LedgerEntry.Book.WALLET,
    LedgerAccount.Role.DEBT: LedgerEntry.Book.WALLET,
    LedgerAccount.Role.EARNINGS: LedgerEntry.Book.EARNINGS,
    LedgerAccount.Role.ADVERTISING: LedgerEntry.Book.ADVERTISING,
    LedgerAccount.Role.PLATFORM_REVENUE: LedgerEntry.Book.SYSTEM,
    LedgerAccount.Role.PAYOUTS_IN_TRANSIT: LedgerEntry.Book.SYSTEM,
    LedgerAccount.Role.EXTERNAL: LedgerEntry.Book.SYSTEM,
}


# -- top-ups -------------------------------------------------------------------------


class CoinPackage(BaseModel):
    """A bundle of coins for sale, managed in the admin."""

    name = models.CharField(max_length=80)
    coins = models.PositiveIntegerField()
    price = models.PositiveIntegerField(help_text="In the currency's minor units (cents).")
    currency = models.CharField(max_length=3, default="USD")
    active = models.BooleanField(default=True)
    position = models.PositiveSmallIntegerField(default=0, help_text="Lower comes first.")

    class Meta:
        ordering = ["position", "coins", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(coins__gt=0), name="coin_package_coins_positive"),
            models.CheckConstraint(condition=Q(price__gt=0), name="coin_package_price_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.coins} coins)"


class TopUp(BaseModel):
    """A purchase of coins through a payment provider's checkout. Coins are credited
    once, when the provider's webhook says it is paid."""

    class Status(models.TextChoices):
        PENDING = "pending"  # checkout created, not paid yet
        PAID = "paid"  # coins credited
        FAILED = "failed"  # the payment was declined
        EXPIRED = "expired"  # the checkout was never completed
        REFUNDED = "refunded"  # staff refunded it

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="top_ups"
    )
    package = models.ForeignKey(CoinPackage, on_delete=models.PROTECT, related_name="top_ups")
    coins = models.PositiveIntegerField()
    price = models.PositiveIntegerField(help_text="Minor units.")
    currency = models.CharField(max_length=3)
    provider = models.CharField(max_length=20)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    # The provider's checkout session id and the payment it produced (for refunds).
    checkout_id = models.CharField(max_length=255, blank=True)
    checkout_url = models.URLField(max_length=1000, blank=True)
    payment_id = models.CharField(max_length=255, blank=True)
    expires_at = models.DateTimeField()
    paid_at = models.DateTimeField(null=True, blank=True)
    failed_at = models.DateTimeField(null=True, blank=True)
    refunded_at = models.DateTimeField(null=True, blank=True)
    # Of the last webhook event applied: an older event arriving later changes nothing.
    last_event_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "checkout_id"],
                condition=~Q(checkout_id=""),
                name="top_up_unique_checkout",
            ),
        ]
        indexes = [
            models.Index(fields=["user", "status"], name="top_up_user_status"),
            models.Index(fields=["user", "-created_at", "-id"], name="top_up_user_recent"),
        ]

    def __str__(self) -> str:
        return f"top-up {self.coins} coins ({self.status})"


class WebhookEvent(BaseModel):
    """A provider event received and verified; `(provider, event_id)` is unique, so a
    replayed event is recognised and applied once."""

    provider = models.CharField(max_length=20)
    event_id = models.CharField(max_length=255)
    type = models.CharField(max_length=100)
    event_created_at = models.DateTimeField()
    payload = models.JSONField()
    # What applying it did: "applied", "ignored: <why>".
    outcome = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "event_id"], name="webhook_event_unique_event"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.provider} {self.type} {self.event_id}"


class Refund(BaseModel):
    """Staff gave back a paid top-up's money. Coins still in the wallet are taken back;
    the shortfall (`debt_coins`) is recorded as a debt that blocks spending."""

    top_up = models.OneToOneField(TopUp, on_delete=models.PROTECT, related_name="refund")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    amount = models.PositiveIntegerField(help_text="Minor units given back.")
    currency = models.CharField(max_length=3)
    coins = models.PositiveIntegerField(help_text="Coins the top-up credited.")
    debt_coins = models.PositiveIntegerField(default=0)
    provider_refund_id = models.CharField(max_length=255, blank=True)
    reason = models.CharField(max_length=500, blank=True)
    ledger_transaction = models.OneToOneField(
        LedgerTransaction, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"refund of {self.top_up}"


# -- tips ----------------------------------------------------------------------------


# A user's tips, as lists choose them: those they sent or those they received.
TIP_DIRECTIONS = ("sent", "received")


class Tip(BaseModel):
    """Coins a viewer gave a creator; `fee` went to the platform, `amount - fee` to the
    creator's earnings."""

    sender = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="tips_sent"
    )
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="tips_received"
    )
    # Kept as an id, not a foreign key: the video may be deleted, the tip stays.
    video_id = models.UUIDField(null=True, blank=True)
    amount = models.PositiveIntegerField()
    fee = models.PositiveIntegerField()
    message = models.CharField(max_length=500, blank=True)
    ledger_transaction = models.OneToOneField(
        LedgerTransaction, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="tip_amount_positive"),
            models.CheckConstraint(
                condition=~Q(sender=models.F("recipient")), name="tip_not_to_self"
            ),
        ]
        indexes = [
            models.Index(fields=["sender", "-created_at", "-id"], name="tip_sender_recent"),
            models.Index(fields=["recipient", "-created_at", "-id"], name="tip_recipient_recent"),
        ]

    def __str__(self) -> str:
        return f"tip {self.amount}"


# -- creator subscriptions -----------------------------------------------------------


class CreatorTier(BaseModel):
    """A monthly subscription a creator offers."""

    creator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="creator_tiers"
    )
    name = models.CharField(max_length=80)
    price = models.PositiveIntegerField(help_text="Coins a month.")
    perks = PortableArrayField(models.CharField(max_length=200), default=list, blank=True)
    active = models.BooleanField(default=True, help_text="Inactive tiers take no new subscribers.")

    class Meta:
        ordering = ["price", "created_at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(price__gt=0), name="creator_tier_price_positive"),
            models.UniqueConstraint(fields=["creator", "name"], name="creator_tier_unique_name"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.price} coins/month)"


class Subscription(BaseModel):
    """A subscriber's monthly subscription to a creator's tier.

    Periods are counted from `anchor`: period `n` runs from `anchor + n months` to
    `anchor + (n + 1) months`, so renewals do not drift. Each period is charged once
    (the ledger key names it). `active` subscribers see the creator's subscribers-only
    videos; `cancel_at_period_end` keeps access until `current_period_end`.
    """

    class Status(models.TextChoices):
        ACTIVE = "active"
        PAST_DUE = "past_due"  # a renewal found no funds; retried during the grace period
        CANCELED = "canceled"  # ended by the subscriber
        EXPIRED = "expired"  # never paid within the grace period

    LIVE_STATUSES = (Status.ACTIVE, Status.PAST_DUE)

    subscriber = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="subscriptions"
    )
    creator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="subscribers"
    )
    tier = models.ForeignKey(CreatorTier, on_delete=models.PROTECT, related_name="subscriptions")
    price = models.PositiveIntegerField(help_text="Coins a month, fixed when subscribing.")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACTIVE)
    anchor = models.DateTimeField()
    period_index = models.PositiveIntegerField(default=0)
    current_period_start = models.DateTimeField()
    current_period_end = models.DateTimeField()
    cancel_at_period_end = models.BooleanField(default=False)
    canceled_at = models.DateTimeField(null=True, blank=True)
    past_due_since = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            # One live subscription per subscriber and creator.
            models.UniqueConstraint(
                fields=["subscriber", "creator"],
                condition=Q(status__in=["active", "past_due"]),
                name="subscription_unique_live",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "current_period_end"], name="subscription_due"),
            models.Index(
                fields=["creator", "status", "-created_at", "-id"],
                name="subscription_creator_recent",
            ),
            models.Index(
                fields=["subscriber", "-created_at", "-id"], name="subscription_subscriber_recent"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.subscriber_id} -> {self.tier} ({self.status})"


# -- payouts -------------------------------------------------------------------------


class Payout(BaseModel):
    """A creator asks for earnings to be paid out; staff approve or reject."""

    class Status(models.TextChoices):
        PENDING = "pending"
        PAID = "paid"
        REJECTED = "rejected"

    creator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="payouts"
    )
    amount = models.PositiveIntegerField(help_text="Coins.")
    money_amount = models.PositiveBigIntegerField(help_text="Minor units at COIN_PRICE.")
    currency = models.CharField(max_length=3)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    reason = models.CharField(max_length=500, blank=True, help_text="Why it was rejected.")

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="payout_amount_positive"),
        ]
        indexes = [
            models.Index(fields=["creator", "status"], name="payout_creator_status"),
            models.Index(fields=["creator", "-created_at", "-id"], name="payout_creator_recent"),
        ]

    def __str__(self) -> str:
        return f"payout {self.amount} coins ({self.status})"


# -- idempotency ---------------------------------------------------------------------


class IdempotencyRecord(models.Model):
    """A money-moving request made with an `Idempotency-Key` header, and its response.

    The same user, key and request (method, path, body) replays `response_*`; another
    request with the key is refused. Records older than `IDEMPOTENCY_KEY_HOURS` are
    forgotten.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=IDEMPOTENCY_KEY_MAX_LENGTH)
    request_fingerprint = models.CharField(max_length=64)
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    response_body = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="idempotency_unique_user_key"),
        ]

    def __str__(self) -> str:
        return self.key


# What a statement calls each kind of reference (what caused a ledger transaction).
REFERENCE_TYPES: dict[type, str] = {
    Tip: "tip",
    Subscription: "subscription",
    TopUp: "top_up",
    Refund: "refund",
    Payout: "payout",
    LedgerTransaction: "transaction",
}


def ledger_reference_type_register(model: type, name: str) -> None:
    """Name what a model of an app above payments causes on statements (the
    `reference.type` of its entries, e.g. livestream's gifts): called from that app's
    `ready()`, before any statement or schema is made."""
    REFERENCE_TYPES[model] = name
