"""Ads app: Celery tasks; each only calls a service."""

import logging

from celery import shared_task

from ads.services.aggregation import ads_aggregate

logger = logging.getLogger(__name__)


@shared_task
def ads_aggregate_task() -> None:
    """Recompute today's and yesterday's daily sums from the raw rows."""
    result = ads_aggregate()
    logger.info("Ads: aggregated %d day(s) into %d daily row(s).", len(result.days), result.rows)
