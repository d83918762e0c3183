"""Ads app: Celery tasks; each only calls a service. Celery beat runs them
(`CELERY_BEAT_SCHEDULE`)."""

import logging

from celery import shared_task

from ads.services.campaigns import campaigns_complete

logger = logging.getLogger(__name__)


@shared_task
def campaigns_complete_task() -> None:
    """Mark the active and paused campaigns past their end `completed`."""
    completed = campaigns_complete()
    logger.info("Ads: %d campaign(s) completed.", completed)
