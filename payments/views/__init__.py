"""Payments app: thin API views: permissions, a selector or a service, serialization;
one module per area, and the error-code phrases they share."""

IDEMPOTENCY_CODES = (
    "`invalid_idempotency_key` (400: the `Idempotency-Key` header is empty, longer than "
    "255 characters or not printable ASCII), `idempotency_key_reused` (422: the key was "
    "used with another request)"
)
SPENDING_CODES = (
    "`wallet_in_debt` (402: a refund left the wallet owing coins; top up first), "
    "`insufficient_funds` (402: the wallet holds less than the price)"
)
