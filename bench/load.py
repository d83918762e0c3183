"""Load benchmark: gunicorn serving the app on SQLite and on PostgreSQL, driven by wrk.

Not a test and not in CI: run it by hand (`make bench`, about 5 minutes on two cores).
For each database it builds a throwaway database, seeds it with `manage.py seed_demo
--bulk` (small: a few thousand videos, enough that every list page is full), serves the
app with gunicorn on loopback, checks each endpoint once (a 2xx answer; a full page of
`PAGE_SIZE` items for lists; a counted view), and drives each with wrk from another
process: a short warm-up, then a fixed time, every endpoint in turn, in `--rounds`
rounds. It reports requests per second and p50/p99 latency per endpoint, each
endpoint's ratio to `users/me/` (the authenticated trivial endpoint) measured in the
same round, and its target: the ratios travel between machines, the absolute numbers do
not. Each figure is the median of the rounds: on a shared machine the rate of every
endpoint drifts during a run (by a third between runs of the same code), and a ratio
taken within a round, between measurements seconds apart, drifts less.

It writes `bench/results.json` (overwritten each run: database -> endpoint -> figures,
and `meta`), appends a dated section to `bench/RESULTS.md`, and prints the ratios table
last. It exits with status 1, after writing them, when an endpoint answered anything but
2xx, had socket errors, or a view did not count (`--no-results` writes neither file: a
smoke run).

    .venv/bin/python bench/load.py --database sqlite --database postgres
    .venv/bin/python bench/load.py --database sqlite --seconds 1 --rounds 1 --warmup 0 --no-results
"""

import argparse
import json
import os
import platform
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import load_report  # noqa: E402 - needs ROOT on the path
from bench.load_report import HEALTH, ME, Target, wrk_parse  # noqa: E402 (ads.py, live.py)

PYTHON = sys.executable
RESULTS = ROOT / "bench" / "RESULTS.md"
RESULTS_JSON = ROOT / "bench" / "results.json"
DEMO_PASSWORD = "demo-password-123"  # seed_demo's documented demo password
UNLIMITED = "1000000/min"
PAGE_SIZE = 20
API = "/api/v1"
# Small enough to seed in seconds, large enough that every list is a full page: the
# following feed (demo_user follows up to 200 creators), trending and for-you (about 50
# recent public videos with a score), and the busiest creator's profile (about 50).
SEED_ARGS = ("--bulk", "--users", "300", "--videos", "3000", "--media-videos", "0")

FIXTURES = """
import json, django
django.setup()
from django.db.models import Count, Q
from accounts.models import User
from accounts.services.sessions import ClientInfo, session_start
from videos.models import Video
user = User.objects.get(username="demo_user")
_, tokens = session_start(user=user, client=ClientInfo(ip_address="127.0.0.1"))
video = (
    Video.objects.filter(status="ready", visibility="public", allow_comments=True,
                         duration_seconds__isnull=False, owner__is_private=False,
                         owner__status="active")
    .exclude(owner=user).order_by("-published_at").first()
)
profile = (
    User.objects.filter(status="active", is_private=False, is_staff=False)
    .annotate(public=Count("videos", filter=Q(videos__status="ready",
                                              videos__visibility="public")))
    .order_by("-public", "username").first()
)
print(json.dumps({"token": tokens.access_token, "video": str(video.pk),
                  "duration": video.duration_seconds, "profile": profile.username}))
"""


@dataclass(frozen=True)
class Endpoint:
    name: str
    method: str
    path: str
    target: Target | None = None
    signed_in: bool = False
    body: str = ""
    full_page: bool = False  # a list: its page must hold PAGE_SIZE items
    like_unlike: bool = False  # POST then DELETE in turn, so every request writes
    counted_view: bool = False  # a fresh anonymous viewer each request, so each counts


def endpoints(fixtures: dict) -> list[Endpoint]:
    """What the benchmark drives, in order, each with its target beside it."""
    video, profile = fixtures["video"], fixtures["profile"]
    page = f"?page_size={PAGE_SIZE}"
    login = json.dumps({"username": "demo_user", "password": DEMO_PASSWORD})
    comment = json.dumps({"text": "A comment from the load benchmark."})
    view = json.dumps({"watched_seconds": fixtures["duration"]})
    video_path = f"{API}/videos/{video}"
    return [
        Endpoint(HEALTH, "GET", f"{API}/health/"),
        Endpoint(ME, "GET", f"{API}/users/me/", Target(0.4, of=HEALTH), signed_in=True),
        Endpoint(
            "following feed",
            "GET",
            f"{API}/feed/following/{page}",
            Target(0.5),
            signed_in=True,
            full_page=True,
        ),
        Endpoint(
            "for-you feed",
            "GET",
            f"{API}/feed/for-you/{page}",
            Target(0.5),
            signed_in=True,
            full_page=True,
        ),
        Endpoint(
            "trending feed",
            "GET",
            f"{API}/feed/trending/{page}",
            Target(0.5),
            signed_in=True,
            full_page=True,
        ),
        Endpoint("video detail", "GET", f"{video_path}/", Target(0.5), signed_in=True),
        Endpoint("profile", "GET", f"{API}/users/{profile}/", Target(0.5), signed_in=True),
        Endpoint(
            "profile videos",
            "GET",
            f"{API}/users/{profile}/videos/{page}",
            Target(0.5),
            signed_in=True,
            full_page=True,
        ),
        Endpoint(
            "like/unlike",
            "POST",
            f"{video_path}/like/",
            Target(0.6),
            signed_in=True,
            like_unlike=True,
        ),
        Endpoint(
            "comment", "POST", f"{video_path}/comments/", Target(0.35), signed_in=True, body=comment
        ),
        # Anonymous, with a new X-Client-Key each time: a viewer counts once an hour (a
        # signed-in viewer's view also moves their history entry: not measured here).
        Endpoint(
            "counted view",
            "POST",
            f"{video_path}/views/",
            Target(0.6),
            body=view,
            counted_view=True,
        ),
        Endpoint("login (Argon2)", "POST", f"{API}/auth/login/", body=login),
    ]


def lua_script(endpoint: Endpoint, token: str, client_key_prefix: str = "") -> str:
    """wrk's script for `endpoint`. A counted view sends `X-Client-Key:
    <client_key_prefix><n>` (a fresh prefix per wrk run: by default a random one) and
    reports at the end how many answers said `counted: true`."""
    lines = ['wrk.headers["Content-Type"] = "application/json"']
    if endpoint.signed_in:
        lines.append(f'wrk.headers["Authorization"] = "Bearer {token}"')
    body = json.dumps(endpoint.body) if endpoint.body else "nil"
    if endpoint.like_unlike:
        lines += [
            "local n = 0",
            "request = function()",
            "  n = n + 1",
            '  local method = (n % 2 == 1) and "POST" or "DELETE"',
            f'  return wrk.format(method, "{endpoint.path}", nil, nil)',
            "end",
        ]
    elif endpoint.counted_view:
        prefix = client_key_prefix or f"bench-{uuid.uuid4().hex}-"
        lines += [
            f'local prefix, n = "{prefix}", 0',
            "request = function()",
            "  n = n + 1",
            '  local headers = {["X-Client-Key"] = prefix .. n}',
            "  for name, value in pairs(wrk.headers) do headers[name] = value end",
            f'  return wrk.format("POST", "{endpoint.path}", headers, {body})',
            "end",
            "threads = {}",
            "setup = function(thread) table.insert(threads, thread) end",
            "counted, not_counted = 0, 0",
            "response = function(status, headers, body)",
            "  if string.find(body, '\"counted\":%s*true') then counted = counted + 1",
            "  else not_counted = not_counted + 1 end",
            "end",
            "done = function(summary, latency, requests)",
            "  local yes, no = 0, 0",
            "  for _, thread in ipairs(threads) do",
            '    yes = yes + thread:get("counted"); no = no + thread:get("not_counted")',
            "  end",
            '  io.write(string.format("Counted views: %d, not counted: %d\\n", yes, no))',
            "end",
        ]
    else:
        lines += [
            "request = function()",
            f'  return wrk.format("{endpoint.method}", "{endpoint.path}", nil, {body})',
            "end",
        ]
    return "\n".join(lines) + "\n"


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


def wrk(url: str, script: str, seconds: int, connections: int) -> dict:
    """`script` run by wrk against `url` for `seconds`: `wrk_parse`'s figures. A request
    times out after 10 s (wrk's default, 2 s, is shorter than a login on a busy machine:
    a timed-out request is a socket error, not a slow one)."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as handle:
        handle.write(script)
    try:
        command = wrk_command(url, handle.name, seconds, connections, timeout="10s")
        output = subprocess.run(command, check=True, capture_output=True, text=True)  # noqa: S603
    finally:
        os.unlink(handle.name)
    return wrk_parse(output.stdout)


def manage(env: dict, *args: str) -> str:
    result = subprocess.run(  # noqa: S603
        [PYTHON, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True
    )
    if result.returncode != 0:
        sys.stderr.write(result.stdout + result.stderr)
        raise SystemExit(f"manage.py {' '.join(args)} failed")
    return result.stdout


def database_url(database: str, postgres_url: str, folder: str) -> str:
    """A new empty database of `database`'s kind: a file in `folder`, or a PostgreSQL
    database beside `postgres_url`'s named after this process (runs from two worktrees
    at once do not meet); `database_drop` removes the latter."""
    if database == "sqlite":
        return f"sqlite:///{folder}/bench.sqlite3"
    import psycopg

    with psycopg.connect(_admin_url(postgres_url), autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{_postgres_name()}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{_postgres_name()}"')
    return postgres_url.rsplit("/", 1)[0] + f"/{_postgres_name()}"


def database_drop(database: str, postgres_url: str) -> None:
    if database == "sqlite":
        return  # in the folder, removed with it
    import psycopg

    with psycopg.connect(_admin_url(postgres_url), autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{_postgres_name()}" WITH (FORCE)')


def _admin_url(postgres_url: str) -> str:
    return postgres_url.replace("postgres://", "postgresql://", 1)


def _postgres_name() -> str:
    return f"bench_load_{os.getpid()}"


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


def run_database(database: str, options) -> tuple[dict[str, dict], float]:
    """Seed a throwaway `database`, serve it, and drive every endpoint: its figures
    (`database_figures`) and the seconds its setup took (migrating, seeding)."""
    folder = tempfile.mkdtemp(prefix="bench-load-")
    try:
        env = server_env(
            database_url(database, options.postgres_url, folder),
            folder,
            ACCOUNTS_SIGN_IN_FAILURE_LIMIT="1000000",
            **{
                f"THROTTLE_{scope}_RATE": UNLIMITED
                for scope in ("ANONYMOUS", "USER", "SIGN_IN", "REGISTER", "SHARE")
            },
        )
        say(f"{database}: migrating and seeding (seed_demo {' '.join(options.seed)})")
        started = time.monotonic()
        manage(env, "migrate", "--noinput", "-v", "0")
        manage(env, "collectstatic", "--noinput", "-v", "0")
        # The bulk seed sets each video's trending score as `compute_trending` would
        # from its views; running the command would zero them (no view rows).
        manage(env, "seed_demo", *options.seed)
        fixtures = json.loads(manage(env, "shell", "-c", FIXTURES).strip().splitlines()[-1])
        setup = time.monotonic() - started
        say(f"{database}: ready in {setup:.0f} s")
        port = options.port or _free_port()
        server = gunicorn_start(env, port=port, workers=options.workers)
        try:
            url = f"http://127.0.0.1:{port}"
            _wait_for(f"{url}{API}/health/")
            rounds = []
            for number in range(1, options.rounds + 1):
                measured = {}
                for endpoint in endpoints(fixtures):
                    say(f"{database}: {endpoint.name} (round {number} of {options.rounds})")
                    if number == 1:
                        preflight(url, endpoint, fixtures["token"], database=database)
                    if options.warmup:
                        warm_up(
                            url,
                            endpoint,
                            fixtures["token"],
                            seconds=options.warmup,
                            clients=options.workers,
                            database=database,
                        )
                    script = lua_script(endpoint, fixtures["token"])
                    figures = wrk(url, script, options.seconds, options.connections)
                    measured[endpoint.name] = (endpoint.target, figures)
                rounds.append(load_report.database_figures(measured))
        finally:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=30)
        return load_report.rounds_combined(rounds), setup
    finally:
        shutil.rmtree(folder, ignore_errors=True)
        database_drop(database, options.postgres_url)


def preflight(url: str, endpoint: Endpoint, token: str, *, database: str) -> None:
    """One request of `endpoint` (a like and an unlike for like/unlike) before the load:
    it must answer 2xx, a list a full page of `PAGE_SIZE` items, a view `counted: true`.
    Stops the run otherwise: figures of failing requests or short pages mean nothing."""
    for method in ["POST", "DELETE"] if endpoint.like_unlike else [endpoint.method]:
        body = send(url, endpoint, token, method=method, database=database)
        if endpoint.full_page:
            items = len(json.loads(body)["results"])
            if items != PAGE_SIZE:
                raise SystemExit(
                    f"{database}: {endpoint.name} ({endpoint.path}) holds {items} items, not "
                    f"{PAGE_SIZE}: the seed is too small for a full page (SEED_ARGS, --seed)."
                )
        if endpoint.counted_view and not json.loads(body)["counted"]:
            raise SystemExit(f"{database}: {endpoint.name} did not count a first view: {body!r}")


def warm_up(
    url: str, endpoint: Endpoint, token: str, *, seconds: float, clients: int, database: str
) -> None:
    """`clients` clients (one per gunicorn worker) sending `endpoint`'s requests one
    after another for `seconds`. Unlike a wrk run, it returns with no request left in
    flight: wrk leaves one request a connection queued at the server, which would be
    served in the measured run's time (a second each for logins on a busy machine). The
    requests the previous endpoint's run left are served before its own, so they are
    gone too when it returns."""
    deadline = time.monotonic() + seconds

    def client() -> None:
        sent = 0
        while not sent or time.monotonic() < deadline:
            method = "DELETE" if endpoint.like_unlike and sent % 2 else endpoint.method
            send(url, endpoint, token, method=method, database=database)
            sent += 1

    with ThreadPoolExecutor(clients) as pool:
        for future in [pool.submit(client) for _ in range(clients)]:
            future.result()


def send(url: str, endpoint: Endpoint, token: str, *, method: str, database: str) -> bytes:
    """One `method` request of `endpoint` (a fresh viewer for a counted view): the body
    of its 2xx answer. Stops the run on any other answer."""
    headers = {"Content-Type": "application/json"}
    if endpoint.signed_in:
        headers["Authorization"] = f"Bearer {token}"
    if endpoint.counted_view:
        headers["X-Client-Key"] = f"bench-once-{uuid.uuid4().hex}"
    request = urllib.request.Request(  # noqa: S310 - loopback only
        url + endpoint.path,
        data=endpoint.body.encode() if endpoint.body and method != "DELETE" else None,
        headers=headers,
        method=method,
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310
            return response.read()
    except urllib.error.HTTPError as error:
        raise SystemExit(
            f"{database}: {method} {endpoint.path} answered {error.code}, not 2xx: "
            f"{error.read()[:500]!r}"
        ) from error


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


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
    parser.add_argument("--seconds", type=int, default=2, help="of load per endpoint a round")
    parser.add_argument(
        "--rounds",
        type=int,
        default=3,
        help="times every endpoint is measured, in turn (its figures: the rounds' median)",
    )
    parser.add_argument("--warmup", type=float, default=1, help="seconds before each (0: none)")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--seed",
        nargs=argparse.REMAINDER,
        default=list(SEED_ARGS),
        help=f"seed_demo's arguments, last on the line (default: {' '.join(SEED_ARGS)})",
    )
    parser.add_argument("--port", type=int, default=0, help="gunicorn's (default: a free one)")
    parser.add_argument("--postgres-url", default="postgres://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--results", type=Path, default=RESULTS, help="the file to append to")
    parser.add_argument("--json", type=Path, default=RESULTS_JSON, help="the file to write")
    parser.add_argument("--no-results", action="store_true", help="write neither file")
    options = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed (Debian: apt-get install wrk).")

    started, clock = datetime.now(UTC), time.monotonic()
    load_start = os.getloadavg()
    results, setup = {}, {}
    for database in options.database or ["sqlite", "postgres"]:
        results[database], setup[database] = run_database(database, options)
    meta = {
        "date": started.isoformat(timespec="seconds"),
        "machine": machine(),
        "seconds": options.seconds,
        "rounds": options.rounds,
        "warmup_seconds": options.warmup,
        "connections": options.connections,
        "workers": options.workers,
        "seed": "seed_demo " + " ".join(options.seed),
        "page_size": PAGE_SIZE,
        "setup_seconds": {database: round(took, 1) for database, took in setup.items()},
        "total_seconds": round(time.monotonic() - clock, 1),
        "load_average_start": [round(n, 2) for n in load_start],
        "load_average_end": [round(n, 2) for n in os.getloadavg()],
    }
    if not options.no_results:
        options.json.write_text(json.dumps({**results, "meta": meta}, indent=2) + "\n")
        with options.results.open("a") as handle:
            handle.write("\n" + load_report.results_section(results, meta))
        say(f"Wrote {options.json} and appended to {options.results}.")
    print(
        f"\nLoad run of {started:%Y-%m-%d %H:%M} UTC on {meta['machine']}, "
        f"{meta['total_seconds'] / 60:.1f} min.\n\n{load_report.ratios_table(results)}\n"
        f"{load_report.targets_summary(results)}",
        flush=True,
    )
    found = load_report.problems(results)
    if found:
        banner = "!" * 72
        lines = [banner, "THE RUN HAD FAILURES: its figures are not to be trusted.", *found, banner]
        print("\n" + "\n".join(lines), flush=True)
        raise SystemExit(1)


if __name__ == "__main__":
    main()
