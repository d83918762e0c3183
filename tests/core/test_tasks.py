"""Tasks started from a transaction run only once it commits."""

import time
from concurrent.futures import wait

import pytest
from django.db import transaction

from core.tasks import task_enqueue_detached_on_commit, task_enqueue_on_commit, task_run_detached
from tests.core.factories import EntryFactory
from tests.core.subprocess_django import run_django
from tests.testapp.models import Entry
from tests.testapp.tasks import Gate, entry_mark_processed, gate_pass

pytestmark = pytest.mark.django_db


def test_a_task_runs_after_the_transaction_commits(django_capture_on_commit_callbacks):
    entry = EntryFactory()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        task_enqueue_on_commit(entry_mark_processed, str(entry.pk))
        entry.refresh_from_db()
        assert entry.metadata == {}  # not before the commit
    assert len(callbacks) == 1
    entry.refresh_from_db()
    assert entry.metadata == {"processed": True, "thread": "MainThread"}


def test_a_rolled_back_transaction_starts_no_task(django_capture_on_commit_callbacks):
    entry = EntryFactory()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        task_enqueue_on_commit(entry_mark_processed, str(entry.pk))
    # The callbacks were captured but never run, as after a rollback.
    assert len(callbacks) == 1
    assert Entry.objects.get(pk=entry.pk).metadata == {}


# A fresh process (no task module imported yet) in which 20 threads ask for one task
# by name at once; prints how many did not find it.
TASKS_BY_NAME_AT_ONCE = """
import threading
import django

django.setup()
from core.tasks import task_by_name

barrier, missed = threading.Barrier(20), []

def ask():
    barrier.wait()
    try:
        task_by_name("notifications.tasks.notification_email_send_task")
    except Exception as error:
        missed.append(error)

threads = [threading.Thread(target=ask) for _ in range(20)]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
print(len(missed))
"""


def test_threads_of_a_fresh_process_asking_for_a_task_at_once_all_find_it():
    result = run_django(
        ["-c", TASKS_BY_NAME_AT_ONCE],
        env={
            "DEBUG": "1",
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DATABASE_URL": "sqlite:///:memory:",
        },
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["0"]


def test_tasks_run_eagerly_without_a_broker(settings):
    from config.celery import app

    assert app.conf.task_always_eager is True
    assert app.conf.task_eager_propagates is True


@pytest.mark.django_db(transaction=True)
def test_a_detached_task_runs_in_a_thread_of_its_own_after_the_commit(settings):
    settings.TASKS_EAGER_RUN_DETACHED = True
    entry = EntryFactory()
    with transaction.atomic():
        task_enqueue_detached_on_commit(entry_mark_processed, str(entry.pk))
        time.sleep(0.2)
        entry.refresh_from_db()
        assert entry.metadata == {}  # nothing starts before the commit
    deadline = time.monotonic() + 10
    while not entry.metadata and time.monotonic() < deadline:
        time.sleep(0.05)
        entry.refresh_from_db()
    assert entry.metadata["processed"] is True
    assert entry.metadata["thread"].startswith("task:" + entry_mark_processed.name)


def test_detached_runs_of_a_task_are_bounded_by_its_thread_count(settings):
    settings.TASKS_EAGER_DETACHED_THREADS_BY_TASK = {gate_pass.name: 2}
    Gate.reset()
    futures = [task_run_detached(gate_pass, (), {}) for _ in range(5)]
    deadline = time.monotonic() + 10
    while Gate.running < 2 and time.monotonic() < deadline:
        time.sleep(0.01)
    time.sleep(0.2)  # time enough for a third run to start, if one could
    assert (Gate.running, Gate.passed) == (2, 0)
    Gate.opened.set()
    wait(futures, timeout=30)
    assert (Gate.most_running, Gate.passed) == (2, 5)


def test_a_detached_task_runs_inline_when_detaching_is_off(django_capture_on_commit_callbacks):
    entry = EntryFactory()
    with django_capture_on_commit_callbacks(execute=True):
        task_enqueue_detached_on_commit(entry_mark_processed, str(entry.pk))
    entry.refresh_from_db()
    assert entry.metadata["thread"] == "MainThread"
