"""A test-only Celery task, for the tests of `core.tasks`."""

import threading

from celery import shared_task

from tests.testapp.models import Entry


@shared_task
def entry_mark_processed(entry_id: str) -> None:
    """Record that the task ran, and in which thread."""
    entry = Entry.objects.get(pk=entry_id)
    entry.metadata = {
        **entry.metadata,
        "processed": True,
        "thread": threading.current_thread().name,
    }
    entry.save(update_fields=["metadata", "updated_at"])
