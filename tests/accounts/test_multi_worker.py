"""Limits that must hold on a multi-process server: gunicorn with two real workers.

The server runs the project's production settings (DEBUG off, no CACHE_URL: the
default cache) on the test database, in processes of its own, so nothing a worker
keeps in memory can make a limit hold. Its access log names the worker (pid) that
served each request, so the test can tell both workers took part.
"""

import json
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.contrib.auth.hashers import Argon2PasswordHasher

from accounts.models import SignInAttempt, User
from tests.accounts.factories import PASSWORD, UserFactory
from tests.core.subprocess_django import database_url, gunicorn_server, run_django

pytestmark = pytest.mark.django_db(transaction=True)

FAILURE_LIMIT = 3
REGISTER_RATE = 3  # per hour, per address


@pytest.fixture
def server(tmp_path: Path):
    """gunicorn, two workers, serving the test database; yields its base URL and the
    access log's path. `migrate` runs first, as a deployment does: it creates the
    default cache's table, and nothing else is needed."""
    env = {
        "DEBUG": "0",
        "SECRET_KEY": "multi-worker-test-secret-" + "x" * 40,
        "ALLOWED_HOSTS": "127.0.0.1",
        "DATABASE_URL": database_url(),
        "DATABASE_POOL": "0",
        "MEDIA_ROOT": str(tmp_path / "media"),
        "LOG_LEVEL": "WARNING",
        "ACCOUNTS_SIGN_IN_FAILURE_LIMIT": str(FAILURE_LIMIT),
        "THROTTLE_REGISTER_RATE": f"{REGISTER_RATE}/hour",
        "THROTTLE_SIGN_IN_RATE": "1000/min",
        "PAYMENTS_SANDBOX_ALLOWED": "1",
    }
    migrated = run_django(["manage.py", "migrate", "--noinput"], env=env, timeout=300)
    assert migrated.returncode == 0, migrated.stderr
    access_log = tmp_path / "access.log"
    access = ("--access-logfile", str(access_log), "--access-logformat", "%(p)s %(s)s %(U)s")
    with gunicorn_server(env=env, log_dir=tmp_path, args=access) as base:
        yield f"{base}/api/v1", access_log


def post(url: str, body: dict) -> tuple[int, dict]:
    request = urllib.request.Request(  # noqa: S310 - loopback only
        url,
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json", "Connection": "close"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            return response.status, json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")


def workers_that_served(access_log: Path, path: str) -> set[str]:
    lines = access_log.read_text().splitlines()
    return {line.split()[0] for line in lines if line.split()[2] == path}


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
    assert len(workers_that_served(access_log, "/api/v1/auth/login/")) == 2
    assert len(workers_that_served(access_log, "/api/v1/auth/register/")) == 2
    assert SignInAttempt.objects.filter(user=user, outcome="bad_credentials").count() == 3
