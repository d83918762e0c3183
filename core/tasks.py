"""Starting Celery tasks from services: always after the surrounding transaction commits."""

from functools import partial
from typing import Any

from celery import Task
from django.db import transaction


def task_enqueue_on_commit(task: Task, /, *args: Any, **kwargs: Any) -> None:
    """Queue `task` with these arguments once the current transaction commits.

    A worker (or the eager in-process runner) then never sees rows that are not
    committed yet, and a rolled-back transaction starts nothing. Outside a transaction
    the task is queued at once.
    """
    transaction.on_commit(partial(task.delay, *args, **kwargs))
