"""The platform's own Prometheus metrics, Celery task outcomes, and `/metrics`.

django-prometheus measures requests (rate, latency, status by view), database queries
and migrations; this module adds what only the platform knows. The apps count with
one call (`metrics.sign_in_failed(...)`), counted when the transaction commits, so a
rolled-back write is not counted. Cache operations are timed as they happen
(core/cache.py). With `PROMETHEUS_MULTIPROC_DIR` set (gunicorn with
several workers: config/gunicorn.py), every process writes its values there and
`/metrics` adds them up.
"""

import hmac
import time

from django.conf import settings
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django_prometheus.exports import ExportToDjangoView
from prometheus_client import Counter, Histogram

from core.requests import client_ip_in

SIGN_INS_FAILED = Counter(
    "videoplatform_sign_ins_failed",
    "Sign-ins refused (wrong password, inactive account, bad second factor, locked out).",
    ["outcome"],
)
UPLOADS_PROCESSED = Counter(
    "videoplatform_uploads_processed",
    "Videos whose processing ended, by outcome (ready or failed).",
    ["outcome"],
)
COINS_MOVED = Counter(
    "videoplatform_coins_moved",
    "Coins moved by ledger transactions (the sum of their credits), by kind.",
    ["kind"],
)
CELERY_TASKS = Counter(
    "videoplatform_celery_tasks",
    "Celery tasks that ended, by task and outcome (success, failure, retry).",
    ["task", "outcome"],
)
CELERY_TASK_DURATION = Histogram(
    "videoplatform_celery_task_duration_seconds", "How long Celery tasks ran.", ["task"]
)
CACHE_OPERATION_DURATION = Histogram(
    "videoplatform_cache_operation_seconds",
    "How long cache operations took (core/cache.py), by backend and operation.",
    ["backend", "operation"],
    buckets=(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5),
)
CACHE_GETS = Counter(
    "videoplatform_cache_gets",
    "Cache gets by backend and result (hit: the key was there, miss: it was not).",
    ["backend", "result"],
)


def _count_on_commit(counter: Counter, amount: int = 1, **labels: str) -> None:
    transaction.on_commit(lambda: counter.labels(**labels).inc(amount))


def sign_in_failed(*, outcome: str) -> None:
    _count_on_commit(SIGN_INS_FAILED, outcome=outcome)


def upload_processed(*, outcome: str) -> None:
    _count_on_commit(UPLOADS_PROCESSED, outcome=outcome)


def coins_moved(*, kind: str, amounts: list[int]) -> None:
    """Count a ledger transaction whose legs move `amounts` (they sum to zero)."""
    _count_on_commit(COINS_MOVED, sum(amount for amount in amounts if amount > 0), kind=kind)


def cache_operation_timed(*, backend: str, operation: str, seconds: float) -> None:
    CACHE_OPERATION_DURATION.labels(backend=backend, operation=operation).observe(seconds)


def cache_get_answered(*, backend: str, hit: bool) -> None:
    CACHE_GETS.labels(backend=backend, result="hit" if hit else "miss").inc()


# -- Celery: connected to its signals in config/celery.py ------------------------------

_task_started: dict[str, float] = {}  # task id -> start time, within one worker process


def celery_task_started(task_id: str | None = None, **kwargs) -> None:
    if task_id:
        _task_started[task_id] = time.monotonic()


def celery_task_ended(task_id: str | None = None, task=None, **kwargs) -> None:
    started = _task_started.pop(task_id, None) if task_id else None
    if started is not None and task is not None:
        CELERY_TASK_DURATION.labels(task=task.name).observe(time.monotonic() - started)


def celery_task_succeeded(sender=None, **kwargs) -> None:
    CELERY_TASKS.labels(task=getattr(sender, "name", str(sender)), outcome="success").inc()


def celery_task_failed(sender=None, **kwargs) -> None:
    CELERY_TASKS.labels(task=getattr(sender, "name", str(sender)), outcome="failure").inc()


def celery_task_retried(sender=None, **kwargs) -> None:
    CELERY_TASKS.labels(task=getattr(sender, "name", str(sender)), outcome="retry").inc()


# -- /metrics -----------------------------------------------------------------------


def metrics_access_allowed(request: HttpRequest) -> bool:
    """A scraper is let in by `Authorization: Bearer <METRICS_TOKEN>` or by its address
    in `METRICS_ALLOWED_IPS` (addresses or networks); with neither set, nobody is."""
    token = settings.METRICS_TOKEN
    if token:
        scheme, _, given = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() == "bearer" and hmac.compare_digest(given.encode(), token.encode()):
            return True
    return client_ip_in(request, settings.METRICS_ALLOWED_IPS)


def metrics_view(request: HttpRequest) -> HttpResponse:
    """Prometheus' text format; anyone not allowed gets the 404 of an unknown URL."""
    if not metrics_access_allowed(request):
        raise Http404
    return ExportToDjangoView(request)
