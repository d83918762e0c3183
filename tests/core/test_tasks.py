"""Tasks started from a transaction run only once it commits."""

import pytest

from core.tasks import task_enqueue_on_commit
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
    assert entry.metadata == {"processed": True}


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
