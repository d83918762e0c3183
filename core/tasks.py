"""Starting Celery tasks from services: always after the surrounding transaction commits."""

import logging
import threading
from functools import partial
from typing import Any

from celery import Task
from django.conf import settings
from django.db import connections, transaction

logger = logging.getLogger(__name__)


def task_enqueue_on_commit(task: Task, /, *args: Any, **kwargs: Any) -> None:
    """Queue `task` with these arguments once the current transaction commits.

    A worker (or the eager in-process runner) then never sees rows that are not
    committed yet, and a rolled-back transaction starts nothing. Outside a transaction
    the task is queued at once.
    """
    transaction.on_commit(partial(task.delay, *args, **kwargs))


def task_enqueue_detached_on_commit(task: Task, /, *args: Any, **kwargs: Any) -> None:
    """Like `task_enqueue_on_commit`, for tasks whose duration must not show in the
    response (what a password-reset task finds must not be told by timing).

    With a broker that is so already. When tasks run eagerly (no broker), the task runs
    in a thread of its own once the transaction commits, unless
    `TASKS_EAGER_RUN_DETACHED` is off (the test suite runs it inline, to observe it).
    """
    if not (settings.CELERY_TASK_ALWAYS_EAGER and settings.TASKS_EAGER_RUN_DETACHED):
        task_enqueue_on_commit(task, *args, **kwargs)
        return
    transaction.on_commit(partial(task_run_in_thread, task, args, kwargs))


def task_run_in_thread(task: Task, args: tuple, kwargs: dict) -> threading.Thread:
    """Run `task` in this process, in a new daemon thread; returns the thread."""

    def run() -> None:
        try:
            task.apply(args=args, kwargs=kwargs, throw=True)
        except Exception:
            logger.exception("Task %s failed in its thread.", task.name)
        finally:
            connections.close_all()  # this thread's own connections

    thread = threading.Thread(target=run, name=f"task:{task.name}", daemon=True)
    thread.start()
    return thread
