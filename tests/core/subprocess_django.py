"""Run Django in a fresh process with an environment of the test's choosing.

Settings are read once per process, so what depends on environment variables (a
missing secret, production security settings, an unreachable database) is checked by
starting the project anew. `multi_worker_server` runs it under gunicorn with two real
workers on the test database, for what must hold across processes.
"""

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from django.db import connection

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def run_django(
    args: list[str], *, env: dict[str, str], timeout: int = 60
) -> subprocess.CompletedProcess:
    """Run `python <args>` in the project root with only PATH and `env` set."""
    clean_env = {"PATH": os.environ.get("PATH", ""), "HOME": str(Path.home())}
    clean_env.update(env)
    return subprocess.run(  # noqa: S603 - our own interpreter and arguments
        [sys.executable, *args],
        cwd=PROJECT_ROOT,
        env=clean_env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def collected_static_root(tmp_path: Path) -> Path:
    """A STATIC_ROOT as `collectstatic` leaves it, reduced to its manifest."""
    root = tmp_path / "staticfiles"
    root.mkdir()
    manifest = {"version": "1.1", "hash": "0", "paths": {"app.css": "app.0123.css"}}
    (root / "staticfiles.json").write_text(json.dumps(manifest))
    return root


def database_url() -> str:
    """The test database, as a DATABASE_URL other processes can open."""
    config = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{config['NAME']}"
    password = f":{config['PASSWORD']}" if config["PASSWORD"] else ""
    return (
        f"postgres://{config['USER']}{password}@{config['HOST'] or '127.0.0.1'}:"
        f"{config['PORT'] or 5432}/{config['NAME']}"
    )


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def http_get(url: str, **headers: str) -> tuple[int, bytes]:
    """GET over loopback, past any proxy the environment names."""
    request = urllib.request.Request(url, headers=headers)  # noqa: S310 - loopback only
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(request, timeout=10) as response:
        return response.status, response.read()


@contextmanager
def gunicorn_server(
    *, env: dict[str, str], log_dir: Path, workers: int = 2, args: tuple[str, ...] = ()
) -> Iterator[str]:
    """The project under gunicorn as production runs it (`-c config/gunicorn.py`), with
    `workers` real worker processes and only PATH, HOME and `env` set; yields its base
    URL once the health check answers. Its output goes to files in `log_dir`."""
    port = free_port()
    stderr_path = log_dir / "gunicorn.stderr"
    with stderr_path.open("wb") as stderr:
        process = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
            [sys.executable, "-m", "gunicorn", "-c", "config/gunicorn.py", *args, "config.wsgi"],
            cwd=PROJECT_ROOT,
            env={
                "PATH": os.environ.get("PATH", ""),
                "HOME": str(Path.home()),
                "GUNICORN_BIND": f"127.0.0.1:{port}",
                "GUNICORN_WORKERS": str(workers),
                **env,
            },
            stdout=subprocess.DEVNULL,
            stderr=stderr,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                http_get(f"{base}/api/v1/health/")
                break
            except urllib.error.HTTPError:
                break  # it answers (a 503 from a degraded check is still an answer)
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError(stderr_path.read_text()) from None
                time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=30)


@contextmanager
def multi_worker_server(
    *, tmp_path: Path, env: dict[str, str], args: tuple[str, ...] = ()
) -> Iterator[tuple[str, Path]]:
    """gunicorn, two workers, serving the test database with the production settings
    (DEBUG off; no CACHE_URL unless `env` names one: the default cache) plus `env`;
    yields the API's base URL (`.../api/v1`) and the access log's path, whose lines read
    `<worker pid> <status> <path>`. `migrate` runs first, as a deployment does: it
    creates the default cache's table, and nothing else is needed. The test needs a
    transactional database (`django_db(transaction=True)`) for the server to see its
    rows. `args` are more gunicorn options."""
    full_env = {
        "DEBUG": "0",
        "SECRET_KEY": "multi-worker-test-secret-" + "x" * 40,
        "ALLOWED_HOSTS": "127.0.0.1",
        "DATABASE_URL": database_url(),
        "DATABASE_POOL": "0",
        "MEDIA_ROOT": str(tmp_path / "media"),
        "LOG_LEVEL": "WARNING",
        "PAYMENTS_SANDBOX_ALLOWED": "1",  # a test deployment (core.E001)
        **env,
    }
    migrated = run_django(["manage.py", "migrate", "--noinput"], env=full_env, timeout=300)
    assert migrated.returncode == 0, migrated.stderr
    access_log = tmp_path / "access.log"
    access = ("--access-logfile", str(access_log), "--access-logformat", "%(p)s %(s)s %(U)s")
    with gunicorn_server(env=full_env, log_dir=tmp_path, args=(*access, *args)) as base:
        yield f"{base}/api/v1", access_log


def http_json(method: str, url: str, body: dict | None = None, **headers: str) -> tuple[int, dict]:
    """A JSON request over loopback, past any proxy; its status and JSON answer."""
    request = urllib.request.Request(  # noqa: S310 - loopback only
        url,
        data=json.dumps(body).encode() if body is not None else None,
        headers={"Content-Type": "application/json", "Connection": "close", **headers},
        method=method,
    )
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(request, timeout=60) as response:
            return response.status, json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")


def workers_that_served(access_log: Path, path: str) -> set[str]:
    """The pids of the workers that answered requests for `path`."""
    lines = access_log.read_text().splitlines()
    return {line.split()[0] for line in lines if line.split()[2] == path}
