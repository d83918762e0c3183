"""Live streaming app: Celery tasks; each only calls a service. Celery beat runs them
(`CELERY_BEAT_SCHEDULE`); `manage.py send_stream_reminders` and `end_stale_streams`
run the same by hand."""

import logging

from celery import shared_task

from livestream.services.notices import stream_reminders_send
from livestream.services.streams import streams_end_stale
from livestream.services.viewers import stream_viewers_flush_all

logger = logging.getLogger(__name__)


@shared_task
def stream_reminders_send_task() -> None:
    """Remind followers of the streams scheduled within `LIVE_REMINDER_MINUTES`."""
    sent = stream_reminders_send()
    logger.info("Stream reminders: %d stream(s) announced.", sent)


@shared_task
def streams_end_stale_task() -> None:
    """End live streams the media server stopped calling about (`LIVE_STALE_SECONDS`)."""
    result = streams_end_stale()
    logger.info("Live streams: %d stale, %d ended.", result.stale, result.ended)


@shared_task
def stream_viewers_flush_task() -> None:
    """Write every live stream's viewer counts from the cache to its rows."""
    flushed = stream_viewers_flush_all()
    logger.info("Live streams: viewer counts of %d written.", flushed)
