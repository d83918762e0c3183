"""Load benchmark: gunicorn serving the app on SQLite and on PostgreSQL, driven by wrk.

Not a test and not in CI: run it by hand (`make bench`). For each database it builds a
throwaway database, seeds it with `manage.py seed_demo`, serves the app with gunicorn
on loopback, and drives each endpoint with wrk from another process for a fixed time.
It reports requests per second and p50/p99 latency per endpoint, and each figure as a
ratio to the authenticated trivial endpoint (`users/me/`) measured in the same run:
the ratios travel between machines, the absolute numbers do not.

    .venv/bin/python bench/load.py --database sqlite --database postgres --seconds 10
"""

import argparse
import json
import os
import platform
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
DEMO_PASSWORD = "demo-password-123"  # seed_demo's documented demo password
UNLIMITED = "1000000/min"

FIXTURES = """
import json, django
django.setup()
from accounts.models import User
from accounts.services.sessions import ClientInfo, session_start
from videos.models import Video
user = User.objects.get(username="demo_user")
_, tokens = session_start(user=user, client=ClientInfo(ip_address="127.0.0.1"))
video = Video.objects.filter(status="ready", visibility="public", owner__is_private=False,
                             owner__status="active").order_by("-published_at").first()
print(json.dumps({"token": tokens.access_token, "video": str(video.pk)}))
"""


@dataclass(frozen=True)
class Endpoint:
    name: str
    method: str
    path: str
    authenticated: bool = False
    body: str = ""
    alternate_delete: bool = False  # POST then DELETE, so every request writes


def endpoints(video_id: str) -> list[Endpoint]:
    login = json.dumps({"username": "demo_user", "password": DEMO_PASSWORD})
    return [
        Endpoint("health", "GET", "/api/v1/health/"),
        Endpoint("users/me (authenticated trivial)", "GET", "/api/v1/users/me/", True),
        Endpoint("following feed", "GET", "/api/v1/feed/following/", True),
        Endpoint("trending feed", "GET", "/api/v1/feed/trending/"),
        Endpoint("video detail", "GET", f"/api/v1/videos/{video_id}/", True),
        Endpoint("like / unlike", "POST", f"/api/v1/videos/{video_id}/like/", True, "", True),
        Endpoint(
            "comment",
            "POST",
            f"/api/v1/videos/{video_id}/comments/",
            True,
            json.dumps({"text": "A comment from the load benchmark."}),
        ),
        Endpoint("login (Argon2)", "POST", "/api/v1/auth/login/", False, login),
    ]


def lua_script(endpoint: Endpoint, token: str) -> str:
    headers = ['wrk.headers["Content-Type"] = "application/json"']
    if endpoint.authenticated:
        headers.append(f'wrk.headers["Authorization"] = "Bearer {token}"')
    body = json.dumps(endpoint.body) if endpoint.body else "nil"
    if endpoint.alternate_delete:
        request = (
            "local n = 0\nrequest = function()\n  n = n + 1\n"
            '  local method = (n % 2 == 1) and "POST" or "DELETE"\n'
            f'  return wrk.format(method, "{endpoint.path}", nil, nil)\nend\n'
        )
    else:
        request = (
            "request = function()\n"
            f'  return wrk.format("{endpoint.method}", "{endpoint.path}", nil, {body})\nend\n'
        )
    return "\n".join(headers) + "\n" + request


def wrk_command(url: str, script_path: str, seconds: int, connections: int, **options) -> list:
    """wrk's command line: one thread, `connections` connections for `seconds`, with
    latency percentiles and the Lua script at `script_path`."""
    extra = [f"--{name}={value}" for name, value in options.items()]
    return [
        "wrk",
        "-t1",
        f"-c{connections}",
        f"-d{seconds}s",
        "--latency",
        *extra,
        "-s",
        script_path,
        url,
    ]


def wrk_parse(output: str) -> dict:
    """Requests a second, p50 and p99 in milliseconds and the count of errors (non-2xx
    answers, plus connection errors and timeouts) from wrk's report."""
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    socket_errors = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),
        "p50": _milliseconds(re.search(r"\s50%\s+([\d.]+\w+)", output).group(1)),
        "p99": _milliseconds(re.search(r"\s99%\s+([\d.]+\w+)", output).group(1)),
        "errors": (int(non_2xx.group(1)) if non_2xx else 0)
        + (sum(int(n) for n in socket_errors.groups()) if socket_errors else 0),
    }


def wrk(url: str, script: str, seconds: int, connections: int) -> dict:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as handle:
        handle.write(script)
    command = wrk_command(url, handle.name, seconds, connections)
    output = subprocess.run(command, check=True, capture_output=True, text=True).stdout  # noqa: S603
    os.unlink(handle.name)
    return wrk_parse(output)


def _milliseconds(text: str) -> float:
    number, unit = re.match(r"([\d.]+)(\w+)", text).groups()
    return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]


def manage(env: dict, *args: str) -> str:
    result = subprocess.run(  # noqa: S603
        [PYTHON, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True
    )
    if result.returncode != 0:
        sys.stderr.write(result.stdout + result.stderr)
        raise SystemExit(f"manage.py {' '.join(args)} failed")
    return result.stdout


def database_url(database: str, postgres_url: str, folder: str) -> str:
    if database == "sqlite":
        return f"sqlite:///{folder}/bench.sqlite3"
    import psycopg

    admin_url = postgres_url.replace("postgres://", "postgresql://", 1)
    with psycopg.connect(admin_url, autocommit=True) as connection:
        connection.execute('DROP DATABASE IF EXISTS "bench_load"')
        connection.execute('CREATE DATABASE "bench_load"')
    return postgres_url.rsplit("/", 1)[0] + "/bench_load"


def server_env(database_url: str, folder: str, **extra: str) -> dict[str, str]:
    """The environment of a benchmark's server and its manage.py commands: production
    settings (DEBUG off) on `database_url`, media in `folder`, no broker, plus `extra`."""
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": database_url,
        "DEBUG": "0",
        "SECRET_KEY": "bench-only-secret-key-" + "x" * 40,
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "MEDIA_ROOT": f"{folder}/media",
        "CELERY_BROKER_URL": "",
        "PAYMENTS_SANDBOX_ALLOWED": "1",  # a benchmark deployment (core.E001)
        "LOG_LEVEL": "WARNING",
        **extra,
    }


def gunicorn_start(env: dict, *, port: int, workers: int, args: tuple[str, ...] = ()):
    """gunicorn serving the app on loopback `port` with `workers` workers (a Popen)."""
    return subprocess.Popen(  # noqa: S603
        [
            str(Path(PYTHON).with_name("gunicorn")),
            "config.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            *args,
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )


def run_database(database: str, options) -> list[tuple[Endpoint, dict]]:
    folder = tempfile.mkdtemp(prefix="bench-load-")
    env = server_env(
        database_url(database, options.postgres_url, folder),
        folder,
        ACCOUNTS_SIGN_IN_FAILURE_LIMIT="1000000",
        **{
            f"THROTTLE_{scope}_RATE": UNLIMITED
            for scope in ("ANONYMOUS", "USER", "SIGN_IN", "REGISTER", "SHARE")
        },
    )
    print(f"{database}: migrating and seeding", file=sys.stderr)
    manage(env, "migrate", "--noinput", "-v", "0")
    manage(env, "collectstatic", "--noinput", "-v", "0")
    manage(env, "seed_demo", "--users", str(options.users), "--videos", str(options.videos))
    manage(env, "compute_trending")
    fixtures = json.loads(manage(env, "shell", "-c", FIXTURES).strip().splitlines()[-1])

    port = options.port
    server = gunicorn_start(env, port=port, workers=options.workers)
    try:
        _wait_for(f"http://127.0.0.1:{port}/api/v1/health/")
        results = []
        for endpoint in endpoints(fixtures["video"]):
            print(f"{database}: {endpoint.name}", file=sys.stderr)
            script = lua_script(endpoint, fixtures["token"])
            results.append(
                (
                    endpoint,
                    wrk(f"http://127.0.0.1:{port}", script, options.seconds, options.connections),
                )
            )
        return results
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
        shutil.rmtree(folder, ignore_errors=True)


def _wait_for(url: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2):  # noqa: S310 - loopback only
                return
        except OSError:
            time.sleep(0.3)
    raise SystemExit(f"The server did not answer at {url}")


def machine() -> str:
    model = "unknown CPU"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        found = re.search(r"model name\s*:\s*(.+)", cpuinfo.read_text())
        model = found.group(1).strip() if found else model
    python = platform.python_version()
    return f"{platform.machine()}, {os.cpu_count()} cores ({model}), Python {python}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", choices=["sqlite", "postgres"], action="append")
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--users", type=int, default=100)
    parser.add_argument("--videos", type=int, default=1000)
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--postgres-url", default="postgres://postgres@127.0.0.1:5432/postgres")
    options = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed (Debian: apt-get install wrk).")

    print(f"Load run of {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {machine()}.")
    print(
        f"gunicorn with {options.workers} workers; wrk with 1 thread, {options.connections} "
        f"connections, {options.seconds} s per endpoint; seed_demo --users {options.users} "
        f"--videos {options.videos}.\n"
    )
    for database in options.database or ["sqlite", "postgres"]:
        results = run_database(database, options)
        base = next(result for endpoint, result in results if endpoint.path.endswith("/me/"))
        print(f"### {database}\n")
        print("| endpoint | req/s | p50 (ms) | p99 (ms) | req/s vs users/me | p50 vs users/me |")
        print("| --- | ---: | ---: | ---: | ---: | ---: |")
        for endpoint, result in results:
            errors = f" ({result['errors']} non-2xx)" if result["errors"] else ""
            print(
                f"| {endpoint.name}{errors} | {result['rps']:.0f} | {result['p50']:.1f} "
                f"| {result['p99']:.1f} | {result['rps'] / base['rps']:.2f} "
                f"| {result['p50'] / base['p50']:.2f} |",
                flush=True,
            )
        print()


if __name__ == "__main__":
    main()
