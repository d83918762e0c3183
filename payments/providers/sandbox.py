"""The sandbox provider (the embedded default): a local checkout page that pays or
declines at the press of a button, for development and demos.

Its page sends what Stripe would: a signed `checkout.session.*` event, handed to the
same webhook service as Stripe's, so the real verification and crediting path runs.
It is available only while `PAYMENTS_PROVIDER` is `sandbox`.
"""

import json
import secrets
import time
from typing import TYPE_CHECKING
from urllib.parse import urljoin

from django.conf import settings
from django.urls import reverse

from payments.providers.base import Checkout
from payments.providers.signatures import signature_header

if TYPE_CHECKING:
    from payments.models import TopUp

CHECKOUT_COMPLETED = "checkout.session.completed"
PAYMENT_FAILED = "checkout.session.async_payment_failed"


class SandboxProvider:
    name = "sandbox"

    def checkout_create(self, *, top_up: "TopUp", base_url: str) -> Checkout:
        checkout_id = f"cs_sandbox_{secrets.token_urlsafe(24)}"
        path = reverse("payments-sandbox-checkout", kwargs={"checkout_id": checkout_id})
        return Checkout(id=checkout_id, url=urljoin(base_url, path))

    def refund_create(self, *, top_up: "TopUp") -> str:
        return f"re_sandbox_{top_up.pk.hex}"  # one refund per top-up, as Stripe's key makes it

    @property
    def webhook_secret(self) -> str:
        return settings.SANDBOX_WEBHOOK_SECRET


def sandbox_event_signed(*, top_up: "TopUp", paid: bool) -> tuple[bytes, str]:
    """The event Stripe would send when the payer of `top_up` paid (or was declined),
    as the raw body and its `Stripe-Signature` header, signed now."""
    now = int(time.time())
    session = {
        "id": top_up.checkout_id,
        "object": "checkout.session",
        "mode": "payment",
        "status": "complete",
        "payment_status": "paid" if paid else "unpaid",
        "payment_intent": f"pi_sandbox_{secrets.token_urlsafe(18)}",
        "amount_total": top_up.price,
        "currency": top_up.currency.lower(),
        "client_reference_id": str(top_up.pk),
        "metadata": {"top_up_id": str(top_up.pk)},
    }
    event = {
        "id": f"evt_sandbox_{secrets.token_urlsafe(18)}",
        "object": "event",
        "type": CHECKOUT_COMPLETED if paid else PAYMENT_FAILED,
        "created": now,
        "livemode": False,
        "data": {"object": session},
    }
    payload = json.dumps(event, separators=(",", ":")).encode()
    return payload, signature_header(
        payload=payload, secret=settings.SANDBOX_WEBHOOK_SECRET, timestamp=now
    )
