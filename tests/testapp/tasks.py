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


class Gate:
    """What `gate_pass` runs record, and the gate they wait at (tests only)."""

    lock = threading.Lock()
    opened = threading.Event()
    running = 0
    most_running = 0
    passed = 0

    @classmethod
    def reset(cls) -> None:
        cls.opened.clear()
        cls.running = cls.most_running = cls.passed = 0


@shared_task
def gate_pass() -> None:
    """Wait at `Gate` until the test opens it, counting the runs waiting together."""
    with Gate.lock:
        Gate.running += 1
        Gate.most_running = max(Gate.most_running, Gate.running)
    Gate.opened.wait(timeout=30)
    with Gate.lock:
        Gate.running -= 1
        Gate.passed += 1
