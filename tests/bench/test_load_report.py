"""The load benchmark's pure parts (`bench/load_report.py`, `bench/load.py`): wrk's
report read into figures, the figures into `results.json`'s shape, the ratios judged
against the targets, and the table and section printed. No server and no timing."""

import json

import pytest

from bench.load import PAGE_SIZE, endpoints, lua_script
from bench.load_report import (
    HEALTH,
    ME,
    Target,
    database_figures,
    problems,
    ratios_table,
    results_section,
    rounds_combined,
    targets_summary,
    wrk_parse,
)

WRK_OUTPUT = """\
Running 5s test @ http://127.0.0.1:8765
  1 threads and 8 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency    24.02ms    9.11ms 120.50ms   88.10%
    Req/Sec   333.18     41.20   410.00     70.00%
  Latency Distribution
     50%   23.10ms
     75%   27.44ms
     90%   33.02ms
     99%    1.20s
  1666 requests in 5.01s, 1.10MB read
  Socket errors: connect 0, read 1, write 0, timeout 2
  Non-2xx or 3xx responses: 17
Requests/sec:    332.53
Transfer/sec:    224.60KB
"""

FIXTURES = {"video": "3f1c", "profile": "demo_u0151", "duration": 120, "token": "t"}

CLEAN_OUTPUT = """\
Running 1s test @ http://127.0.0.1:18931/
  1 threads and 2 connections
  Latency Distribution
     50%  812.00us
     75%    1.10ms
     90%    1.50ms
     99%    2.00ms
  931 requests in 1.00s, 472.95KB read
Requests/sec:    929.01
Transfer/sec:    471.94KB
Counted views: 931, not counted: 0
"""


def run(name: str, rps: float, *, p50: float = 10.0, non_2xx: int = 0, **extra) -> dict:
    """`wrk_parse`'s figures for one endpoint."""
    return {
        "rps": rps,
        "p50": p50,
        "p99": p50 * 3,
        "requests": int(rps * 5),
        "non_2xx": non_2xx,
        "socket_errors": 0,
        "errors": non_2xx,
        **extra,
    }


def test_wrk_parse_reads_rates_percentiles_and_failures():
    assert wrk_parse(WRK_OUTPUT) == {
        "rps": 332.53,
        "p50": 23.1,
        "p99": 1200.0,
        "requests": 1666,
        "non_2xx": 17,
        "socket_errors": 3,
        "errors": 20,
    }


def test_wrk_parse_without_failures_reads_zero_and_the_counted_views():
    figures = wrk_parse(CLEAN_OUTPUT)

    assert figures["p50"] == pytest.approx(0.812)
    assert (figures["non_2xx"], figures["socket_errors"], figures["errors"]) == (0, 0, 0)
    assert (figures["counted"], figures["not_counted"]) == (931, 0)


def test_database_figures_take_each_ratio_against_its_target():
    measured = {
        HEALTH: (None, run(HEALTH, 1000.0)),
        ME: (Target(0.4, of=HEALTH), run(ME, 300.0)),
        "following feed": (Target(0.5), run("following feed", 149.0, p50=40.123)),
        "counted view": (Target(0.6), run("counted view", 240.0, counted=1200, not_counted=0)),
        "login": (None, run("login", 9.0, non_2xx=2)),
    }

    figures = database_figures(measured)

    assert list(figures) == [HEALTH, ME, "following feed", "counted view", "login"]
    assert figures[HEALTH] == {
        "rps": 1000.0,
        "p50_ms": 10.0,
        "p99_ms": 30.0,
        "ratio_to_me": 3.33,
        "target": None,
        "target_of": None,
        "ratio": None,
        "met": None,
        "requests": 5000,
        "non_2xx": 0,
        "socket_errors": 0,
    }
    assert {key: figures[ME][key] for key in ("ratio_to_me", "target", "target_of", "ratio")} == {
        "ratio_to_me": 1.0,
        "target": 0.4,
        "target_of": HEALTH,
        "ratio": 0.3,
    }
    assert figures[ME]["met"] is False
    assert figures["following feed"] == {
        "rps": 149.0,
        "p50_ms": 40.12,
        "p99_ms": 120.37,
        "ratio_to_me": 0.5,  # 0.4967, judged as shown
        "target": 0.5,
        "target_of": ME,
        "ratio": 0.5,
        "met": True,
        "requests": 745,
        "non_2xx": 0,
        "socket_errors": 0,
    }
    assert (figures["counted view"]["counted"], figures["counted view"]["not_counted"]) == (1200, 0)
    assert figures["counted view"]["met"] is True
    assert figures["login"]["non_2xx"] == 2
    json.dumps(figures)  # what results.json holds


def test_problems_name_non_2xx_answers_socket_errors_and_uncounted_views():
    results = {
        "sqlite": database_figures(
            {
                ME: (None, run(ME, 300.0)),
                "comment": (Target(0.35), run("comment", 90.0, non_2xx=4)),
            }
        ),
        "postgres": database_figures(
            {
                ME: (None, {**run(ME, 300.0), "socket_errors": 2}),
                "login": (None, run("login", 0.0)),
                "counted view": (
                    Target(0.6),
                    run("counted view", 200.0, counted=990, not_counted=10),
                ),
            }
        ),
    }

    assert problems(results) == [
        "sqlite: comment: 4 answers were not 2xx.",
        "postgres: users/me: 2 socket errors (connect, read, write or timeout).",
        "postgres: login: no request completed in the time.",
        "postgres: counted view: 10 of 1000 views did not count.",
    ]


def test_a_clean_run_has_no_problems():
    results = {"sqlite": database_figures({ME: (None, run(ME, 300.0))})}

    assert problems(results) == []


def test_ratios_table_shows_ratio_target_and_verdict_per_database():
    results = {
        database: database_figures(
            {
                HEALTH: (None, run(HEALTH, 1000.0)),
                ME: (Target(0.4, of=HEALTH), run(ME, rps)),
                "comment": (Target(0.35), run("comment", comment, non_2xx=1)),
            }
        )
        for database, rps, comment in (("sqlite", 500.0, 100.0), ("postgres", 300.0, 120.0))
    }

    assert ratios_table(results).splitlines() == [
        "| database | endpoint | req/s | p50 (ms) | p99 (ms) | x users/me | target | measured "
        "| met | non-2xx | rounds |",
        "| --- | --- | ---: | ---: | ---: | ---: | --- | --- | --- | ---: | --- |",
        "| sqlite | health | 1000 | 10.0 | 30.0 | 2.00 | - | - | - | 0 | - |",
        "| sqlite | users/me | 500 | 10.0 | 30.0 | 1.00 | at least 0.40x health "
        "| 0.50x health | yes | 0 | - |",
        "| sqlite | comment | 100 | 10.0 | 30.0 | 0.20 | at least 0.35x users/me "
        "| 0.20x users/me | **NO** | 1 | - |",
        "| postgres | health | 1000 | 10.0 | 30.0 | 3.33 | - | - | - | 0 | - |",
        "| postgres | users/me | 300 | 10.0 | 30.0 | 1.00 | at least 0.40x health "
        "| 0.30x health | **NO** | 0 | - |",
        "| postgres | comment | 120 | 10.0 | 30.0 | 0.40 | at least 0.35x users/me "
        "| 0.40x users/me | yes | 1 | - |",
    ]
    assert targets_summary(results) == (
        "Targets met: 2 of 4. Missed: sqlite comment (0.20x users/me, target 0.35x); "
        "postgres users/me (0.30x health, target 0.40x)."
    )


def test_results_section_says_how_the_run_was_made_and_what_failed():
    results = {
        "sqlite": database_figures(
            {ME: (None, run(ME, 300.0)), "comment": (Target(0.35), run("comment", 90, non_2xx=3))}
        )
    }
    meta = {
        "date": "2026-12-06T22:48:09+00:00",
        "machine": "x86_64, 2 cores (AMD EPYC), Python 3.11.7",
        "seconds": 2,
        "rounds": 3,
        "warmup_seconds": 1,
        "connections": 8,
        "workers": 2,
        "seed": "seed_demo --bulk --users 300 --videos 3000 --media-videos 0",
        "page_size": 20,
        "total_seconds": 312.0,
        "load_average_start": [1.5, 1.25, 0.5],
    }

    section = results_section(results, meta).splitlines()

    assert section[0] == "## Load (`make bench`): run of 2026-12-06 22:48 UTC"
    assert section[2] == (
        "x86_64, 2 cores (AMD EPYC), Python 3.11.7, load average 1.50, 1.25, 0.50 at the "
        "start. gunicorn with 2 workers; wrk with 1 thread, 8 connections, 3 rounds of 1 s "
        "of warm-up (a client a worker) then 2 s per endpoint, each endpoint's figures the "
        "median of its rounds and each ratio taken in its round; "
        "`seed_demo --bulk --users 300 --videos 3000 --media-videos 0`; lists at "
        "`page_size=20` (every page full). The whole run took 5.2 min."
    )
    assert section[4:8] == ratios_table(results).splitlines()
    assert section[9:] == [
        "Targets met: 0 of 1. Missed: sqlite comment (0.30x users/me, target 0.35x).",
        "",
        "- **sqlite: comment: 3 answers were not 2xx.**",
    ]


def test_rounds_combine_into_medians_with_each_ratio_taken_in_its_round():
    """Each round's ratio is taken against `users/me` of that round; the figures are
    the rounds' medians (counts summed), judged as combined."""
    rounds = [
        database_figures(
            {
                ME: (None, run(ME, me_rps, p50=p50)),
                "feed": (Target(0.5), run("feed", feed_rps, non_2xx=non_2xx)),
                "view": (Target(0.6), run("view", 300.0, counted=10, not_counted=1)),
            }
        )
        for me_rps, feed_rps, p50, non_2xx in (
            (1000.0, 450.0, 10.0, 0),  # 0.45
            (600.0, 330.0, 14.0, 2),  # 0.55: the machine slower for both
            (800.0, 416.0, 12.0, 0),  # 0.52
        )
    ]

    combined = rounds_combined(rounds)

    feed = combined["feed"]
    assert feed["round_ratios"] == [0.45, 0.55, 0.52]
    assert (feed["ratio"], feed["ratio_to_me"], feed["met"]) == (0.52, 0.52, True)
    assert (feed["rps"], feed["p50_ms"], feed["p99_ms"]) == (416.0, 10.0, 30.0)
    assert (feed["requests"], feed["non_2xx"], feed["socket_errors"]) == (
        int(450.0 * 5) + int(330.0 * 5) + int(416.0 * 5),
        2,
        0,
    )
    assert combined[ME]["round_ratios"] == [1.0, 1.0, 1.0]
    assert (combined[ME]["rps"], combined[ME]["p50_ms"], combined[ME]["target"]) == (
        800.0,
        12.0,
        None,
    )
    view = combined["view"]
    assert (view["counted"], view["not_counted"]) == (30, 3)
    assert view["round_ratios"] == [0.3, 0.5, 0.38]
    assert (view["ratio"], view["met"]) == (0.38, False)
    assert problems({"sqlite": combined}) == [
        "sqlite: feed: 2 answers were not 2xx.",
        "sqlite: view: 3 of 33 views did not count.",
    ]
    assert ratios_table({"sqlite": combined}).splitlines()[3] == (
        "| sqlite | feed | 416 | 10.0 | 30.0 | 0.52 | at least 0.50x users/me "
        "| 0.52x users/me | yes | 2 | 0.45, 0.55, 0.52 |"
    )


def test_every_endpoint_carries_the_target_of_the_issue():

    targets = {
        endpoint.name: (endpoint.target.ratio, endpoint.target.of) if endpoint.target else None
        for endpoint in endpoints(FIXTURES)
    }

    assert targets == {
        HEALTH: None,
        ME: (0.4, HEALTH),
        "following feed": (0.5, ME),
        "for-you feed": (0.5, ME),
        "trending feed": (0.5, ME),
        "video detail": (0.5, ME),
        "profile": (0.5, ME),
        "profile videos": (0.5, ME),
        "like/unlike": (0.6, ME),
        "comment": (0.35, ME),
        "counted view": (0.6, ME),
        "login (Argon2)": None,
    }


def test_lists_ask_for_a_full_page_and_check_it():

    lists = [endpoint for endpoint in endpoints(FIXTURES) if endpoint.full_page]

    assert [endpoint.name for endpoint in lists] == [
        "following feed",
        "for-you feed",
        "trending feed",
        "profile videos",
    ]
    assert all(endpoint.path.endswith(f"?page_size={PAGE_SIZE}") for endpoint in lists)
    assert PAGE_SIZE == 20


def test_a_counted_view_sends_a_new_client_key_each_request_and_reports_the_count():
    view = next(endpoint for endpoint in endpoints(FIXTURES) if endpoint.counted_view)

    script = lua_script(view, "t", client_key_prefix="run-7-")

    assert view.path == "/api/v1/videos/3f1c/views/"
    assert json.loads(view.body) == {"watched_seconds": 120}
    assert not view.signed_in  # anonymous: the X-Client-Key is the viewer
    assert 'local prefix, n = "run-7-", 0' in script
    assert 'local headers = {["X-Client-Key"] = prefix .. n}' in script
    assert "Counted views: %d, not counted: %d" in script
    assert "Authorization" not in script
