"""What operators see: request ids, JSON logs, error reporting and metrics from several
gunicorn workers."""

import json
from pathlib import Path

import pytest
from rest_framework.test import APIClient

from tests.core.subprocess_django import (
    collected_static_root,
    gunicorn_server,
    http_get,
    run_django,
)

pytestmark = pytest.mark.django_db


def test_every_response_carries_a_new_request_id(api_client):
    first = api_client.get("/api/v1/health/")["X-Request-ID"]
    second = api_client.get("/no-such-page/")["X-Request-ID"]
    assert len(first) == len(second) == 32
    assert first != second


def test_a_sane_incoming_request_id_is_kept(api_client):
    response = api_client.get("/api/v1/health/", HTTP_X_REQUEST_ID="lb-7f3a.9c:01_x")
    assert response["X-Request-ID"] == "lb-7f3a.9c:01_x"


@pytest.mark.parametrize(
    "incoming", ["has spaces", "x" * 129, "a\u00e9b", "<script>", ""], ids=repr
)
def test_an_unusable_incoming_request_id_is_replaced(api_client, incoming):
    response = api_client.get("/api/v1/health/", HTTP_X_REQUEST_ID=incoming)
    assert response["X-Request-ID"] != incoming
    assert len(response["X-Request-ID"]) == 32


JSON_LOG_REQUEST = """
import django
django.setup()
import logging
from django.test import Client
logging.getLogger("outside").warning("no request here")
response = Client().get("/api/v1/no-such-thing/", HTTP_X_REQUEST_ID="req-42")
print(response.status_code, response["X-Request-ID"])
"""


def test_json_logs_put_the_request_id_on_every_line(tmp_path):
    result = run_django(
        ["-c", JSON_LOG_REQUEST],
        env={
            "DEBUG": "0",
            "SECRET_KEY": "json-log-test-secret",
            "ALLOWED_HOSTS": "testserver",
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
            "PAYMENTS_SANDBOX_ALLOWED": "1",
            "LOG_FORMAT": "json",
            "STATIC_ROOT": str(collected_static_root(tmp_path)),
        },
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["404", "req-42"]
    lines = [json.loads(line) for line in result.stderr.splitlines()]
    assert lines == [
        {
            "time": lines[0]["time"],
            "level": "WARNING",
            "logger": "outside",
            "message": "no request here",
            "request_id": None,
        },
        {
            "time": lines[1]["time"],
            "level": "WARNING",
            "logger": "django.request",
            "message": "Not Found: /api/v1/no-such-thing/",
            "request_id": "req-42",
            "status_code": 404,
            "request": lines[1]["request"],
        },
    ]


def test_an_unknown_log_format_refuses_to_start():
    result = run_django(["manage.py", "check"], env={"DEBUG": "1", "LOG_FORMAT": "xml"})
    assert result.returncode != 0
    assert 'LOG_FORMAT must be "plain" or "json"' in result.stderr


SENTRY_STATE = """
import django
django.setup()
import sentry_sdk
client = sentry_sdk.get_client()
print(client.is_active(), client.options["send_default_pii"], client.options["environment"],
      " ".join(sorted(name for name in client.integrations if name in ("django", "celery"))))
"""


@pytest.mark.parametrize(
    ("dsn", "expected"),
    [
        # Nothing listens on port 9: initialising sends nothing.
        ("http://public@127.0.0.1:9/1", ["True", "False", "staging", "celery", "django"]),
        ("", ["False"]),
    ],
)
def test_sentry_reports_errors_only_when_a_dsn_is_set(dsn, expected):
    result = run_django(
        ["-c", SENTRY_STATE],
        env={
            "DEBUG": "1",
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "SENTRY_DSN": dsn,
            "SENTRY_ENVIRONMENT": "staging",
        },
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[: len(expected)] == expected


# -- metrics from several gunicorn workers -------------------------------------------------


@pytest.fixture
def gunicorn_two_workers(tmp_path):
    """The app under gunicorn with two workers, as config/gunicorn.py runs it."""
    env = {
        "DEBUG": "0",
        "SECRET_KEY": "gunicorn-metrics-test-secret",
        "ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "PAYMENTS_SANDBOX_ALLOWED": "1",
        "METRICS_TOKEN": "multi-process-token",
        "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "prometheus"),
    }
    with gunicorn_server(env=env, log_dir=tmp_path) as base:
        yield base, Path(env["PROMETHEUS_MULTIPROC_DIR"])


def test_metrics_add_up_every_gunicorn_worker(gunicorn_two_workers):
    base, folder = gunicorn_two_workers
    for _ in range(30):
        assert http_get(f"{base}/api/v1/health/")[0] == 200

    status, page = http_get(f"{base}/metrics", Authorization="Bearer multi-process-token")

    assert status == 200

    def value(name: str, label: str) -> float:
        line = next(
            line
            for line in page.decode().splitlines()
            if line.startswith(f"{name}{{") and label in line
        )
        return float(line.rsplit(" ", 1)[1])

    # 30 requests, plus the ones that waited for the server to start.
    name = "django_http_responses_total_by_status_view_method_total"
    assert value(name, 'view="health"') >= 31
    # Each health check sets a key in the cache (the database cache, the default; timed
    # even though this database has no cache table and the set fails).
    name = "videoplatform_cache_operation_seconds_count"
    assert value(name, 'backend="DatabaseCache",operation="set"') >= 31
    assert any(folder.glob("counter_*.db"))
    assert any(folder.glob("histogram_*.db"))


def test_without_a_scraper_configured_metrics_are_not_found(api_client):
    assert APIClient().get("/metrics").status_code == 404
