"""Run Django in a fresh process with an environment of the test's choosing.

Settings are read once per process, so what depends on environment variables (a
missing secret, production security settings, an unreachable database) is checked by
starting the project anew.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

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
