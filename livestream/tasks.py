"""Live streaming app: Celery tasks; each only calls a service. Celery beat runs them
(`CELERY_BEAT_SCHEDULE`); `manage.py send_stream_reminders` runs the reminders by hand."""

import logging

from celery import shared_task

from livestream.services.notices import stream_reminders_send

logger = logging.getLogger(__name__)


@shared_task
def stream_reminders_send_task() -> None:
    """Remind followers of the streams scheduled within `LIVE_REMINDER_MINUTES`."""
    sent = stream_reminders_send()
    logger.info("Stream reminders: %d stream(s) announced.", sent)
