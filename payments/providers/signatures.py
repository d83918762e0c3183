"""Stripe's webhook signatures: a `Stripe-Signature: t=<unix time>,v1=<hex>` header where
`v1` is HMAC-SHA256 of `"<t>.<body>"` under the endpoint's secret. The sandbox signs its
events the same way, so one verification serves both providers.

The `stripe` package checks the HMAC; the time window is checked here, on both sides:
the package refuses only old timestamps, and a signature dated beyond the tolerance in
the future is as suspect as a stale one.
"""

import time

import stripe
from django.conf import settings

from payments.exceptions import WebhookSignatureExpired, WebhookSignatureInvalid


def _timestamp(header: str) -> int:
    for item in header.split(","):
        key, _, value = item.partition("=")
        if key.strip() == "t":
            return int(value)
    raise ValueError("no timestamp")  # pragma: no cover - verify_header refused it first


def signature_verify(*, payload: bytes, header: str | None, secret: str) -> None:
    """Refuse a payload not signed with `secret` (`invalid_signature`: a missing or
    malformed header, a mismatch, no secret configured) or signed outside
    `PAYMENTS_WEBHOOK_TOLERANCE_SECONDS` of now (`signature_expired`). The signature is
    checked first, so only an authentic event learns that it is stale."""
    try:
        text = payload.decode("utf-8")
        # tolerance=None: the package checks the signature only; the window is ours.
        stripe.WebhookSignature.verify_header(text, header, secret, tolerance=None)
        timestamp = _timestamp(header or "")
    except (stripe.SignatureVerificationError, UnicodeDecodeError, ValueError) as error:
        raise WebhookSignatureInvalid() from error
    if abs(time.time() - timestamp) > settings.PAYMENTS_WEBHOOK_TOLERANCE_SECONDS:
        raise WebhookSignatureExpired()


def signature_header(*, payload: bytes, secret: str, timestamp: int | None = None) -> str:
    """The `Stripe-Signature` header for `payload`, signed now (or at `timestamp`)."""
    when = int(time.time()) if timestamp is None else timestamp
    return stripe.WebhookSignature.generate_signature_header(
        payload.decode("utf-8"), secret, timestamp=when
    )
