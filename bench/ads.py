"""Ads benchmark: the serving decision in process, then `serve/`, `vast/` and
`impressions/` against gunicorn, and the budget overshoot after a concurrent burst, on
SQLite and on PostgreSQL.

Not a test and not in CI: run it by hand (`make bench-ads`). For each database it
builds a throwaway database and seeds it: `--advertisers` advertisers (each with one
ready public video), funded as a user funds one (a top-up into the owner's wallet,
then the advertisers' `fund` service: `ad_fund` into the advertising account), and
`--campaigns` active campaigns spread over them, with mixed targeting (countries,
languages, interests, age ranges, devices, placements; each dimension set on about
40 % of them), CPM and CPC bids, even and ASAP pacing, some frequency caps, each with
an approved creative on its advertiser's video. Then:

1. **The serving decision in process**: `ads_select` for `--decisions` varied viewers
   (signed in or anonymous, with or without each targeting fact, on each device; the
   feed and the pre-roll in turn), after a warm-up: p50 and p99 in milliseconds.
   Goal: p99 under 10 ms with 10,000 campaigns.
2. **Over HTTP** (gunicorn, `--workers` workers; wrk, 1 thread, `--connections`
   connections, `--seconds` each, closed loop): `users/me/` (the authenticated trivial
   endpoint), `serve/` (signed-in viewers in turn, varied User-Agents), `vast/`
   (anonymous players in turn) and `impressions/` (each POST with a fresh token: made
   in advance with `ad_token_make` for CPM creatives, read by wrk's Lua script from a
   file, one a request). Each figure is also a ratio to `users/me/` in the same run:
   the ratios travel between machines, the absolute numbers do not. Goal:
   `impressions/` at least 0.8x `users/me/`.
3. **Budget burst**: a campaign with a budget of 1 coin (total and daily) at a CPM bid
   of 100 coins (0.1 coin an impression: 10 billable impressions) gets `--burst`
   impressions at once from 32 threads; the overshoot (what it was charged beyond its
   budget, in micro-coins) must be 0, and it must have spent exactly its budget.

The figures are printed and appended to `bench/RESULTS.md` as a dated section
(`--results` names another file, `--no-results` writes none: for a smoke run).

    .venv/bin/python bench/ads.py --database sqlite --database postgres --seconds 10
    .venv/bin/python bench/ads.py --database sqlite --campaigns 200 --seconds 1 --no-results
"""

import argparse
import json
import os
import random
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
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

from bench.load import (  # noqa: E402 - needs ROOT on the path
    UNLIMITED,
    _wait_for,
    gunicorn_start,
    machine,
    manage,
    server_env,
    wrk_command,
    wrk_parse,
)

RESULTS = ROOT / "bench" / "RESULTS.md"
SEED = 14
ME = "users/me (authenticated trivial)"
API = "/api/v1"
BURST_THREADS = 32
BURST_BID_MILLICOINS = 100_000  # 100 coins a thousand: 0.1 coin (100,000 micro) each
BURST_BUDGET = 1  # coin: 10 billable impressions

COUNTRIES = ["US", "GB", "DE", "FR", "ES", "IT", "BR", "MX", "IN", "JP", "KR", "CA", "AU"]
LANGUAGES = ["en", "de", "fr", "es", "it", "pt", "ja", "ko"]
INTERESTS = [
    "music", "sports", "gaming", "cooking", "travel", "fashion", "tech", "science",
    "comedy", "news", "fitness", "cars", "pets", "art", "film", "books",
]  # fmt: skip
DEVICES = ["mobile", "tablet", "desktop", "tv"]
USER_AGENTS = {
    "mobile": "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1",
    "tablet": "Mozilla/5.0 (iPad; CPU OS 17_4 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1",
    "desktop": "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36",
    "tv": "Mozilla/5.0 (SMART-TV; Linux; Tizen 7.0) AppleWebKit/537.36 (KHTML, like Gecko) "
    "SamsungBrowser/5.0 Chrome/94.0.4606.31 TV Safari/537.36",
}


def say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# -- in the child process (Django set up on the benchmark's database) -----------------


def _some(rng: random.Random, values: list, most: int) -> list:
    """Targeting on about 40 % of campaigns: 1 to `most` of `values`, else none."""
    return sorted(rng.sample(values, rng.randint(1, most))) if rng.random() < 0.4 else []


def _fund(advertiser, coins: int) -> None:
    """Give `advertiser` `coins` to spend: a paid top-up into its owner's wallet
    (external -> wallet, as the payment provider's webhook would post it), then the
    advertisers' `fund` service (wallet -> advertising account, `spendable_micro`)."""
    from ads.services.advertisers import advertiser_fund
    from payments.models import LedgerAccount, LedgerTransaction
    from payments.services.ledger import (
        ledger_account_for_user,
        ledger_account_system,
        ledger_post,
    )

    role = LedgerAccount.Role
    owner = advertiser.owner
    ledger_post(
        kind=LedgerTransaction.Kind.TOP_UP,
        entries=[
            (ledger_account_system(role=role.EXTERNAL), -coins),
            (ledger_account_for_user(user=owner, role=role.WALLET), coins),
        ],
        idempotency_key=f"bench-ads-top-up:{owner.pk}",
        description="Benchmark top-up",
    )
    advertiser_fund(advertiser=advertiser, amount=coins)


def _users(prefix: str, count: int) -> list:
    from django.contrib.auth.hashers import make_password

    from accounts.models import User

    password = make_password(None)
    return User.objects.bulk_create(
        [
            User(
                username=f"{prefix}{n}",
                email=f"{prefix}{n}@example.com",
                password=password,
                status=User.Status.ACTIVE,
            )
            for n in range(count)
        ],
        batch_size=2_000,
    )


def _videos(owners: list) -> list:
    from django.utils import timezone

    from videos.models import Video

    now = timezone.now()
    videos = []
    for n, owner in enumerate(owners):
        key = uuid.uuid4().hex
        videos.append(
            Video(
                owner=owner,
                title=f"Promoted video {n}",
                media_key=key,
                source_file=f"videos/{key}/source.mp4",
                status=Video.Status.READY,
                visibility=Video.Visibility.PUBLIC,
                duration_seconds=15.0,
                width=1280,
                height=720,
                renditions=[
                    {
                        "label": "720p",
                        "height": 720,
                        "width": 1280,
                        "bitrate": 2_500_000,
                        "path": f"videos/{key}/hls/720p.m3u8",
                    }
                ],
                hls_playlist=f"videos/{key}/hls/master.m3u8",
                published_at=now,
            )
        )
    return Video.objects.bulk_create(videos, batch_size=2_000)


def _session_token(user) -> str:
    from accounts.services.sessions import ClientInfo, session_start

    _, tokens = session_start(user=user, client=ClientInfo(ip_address="127.0.0.1"))
    return tokens.access_token


def seed(options: dict) -> dict:
    """Advertisers, videos, funds, campaigns and creatives; users to call the API as."""
    from datetime import timedelta

    from django.db import connection
    from django.utils import timezone

    from ads.models import Advertiser, Campaign, Creative
    from ads.serving_cache import serving_snapshot_invalidate

    rng = random.Random(SEED)
    now = timezone.now()
    owners = _users("bench_advertiser_", options["advertisers"])
    videos = _videos(owners)
    advertisers = Advertiser.objects.bulk_create(
        [Advertiser(owner=owner, name=f"Advertiser {n}") for n, owner in enumerate(owners)]
    )
    for advertiser in advertisers:
        _fund(advertiser, options["funds"])

    campaigns, creatives = [], []
    for n in range(options["campaigns"]):
        index = n % len(advertisers)
        total = rng.choice([1_000, 10_000, 100_000])
        age_min = rng.choice([None, None, 13, 18, 25]) if rng.random() < 0.4 else None
        age_max = rng.choice([None, 34, 54]) if age_min is not None else None
        capped = rng.random() < 0.3
        campaign = Campaign(
            advertiser=advertisers[index],
            name=f"Campaign {n}",
            status=Campaign.Status.ACTIVE,
            start_at=now - timedelta(days=1),
            end_at=now + timedelta(days=30) if rng.random() < 0.5 else None,
            total_budget=total,
            daily_budget=total // 10,
            pricing=Campaign.Pricing.CPM if rng.random() < 0.8 else Campaign.Pricing.CPC,
            bid_millicoins=rng.randint(500, 20_000),
            pacing=rng.choice([Campaign.Pacing.EVEN, Campaign.Pacing.ASAP]),
            frequency_cap_impressions=rng.choice([3, 5, 10]) if capped else None,
            frequency_cap_period=rng.choice(["hour", "day", "week"]) if capped else "",
            target_countries=_some(rng, COUNTRIES, 5),
            target_languages=_some(rng, LANGUAGES, 3),
            target_interests=_some(rng, INTERESTS, 4),
            target_age_min=age_min,
            target_age_max=age_max,
            target_devices=_some(rng, DEVICES, 3),
            placements=_some(rng, ["feed", "preroll"], 1),
        )
        campaigns.append(campaign)
        creatives.append(
            Creative(
                campaign=campaign,
                video=videos[index],
                headline=f"Headline {n}",
                call_to_action="Learn more",
                click_url=f"https://example.com/landing/{n}",
                review_status=Creative.Review.APPROVED,
                reviewed_at=now,
            )
        )
    Campaign.objects.bulk_create(campaigns, batch_size=2_000)
    Creative.objects.bulk_create(creatives, batch_size=2_000)
    serving_snapshot_invalidate()  # outside a transaction: at once

    viewers = _users("bench_viewer_", options["viewers"])
    reader = _users("bench_reader", 1)[0]
    # Statistics for the planner, as after any bulk load (PostgreSQL's autovacuum would
    # gather them within a minute or so; the decisions start at once).
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return {
        "me": _session_token(reader),
        "viewers": [_session_token(viewer) for viewer in viewers],
    }


def _viewer(rng: random.Random, users: list):
    from ads.viewers import Viewer

    user = rng.choice(users) if users and rng.random() < 0.5 else None
    return Viewer(
        user=user,
        viewer_key=str(user.pk) if user is not None else f"anon:{rng.getrandbits(64):016x}",
        country=rng.choice(COUNTRIES) if rng.random() < 0.8 else "",
        language=rng.choice(LANGUAGES) if rng.random() < 0.8 else "",
        age=rng.randint(13, 80) if rng.random() < 0.6 else None,
        interests=tuple(rng.sample(INTERESTS, rng.randint(0, 4))),
        device=rng.choice(DEVICES) if rng.random() < 0.9 else "",
    )


def decide(options: dict) -> dict:
    """`ads_select` for varied viewers: p50/p99 (ms) and how many ads it found."""
    from accounts.models import User
    from ads.selectors.serving import ads_select

    rng = random.Random(SEED + 1)
    users = list(User.objects.filter(username__startswith="bench_viewer_"))
    viewers = [_viewer(rng, users) for _ in range(options["decisions"])]
    for viewer in viewers[:50]:  # warm-up: caches, connections
        ads_select(viewer=viewer, placement="feed", count=2)
    samples, served = [], 0
    for n, viewer in enumerate(viewers):
        placement, count = ("feed", 2) if n % 2 == 0 else ("preroll", 1)
        began = time.perf_counter()
        ads = ads_select(viewer=viewer, placement=placement, count=count)
        samples.append(time.perf_counter() - began)
        served += len(ads)
    ordered = sorted(samples)
    return {
        "decisions": len(samples),
        "p50": statistics.median(ordered) * 1000,
        "p99": ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))] * 1000,
        "served": served / len(samples),
    }


def impression_tokens(options: dict) -> dict:
    """Fresh impression tokens for CPM creatives, one a line in `options["path"]`."""
    from ads.models import Campaign, Creative
    from ads.tokens import ad_token_make

    rng = random.Random(SEED + 2)
    creatives = list(
        Creative.objects.filter(
            campaign__pricing=Campaign.Pricing.CPM, campaign__status=Campaign.Status.ACTIVE
        ).select_related("campaign")
    )
    with open(options["path"], "w") as handle:
        for n in range(options["count"]):
            token, _ = ad_token_make(
                creative=rng.choice(creatives),
                placement=rng.choice(["feed", "preroll"]),
                viewer_key=f"anon:bench{n:012d}",
                user_id=None,
                country=rng.choice(COUNTRIES),
                device=rng.choice(DEVICES),
            )
            handle.write(token + "\n")
    return {"tokens": options["count"], "creatives": len(creatives)}


def burst_prepare(options: dict) -> dict:
    """The small-budget campaign (its own advertiser, funded with 5 coins) and
    `options["count"]` tokens for it."""
    from datetime import timedelta

    from django.utils import timezone

    from ads.models import Advertiser, Campaign, Creative
    from ads.serving_cache import serving_snapshot_invalidate
    from ads.tokens import ad_token_make

    owner = _users("bench_burst_", 1)[0]
    video = _videos([owner])[0]
    advertiser = Advertiser.objects.create(owner=owner, name="Burst")
    _fund(advertiser, 5)
    campaign = Campaign.objects.create(
        advertiser=advertiser,
        name="Burst",
        status=Campaign.Status.ACTIVE,
        start_at=timezone.now() - timedelta(hours=1),
        total_budget=BURST_BUDGET,
        daily_budget=BURST_BUDGET,
        pricing=Campaign.Pricing.CPM,
        bid_millicoins=BURST_BID_MILLICOINS,
        pacing=Campaign.Pacing.ASAP,
    )
    creative = Creative.objects.create(
        campaign=campaign,
        video=video,
        headline="Burst",
        call_to_action="Learn more",
        click_url="https://example.com/burst",
        review_status=Creative.Review.APPROVED,
        reviewed_at=timezone.now(),
    )
    serving_snapshot_invalidate()
    tokens = [
        ad_token_make(
            creative=creative,
            placement="feed",
            viewer_key=f"anon:burst{n:06d}",
            user_id=None,
            country="US",
            device="mobile",
        )[0]
        for n in range(options["count"])
    ]
    return {"campaign": str(campaign.pk), "tokens": tokens}


def burst_check(options: dict) -> dict:
    """What the burst's campaign was charged, against its budget."""
    from io import StringIO

    from django.core.management import CommandError, call_command, get_commands
    from django.db.models import Count, Q, Sum

    from ads.models import MICROS_PER_COIN, Advertiser, Campaign, Impression

    # Settle the reserved spend into the ledger (where the command exists), then check
    # the whole ledger: every transaction balanced, every balance its entries' sum.
    if "ads_settle" in get_commands():
        call_command("ads_settle", stdout=StringIO())
    said = StringIO()
    try:
        call_command("ledger_check", stdout=said, stderr=said, no_color=True)
    except CommandError as error:
        said.write(f"\n{error}")

    campaign = Campaign.objects.get(pk=options["campaign"])
    recorded = Impression.objects.filter(campaign=campaign).aggregate(
        count=Count("id"), billed=Count("id", filter=Q(cost_micro__gt=0)), cost=Sum("cost_micro")
    )
    budget = campaign.total_budget * MICROS_PER_COIN
    charged = max(campaign.spent_micro, recorded["cost"] or 0)
    advertiser = Advertiser.objects.get(pk=campaign.advertiser_id)
    return {
        "budget_micro": budget,
        "spent_micro": campaign.spent_micro,
        "impression_cost_micro": recorded["cost"] or 0,
        "recorded": recorded["count"],
        "billed": recorded["billed"],
        "overshoot_micro": max(0, charged - budget),
        "status": campaign.status,
        "advertiser_spendable_micro": advertiser.spendable_micro,
        "settled_micro": campaign.settled_micro,
        "ledger_check": said.getvalue().strip().splitlines()[-1] if said.getvalue() else "",
    }


CHILD_STEPS = {
    "seed": seed,
    "decide": decide,
    "impression_tokens": impression_tokens,
    "burst_prepare": burst_prepare,
    "burst_check": burst_check,
}


def child(step: str, options: dict) -> None:
    import django

    django.setup()
    print(json.dumps(CHILD_STEPS[step](options)))


# -- in the parent process --------------------------------------------------------------


def run_step(env: dict, step: str, **options) -> dict:
    """A child step on the benchmark's database (settings are per process)."""
    result = subprocess.run(  # noqa: S603
        [sys.executable, __file__, "--child", step, json.dumps(options)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise SystemExit(f"The benchmark's step {step!r} failed (see above).")
    return json.loads(result.stdout.strip().splitlines()[-1])


def database_url(database: str, postgres_url: str, folder: str, name: str) -> str:
    """A new, empty database: SQLite in `folder`, or PostgreSQL `name` beside
    `postgres_url` (replacing one left by an interrupted run)."""
    if database == "sqlite":
        return f"sqlite:///{folder}/bench.sqlite3"
    import psycopg

    admin_url = postgres_url.replace("postgres://", "postgresql://", 1)
    with psycopg.connect(admin_url, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')
    return postgres_url.rsplit("/", 1)[0] + f"/{name}"


def database_drop(database: str, postgres_url: str, name: str) -> None:
    if database == "sqlite":
        return
    import psycopg

    admin_url = postgres_url.replace("postgres://", "postgresql://", 1)
    with psycopg.connect(admin_url, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def lua_lines(lines: list[str]) -> str:
    """Lua: a table of the strings `lines`."""
    return "{" + ", ".join(json.dumps(line) for line in lines) + "}"


def lua_get(path: str, *, tokens: list[str], anonymous_ids: int = 0) -> str:
    """GET `path` (`{n}` becomes the request's number, a cache-buster), in turn as each
    signed-in viewer of `tokens` or each of `anonymous_ids` anonymous players, with the
    User-Agents of every device in turn."""
    return (
        f"local tokens = {lua_lines(tokens)}\n"
        f"local agents = {lua_lines(list(USER_AGENTS.values()))}\n"
        f"local anonymous = {anonymous_ids}\n"
        "local n = 0\n"
        "request = function()\n"
        "  n = n + 1\n"
        "  local headers = {}\n"
        '  headers["User-Agent"] = agents[(n % #agents) + 1]\n'
        "  if anonymous > 0 then\n"
        '    headers["X-Ad-Viewer-Id"] = "bench-player-" .. (n % anonymous)\n'
        "  else\n"
        '    headers["Authorization"] = "Bearer " .. tokens[(n % #tokens) + 1]\n'
        "  end\n"
        f'  local path = string.gsub("{path}", "{{n}}", tostring(n))\n'
        '  return wrk.format("GET", path, headers, nil)\n'
        "end\n"
    )


def lua_impressions(path: str, tokens_file: str) -> str:
    """POST `path` with `{"token": ...}`, each request the next fresh token of
    `tokens_file` (one a line; wrk has one thread, so no token goes twice unless the
    file runs out, which the script reports)."""
    return (
        "local tokens = {}\n"
        f"for line in io.lines({json.dumps(tokens_file)}) do tokens[#tokens + 1] = line end\n"
        "local n = 0\n"
        "request = function()\n"
        "  n = n + 1\n"
        "  local body = '{\"token\": \"' .. tokens[((n - 1) % #tokens) + 1] .. '\"}'\n"
        '  return wrk.format("POST", "' + path + '", '
        '{["Content-Type"] = "application/json"}, body)\n'
        "end\n"
        "done = function(summary, latency, requests)\n"
        "  if summary.requests > #tokens then\n"
        '    io.stderr:write("impressions: the tokens ran out, some were sent twice\\n")\n'
        "  end\n"
        "end\n"
    )


def lua_me(token: str) -> str:
    return (
        f'wrk.headers["Authorization"] = "Bearer {token}"\n'
        "request = function()\n"
        f'  return wrk.format("GET", "{API}/users/me/")\n'
        "end\n"
    )


@dataclass(frozen=True)
class Load:
    name: str
    script: str


def wrk_run(url: str, load: Load, options: argparse.Namespace, folder: str) -> dict:
    script = Path(folder, f"{abs(hash(load.name))}.lua")
    script.write_text(load.script)
    command = wrk_command(url, str(script), options.seconds, options.connections, timeout="10s")
    output = subprocess.run(command, check=True, capture_output=True, text=True)  # noqa: S603
    if output.stderr.strip():
        say(output.stderr.strip())
    return wrk_parse(output.stdout)


def post_json(url: str, body: dict) -> int:
    request = urllib.request.Request(  # noqa: S310 - loopback only
        url,
        method="POST",
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as answer:  # noqa: S310
            return answer.status
    except urllib.error.HTTPError as error:
        return error.code


def burst(url: str, tokens: list[str]) -> dict[int, int]:
    """POST every token to `impressions/` from BURST_THREADS threads released at once;
    how many answers of each status."""
    gate = threading.Barrier(BURST_THREADS)
    shares = [tokens[n::BURST_THREADS] for n in range(BURST_THREADS)]

    def send(share: list[str]) -> list[int]:
        gate.wait()
        return [post_json(f"{url}{API}/ads/impressions/", {"token": token}) for token in share]

    statuses: dict[int, int] = {}
    with ThreadPoolExecutor(BURST_THREADS) as pool:
        for answers in pool.map(send, shares):
            for status in answers:
                statuses[status] = statuses.get(status, 0) + 1
    return statuses


def run_database(database: str, options: argparse.Namespace) -> dict:
    folder = tempfile.mkdtemp(prefix="bench-ads-")
    name = f"bench_ads_{os.getpid()}"
    env = server_env(
        database_url(database, options.postgres_url, folder, name),
        folder,
        THROTTLE_ANONYMOUS_RATE=UNLIMITED,
        THROTTLE_USER_RATE=UNLIMITED,
        THROTTLE_ADS_TRACKING_RATE=UNLIMITED,
        # Every request in these loads comes from 127.0.0.1: no click limit applies to
        # impressions, but keep the address rule out of the picture anyway.
        ADS_CLICK_LIMIT_PER_DAY="1000000000",
        LOG_LEVEL="ERROR",  # not a warning per refused request
    )
    server = None
    try:
        say(f"{database}: migrating")
        manage(env, "migrate", "--noinput", "-v", "0")
        manage(env, "collectstatic", "--noinput", "-v", "0")
        say(f"{database}: seeding {options.campaigns:,} campaigns")
        began = time.perf_counter()
        fixtures = run_step(
            env,
            "seed",
            advertisers=options.advertisers,
            campaigns=options.campaigns,
            viewers=options.viewers,
            funds=options.funds,
        )
        seeded = time.perf_counter() - began
        say(f"{database}: {options.decisions:,} serving decisions in process")
        decisions = run_step(env, "decide", decisions=options.decisions)
        tokens_file = str(Path(folder, "impression-tokens.txt"))
        made = run_step(env, "impression_tokens", path=tokens_file, count=options.tokens)
        burst_fixtures = run_step(env, "burst_prepare", count=options.burst)

        url = f"http://127.0.0.1:{options.port}"
        server = gunicorn_start(
            env, port=options.port, workers=options.workers, args=("--backlog", "4096")
        )
        _wait_for(f"{url}{API}/health/")
        loads = [
            Load(ME, lua_me(fixtures["me"])),
            Load(
                "serve/ (feed, count 2, signed-in viewers)",
                lua_get(f"{API}/ads/serve/?placement=feed&count=2", tokens=fixtures["viewers"]),
            ),
            Load(
                "vast/ (pre-roll, anonymous players)",
                lua_get(
                    f"{API}/ads/vast/?placement=preroll&cb={{n}}",
                    tokens=[""],
                    anonymous_ids=options.viewers,
                ),
            ),
            Load(
                "impressions/ (a fresh token each)",
                lua_impressions(f"{API}/ads/impressions/", tokens_file),
            ),
        ]
        # Warm the workers up (imports, connections, caches, and each worker's serving
        # snapshot, built on its first decision) before the first figure.
        warm_up = argparse.Namespace(**{**vars(options), "seconds": 3})
        for load in loads[:2]:
            wrk_run(url, load, warm_up, folder)
        http = {}
        for load in loads:
            say(f"{database}: {load.name}")
            http[load.name] = wrk_run(url, load, options, folder)
        say(f"{database}: a burst of {options.burst} impressions on a 1-coin budget")
        statuses = burst(url, burst_fixtures["tokens"])
        charged = run_step(env, "burst_check", campaign=burst_fixtures["campaign"])
        return {
            "seconds_seeding": seeded,
            "decisions": decisions,
            "tokens": made,
            "http": http,
            "burst_statuses": statuses,
            "burst": charged,
        }
    finally:
        if server is not None:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=30)
        shutil.rmtree(folder, ignore_errors=True)
        database_drop(database, options.postgres_url, name)


def report(options: argparse.Namespace, results: dict[str, dict], started: datetime) -> str:
    """The figures as a Markdown section."""
    lines = [
        "## Ads: serving decision, serve/vast/impressions, budget burst (`make bench-ads`)",
        "",
        f"Ads run of {started:%Y-%m-%d %H:%M} UTC on {machine()}. {options.campaigns:,} "
        f"active campaigns with mixed targeting over {options.advertisers:,} funded "
        f"advertisers (one ready public video each); gunicorn with {options.workers} "
        f"workers; wrk with 1 thread, {options.connections} connections, "
        f"{options.seconds} s a load.",
        "",
        "| database | decisions | p50 (ms) | p99 (ms) | ads found per decision |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    for database, figures in results.items():
        decided = figures["decisions"]
        lines.append(
            f"| {database} | {decided['decisions']:,} | {decided['p50']:.2f} "
            f"| {decided['p99']:.2f} | {decided['served']:.2f} |"
        )
    lines += [
        "",
        "| database | requests | req/s | p50 (ms) | p99 (ms) | req/s vs users/me "
        "| p50 vs users/me |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for database, figures in results.items():
        base = figures["http"][ME]
        for name, result in figures["http"].items():
            errors = f" ({result['errors']} non-2xx or errors)" if result["errors"] else ""
            lines.append(
                f"| {database} | {name}{errors} | {result['rps']:.0f} | {result['p50']:.1f} "
                f"| {result['p99']:.1f} | {result['rps'] / base['rps']:.2f} "
                f"| {result['p50'] / base['p50']:.2f} |"
            )
    lines += [
        "",
        f"Budget burst: {options.burst} impressions at once ({BURST_THREADS} threads) on a "
        f"campaign of {BURST_BUDGET} coin at {BURST_BID_MILLICOINS / 1000:g} coins CPM.",
        "",
        "| database | answers | recorded | billed | spent (micro) | budget (micro) "
        "| overshoot (micro) | status | settled (micro) | ledger_check |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | --- | ---: | --- |",
    ]
    for database, figures in results.items():
        charged = figures["burst"]
        answers = ", ".join(
            f"{count} x {status}" for status, count in sorted(figures["burst_statuses"].items())
        )
        # No impression recorded: the endpoint refused them all, nothing was measured.
        overshoot = f"{charged['overshoot_micro']:,}" if charged["recorded"] else "not measured"
        lines.append(
            f"| {database} | {answers} | {charged['recorded']} | {charged['billed']} "
            f"| {charged['spent_micro']:,} | {charged['budget_micro']:,} "
            f"| {overshoot} | {charged['status']} | {charged['settled_micro']:,} "
            f"| {charged['ledger_check']} |"
        )
    return "\n".join(lines) + "\n"


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        child(sys.argv[2], json.loads(sys.argv[3]))
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", choices=["sqlite", "postgres"], action="append")
    parser.add_argument("--campaigns", type=int, default=10_000)
    parser.add_argument("--advertisers", type=int, default=300)
    parser.add_argument("--funds", type=int, default=1_000_000, help="coins per advertiser")
    parser.add_argument("--viewers", type=int, default=200, help="signed-in viewers")
    parser.add_argument("--decisions", type=int, default=3_000)
    parser.add_argument("--tokens", type=int, default=100_000, help="impression tokens")
    parser.add_argument("--burst", type=int, default=200)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--port", type=int, default=8767)
    parser.add_argument("--postgres-url", default="postgres://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--results", type=Path, default=RESULTS, help="the file to append to")
    parser.add_argument("--no-results", action="store_true", help="append to no file")
    options = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed (Debian: apt-get install wrk).")

    started = datetime.now(UTC)
    results = {}
    for database in options.database or ["sqlite", "postgres"]:
        results[database] = run_database(database, options)
        say(f"{database}: seeded in {results[database]['seconds_seeding']:.0f} s")
    section = report(options, results, started)
    print(section)
    if not options.no_results:
        with options.results.open("a") as handle:
            handle.write("\n" + section)
        say(f"Appended to {options.results}.")


if __name__ == "__main__":
    main()
