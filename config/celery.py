"""The Celery application.

Tasks run in a worker when `CELERY_BROKER_URL` names a broker; without one they run
eagerly in-process (see `CELERY_TASK_ALWAYS_EAGER` in settings), so the embedded
default needs nothing else installed.
"""

import os

from celery import Celery, signals

from core import metrics

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("config")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Task outcomes and durations for Prometheus (core/metrics.py).
signals.task_prerun.connect(metrics.celery_task_started, weak=False)
signals.task_postrun.connect(metrics.celery_task_ended, weak=False)
signals.task_success.connect(metrics.celery_task_succeeded, weak=False)
signals.task_failure.connect(metrics.celery_task_failed, weak=False)
signals.task_retry.connect(metrics.celery_task_retried, weak=False)
