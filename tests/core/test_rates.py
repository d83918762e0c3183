"""Shared rate counters (`core.rates`) on each store, and the throttles that read them
(`core.throttling`)."""

import uuid
from types import SimpleNamespace

import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import RequestFactory

from core.models import RateCounter
from core.rates import CacheRates, DatabaseRates, Hits, RedisRates, rates
from core.throttling import AnonymousRateThrottle, UserRateThrottle
from tests.livestream.conftest import redis_client, use_redis_cache

T0 = 1_800_000_000  # a window's start for a 60 s window (divisible by 60)
MINUTE = 60


@pytest.fixture(params=["database", "redis", "cache"])
def store(request, settings):
    prefix = f"test-rates-{uuid.uuid4().hex}"
    if request.param == "redis":
        client = redis_client()
        use_redis_cache(settings, prefix)
    elif request.param == "database":
        settings.CACHES = {
            "default": {
                "BACKEND": "core.cache.TimedCache",
                "TIMED_BACKEND": "django.core.cache.backends.db.DatabaseCache",
                "LOCATION": "django_cache",
            }
        }
    expected = {"database": DatabaseRates, "redis": RedisRates, "cache": CacheRates}
    found = rates()
    assert isinstance(found, expected[request.param])
    yield found
    if request.param == "redis":
        for key in client.scan_iter(match=f"{prefix}:*"):
            client.delete(key)


@pytest.mark.django_db
def test_hits_count_in_the_current_window_and_carry_the_previous_one(store):
    assert store.hit("k", window=MINUTE, now=T0 + 1) == Hits(1, 0, T0)
    assert store.hit("k", window=MINUTE, now=T0 + 59.9) == Hits(2, 0, T0)
    assert store.hit("k", window=MINUTE, now=T0 + 60) == Hits(1, 2, T0 + 60)
    assert store.hit("k", window=MINUTE, now=T0 + 61) == Hits(2, 2, T0 + 60)
    # A window with no hits in between: nothing carried.
    assert store.hit("k", window=MINUTE, now=T0 + 180) == Hits(1, 0, T0 + 180)
    assert store.hit("other", window=MINUTE, now=T0 + 180) == Hits(1, 0, T0 + 180)


@pytest.mark.django_db
def test_a_hit_from_a_process_whose_clock_is_behind_counts_in_the_current_window():
    store = DatabaseRates()
    store.hit("k", window=MINUTE, now=T0 + 61)
    assert store.hit("k", window=MINUTE, now=T0 + 59) == Hits(2, 0, T0 + 60)


def test_the_sliding_estimate_weighs_the_previous_window_by_what_it_still_covers():
    hits = Hits(current=4, previous=10, window_start=T0)
    assert hits.sliding(now=T0, window=MINUTE) == 14
    assert hits.sliding(now=T0 + 15, window=MINUTE) == 10 * 0.75 + 4
    assert hits.sliding(now=T0 + 60, window=MINUTE) == 4


@pytest.mark.django_db
def test_the_database_store_is_one_statement_and_forgets_what_has_expired(
    django_assert_num_queries,
):
    store = DatabaseRates()
    with django_assert_num_queries(1):
        store.hit("old", window=MINUTE, now=T0)
    store.hit("new", window=MINUTE, now=T0 + 100)
    assert store.prune(now=T0 + 121) == 1  # "old" stopped mattering at T0 + 120
    assert list(RateCounter.objects.values_list("key", flat=True)) == ["new"]


def throttle(throttle_class, *, limit: int, now: float):
    instance = throttle_class()
    instance.rate, instance.num_requests, instance.duration = f"{limit}/min", limit, MINUTE
    instance.timer = lambda: now
    return instance


def a_request(user, address: str = "192.0.2.1"):
    request = RequestFactory().get("/", REMOTE_ADDR=address)
    request.user = user
    return request


def user_request(user_id):
    return a_request(SimpleNamespace(pk=user_id, is_authenticated=True))


@pytest.mark.django_db
def test_a_user_gets_the_limit_then_a_retry_after_the_estimate_allows(store):
    request = user_request(uuid.uuid4())
    answers = [
        throttle(UserRateThrottle, limit=3, now=T0 + 30).allow_request(request, None)
        for _ in range(4)
    ]
    assert answers == [True, True, True, False]
    refused = throttle(UserRateThrottle, limit=3, now=T0 + 30)
    assert refused.allow_request(request, None) is False
    # 5 hits in this window: in the next one (from T0 + 60), a hit makes the estimate
    # 5 * (1 - t/60) + 1, which is 3 or less from 36 s into it.
    assert refused.wait() == 66

    later = throttle(UserRateThrottle, limit=3, now=T0 + 30 + 66)
    assert later.allow_request(request, None) is True
    assert later.wait() is None
    # Another user is counted apart.
    fresh = throttle(UserRateThrottle, limit=3, now=T0 + 30)
    assert fresh.allow_request(user_request(uuid.uuid4()), None) is True


@pytest.mark.django_db
def test_the_anonymous_limit_counts_addresses_and_leaves_users_alone(store):
    anonymous = a_request(AnonymousUser(), "192.0.2.9")
    answers = [
        throttle(AnonymousRateThrottle, limit=2, now=T0).allow_request(anonymous, None)
        for _ in range(3)
    ]
    assert answers == [True, True, False]
    signed_in = user_request(uuid.uuid4())
    assert throttle(AnonymousRateThrottle, limit=0, now=T0).allow_request(signed_in, None)


@pytest.mark.django_db
def test_the_user_limit_leaves_anonymous_requests_to_the_anonymous_one(
    store, django_assert_num_queries
):
    anonymous = a_request(AnonymousUser(), "192.0.2.9")

    with django_assert_num_queries(0):
        assert throttle(UserRateThrottle, limit=0, now=T0).allow_request(anonymous, None)
