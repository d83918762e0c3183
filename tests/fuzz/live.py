"""The thorough schema fuzz, once before a release, not in CI (`make fuzz-live`).

For each database: a fresh one, migrated, holding the fuzz world (tests/fuzz/world.py);
gunicorn with two workers serving it; then schemathesis' command line with every check,
`--max-examples` per operation and every phase (examples, coverage, fuzzing, stateful),
once signed in as the world's user and once anonymous. It prints, per run, how many
requests were sent and how many failures were found, and exits non-zero on any failure.

    .venv/bin/python -m tests.fuzz.live --database sqlite --database postgres \
        --postgres-url postgres://postgres@127.0.0.1:5432/fuzz_live

`--include` keeps to the operations whose path matches a regular expression (for
instance `--include /api/v1/live/`), in every pass.
"""

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from tests.core.subprocess_django import free_port
from tests.fuzz.hooks import HOOK_SECRET

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent

# Limits a fuzzer would otherwise spend its examples on (each is tested in the suite).
SERVER_ENVIRONMENT = {
    "DEBUG": "1",
    "ALLOWED_HOSTS": "127.0.0.1,localhost",
    "PAYMENTS_PROVIDER": "sandbox",
    "PAYOUT_MINIMUM_COINS": "10",
    "LIVE_HOOK_SECRET": HOOK_SECRET,
    "LIVE_HOOK_ALLOWED_IPS": "",
    "JWT_ACCESS_TOKEN_SECONDS": str(24 * 3600),
    **{
        f"THROTTLE_{scope}_RATE": "100000/min"
        for scope in (
            "ANONYMOUS",
            "USER",
            "SIGN_IN",
            "REGISTER",
            "ACCOUNT_EMAIL",
            "SHARE",
            "UPLOAD",
        )
    },
}

# Operations that end the fuzzer's own session run last, in a pass of their own
# (schemathesis fills `{session_id}` with the ids `GET auth/sessions/` lists).
ENDS_THE_SESSION = (
    "auth_logout",
    "auth_logout_all",
    "users_me_delete",
    "auth_password_change",
    "auth_sessions_end",
)
# Anonymous means anonymous: schemathesis would otherwise sign up through
# `auth/register/` and sign in, and every pass would be signed in.
SCHEMATHESIS_CONFIG = "[auth]\nauto-signup = false\n"

# By id: the first pass may have renamed the fuzzer (`PATCH users/me/`).
NEW_SESSION = """
import json
from accounts.models import User
from accounts.services.sessions import ClientInfo, session_start
_, tokens = session_start(
    user=User.objects.get(pk="{user_id}"), client=ClientInfo(ip_address="127.0.0.1")
)
print(json.dumps({{"access_token": tokens.access_token}}))
"""

BUILD_WORLD = """
import json
from tests.fuzz.world import (
    fuzz_world_bodies, fuzz_world_build, fuzz_world_ids, fuzz_world_queries
)
world = fuzz_world_build()
print(json.dumps({
    "access_token": world.access_token,
    "user_id": str(world.user.pk),
    "ids": fuzz_world_ids(world),
    "bodies": fuzz_world_bodies(world),
    "queries": fuzz_world_queries(),
}))
"""


def fresh_database(kind: str, postgres_url: str, folder: Path) -> str:
    if kind == "sqlite":
        return f"sqlite:///{folder / 'fuzz.sqlite3'}"
    import psycopg

    name = postgres_url.rsplit("/", 1)[1]
    admin = postgres_url.rsplit("/", 1)[0].replace("postgres://", "postgresql://", 1)
    with psycopg.connect(f"{admin}/postgres", autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')
    return postgres_url


def run_schemathesis(
    url: str,
    *,
    schema: Path,
    examples: int,
    report: Path,
    headers: list[str],
    operations: list[str],
    world: dict,
) -> dict:
    config = report.with_name("schemathesis.toml")
    config.write_text(SCHEMATHESIS_CONFIG)
    command = [
        str(BIN / "st"),
        "--config-file",
        str(config),
        "run",
        str(schema),
        "--url",
        url,
        "--request-timeout",
        "60",
        "--checks",
        "all",
        # Replaced by tests/fuzz/checks.py's stricter reading, which tells a refused
        # shape (a schema bug) from a broken rule (a wrong code, following oneself).
        "--exclude-checks",
        "positive_data_acceptance",
        "--max-examples",
        str(examples),
        "--phases",
        "examples,coverage,fuzzing,stateful",
        "--workers",
        "2",
        "--seed",
        "11",
        "--suppress-health-check",
        "all",
        "--report",
        "ndjson",
        "--report-ndjson-path",
        str(report),
        "--no-color",
        *[argument for header in headers for argument in ("--header", header)],
        *operations,
    ]
    completed = subprocess.run(
        command,
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
        env={
            **os.environ,
            "SCHEMATHESIS_HOOKS": "tests.fuzz.live_hooks",
            "FUZZ_WORLD": json.dumps({name: world[name] for name in ("ids", "bodies", "queries")}),
            "PYTHONPATH": str(ROOT),
        },
    )
    (report.with_suffix(".txt")).write_text(completed.stdout + completed.stderr)
    return summarize(report)


def summarize(report: Path) -> dict:
    """Requests sent and failures (check, operation, title), from the NDJSON events."""
    requests = 0
    failures = set()
    for line in report.read_text().splitlines():
        event = json.loads(line).get("ScenarioFinished")
        if event is None:
            continue
        recorder = event.get("recorder") or {}
        requests += len(recorder.get("interactions", {}))
        for checks in recorder.get("checks", {}).values():
            for check in checks:
                if check["status"] != "success":
                    failure = (check.get("failure_info") or {}).get("failure") or {}
                    failures.add(
                        (check["name"], failure.get("operation", ""), failure.get("title", ""))
                    )
    return {"requests": requests, "failures": sorted(failures)}


def operation_paths(schema: Path) -> dict[str, str]:
    """Operation id -> path, from the schema."""
    return {
        operation["operationId"]: path
        for path, item in json.loads(schema.read_text())["paths"].items()
        for operation in item.values()
        if isinstance(operation, dict) and "operationId" in operation
    }


def fuzz(
    kind: str, *, postgres_url: str, examples: int, folder: Path, include: str | None = None
) -> list[dict]:
    environment = {
        **os.environ,
        **SERVER_ENVIRONMENT,
        "DATABASE_URL": fresh_database(kind, postgres_url, folder),
        "MEDIA_ROOT": str(folder / "media"),
    }
    manage = [sys.executable, "manage.py"]
    subprocess.run([*manage, "migrate", "--noinput", "-v0"], env=environment, cwd=ROOT, check=True)
    built = subprocess.run(
        [*manage, "shell", "-c", BUILD_WORLD],
        env=environment,
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    )
    world = json.loads(built.stdout.strip().splitlines()[-1])
    token = world["access_token"]

    def new_token() -> str:
        started = subprocess.run(
            [*manage, "shell", "-c", NEW_SESSION.format(user_id=world["user_id"])],
            env=environment,
            cwd=ROOT,
            check=True,
            capture_output=True,
            text=True,
        )
        return json.loads(started.stdout.strip().splitlines()[-1])["access_token"]

    port = free_port()
    server = subprocess.Popen(
        # Unlimited request lines: a long generated query string reaches the API (which
        # is what is under test) instead of gunicorn's own 414 at 4,094 bytes.
        [
            *(str(BIN / "gunicorn"), "config.wsgi", "-w", "2", "-b", f"127.0.0.1:{port}"),
            *("-t", "120", "--limit-request-line", "0"),
        ],
        env=environment,
        cwd=ROOT,
        stdout=(folder / f"gunicorn-{kind}.log").open("w"),
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"{url}/api/v1/health/", timeout=2)  # noqa: S310
                break
            except OSError:
                time.sleep(0.2)
        # Read once, from the server under test (generating it takes longer than
        # schemathesis waits for a response).
        schema = folder / f"schema-{kind}.json"
        with urllib.request.urlopen(f"{url}/api/schema/?format=json", timeout=300) as answer:  # noqa: S310
            schema.write_bytes(answer.read())
        bearer = [f"Authorization: Bearer {token}"]
        paths = operation_paths(schema)
        selected = ["--include-path-regex", include] if include else []
        ends_the_session = [
            name for name in ENDS_THE_SESSION if not include or re.search(include, paths[name])
        ]
        keeps_session = [
            argument for name in ends_the_session for argument in ("--exclude-operation-id", name)
        ]
        passes = [
            ("signed in", lambda: bearer, [*selected, *keeps_session]),
            # Each on a session of its own, as the first request may end it.
            *[
                (
                    f"signed in: {name}",
                    lambda: [f"Authorization: Bearer {new_token()}"],
                    ["--include-operation-id", name],
                )
                for name in ends_the_session
            ],
            ("anonymous", list, selected),
        ]
        results = []
        for number, (name, headers, operations) in enumerate(passes):
            result = run_schemathesis(
                url,
                schema=schema,
                examples=examples,
                report=folder / f"{kind}-{number}.ndjson",
                headers=headers(),
                operations=operations,
                world=world,
            )
            results.append({"database": kind, "pass": name, **result})
        return results
    finally:
        server.terminate()
        server.wait(timeout=30)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", action="append", choices=["sqlite", "postgres"])
    parser.add_argument("--postgres-url", default="postgres://postgres@127.0.0.1:5432/fuzz_live")
    parser.add_argument("--examples", type=int, default=50)
    parser.add_argument("--keep", type=Path, help="a folder to keep the reports and logs in")
    parser.add_argument(
        "--include", metavar="PATH_REGEX", help="fuzz only the operations whose path matches"
    )
    arguments = parser.parse_args()
    folder = arguments.keep or Path(tempfile.mkdtemp(prefix="fuzz-live-"))
    folder.mkdir(parents=True, exist_ok=True)
    results = []
    for kind in arguments.database or ["sqlite"]:
        results += fuzz(
            kind,
            postgres_url=arguments.postgres_url,
            examples=arguments.examples,
            folder=folder,
            include=arguments.include,
        )
    for result in results:
        print(
            f"{result['database']:8} {result['pass']:30} {result['requests']:7} requests "
            f"{len(result['failures']):4} failures"
        )
        for failure in result["failures"]:
            print("   ", " | ".join(failure))
    print(f"reports in {folder}")
    return 1 if any(result["failures"] for result in results) else 0


if __name__ == "__main__":
    sys.exit(main())
