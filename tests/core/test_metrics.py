"""Prometheus metrics at /metrics: only for an allowed scraper, with the requests'
figures (django-prometheus), the platform's own counters and the cache's timings."""

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection
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


# -- the cache (core/cache.py; the tests' cache is Django's LocMemCache) -----------------

CACHE_TIMINGS = "videoplatform_cache_operation_seconds_count"
CACHE_GETS = "videoplatform_cache_gets_total"


def cache_figures(scraper: APIClient, backend: str = "LocMemCache") -> dict[str, float]:
    operations = ["get", "set", "add", "delete", "incr", "get_many", "set_many", "get_or_set"]
    figures = {
        operation: sample(scraper, CACHE_TIMINGS, backend=backend, operation=operation)
        for operation in operations
    }
    for result in ("hit", "miss"):
        figures[result] = sample(scraper, CACHE_GETS, backend=backend, result=result)
    return figures


def moved(before: dict[str, float], after: dict[str, float]) -> dict[str, float]:
    return {name: after[name] - before[name] for name in before if after[name] != before[name]}


def test_cache_operations_are_timed_by_backend_and_operation(scraper):
    before = cache_figures(scraper)
    cache.set("metrics:a", 1)
    cache.add("metrics:b", 2)
    cache.incr("metrics:a")
    cache.set_many({"metrics:c": 3, "metrics:d": 4})
    assert cache.get_many(["metrics:a", "metrics:c"]) == {"metrics:a": 2, "metrics:c": 3}
    cache.delete("metrics:b")
    assert moved(before, cache_figures(scraper)) == {
        "set": 1,
        "add": 1,
        "incr": 1,
        "set_many": 1,
        "get_many": 1,
        "delete": 1,
    }


def test_cache_gets_are_counted_as_hits_and_misses(scraper):
    cache.set("metrics:present", "value")
    cache.set("metrics:none", None)
    before = cache_figures(scraper)
    assert cache.get("metrics:present") == "value"
    assert cache.get("metrics:none", "fallback") is None  # a stored None is a hit
    assert cache.get("metrics:absent", "fallback") == "fallback"
    assert cache.get("metrics:absent") is None
    assert moved(before, cache_figures(scraper)) == {"get": 4, "hit": 2, "miss": 2}


def test_an_operation_made_of_others_is_counted_once(scraper):
    before = cache_figures(scraper)
    assert cache.get_or_set("metrics:made", 7) == 7  # a get and an add, inside
    assert moved(before, cache_figures(scraper)) == {"get_or_set": 1}


@pytest.mark.urls("tests.core.urls")
def test_throttles_count_in_the_timed_cache(scraper, api_client):
    before = cache_figures(scraper)
    assert api_client.get("/api/v1/test/throttled/").status_code == 200
    assert api_client.get("/api/v1/test/throttled/").status_code == 200
    assert api_client.get("/api/v1/test/throttled/").status_code == 429
    # Each request reads the client's history; the two let in write it back.
    assert moved(before, cache_figures(scraper)) == {"get": 3, "miss": 1, "hit": 2, "set": 2}


def test_the_database_cache_is_timed_as_itself(settings, scraper):
    settings.CACHES = {
        "default": {
            "BACKEND": "core.cache.TimedCache",
            "TIMED_BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "metrics_test_cache",
        }
    }
    call_command("createcachetable")  # it still knows a database cache when it sees one
    assert "metrics_test_cache" in connection.introspection.table_names()
    before = cache_figures(scraper, backend="DatabaseCache")
    cache.set("metrics:stored", "value")
    assert cache.get("metrics:stored") == "value"
    assert cache.get("metrics:absent") is None
    # Its get is a get_many of one key, counted as the get only.
    assert moved(before, cache_figures(scraper, backend="DatabaseCache")) == {
        "set": 1,
        "get": 2,
        "hit": 1,
        "miss": 1,
    }
