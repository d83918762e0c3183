"""Forgetting old `Idempotency-Key` records (the keys themselves: `payments.idempotency`)."""

from datetime import datetime

from django.utils import timezone

from payments.idempotency import idempotency_key_expiry
from payments.models import IdempotencyRecord


def idempotency_records_prune(*, now: datetime | None = None) -> int:
    """Delete records older than `IDEMPOTENCY_KEY_HOURS`; returns how many."""
    cutoff = (now or timezone.now()) - idempotency_key_expiry()
    deleted, _ = IdempotencyRecord.objects.filter(created_at__lte=cutoff).delete()
    return deleted
