"""`Idempotency-Key` on money-moving requests, with Stripe's semantics.

A client that may retry a request (a timeout, a dropped connection) sends a key of its
choosing. The first request with the key runs; its result is stored with a fingerprint
of the request (method, path, parsed body). Later requests by the same user with the
key and the same request get the stored response again, with `Idempotent-Replayed:
true`, and move nothing; with another request they get 422 `idempotency_key_reused`.
Keys are forgotten after `IDEMPOTENCY_KEY_HOURS` (24 h).

What is stored: successes (2xx) and declines (402: `insufficient_funds`,
`wallet_in_debt`), as Stripe stores a declined charge. Input errors (400, 403, 404) are
not stored, so the corrected request may use the key.

Concurrency: the record is inserted in the same transaction as the request's work, so
a second request with the key waits on the first one's row (PostgreSQL's unique index,
SQLite's write lock) and then replays its stored response: never two effects.
"""

import functools
import hashlib
import json
from collections.abc import Callable
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter
from rest_framework.exceptions import APIException
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from core.openapi import raises
from payments.exceptions import (
    IdempotencyKeyInvalid,
    IdempotencyKeyMissing,
    IdempotencyKeyReused,
)
from payments.models import IDEMPOTENCY_KEY_MAX_LENGTH, IdempotencyRecord

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
STORED_ERROR_STATUSES = frozenset({402})

# What `_key` accepts, as the schema states it: 1 to 255 printable ASCII characters,
# neither first nor last a space (HTTP drops a header value's outer spaces).
IDEMPOTENCY_KEY_SCHEMA = {
    "type": "string",
    "minLength": 1,
    "maxLength": IDEMPOTENCY_KEY_MAX_LENGTH,
    "pattern": "^[!-~]([ -~]*[!-~])?$",
}

IDEMPOTENCY_KEY_PARAMETER = OpenApiParameter(
    name=HEADER,
    type=IDEMPOTENCY_KEY_SCHEMA,
    location=OpenApiParameter.HEADER,
    required=False,
    description=(
        "Any unique string of up to 255 printable ASCII characters (a UUID v4 is a good "
        "choice). Retrying with the same key and body replays the first response (with "
        "`Idempotent-Replayed: true`) and moves nothing again; the same key with another "
        "body answers 422 `idempotency_key_reused`. Keys are kept for 24 hours."
    ),
)

IDEMPOTENCY_KEY_REQUIRED_PARAMETER = OpenApiParameter(
    name=HEADER,
    type=IDEMPOTENCY_KEY_SCHEMA,
    location=OpenApiParameter.HEADER,
    required=True,
    description=(
        "Required: any unique string of up to 255 printable ASCII characters (a UUID v4 "
        "is a good choice). Retrying with the same key and body replays the first response (with "
        "`Idempotent-Replayed: true`) and moves nothing again; the same key with another "
        "body answers 422 `idempotency_key_reused`. Keys are kept for 24 hours."
    ),
)


def idempotency_key_expiry() -> timedelta:
    return timedelta(hours=settings.IDEMPOTENCY_KEY_HOURS)


def _key(request: Request) -> str | None:
    key = request.headers.get(HEADER)
    if key is None:
        return None
    if not 0 < len(key) <= IDEMPOTENCY_KEY_MAX_LENGTH or not key.isprintable() or not key.isascii():
        raise IdempotencyKeyInvalid()
    return key


def _fingerprint(request: Request) -> str:
    data = request.data
    if hasattr(data, "lists"):  # a QueryDict (form or multipart data)
        data = dict(data.lists())
    canonical = json.dumps(
        [request.method, request.path, data], sort_keys=True, separators=(",", ":"), default=str
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def _claim(*, user, key: str, fingerprint: str) -> tuple[IdempotencyRecord, bool]:
    """Insert the record, or find the earlier one: `(record, replay)`."""
    now = timezone.now()
    for _ in range(2):
        try:
            with transaction.atomic():
                return (
                    IdempotencyRecord.objects.create(
                        user=user, key=key, request_fingerprint=fingerprint, created_at=now
                    ),
                    False,
                )
        except IntegrityError:
            record = (
                IdempotencyRecord.objects.select_for_update().filter(user=user, key=key).first()
            )
            if record is None:  # deleted meanwhile (expired and replaced, or pruned): retry
                continue
            if record.created_at <= now - idempotency_key_expiry():
                record.delete()  # an expired key starts afresh
                continue
            if record.request_fingerprint != fingerprint:
                raise IdempotencyKeyReused() from None
            return record, True
    raise IdempotencyKeyReused()  # pragma: no cover - the key was re-created meanwhile


def _replay(record: IdempotencyRecord) -> Response:
    response = Response(record.response_body, status=record.response_status)
    response[REPLAYED_HEADER] = "true"
    return response


def idempotent(handler: Callable) -> Callable:
    """Decorate a DRF view's handler (`post`, `create`, an action) that moves money.

    Authentication and permissions have run before the handler, so `request.user` is
    the key's owner. Without the header the handler simply runs.
    """

    @raises(IdempotencyKeyInvalid, IdempotencyKeyReused)
    @functools.wraps(handler)
    def wrapper(view, request: Request, *args, **kwargs) -> Response:
        key = _key(request)
        if key is None:
            return handler(view, request, *args, **kwargs)
        with transaction.atomic():
            record, replay = _claim(user=request.user, key=key, fingerprint=_fingerprint(request))
            if replay:
                return _replay(record)
            try:
                with transaction.atomic():
                    response = handler(view, request, *args, **kwargs)
            except APIException as error:
                if error.status_code not in STORED_ERROR_STATUSES:
                    raise  # not stored: the record goes with the rolled-back transaction
                response = view.handle_exception(error)
            if not (
                200 <= response.status_code < 300 or response.status_code in STORED_ERROR_STATUSES
            ):
                transaction.set_rollback(True)
                return response
            record.response_status = response.status_code
            record.response_body = json.loads(JSONRenderer().render(response.data) or b"null")
            record.save(update_fields=["response_status", "response_body"])
        return response

    return wrapper


def idempotent_required(handler: Callable) -> Callable:
    """`idempotent`, for a handler that never runs without a key: a request without
    the header answers 400 `idempotency_key_required` (a retry could not be told from a
    second payment)."""
    guarded = idempotent(handler)

    @raises(IdempotencyKeyMissing)
    @functools.wraps(guarded)
    def wrapper(view, request: Request, *args, **kwargs) -> Response:
        if request.headers.get(HEADER) is None:
            raise IdempotencyKeyMissing()
        return guarded(view, request, *args, **kwargs)

    return wrapper
