"""Gunicorn's settings for production: `gunicorn -c config/gunicorn.py config.wsgi`.

Prometheus metrics from several workers: with `PROMETHEUS_MULTIPROC_DIR` set, each
worker writes its values to files there and `/metrics` adds them up. The folder is
emptied when the server starts (values of an earlier run would count again), and a
worker that exits is marked dead, so its gauges stop counting.
"""

import os
import shutil
from pathlib import Path

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", "4"))
# Logs go to stderr, where the app's own (plain or JSON) lines go too.
accesslog = "-"


def on_starting(server) -> None:
    folder = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if folder:
        path = Path(folder)
        if path.is_dir():
            shutil.rmtree(path)
        path.mkdir(parents=True)


def child_exit(server, worker) -> None:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
