"""Run Django in a fresh process with an environment of the test's choosing.

Settings are read once per process, so what depends on environment variables (a
missing secret, production security settings, an unreachable database) is checked by
starting the project anew.
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
