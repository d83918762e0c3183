"""Stripe: a hosted Checkout Session per top-up, refunds of its PaymentIntent, webhooks
signed with `STRIPE_WEBHOOK_SECRET`, through the official `stripe` package.

Each request carries an `Idempotency-Key` naming the top-up (`top-up:<id>`,
`refund:<id>`), so the package's own retries (and ours) never open two sessions or
refund twice. Any error of the package (network, declined, invalid) becomes our 502
`payment_provider_error`.
"""

import logging
from typing import TYPE_CHECKING

import stripe
from django.conf import settings

from payments.exceptions import PaymentProviderError
from payments.providers.base import Checkout

if TYPE_CHECKING:
    from payments.models import TopUp

logger = logging.getLogger(__name__)

# Retries of requests that failed on the network or with a 409/5xx (the package waits
# between them and resends the same Idempotency-Key).
MAX_NETWORK_RETRIES = 2


def stripe_client() -> stripe.StripeClient:
    return stripe.StripeClient(
        settings.STRIPE_SECRET_KEY,
        base_addresses={"api": settings.STRIPE_API_BASE},
        max_network_retries=MAX_NETWORK_RETRIES,
    )


def _frontend_url(path: str) -> str:
    return f"{settings.FRONTEND_URL.rstrip('/')}/{path}"


class StripeProvider:
    name = "stripe"

    def checkout_create(self, *, top_up: "TopUp", base_url: str) -> Checkout:
        params = {
            "mode": "payment",
            "line_items": [
                {
                    "price_data": {
                        "currency": top_up.currency.lower(),
                        "unit_amount": top_up.price,
                        "product_data": {"name": f"{top_up.coins} coins ({top_up.package.name})"},
                    },
                    "quantity": 1,
                }
            ],
            "client_reference_id": str(top_up.pk),
            "metadata": {"top_up_id": str(top_up.pk)},
            "success_url": _frontend_url(f"wallet/top-ups/{top_up.pk}/?checkout=success"),
            "cancel_url": _frontend_url(f"wallet/top-ups/{top_up.pk}/?checkout=canceled"),
            "expires_at": int(top_up.expires_at.timestamp()),
        }
        try:
            session = stripe_client().v1.checkout.sessions.create(
                params=params, options={"idempotency_key": f"top-up:{top_up.pk}"}
            )
        except stripe.StripeError as error:
            logger.warning("Stripe refused a checkout for top-up %s: %s", top_up.pk, error)
            raise PaymentProviderError() from error
        return Checkout(id=session.id, url=session.url or "")

    def refund_create(self, *, top_up: "TopUp") -> str:
        try:
            refund = stripe_client().v1.refunds.create(
                params={"payment_intent": top_up.payment_id},
                options={"idempotency_key": f"refund:{top_up.pk}"},
            )
        except stripe.StripeError as error:
            logger.warning("Stripe refused the refund of top-up %s: %s", top_up.pk, error)
            raise PaymentProviderError() from error
        return refund.id

    @property
    def webhook_secret(self) -> str:
        return settings.STRIPE_WEBHOOK_SECRET
