"""Viewer counts in the cache, on a controlled clock: who counts when, with repeated,
late, out-of-order and concurrent heartbeats, on the test cache (local memory) and on
Django's database cache (the embedded default)."""

import random
import threading
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection

from livestream.selectors.viewers import (
    BUCKET_SECONDS,
    session_unique_viewer_count,
    stream_viewer_count,
    viewer_bucket,
    window_buckets,
)
from livestream.services.viewers import viewer_heartbeat_record

# A bucket's start: offsets from it say where in a bucket a heartbeat falls.
T0 = datetime(2026, 12, 6, 12, 0, 0, tzinfo=UTC)
STREAM = uuid.uuid4()
SESSION = uuid.uuid4()


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def beat(viewer: str, seconds: float, stream=STREAM) -> bool:
    return viewer_heartbeat_record(
        stream_id=stream, session_id=SESSION, viewer_id=viewer, now=at(seconds)
    )


def count(seconds: float, stream=STREAM) -> int:
    return stream_viewer_count(stream_id=stream, now=at(seconds))


def counted_by_the_rule(last_heartbeats: dict[str, float], seconds: float) -> int:
    """The documented rule: a viewer counts while its last heartbeat's bucket is one of
    the window's buckets ending with now's."""
    current = viewer_bucket(at(seconds))
    return sum(
        1
        for last in last_heartbeats.values()
        if last <= seconds and viewer_bucket(at(last)) > current - window_buckets()
    )


def test_the_window_counts_for_45_to_50_seconds():
    assert (BUCKET_SECONDS, window_buckets()) == (5, 10)


@pytest.mark.parametrize("offset", [0, 2.5, 4.9])
def test_a_viewer_counts_for_45_seconds_after_its_last_heartbeat_and_not_50(offset):
    assert count(offset) == 0
    assert beat("ada", offset) is True

    assert [count(offset + s) for s in (0, 10, 30, 44, 45)] == [1, 1, 1, 1, 1]
    assert count(offset + 50) == 0


def test_a_viewer_heartbeating_every_15_seconds_counts_once_all_along():
    for second in range(0, 180, 15):
        beat("ada", second)
        assert [count(second + s) for s in (0, 5, 14)] == [1, 1, 1]
    assert count(165 + 45) == 1
    assert count(165 + 50) == 0


def test_a_viewer_moving_to_a_later_bucket_is_never_counted_twice_meanwhile(monkeypatch):
    """Read after every counter change of a move: a count read mid-move may be one
    low, never one high, so the peak a flush keeps is never more than there were."""
    from livestream.services import viewers

    beat("ada", 0)
    beat("bob", 0)
    seen = []
    counter_add = viewers._counter_add

    def counter_add_then_read(key, delta, lifetime):
        counter_add(key, delta, lifetime)
        seen.append(count(15))

    monkeypatch.setattr(viewers, "_counter_add", counter_add_then_read)
    beat("ada", 15)

    # After the release of ada's bucket (1: bob), then after the increment (2). The
    # other order read 3 in between: a peak of 3 with 2 viewers.
    assert seen == [1, 2]


def test_a_repeated_heartbeat_in_the_same_bucket_changes_nothing():
    assert beat("ada", 0) is True
    assert beat("ada", 1) is False
    assert beat("ada", 4.9) is False
    assert count(4) == 1


def test_heartbeats_arriving_out_of_order_count_the_viewer_once():
    beat("ada", 20)  # a process whose clock runs ahead
    beat("ada", 0)
    beat("ada", 10)
    assert count(20) == 1
    assert count(20 + 45) == 1
    assert count(20 + 50) == 0


def test_a_viewer_who_comes_back_after_expiring_counts_again_once():
    beat("ada", 0)
    assert count(60) == 0
    beat("ada", 60)
    assert (count(60), count(100), count(110)) == (1, 1, 0)


def test_streams_are_counted_apart_and_unique_viewers_per_broadcast():
    other = uuid.uuid4()
    beat("ada", 0)
    beat("bob", 0)
    beat("ada", 0, stream=other)
    beat("ada", 60)  # ada again, after expiring: still one unique viewer

    assert (count(0), count(0, stream=other)) == (2, 1)
    assert session_unique_viewer_count(session_id=SESSION) == 2


def test_many_viewers_with_irregular_heartbeats_match_the_rule_at_every_second():
    rng = random.Random(13)
    schedule = []
    for number in range(40):
        second = rng.uniform(0, 30)
        while second < 240:
            schedule.append((second, f"v{number}"))
            # Mostly on time, sometimes late or early; some viewers leave for a while.
            second += rng.choice([15, 15, 15, 14.2, 16.9, 25, 44, 47, 60, 90])
    schedule.sort()
    last: dict[str, float] = {}
    position = 0
    for second in range(300):
        while position < len(schedule) and schedule[position][0] <= second:
            moment, viewer = schedule[position]
            beat(viewer, moment)
            last[viewer] = moment
            position += 1
        assert count(second) == counted_by_the_rule(last, second), second
        # The promise to clients, whatever the bucket edges.
        within_45 = sum(1 for moment in last.values() if second - moment <= 45)
        within_50 = sum(1 for moment in last.values() if second - moment < 50)
        assert within_45 <= count(second) <= within_50


# -- concurrency, on each cache every worker can share -------------------------------


@pytest.fixture(params=["local memory", "database"])
def shared_cache(request, settings):
    if request.param == "database":
        settings.CACHES = {
            "default": {
                "BACKEND": "core.cache.TimedCache",
                "TIMED_BACKEND": "django.core.cache.backends.db.DatabaseCache",
                "LOCATION": "viewers_test_cache",
            }
        }
        call_command("createcachetable", verbosity=0)
        assert "viewers_test_cache" in connection.introspection.table_names()
    cache.clear()
    yield request.param
    cache.clear()


def run_in_threads(jobs, threads: int = 4) -> None:
    """Run the callables in `threads` threads at once, each with its own connection."""
    chunks = [jobs[number::threads] for number in range(threads)]
    errors = []
    start = threading.Barrier(threads)

    def work(chunk):
        try:
            start.wait()
            for job in chunk:
                job()
        except Exception as error:
            errors.append(error)
        finally:
            connection.close()

    workers = [threading.Thread(target=work, args=(chunk,)) for chunk in chunks]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert errors == []


@pytest.mark.django_db(transaction=True)
def test_concurrent_heartbeats_of_many_viewers_count_exactly(shared_cache):
    viewers = [f"v{number}" for number in range(30)]
    # Each viewer heartbeats in three buckets, twice in each, all threads at once.
    jobs = [
        (lambda viewer=viewer, second=second: beat(viewer, second))
        for viewer in viewers
        for second in (0, 0.5, 5, 5.5, 10, 10.5)
    ]
    random.Random(7).shuffle(jobs)

    run_in_threads(jobs)

    assert count(10) == 30
    assert count(10 + 45) == 30
    assert count(10 + 50) == 0
    assert session_unique_viewer_count(session_id=SESSION) == 30


@pytest.mark.django_db(transaction=True)
def test_the_database_cache_increments_atomically(shared_cache):
    cache.add("counter", 0)

    run_in_threads([lambda: cache.incr("counter") for _ in range(80)])
    run_in_threads([lambda: cache.decr("counter") for _ in range(30)])

    assert cache.get("counter") == 50
