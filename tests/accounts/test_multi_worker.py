"""Limits that must hold on a multi-process server: gunicorn with two real workers.

The server runs the project's production settings (DEBUG off, no CACHE_URL: the
default cache) on the test database, in processes of its own, so nothing a worker
keeps in memory can make a limit hold. Its access log names the worker (pid) that
served each request, so the test can tell several workers took part: each worker is
replaced after `MAX_REQUESTS` requests, so requests made one after another cannot all
reach one process (the kernel hands a new connection to whichever idle worker wakes
first, often the one that just answered).
"""

from pathlib import Path

import pytest
from django.contrib.auth.hashers import Argon2PasswordHasher

from accounts.models import SignInAttempt, User
from tests.accounts.factories import PASSWORD, UserFactory
from tests.core.subprocess_django import http_json, multi_worker_server, workers_that_served

pytestmark = pytest.mark.django_db(transaction=True)

FAILURE_LIMIT = 3
REGISTER_RATE = 3  # per hour, per address
MAX_REQUESTS = 4  # then gunicorn replaces the worker with a new process


@pytest.fixture
def server(tmp_path: Path):
    """gunicorn, two workers, on the test database (tests/core/subprocess_django.py)."""
    env = {
        "ACCOUNTS_SIGN_IN_FAILURE_LIMIT": str(FAILURE_LIMIT),
        "THROTTLE_REGISTER_RATE": f"{REGISTER_RATE}/hour",
        "THROTTLE_SIGN_IN_RATE": "1000/min",
    }
    max_requests = ("--max-requests", str(MAX_REQUESTS), "--max-requests-jitter", "0")
    with multi_worker_server(tmp_path=tmp_path, env=env, args=max_requests) as running:
        yield running


def post(url: str, body: dict) -> tuple[int, dict]:
    return http_json("POST", url, body)


def test_the_sign_in_limit_a_throttle_and_the_lock_hold_across_two_workers(server):
    base, access_log = server
    user = UserFactory(username="ada")
    # A production-cost hash, as a real account has: each check takes a worker a while.
    User.objects.filter(pk=user.pk).update(
        password=Argon2PasswordHasher().encode(PASSWORD, "s" * 22)
    )

    wrong = [post(f"{base}/auth/login/", {"username": "ada", "password": "nope"}) for _ in range(8)]
    right = [
        post(f"{base}/auth/login/", {"username": "ada", "password": PASSWORD}) for _ in range(4)
    ]
    registrations = [
        post(
            f"{base}/auth/register/",
            {
                "email": f"new{n}@example.com",
                "username": f"new{n}",
                "password": "a long passphrase",
            },
        )
        for n in range(10)
    ]

    assert [status for status, _ in wrong] == [401] * FAILURE_LIMIT + [429] * (8 - FAILURE_LIMIT)
    assert {body["errors"][0]["code"] for _, body in wrong[FAILURE_LIMIT:]} == {"too_many_attempts"}
    assert [status for status, _ in right] == [429] * 4  # the lock: the right password waits
    assert [status for status, _ in registrations] == [201] * REGISTER_RATE + [429] * (
        10 - REGISTER_RATE
    )
    assert {body["errors"][0]["code"] for _, body in registrations[REGISTER_RATE:]} == {"throttled"}
    # 12 sign-ins and 10 registrations, at most 4 requests a process:
    assert len(workers_that_served(access_log, "/api/v1/auth/login/")) >= 3
    assert len(workers_that_served(access_log, "/api/v1/auth/register/")) >= 3
    assert SignInAttempt.objects.filter(user=user, outcome="bad_credentials").count() == 3
