"""The Celery application.

Tasks run in a worker when `CELERY_BROKER_URL` names a broker; without one they run
eagerly in-process (see `CELERY_TASK_ALWAYS_EAGER` in settings), so the embedded
default needs nothing else installed.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("config")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
