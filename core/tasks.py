"""Starting Celery tasks from services: always after the surrounding transaction commits.

Services name their tasks (`"videos.tasks.video_process_task"`) rather than import them:
a task calls its service, so the service importing the task would close a circle.
"""

import logging
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from functools import partial
from typing import Any

from celery import Task, current_app, shared_task
from django.conf import settings
from django.db import connections, transaction

logger = logging.getLogger(__name__)


_tasks_import_lock = threading.Lock()


def task_by_name(name: str) -> Task:
    """The task registered as `name`. A process that has not imported the apps' task
    modules yet (a web process: only a worker imports them when it starts) imports them
    the way a worker does, through the Celery app's autodiscovery, one thread at a time:
    a thread that starts it while another is at it would import nothing (Celery guards
    it against recursion with one flag for the whole process) and find no task."""
    if name not in current_app.tasks:
        with _tasks_import_lock:
            if name not in current_app.tasks:
                current_app.loader.import_default_modules()
    return current_app.tasks[name]


def task_enqueue_on_commit(task: Task | str, /, *args: Any, **kwargs: Any) -> None:
    """Queue `task` (a task or its registered name) with these arguments once the
    current transaction commits.

    A worker (or the eager in-process runner) then never sees rows that are not
    committed yet, and a rolled-back transaction starts nothing. Outside a transaction
    the task is queued at once.
    """
    if isinstance(task, str):
        task = task_by_name(task)
    transaction.on_commit(partial(task.delay, *args, **kwargs))


def task_enqueue_detached_on_commit(task: Task | str, /, *args: Any, **kwargs: Any) -> None:
    """Like `task_enqueue_on_commit`, for tasks whose duration must not show in the
    response (what a password-reset task finds must not be told by timing; a video's
    processing takes minutes).

    With a broker that is so already. When tasks run eagerly (no broker), the task runs
    beside the request once the transaction commits (`task_run_detached`), unless
    `TASKS_EAGER_RUN_DETACHED` is off (the test suite runs it inline, to observe it).
    """
    if isinstance(task, str):
        task = task_by_name(task)
    if not (settings.CELERY_TASK_ALWAYS_EAGER and settings.TASKS_EAGER_RUN_DETACHED):
        task_enqueue_on_commit(task, *args, **kwargs)
        return
    transaction.on_commit(partial(task_run_detached, task, args, kwargs))


_pools: dict[str, ThreadPoolExecutor] = {}
_pools_lock = threading.Lock()


def _task_pool(task: Task) -> ThreadPoolExecutor:
    """This process's threads for `task`: `TASKS_EAGER_DETACHED_THREADS_BY_TASK[name]`
    of them, or `TASKS_EAGER_DETACHED_THREADS`. Made on first use (in each process a
    server forks)."""
    with _pools_lock:
        pool = _pools.get(task.name)
        if pool is None:
            threads = settings.TASKS_EAGER_DETACHED_THREADS_BY_TASK.get(
                task.name, settings.TASKS_EAGER_DETACHED_THREADS
            )
            pool = ThreadPoolExecutor(
                max_workers=max(1, threads), thread_name_prefix=f"task:{task.name}"
            )
            _pools[task.name] = pool
        return pool


def task_run_detached(task: Task, args: tuple, kwargs: dict) -> Future:
    """Run `task` in this process, in its pool of threads: at most that many of its
    runs at a time, the others queued in order. Returns the run's future.

    Runs are not kept anywhere else: those queued when the process stops are lost
    (work that must survive that is found again by its own means, as
    `manage.py process_videos` finds videos left processing)."""

    def run() -> None:
        try:
            task.apply(args=args, kwargs=kwargs, throw=True)
        except Exception:
            logger.exception("Task %s failed in its thread.", task.name)
        finally:
            connections.close_all()  # this thread's own connections

    return _task_pool(task).submit(run)


def task_runs_detached_wait() -> None:
    """Wait for every detached run of this process to end (the pools are made anew on
    next use): for a test whose teardown must not race a run still writing."""
    with _pools_lock:
        pools = list(_pools.values())
        _pools.clear()
    for pool in pools:
        pool.shutdown(wait=True)


@shared_task
def database_statistics_refresh_task() -> None:
    """Beat: keep the query planner's statistics current (`core.database`)."""
    from core.database import database_statistics_refresh

    database_statistics_refresh()
