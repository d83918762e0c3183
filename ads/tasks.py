"""Ads app: Celery tasks; each only calls a service. Celery beat runs them
(`CELERY_BEAT_SCHEDULE`)."""

import logging

from celery import shared_task

from ads.services.aggregation import ads_aggregate
from ads.services.campaigns import campaigns_complete
from ads.services.settlement import ads_settle

logger = logging.getLogger(__name__)


@shared_task
def ads_settle_task() -> None:
    """Move the whole coins campaigns reserved since the last run to platform revenue."""
    summary = ads_settle()
    logger.info(
        "Ads settlement: %d coin(s) from %d campaign(s)%s.",
        summary.coins,
        len(summary.campaigns),
        f", {len(summary.failed)} failed" if summary.failed else "",
    )


@shared_task
def campaigns_complete_task() -> None:
    """Mark the active and paused campaigns past their end `completed`."""
    completed = campaigns_complete()
    logger.info("Ads: %d campaign(s) completed.", completed)


@shared_task
def ads_aggregate_task() -> None:
    """Recompute today's and yesterday's daily sums from the raw rows."""
    result = ads_aggregate()
    logger.info("Ads: aggregated %d day(s) into %d daily row(s).", len(result.days), result.rows)
