"""Payments app: Celery tasks; each only calls a service. Celery beat runs them
(`CELERY_BEAT_SCHEDULE`); `manage.py renew_subscriptions` runs the renewals by hand."""

import logging

from celery import shared_task

from payments.services.idempotency import idempotency_records_prune
from payments.services.subscriptions import subscriptions_renew
from payments.services.top_ups import top_ups_expire_stale

logger = logging.getLogger(__name__)


@shared_task
def subscriptions_renew_task() -> None:
    """Charge the subscriptions whose period ended; expire those past their grace."""
    summary = subscriptions_renew()
    logger.info("Subscriptions: %s.", summary)


@shared_task
def payments_housekeeping_task() -> None:
    """Expire checkouts nobody paid; forget Idempotency-Keys older than their lifetime."""
    expired = top_ups_expire_stale()
    pruned = idempotency_records_prune()
    logger.info(
        "Payments: %d checkout(s) expired, %d idempotency key(s) forgotten.", expired, pruned
    )
