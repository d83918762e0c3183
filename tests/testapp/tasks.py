"""A test-only Celery task, for the tests of `core.tasks`."""

from celery import shared_task

from tests.testapp.models import Entry


@shared_task
def entry_mark_processed(entry_id: str) -> None:
    entry = Entry.objects.get(pk=entry_id)
    entry.metadata = {**entry.metadata, "processed": True}
    entry.save(update_fields=["metadata", "updated_at"])
