"""Top-ups, the provider webhooks that pay them, the sandbox checkout and refunds.

A top-up is opened `pending` with a provider checkout; coins are credited exactly once,
when a verified webhook event says it is paid (ledger key `top-up:<id>`, initiator the
system), whatever the order in which events arrive or how often they are replayed:

- every event is recorded once per `(provider, event id)` (a unique constraint); a
  replay answers `duplicate` and changes nothing, also when both copies arrive at once;
- the top-up's row is locked while an event is applied, and an event older than the
  last one applied (`last_event_at`) changes nothing;
- an event whose amount or currency differs from the top-up's is ignored (and logged),
  never credited.

Decision: a payment confirmed after our housekeeping expired the checkout
(`top_ups_expire_stale`) is still credited: the provider took the money. A checkout
the provider itself reported failed, or a top-up refunded, is never credited.

Sign conventions (see `payments.models`): a paid top-up of M coins moves external -M,
pays the user's debt first (debt +min(M, owed)), and puts the rest in the wallet. A
refund of N coins when the wallet holds B moves wallet -min(B, N), debt -(N - min(B,
N)), external +N.
"""

import json
import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from rest_framework.exceptions import NotFound

from accounts.models import User
from core.locks import rows_lock
from payments.exceptions import (
    CheckoutClosed,
    NotStaff,
    PackageUnavailable,
    TopUpNotRefundable,
    WebhookPayloadMalformed,
)
from payments.models import (
    CoinPackage,
    LedgerAccount,
    LedgerTransaction,
    Refund,
    TopUp,
    WebhookEvent,
)
from payments.providers import provider_get, sandbox_is_enabled
from payments.providers.sandbox import sandbox_event_signed
from payments.providers.signatures import signature_verify
from payments.selectors.wallet import ledger_debt_of
from payments.services.ledger import (
    ledger_account_for_user,
    ledger_account_system,
    ledger_post,
)

logger = logging.getLogger(__name__)

Role = LedgerAccount.Role
Status = TopUp.Status

# Stripe Checkout accepts an expiry from 30 minutes to 24 hours ahead.
CHECKOUT_LIFETIME_MIN = timedelta(minutes=30)
CHECKOUT_LIFETIME_MAX = timedelta(hours=24)

CHECKOUT_COMPLETED = "checkout.session.completed"
ASYNC_PAYMENT_SUCCEEDED = "checkout.session.async_payment_succeeded"
ASYNC_PAYMENT_FAILED = "checkout.session.async_payment_failed"
CHECKOUT_EXPIRED = "checkout.session.expired"

APPLIED = "applied"


def checkout_lifetime() -> timedelta:
    """`PAYMENTS_CHECKOUT_EXPIRY_HOURS`, held within what Stripe accepts."""
    lifetime = timedelta(hours=settings.PAYMENTS_CHECKOUT_EXPIRY_HOURS)
    return min(max(lifetime, CHECKOUT_LIFETIME_MIN), CHECKOUT_LIFETIME_MAX)


# -- opening a top-up ----------------------------------------------------------------


def top_up_create(*, user: User, package: CoinPackage, base_url: str) -> TopUp:
    """Open a `pending` top-up of `package` for `user` with the configured provider's
    checkout, and return it (its `checkout_url` is where the payer goes).

    Refused: a package that is not for sale (`package_unavailable`). The coins, price
    and currency are copied from the package, so later edits of the package do not
    change what this checkout sells. The provider is called before anything is written,
    in no transaction of this function's, so a provider error (`payment_provider_error`,
    502) leaves nothing behind. (With an `Idempotency-Key` the request's transaction
    holds the key's row meanwhile, so a retry with the key waits for this answer.)
    """
    if not package.active:
        raise PackageUnavailable()
    provider = provider_get()
    top_up = TopUp(
        user=user,
        package=package,
        coins=package.coins,
        price=package.price,
        currency=package.currency,
        provider=provider.name,
        expires_at=timezone.now() + checkout_lifetime(),
    )
    checkout = provider.checkout_create(top_up=top_up, base_url=base_url)
    top_up.checkout_id = checkout.id
    top_up.checkout_url = checkout.url
    with transaction.atomic():
        top_up.save(force_insert=True)
    return top_up


# -- webhooks ------------------------------------------------------------------------


@dataclass(frozen=True)
class WebhookReceipt:
    """What receiving an event did: `duplicate` when it had been received before (then
    nothing changed this time), and the outcome recorded when it was applied."""

    event_id: str
    type: str
    duplicate: bool
    outcome: str


@dataclass(frozen=True)
class _Event:
    id: str
    type: str
    created: datetime
    object: dict[str, Any]
    raw: dict[str, Any]


def _event_parse(payload: bytes) -> _Event:
    """The event in `payload`: a JSON object with a string `id` and `type`, an integer
    `created` (Unix time) and a `data.object` object; else `malformed_payload`. A NUL
    character (`\\u0000`) is refused too: PostgreSQL's `jsonb` cannot store it."""
    if b"\\u0000" in payload:
        raise WebhookPayloadMalformed()
    try:
        event = json.loads(payload)
    except (ValueError, RecursionError) as error:
        raise WebhookPayloadMalformed() from error
    if not isinstance(event, dict):
        raise WebhookPayloadMalformed()
    event_id, event_type, created = event.get("id"), event.get("type"), event.get("created")
    data = event.get("data")
    session = data.get("object") if isinstance(data, dict) else None
    if not (
        isinstance(event_id, str)
        and 0 < len(event_id) <= WebhookEvent._meta.get_field("event_id").max_length
        and isinstance(event_type, str)
        and 0 < len(event_type) <= WebhookEvent._meta.get_field("type").max_length
        and isinstance(created, int)
        and not isinstance(created, bool)
        and isinstance(session, dict)
    ):
        raise WebhookPayloadMalformed()
    try:
        created_at = datetime.fromtimestamp(created, tz=UTC)
    except (OverflowError, OSError, ValueError) as error:
        raise WebhookPayloadMalformed() from error
    return _Event(id=event_id, type=event_type, created=created_at, object=session, raw=event)


@transaction.atomic
def webhook_event_receive(
    *, provider: str, payload: bytes, signature_header: str | None
) -> WebhookReceipt:
    """Verify, record and apply one webhook event of `provider`, from its raw body and
    `Stripe-Signature` header.

    Refused (nothing recorded): a missing or wrong signature (`invalid_signature`), one
    dated outside the tolerance (`signature_expired`), a body that is not an event
    (`malformed_payload`). Accepted events are recorded once; a replay returns the first
    outcome with `duplicate=True`. Events of no interest, for an unknown checkout, out
    of order or that do not match the top-up are recorded as `ignored: <why>`.
    """
    signature_verify(
        payload=payload, header=signature_header, secret=provider_get(provider).webhook_secret
    )
    event = _event_parse(payload)
    try:
        with transaction.atomic():  # a savepoint: the duplicate must not spoil the rest
            record = WebhookEvent.objects.create(
                provider=provider,
                event_id=event.id,
                type=event.type,
                event_created_at=event.created,
                payload=event.raw,
            )
    except IntegrityError:
        earlier = WebhookEvent.objects.get(provider=provider, event_id=event.id)
        return WebhookReceipt(
            event_id=event.id, type=earlier.type, duplicate=True, outcome=earlier.outcome
        )
    outcome = _event_apply(provider=provider, event=event)
    if outcome != APPLIED:
        logger.info("Webhook %s %s %s: %s.", provider, event.type, event.id, outcome)
    record.outcome = outcome[: WebhookEvent._meta.get_field("outcome").max_length]
    record.save(update_fields=["outcome", "updated_at"])
    return WebhookReceipt(event_id=event.id, type=event.type, duplicate=False, outcome=outcome)


def _event_apply(*, provider: str, event: _Event) -> str:
    """Apply a recorded event to its top-up (locked); the outcome to record."""
    if event.type not in (
        CHECKOUT_COMPLETED,
        ASYNC_PAYMENT_SUCCEEDED,
        ASYNC_PAYMENT_FAILED,
        CHECKOUT_EXPIRED,
    ):
        return "ignored: event type not handled"
    session = event.object
    checkout_id = session.get("id")
    top_up = None
    if isinstance(checkout_id, str) and checkout_id:
        top_up = (
            TopUp.objects.select_for_update()
            .filter(provider=provider, checkout_id=checkout_id)
            .first()
        )
    if top_up is None:
        return "ignored: unknown checkout"
    if top_up.last_event_at is not None and event.created < top_up.last_event_at:
        return "ignored: older than the last event applied"

    if event.type in (CHECKOUT_COMPLETED, ASYNC_PAYMENT_SUCCEEDED):
        if session.get("payment_status") != "paid":
            return "ignored: not paid yet"
        return _top_up_credit(top_up=top_up, session=session, event=event)
    if top_up.status != Status.PENDING:
        return f"ignored: the top-up is {top_up.status}"
    now = timezone.now()
    if event.type == ASYNC_PAYMENT_FAILED:
        top_up.status, top_up.failed_at = Status.FAILED, now
        fields = ["status", "failed_at"]
    else:
        top_up.status = Status.EXPIRED
        fields = ["status"]
    top_up.last_event_at = event.created
    top_up.save(update_fields=[*fields, "last_event_at", "updated_at"])
    return APPLIED


def _payment_id(session: dict[str, Any]) -> str:
    """The session's PaymentIntent id (Stripe may expand it into an object)."""
    intent = session.get("payment_intent")
    if isinstance(intent, dict):
        intent = intent.get("id")
    return intent if isinstance(intent, str) else ""


def _accounts_lock(*, user: User) -> None:
    """Lock `user`'s wallet and debt and the external account in `core.locks`' order,
    the order `ledger_post` locks in, so the balances read next stay true until the
    posting (PostgreSQL; SQLite's write lock already serialises writers)."""
    mine = Q(owner=user, role__in=[Role.WALLET, Role.DEBT])
    rows_lock(LedgerAccount.objects.filter(mine | Q(owner=None, role=Role.EXTERNAL)))


def _top_up_credit(*, top_up: TopUp, session: dict[str, Any], event: _Event) -> str:
    """Credit the locked `top_up`'s coins, paying the user's debt first; the outcome."""
    if top_up.status not in (Status.PENDING, Status.EXPIRED):
        return f"ignored: the top-up is {top_up.status}"
    amount, currency = session.get("amount_total"), session.get("currency")
    if amount != top_up.price or str(currency).lower() != top_up.currency.lower():
        logger.warning(
            "Webhook %s for top-up %s says %r %r, the top-up costs %s %s: not credited.",
            event.id,
            top_up.pk,
            amount,
            currency,
            top_up.price,
            top_up.currency,
        )
        return "ignored: amount or currency does not match the top-up"

    user = top_up.user
    wallet = ledger_account_for_user(user=user, role=Role.WALLET)
    external = ledger_account_system(role=Role.EXTERNAL)
    _accounts_lock(user=user)
    owed = ledger_debt_of(user=user)
    settled = min(top_up.coins, owed)
    entries = [(external, -top_up.coins)]
    if settled:
        entries.append((ledger_account_for_user(user=user, role=Role.DEBT), settled))
    if top_up.coins - settled:
        entries.append((wallet, top_up.coins - settled))
    ledger_post(
        kind=LedgerTransaction.Kind.TOP_UP,
        entries=entries,
        idempotency_key=f"top-up:{top_up.pk}",
        reference=top_up,
        description=f"Top-up of {top_up.coins} coins",
        metadata={"event_id": event.id, "debt_settled": settled},
    )
    top_up.status = Status.PAID
    top_up.paid_at = timezone.now()
    top_up.payment_id = _payment_id(session) or top_up.payment_id
    top_up.last_event_at = event.created
    top_up.save(update_fields=["status", "paid_at", "payment_id", "last_event_at", "updated_at"])
    return APPLIED


# -- the sandbox checkout ------------------------------------------------------------


def sandbox_top_up_get(*, checkout_id: str) -> TopUp:
    """The top-up of a sandbox checkout; 404 when there is none or the sandbox is not
    the configured provider."""
    if not sandbox_is_enabled():
        raise NotFound()
    top_up = (
        TopUp.objects.filter(provider="sandbox", checkout_id=checkout_id)
        .select_related("package")
        .first()
    )
    if top_up is None:
        raise NotFound()
    return top_up


def sandbox_checkout_state(top_up: TopUp, *, now: datetime | None = None) -> str:
    """`open`, or why the checkout is closed: the top-up's status, or `expired` once
    its time is up even before housekeeping marked it."""
    if top_up.status == Status.PENDING:
        return "open" if top_up.expires_at > (now or timezone.now()) else Status.EXPIRED
    return top_up.status


def sandbox_checkout_settle(*, checkout_id: str, paid: bool) -> TopUp:
    """Pay (or decline) an open sandbox checkout the way Stripe would: a signed event
    handed to `webhook_event_receive`, so the real verification path runs.

    Refused: an unknown checkout or the sandbox off (404), a checkout already paid,
    declined or expired (`checkout_closed`, 409).
    """
    top_up = sandbox_top_up_get(checkout_id=checkout_id)
    if sandbox_checkout_state(top_up) != "open":
        raise CheckoutClosed()
    payload, header = sandbox_event_signed(top_up=top_up, paid=paid)
    webhook_event_receive(provider="sandbox", payload=payload, signature_header=header)
    top_up.refresh_from_db()
    return top_up


# -- refunds -------------------------------------------------------------------------


def top_up_refund(*, top_up: TopUp, staff: User, reason: str = "") -> Refund:
    """Give back a paid top-up's money through its provider and take its coins back.

    Refused: a caller who is not staff (`not_staff`), a top-up that is not `paid`
    (`top_up_not_refundable`: pending, failed, expired or already refunded); a provider
    error is `payment_provider_error` (502) and changes nothing. Coins still in the
    wallet are taken back; the shortfall becomes a debt (`Refund.debt_coins`) that
    blocks spending until a later top-up settles it.

    The provider is called first, outside our transaction (its refund is idempotent
    per top-up, so a retry or a concurrent refund gets the same refund back); the
    top-up is then locked and checked again before the ledger moves.
    """
    if not staff.is_staff:
        raise NotStaff()
    if top_up.status != Status.PAID:
        raise TopUpNotRefundable()
    provider_refund_id = provider_get(top_up.provider).refund_create(top_up=top_up)
    with transaction.atomic():
        top_up = TopUp.objects.select_for_update().select_related("user").get(pk=top_up.pk)
        if top_up.status != Status.PAID:
            raise TopUpNotRefundable()
        user = top_up.user
        wallet = ledger_account_for_user(user=user, role=Role.WALLET)
        debt = ledger_account_for_user(user=user, role=Role.DEBT)
        external = ledger_account_system(role=Role.EXTERNAL)
        _accounts_lock(user=user)
        held = LedgerAccount.objects.values_list("balance", flat=True).get(pk=wallet.pk)
        taken = min(held, top_up.coins)
        shortfall = top_up.coins - taken
        entries = [(external, top_up.coins)]
        if taken:
            entries.append((wallet, -taken))
        if shortfall:
            entries.append((debt, -shortfall))
        posting = ledger_post(
            kind=LedgerTransaction.Kind.REFUND,
            entries=entries,
            idempotency_key=f"refund:{top_up.pk}",
            reference=top_up,
            description=f"Refund of a top-up of {top_up.coins} coins",
            metadata={"staff": str(staff.pk), "debt_coins": shortfall},
        )
        refund = Refund.objects.create(
            top_up=top_up,
            created_by=staff,
            amount=top_up.price,
            currency=top_up.currency,
            coins=top_up.coins,
            debt_coins=shortfall,
            provider_refund_id=provider_refund_id,
            reason=reason,
            ledger_transaction=posting.transaction,
        )
        top_up.status = Status.REFUNDED
        top_up.refunded_at = timezone.now()
        top_up.save(update_fields=["status", "refunded_at", "updated_at"])
    return refund


# -- housekeeping --------------------------------------------------------------------


def top_ups_expire_stale(*, now: datetime | None = None) -> int:
    """Mark pending top-ups past `expires_at` as expired; returns how many. One
    conditional UPDATE: a top-up paid meanwhile is not touched (and a payment confirmed
    after this still credits, see the module's docstring)."""
    now = now or timezone.now()
    return TopUp.objects.filter(status=Status.PENDING, expires_at__lte=now).update(
        status=Status.EXPIRED, updated_at=now
    )
