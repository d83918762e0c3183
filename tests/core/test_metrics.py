"""Prometheus metrics at /metrics: only for an allowed scraper, with the requests'
figures (django-prometheus) and the platform's own counters."""

import pytest
from django.core.management import call_command
from prometheus_client.parser import text_string_to_metric_families
from rest_framework.test import APIClient

from payments.models import LedgerTransaction
from tests.accounts.factories import UserFactory
from tests.payments.factories import wallet_fund
from videos.tasks import trending_compute_task

pytestmark = pytest.mark.django_db

TOKEN = "metrics-test-token-7f3a9c"


@pytest.fixture
def scraper(settings) -> APIClient:
    settings.METRICS_TOKEN = TOKEN
    settings.METRICS_ALLOWED_IPS = []
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    return client


def sample(client: APIClient, name: str, **labels: str) -> float:
    """The value of one sample in the scraped page (0 when it is not there yet)."""
    response = client.get("/metrics")
    assert response.status_code == 200
    for family in text_string_to_metric_families(response.content.decode()):
        for found in family.samples:
            if found.name == name and all(found.labels.get(k) == v for k, v in labels.items()):
                return found.value
    return 0.0


@pytest.mark.parametrize(
    ("token", "allowed_ips", "headers", "remote_addr"),
    [
        pytest.param("", [], {}, "127.0.0.1", id="nothing-configured"),
        pytest.param(TOKEN, [], {}, "127.0.0.1", id="no-token-sent"),
        pytest.param(TOKEN, [], {"HTTP_AUTHORIZATION": "Bearer wrong"}, "127.0.0.1", id="wrong"),
        pytest.param(TOKEN, [], {"HTTP_AUTHORIZATION": TOKEN}, "127.0.0.1", id="no-scheme"),
        pytest.param("", ["10.1.0.0/16"], {}, "10.2.0.1", id="address-not-allowed"),
    ],
)
def test_metrics_are_refused_as_an_unknown_url(settings, token, allowed_ips, headers, remote_addr):
    settings.METRICS_TOKEN = token
    settings.METRICS_ALLOWED_IPS = allowed_ips
    response = APIClient().get("/metrics", REMOTE_ADDR=remote_addr, **headers)
    assert response.status_code == 404
    assert b"django_http" not in response.content


def test_metrics_are_served_to_the_bearer_of_the_token(scraper):
    response = scraper.get("/metrics")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain; version=")
    assert b"django_http_requests_latency_seconds_by_view_method" in response.content


@pytest.mark.parametrize("network", ["10.1.0.0/16", "10.1.2.3"])
def test_metrics_are_served_to_an_allowed_address(settings, network):
    settings.METRICS_TOKEN = ""
    settings.METRICS_ALLOWED_IPS = [network]
    assert APIClient().get("/metrics", REMOTE_ADDR="10.1.2.3").status_code == 200


def test_requests_are_counted_by_view_and_status(scraper):
    name = "django_http_responses_total_by_status_view_method_total"
    labels = {"status": "200", "view": "health", "method": "GET"}
    before = sample(scraper, name, **labels)
    for _ in range(3):
        APIClient().get("/api/v1/health/")
    assert sample(scraper, name, **labels) == before + 3


def test_database_queries_are_counted_and_timed(scraper):
    name = "django_db_query_duration_seconds_count"
    before = sample(scraper, name, alias="default")
    UserFactory()
    assert sample(scraper, name, alias="default") > before


def test_failed_sign_ins_are_counted_by_outcome(scraper, django_capture_on_commit_callbacks):
    user = UserFactory()
    name = "videoplatform_sign_ins_failed_total"
    before = sample(scraper, name, outcome="bad_credentials")
    with django_capture_on_commit_callbacks(execute=True):
        response = APIClient().post(
            "/api/v1/auth/login/", {"username": user.username, "password": "not-the-password"}
        )
    assert response.status_code == 401
    assert sample(scraper, name, outcome="bad_credentials") == before + 1


def test_coins_moved_by_the_ledger_are_counted_by_kind(scraper, django_capture_on_commit_callbacks):
    name = "videoplatform_coins_moved_total"
    before = sample(scraper, name, kind=LedgerTransaction.Kind.TOP_UP)
    with django_capture_on_commit_callbacks(execute=True):
        wallet_fund(UserFactory(), 250)
    assert sample(scraper, name, kind=LedgerTransaction.Kind.TOP_UP) == before + 250


def test_celery_task_outcomes_are_counted(scraper):
    name = "videoplatform_celery_tasks_total"
    labels = {"task": "videos.tasks.trending_compute_task", "outcome": "success"}
    before = sample(scraper, name, **labels)
    trending_compute_task.delay()
    assert sample(scraper, name, **labels) == before + 1
    assert (
        sample(
            scraper,
            "videoplatform_celery_task_duration_seconds_count",
            task="videos.tasks.trending_compute_task",
        )
        >= 1
    )


def test_migrations_are_reported(scraper):
    call_command("check")
    assert b"django_migrations_applied_total" in scraper.get("/metrics").content
