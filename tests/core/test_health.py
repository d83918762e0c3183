"""The health check tells a load balancer whether this instance can serve."""

import json

import pytest

from tests.core.subprocess_django import collected_static_root, run_django

pytestmark = pytest.mark.django_db


def test_healthy(api_client):
    response = api_client.get("/api/v1/health/")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "database": "ok",
        "cache": "ok",
        "static_files": "ok",
    }
    assert response["Cache-Control"] == "no-store"


def test_health_ignores_a_bad_token(api_client):
    api_client.credentials(HTTP_AUTHORIZATION="Bearer not-a-token")
    assert api_client.get("/api/v1/health/").status_code == 200


def test_health_is_never_throttled(api_client):
    for _ in range(150):  # more than the anonymous rate per minute
        response = api_client.get("/api/v1/health/")
    assert response.status_code == 200


HEALTH_REQUEST = """
import json, django
django.setup()
from django.test import Client
response = Client().get("/api/v1/health/")
print(json.dumps({"status": response.status_code, "body": response.json()}))
"""


@pytest.mark.parametrize(
    ("variables", "status", "body"),
    [
        pytest.param(
            # A database file in a directory that does not exist cannot be opened.
            {"DATABASE_URL": "sqlite:////nonexistent/directory/db.sqlite3"},
            503,
            {
                "status": "unavailable",
                "database": "unavailable",
                "cache": "ok",
                "static_files": "ok",
            },
            id="database-down",
        ),
        pytest.param(
            # Nothing listens on port 1: the cache refuses every connection.
            {"CACHE_URL": "redis://127.0.0.1:1/0"},
            200,
            {"status": "degraded", "database": "ok", "cache": "unavailable", "static_files": "ok"},
            id="cache-down",
        ),
        pytest.param(
            # Without DEBUG the docs and the admin need `collectstatic` to have run.
            {"STATIC_ROOT": "/nonexistent/staticfiles"},
            200,
            {"status": "degraded", "database": "ok", "cache": "ok", "static_files": "unavailable"},
            id="static-files-not-collected",
        ),
    ],
)
def test_health_reports_unreachable_services(tmp_path, variables, status, body):
    env = {
        "DEBUG": "0",
        "SECRET_KEY": "health-test-secret",
        "ALLOWED_HOSTS": "testserver",
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "PAYMENTS_SANDBOX_ALLOWED": "1",
        "STATIC_ROOT": str(collected_static_root(tmp_path)),
        # The default cache lives in the database, which is not migrated here: a cache of
        # its own keeps answering, so each case shows only the service it breaks.
        "CACHE_URL": "locmemcache://",
        **variables,
    }
    result = run_django(["-c", HEALTH_REQUEST], env=env)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.strip().splitlines()[-1]) == {"status": status, "body": body}
