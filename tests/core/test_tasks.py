"""Tasks started from a transaction run only once it commits."""

import threading

import pytest
from django.db import transaction

from core.tasks import task_enqueue_detached_on_commit, task_enqueue_on_commit
from tests.core.factories import EntryFactory
from tests.testapp.models import Entry
from tests.testapp.tasks import entry_mark_processed

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


def test_tasks_run_eagerly_without_a_broker(settings):
    from config.celery import app

    assert app.conf.task_always_eager is True
    assert app.conf.task_eager_propagates is True


@pytest.mark.django_db(transaction=True)
def test_a_detached_task_runs_in_its_own_thread_after_the_commit(settings):
    settings.TASKS_EAGER_RUN_DETACHED = True
    entry = EntryFactory()
    with transaction.atomic():
        task_enqueue_detached_on_commit(entry_mark_processed, str(entry.pk))
        assert not _task_threads()  # nothing starts before the commit
    for thread in _task_threads():
        thread.join(timeout=10)
    entry.refresh_from_db()
    assert entry.metadata == {"processed": True, "thread": "task:" + entry_mark_processed.name}


def test_a_detached_task_runs_inline_when_detaching_is_off(django_capture_on_commit_callbacks):
    entry = EntryFactory()
    with django_capture_on_commit_callbacks(execute=True):
        task_enqueue_detached_on_commit(entry_mark_processed, str(entry.pk))
    entry.refresh_from_db()
    assert entry.metadata["thread"] == "MainThread"


def _task_threads() -> list[threading.Thread]:
    return [thread for thread in threading.enumerate() if thread.name.startswith("task:")]
