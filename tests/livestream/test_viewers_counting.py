"""Viewer counts in the presence store, on a controlled clock: who counts when, with
repeated, late, out-of-order and concurrent heartbeats, on the default configuration's
presence table and on Redis (as production configures it)."""

import random
import threading
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection

from livestream.models import ViewerPresence
from livestream.presence import DatabasePresence, RedisPresence, presence
from livestream.selectors.viewers import (
    session_unique_viewer_count,
    stream_viewer_count,
    unique_viewers_group,
)
from livestream.services.viewers import UNIQUE_VIEWER_SECONDS, viewer_heartbeat_record
from tests.livestream.conftest import redis_client, use_redis_cache

T0 = datetime(2026, 12, 6, 12, 0, 0, tzinfo=UTC)
STREAM = uuid.uuid4()
SESSION = uuid.uuid4()


@pytest.fixture(params=["database", "redis"], autouse=True)
def store(request, settings):
    """Each test runs on both stores: the presence table, and Redis."""
    prefix = f"test-presence-{uuid.uuid4().hex}"
    if request.param == "redis":
        client = redis_client()
        use_redis_cache(settings, prefix)
    assert isinstance(presence(), RedisPresence if request.param == "redis" else DatabasePresence)
    yield request.param
    if request.param == "redis":
        # Only this test's keys: the Redis database is shared with other test processes.
        for key in client.scan_iter(match=f"{prefix}:*"):
            client.delete(key)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def beat(viewer: str, seconds: float, stream=STREAM) -> None:
    viewer_heartbeat_record(stream_id=stream, viewer_id=viewer, now=at(seconds))


def watched(viewer: str, seconds: float) -> None:
    """What `watch/` adds to a heartbeat: the viewer is one of the broadcast's."""
    presence().touch(
        unique_viewers_group(SESSION), viewer, seconds=UNIQUE_VIEWER_SECONDS, now=at(seconds)
    )


def count(seconds: float, stream=STREAM) -> int:
    return stream_viewer_count(stream_id=stream, now=at(seconds))


@pytest.mark.django_db
@pytest.mark.parametrize("offset", [0, 2.5, 4.9])
def test_a_viewer_counts_until_45_seconds_after_its_last_heartbeat(offset):
    assert count(offset) == 0
    beat("ada", offset)

    assert [count(offset + s) for s in (0, 10, 30, 44, 44.99)] == [1, 1, 1, 1, 1]
    assert count(offset + 45) == 0


@pytest.mark.django_db
def test_a_viewer_heartbeating_every_15_seconds_counts_once_all_along():
    for second in range(0, 180, 15):
        beat("ada", second)
        assert [count(second + s) for s in (0, 5, 14)] == [1, 1, 1]
    assert count(165 + 44) == 1
    assert count(165 + 45) == 0


@pytest.mark.django_db
def test_repeated_heartbeats_count_the_viewer_once():
    for second in (0, 0, 1, 4.9):
        beat("ada", second)
    assert count(4.9) == 1


@pytest.mark.django_db
def test_heartbeats_arriving_out_of_order_never_shorten_a_presence():
    beat("ada", 20)  # a process whose clock runs ahead
    beat("ada", 0)
    beat("ada", 10)
    assert count(20) == 1
    assert count(20 + 44) == 1
    assert count(20 + 45) == 0


@pytest.mark.django_db
def test_a_viewer_who_comes_back_after_expiring_counts_again_once():
    beat("ada", 0)
    assert count(60) == 0
    beat("ada", 60)
    assert (count(60), count(100), count(105)) == (1, 1, 0)


@pytest.mark.django_db
def test_streams_are_counted_apart_and_unique_viewers_per_broadcast():
    other = uuid.uuid4()
    for viewer in ("ada", "bob"):
        watched(viewer, 0)
        beat(viewer, 0)
    beat("ada", 0, stream=other)
    watched("ada", 60)  # ada again, after expiring: still one unique viewer

    assert (count(0), count(0, stream=other)) == (2, 1)
    assert session_unique_viewer_count(session_id=SESSION, now=at(60)) == 2


@pytest.mark.django_db
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
        expected = sum(1 for moment in last.values() if second - moment < 45)
        assert count(second) == expected, second


@pytest.mark.django_db
def test_pruning_drops_expired_presence_only(store):
    beat("ada", 0)
    beat("bob", 30)

    presence().prune(now=at(50))

    assert count(50) == 1
    if store == "database":
        assert list(ViewerPresence.objects.values_list("member", flat=True)) == ["bob"]


@pytest.mark.django_db
def test_forgetting_a_broadcast_drops_its_viewers():
    beat("ada", 0)
    watched("ada", 0)

    presence().forget([f"v:{STREAM.hex}", unique_viewers_group(SESSION)])

    assert count(1) == 0
    assert session_unique_viewer_count(session_id=SESSION, now=at(1)) == 0


# -- concurrency ---------------------------------------------------------------------


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
def test_concurrent_heartbeats_of_many_viewers_count_exactly():
    viewers = [f"v{number}" for number in range(30)]
    jobs = [
        (lambda viewer=viewer, second=second: (beat(viewer, second), watched(viewer, second)))
        for viewer in viewers
        for second in (0, 0.5, 5, 5.5, 10, 10.5)
    ]
    random.Random(7).shuffle(jobs)

    run_in_threads(jobs)

    assert count(10.5) == 30
    assert count(10.5 + 44.9) == 30
    assert count(10.5 + 45) == 0
    assert session_unique_viewer_count(session_id=SESSION, now=at(11)) == 30
