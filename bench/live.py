"""Live benchmark: viewers heartbeating, chatters posting and clients polling the chat,
against gunicorn on SQLite and on PostgreSQL, driven by wrk.

Not a test and not in CI: run it by hand (`make bench-live`). For each database it
builds a throwaway database with one live public stream, 50 chatters and a user for
the trivial endpoint, serves the app with gunicorn (2 workers) on loopback, and gets a
viewer token for each of 1,000 simulated viewers through `watch/`. Then two phases:

1. **Each alone** (closed loop, 8 connections, as `make bench` measures): the
   authenticated trivial endpoint (`users/me/`), a heartbeat (the 1,000 viewers in
   turn), an empty chat poll (a client whose cursor is up to date), a chat poll that
   brings messages, and a chat post (the 50 chatters in turn).
2. **Together** (the scenario), open loop (bench/openloop.py: requests sent at their
   own rate, each on its own connection, as real clients arrive): 1,000 viewers
   heartbeating every 15 s (67/s), 500 clients polling the chat once a second and 50
   chatters posting every 5 s, while `users/me/` is sampled 20 times a second beside
   them; latencies compare. It runs at a tenth and a quarter of the scenario's rates,
   then at the whole (597 requests a second, more than two workers on two cores serve:
   it shows the overload), lightest first so no backlog spills into the next. (wrk's
   paced connections sat idle between requests and held gunicorn's synchronous
   workers, so they measured the pacing, not the server.)

Every figure is reported beside its ratio to `users/me/` in the same phase: the ratios
travel between machines, the absolute numbers do not. Last, the stream's
`viewer_count` is read back and compared with the 1,000 viewers, all of whom
heartbeated within the last 45 s: the error must be 0.

    .venv/bin/python bench/live.py --database sqlite --database postgres --seconds 20
"""

import argparse
import contextlib
import json
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import openloop  # noqa: E402 - needs ROOT on the path
from bench.load import (  # noqa: E402
    UNLIMITED,
    _wait_for,
    database_url,
    gunicorn_start,
    machine,
    manage,
    server_env,
    wrk_command,
    wrk_parse,
)

VIEWERS = 1000
CHATTERS = 50
POLLERS = 500

FIXTURES = """
import json, django
django.setup()
from accounts.models import User
from accounts.services.sessions import ClientInfo, session_start
from livestream.services.streams import stream_create, stream_publish_start

def signed_in(username):
    user = User.objects.create_user(username=username, email=f"{username}@example.com")
    _, tokens = session_start(user=user, client=ClientInfo(ip_address="127.0.0.1"))
    return user, tokens.access_token

creator, _ = signed_in("bench_creator")
created = stream_create(owner=creator, title="The live benchmark")
stream_publish_start(key=created.key, publisher_ref="bench")
_, me = signed_in("bench_reader")
chatters = [signed_in(f"bench_chatter_{n}")[1] for n in range(CHATTERS)]
print(json.dumps({"stream": str(created.stream.pk), "me": me, "chatters": chatters}))
"""

COUNT = """
import django
django.setup()
from django.utils import timezone
from livestream.selectors.viewers import stream_viewer_count
print(stream_viewer_count(stream_id="{stream}", now=timezone.now()))
"""


@dataclass(frozen=True)
class Load:
    """One wrk process: `name`, its Lua script and its connections."""

    name: str
    script: str
    connections: int


def lua_requests(method: str, path: str, bodies: list[str], tokens: list[str]) -> str:
    """A Lua script cycling through `bodies` and bearer `tokens` (either may be one)."""
    return (
        f"local bodies = {{{', '.join(json.dumps(body) for body in bodies)}}}\n"
        f"local tokens = {{{', '.join(json.dumps(token) for token in tokens)}}}\n"
        "local n = 0\n"
        "request = function()\n"
        "  n = n + 1\n"
        "  local headers = {}\n"
        '  headers["Content-Type"] = "application/json"\n'
        "  local token = tokens[(n % #tokens) + 1]\n"
        '  if token ~= "" then headers["Authorization"] = "Bearer " .. token end\n'
        "  local body = bodies[(n % #bodies) + 1]\n"
        '  if body == "" then body = nil end\n'
        f'  return wrk.format("{method}", "{path}", headers, body)\n'
        "end\n"
    )


def lua_poll(path: str, cursor: str, follow: bool) -> str:
    """A Lua script polling the chat after `cursor`; with `follow`, each answer's
    `next_cursor` becomes the next request's (a client keeping up), else the cursor
    stays (every poll brings the same messages)."""
    update = (
        "response = function(status, headers, body)\n"
        '  local found = string.match(body, \'"next_cursor":%s*"([^"]*)"\')\n'
        "  if found then cursor = found end\n"
        "end\n"
        if follow
        else ""
    )
    return (
        f"cursor = {json.dumps(cursor)}\n"
        "request = function()\n"
        f'  return wrk.format("GET", "{path}?after=" .. cursor)\n'
        "end\n" + update
    )


def run_loads(url: str, loads: list[Load], seconds: int) -> dict[str, dict]:
    """Run every load at once for `seconds`; wrk's figures by load name."""
    folder = tempfile.mkdtemp(prefix="bench-live-lua-")
    try:
        processes = {}
        for load in loads:
            path = Path(folder, f"{len(processes)}.lua")
            path.write_text(load.script)
            command = wrk_command(url, str(path), seconds, load.connections, timeout="10s")
            processes[load.name] = subprocess.Popen(  # noqa: S603
                command, stdout=subprocess.PIPE, text=True
            )
        return {name: wrk_parse(process.communicate()[0]) for name, process in processes.items()}
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def http_json(method: str, url: str, body: dict | None = None, token: str = "") -> dict:
    request = urllib.request.Request(  # noqa: S310 - loopback only
        url,
        method=method,
        data=json.dumps(body).encode() if body is not None else None,
        headers={"Content-Type": "application/json"}
        | ({"Authorization": f"Bearer {token}"} if token else {}),
    )
    with urllib.request.urlopen(request, timeout=300) as answer:  # noqa: S310
        return json.loads(answer.read() or b"null")


def run_together(
    *,
    port: int,
    stream: str,
    me_token: str,
    heartbeats: list[str],
    messages: list[str],
    chatters: list[str],
    cursor: str,
    seconds: int,
    scale: float = 1.0,
) -> dict[str, dict]:
    """The scenario, open loop (bench/openloop.py): every viewer heartbeats every 15 s,
    every poller polls once a second (keeping up: each answer's cursor is the next
    poll's), every chatter posts every 5 s, and `users/me/` is sampled 20 times a
    second beside them, so its latency under the same load is the yardstick. `scale`
    multiplies the viewers', pollers' and chatters' rates (users/me's stays)."""
    latest = {"cursor": int(cursor)}

    def follow(body: bytes) -> None:
        found = json.loads(body).get("next_cursor")
        if found is not None:
            latest["cursor"] = max(latest["cursor"], int(found))

    def bearer(token: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}

    flows = [
        openloop.Flow(
            "users/me (authenticated trivial)",
            20,
            lambda n: ("GET", "/api/v1/users/me/", bearer(me_token), b""),
        ),
        openloop.Flow(
            "heartbeat",
            scale * VIEWERS / 15,
            lambda n: (
                "POST",
                f"{stream}/heartbeat/",
                {"Content-Type": "application/json"},
                heartbeats[n % len(heartbeats)].encode(),
            ),
        ),
        openloop.Flow(
            "chat poll",
            scale * POLLERS / 1,
            lambda n: ("GET", f"{stream}/chat/?after={latest['cursor']}", {}, b""),
            answered=follow,
        ),
        openloop.Flow(
            "chat post",
            scale * CHATTERS / 5,
            lambda n: (
                "POST",
                f"{stream}/chat/",
                bearer(chatters[n % len(chatters)]),
                messages[n % len(messages)].encode(),
            ),
        ),
    ]
    openloop.run(flows, host="127.0.0.1", port=port, seconds=seconds)
    return {flow.name: openloop.summary(flow, seconds) for flow in flows}


def run_database(database: str, options) -> tuple[dict, dict, int]:
    folder = tempfile.mkdtemp(prefix="bench-live-")
    env = server_env(
        database_url(database, options.postgres_url, folder),
        folder,
        THROTTLE_ANONYMOUS_RATE=UNLIMITED,
        THROTTLE_USER_RATE=UNLIMITED,
        LIVE_CHAT_RATE_MESSAGES="1000000",
    )
    if options.cache_url:
        env["CACHE_URL"] = options.cache_url
    print(f"{database}: migrating and creating the stream", file=sys.stderr)
    manage(env, "migrate", "--noinput", "-v", "0")
    manage(env, "collectstatic", "--noinput", "-v", "0")
    script = FIXTURES.replace("CHATTERS", str(CHATTERS))
    fixtures = json.loads(manage(env, "shell", "-c", script).strip().splitlines()[-1])

    port = options.port
    url = f"http://127.0.0.1:{port}"
    server = gunicorn_start(env, port=port, workers=options.workers, args=("--backlog", "4096"))
    try:
        _wait_for(f"{url}/api/v1/health/")
        stream = f"/api/v1/live/streams/{fixtures['stream']}"
        print(f"{database}: {VIEWERS} viewers start watching", file=sys.stderr)
        with ThreadPoolExecutor(8) as pool:
            watches = list(
                pool.map(lambda _: http_json("POST", f"{url}{stream}/watch/"), range(VIEWERS))
            )
        heartbeats = [json.dumps({"viewer_token": w["viewer_token"]}) for w in watches]
        messages = [json.dumps({"text": f"Message {n} of the benchmark"}) for n in range(20)]
        first = http_json("GET", f"{url}{stream}/chat/")["next_cursor"]
        for n, body in enumerate(messages):
            http_json("POST", f"{url}{stream}/chat/", json.loads(body), fixtures["chatters"][n])
        latest = http_json("GET", f"{url}{stream}/chat/?after={first}")["next_cursor"]

        me = lua_requests("GET", "/api/v1/users/me/", [""], [fixtures["me"]])
        heartbeat = lua_requests("POST", f"{stream}/heartbeat/", heartbeats, [""])
        post = lua_requests("POST", f"{stream}/chat/", messages, fixtures["chatters"])
        alone = {}
        for load in (
            Load("users/me (authenticated trivial)", me, 8),
            Load("heartbeat", heartbeat, 8),
            Load("chat poll, empty", lua_poll(f"{stream}/chat/", latest, follow=True), 8),
            Load("chat poll, 20 messages", lua_poll(f"{stream}/chat/", first, follow=False), 8),
            Load("chat post", post, 8),
        ):
            print(f"{database}: alone: {load.name}", file=sys.stderr)
            alone |= run_loads(url, [load], options.seconds)

        together = {}
        for scale in options.together_scale:
            print(f"{database}: together at {scale:g} of the scenario", file=sys.stderr)
            _drained(url)
            latest = http_json("GET", f"{url}{stream}/chat/?after={latest}")["next_cursor"]
            together[scale] = run_together(
                port=port,
                stream=stream,
                me_token=fixtures["me"],
                heartbeats=heartbeats,
                messages=messages,
                chatters=fixtures["chatters"],
                cursor=latest,
                seconds=max(options.seconds, 20),
                scale=scale,
            )
        # The count's error: once the requests wrk gave up on have left gunicorn's
        # queue, every viewer heartbeats once more (8 at a time, over both workers);
        # all 1,000 then count, and each once. Read where `viewer_count` comes from.
        _drained(url)
        with ThreadPoolExecutor(8) as pool:
            answers = list(
                pool.map(
                    lambda body: http_json("POST", f"{url}{stream}/heartbeat/", json.loads(body)),
                    heartbeats,
                )
            )
        assert all("viewer_count" in answer for answer in answers)
        counted = int(
            manage(env, "shell", "-c", COUNT.format(stream=fixtures["stream"])).split()[-1]
        )
        return alone, together, counted - VIEWERS
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
        shutil.rmtree(folder, ignore_errors=True)


def _drained(url: str) -> None:
    """Wait until the server answers the health check within 100 ms (its queue empty)."""
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        started = time.monotonic()
        with contextlib.suppress(urllib.error.HTTPError):  # a degraded check is a 503
            http_json("GET", f"{url}/api/v1/health/")
        if time.monotonic() - started < 0.1:
            return
        time.sleep(1)


def table(results: dict[str, dict]) -> None:
    """Figures beside their ratio to users/me/ in the same phase. An open-loop phase
    (`offered` in its figures) sends a fixed rate: its latencies are what compares."""
    base = results["users/me (authenticated trivial)"]
    open_loop = "offered" in base
    if open_loop:
        print("| requests | offered/s | answered/s | p50 (ms) | p99 (ms) | p50 vs users/me |")
    else:
        print("| requests | req/s | p50 (ms) | p99 (ms) | req/s vs users/me | p50 vs users/me |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for name, result in results.items():
        errors = f" ({result['errors']} errors)" if result["errors"] else ""
        first = (
            f"{result['offered']:.1f} | {result['rps']:.1f}"
            if open_loop
            else f"{result['rps']:.1f}"
        )
        ratio = "" if open_loop else f"| {result['rps'] / base['rps']:.2f} "
        print(
            f"| {name}{errors} | {first} | {result['p50']:.1f} | {result['p99']:.1f} "
            f"{ratio}| {result['p50'] / base['p50']:.2f} |",
            flush=True,
        )
    print()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", choices=["sqlite", "postgres"], action="append")
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--port", type=int, default=8766)
    parser.add_argument("--postgres-url", default="postgres://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--cache-url", default="", help="CACHE_URL (default: the app's default)")
    parser.add_argument(
        "--together-scale",
        type=float,
        action="append",
        help="the together phase's share of the scenario's rates, once per value "
        "(default: 1, 0.25 and 0.1: the whole scenario, and lighter loads)",
    )
    options = parser.parse_args()
    options.together_scale = sorted(options.together_scale or [0.1, 0.25, 1.0])
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed (Debian: apt-get install wrk).")

    print(f"Live run of {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {machine()}.")
    print(
        f"gunicorn with {options.workers} workers; cache: {options.cache_url or 'default'}; "
        f"{options.seconds} s a phase; {VIEWERS} viewers, {CHATTERS} chatters, "
        f"{POLLERS} chat pollers.\n"
    )
    for database in options.database or ["sqlite", "postgres"]:
        alone, together, error = run_database(database, options)
        print(f"### {database}: each alone (8 connections)\n")
        table(alone)
        for scale, results in together.items():
            print(
                f"### {database}: together, open loop, {scale:g} of the scenario "
                f"({VIEWERS} viewers every 15 s, {POLLERS} pollers every 1 s, {CHATTERS} "
                "chatters every 5 s; users/me 20 times a second)\n"
            )
            table(results)
        print(f"Viewer count error: {error} (counted {VIEWERS + error} of {VIEWERS}).\n")


if __name__ == "__main__":
    main()
