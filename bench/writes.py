"""The write paths of issue 15 in process: the SQL statements and the median time of a
like, an unlike, a comment and a counted view, beside `users/me/` measured the same way.

Not a test: run it by hand. Each database is a throwaway one (SQLite in a file, or a
new PostgreSQL database), migrated and seeded with a creator's video and a few users;
requests go through Django's test `Client` (no network, no server), so the figures
are the application's own cost. For each endpoint it prints the statements one
request runs (with `--statements`), their count, and the median and 95th percentile
of `--requests` requests after a short warm-up, and each median's ratio to that of
`users/me/` (a rate ratio: the inverse of the time ratio).

The requests are the load benchmark's (`bench/load.py`): one user liking and unliking
the video in turn (each like joins the owner's open `video_like` group), the same user
commenting, and anonymous viewers with a new `X-Client-Key` each, so every view counts.
A first like (one that opens the owner's group) is listed too.

    .venv/bin/python bench/writes.py --database sqlite --statements
    .venv/bin/python bench/writes.py --database postgres \
        --postgres-url postgres://postgres@127.0.0.1:5432/postgres
"""

import argparse
import json
import statistics
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import throwaway_database  # noqa: E402 - needs ROOT on the path
from bench.ledger import client_for, milliseconds, users_create  # noqa: E402

API = "/api/v1"
WARM_UP = 10


def seed() -> dict:
    """A creator's ready public video, the user who likes and comments, and the user
    whose first like is listed."""
    from django.utils import timezone

    from videos.models import Video

    creator, fan, newcomer = users_create(f"writes-{uuid.uuid4().hex[:6]}-", 3, creator=True)
    key = uuid.uuid4().hex
    video = Video.objects.create(
        owner=creator,
        title="A video to like",
        media_key=key,
        source_file=f"videos/{key}/source.mp4",
        status=Video.Status.READY,
        visibility=Video.Visibility.PUBLIC,
        duration_seconds=30.0,
        width=1280,
        height=720,
        published_at=timezone.now(),
    )
    return {"video": video, "fan": client_for(fan), "newcomer": client_for(newcomer)}


class Request:
    """One kind of request: `send()` makes one and checks its status."""

    def __init__(self, name: str, send):
        self.name = name
        self.send = send


def requests(world: dict) -> list[Request]:
    from django.test import Client

    fan, video = world["fan"], world["video"]
    like = f"{API}/videos/{video.pk}/like/"
    anonymous = Client()

    def check(response, status: int):
        assert response.status_code == status, (response.status_code, response.content[:300])

    def me():
        check(fan.get(f"{API}/users/me/"), 200)

    def like_post():
        check(fan.post(like), 201)

    def like_delete():
        check(fan.delete(like), 204)

    def comment():
        body = json.dumps({"text": "A comment from the write benchmark."})
        check(fan.post(f"{API}/videos/{video.pk}/comments/", body, "application/json"), 201)

    def view():
        check(
            anonymous.post(
                f"{API}/videos/{video.pk}/views/",
                json.dumps({"watched_seconds": 30}),
                "application/json",
                HTTP_X_CLIENT_KEY=uuid.uuid4().hex,
            ),
            200,
        )

    return [
        Request("users/me", me),
        Request("like", like_post),
        Request("unlike", like_delete),
        Request("comment", comment),
        Request("counted view", view),
    ]


def statements(send) -> list[str]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        send()
    return [query["sql"] for query in captured.captured_queries]


def run(database: str, options: argparse.Namespace) -> None:
    world = seed()
    kinds = {request.name: request for request in requests(world)}
    newcomer_like = f"{API}/videos/{world['video'].pk}/like/"

    def first_like():
        response = world["newcomer"].post(newcomer_like)
        assert response.status_code == 201, response.content[:300]

    for _ in range(WARM_UP):
        for name in ("users/me", "comment", "counted view"):
            kinds[name].send()
        kinds["like"].send()
        kinds["unlike"].send()
    listed = {"first like": statements(first_like)}
    kinds["like"].send()
    kinds["unlike"].send()
    for name, request in kinds.items():
        if name == "unlike":
            kinds["like"].send()
        listed[name] = statements(request.send)
        if name == "like":
            kinds["unlike"].send()

    # Each endpoint in a run of its own (a like and an unlike in turn), so that none
    # pays for the garbage another left (the collector's pauses).
    times: dict[str, list[float]] = {name: [] for name in kinds}
    for names in (["users/me"], ["like", "unlike"], ["comment"], ["counted view"]):
        for _ in range(options.requests):
            for name in names:
                began = time.perf_counter()
                kinds[name].send()
                times[name].append(time.perf_counter() - began)

    if options.statements:
        for name, sqls in listed.items():
            print(f"\n## {database}: {name} ({len(sqls)} statements)")
            for number, sql in enumerate(sqls, 1):
                print(f"{number:3}. {sql[: options.width]}")
    me_median = statistics.median(times["users/me"])
    print(f"\n{database}: {options.requests} requests each, Django test Client, in process")
    print("| endpoint | statements | median ms | p95 ms | rate vs users/me |")
    print("| --- | ---: | ---: | ---: | ---: |")
    print(f"| first like | {len(listed['first like'])} | | | |")
    for name in kinds:
        median, p95 = milliseconds(times[name])
        ratio = me_median / statistics.median(times[name])
        print(f"| {name} | {len(listed[name])} | {median:.2f} | {p95:.2f} | {ratio:.2f} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--postgres-url", default="postgres://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--statements", action="store_true", help="print each statement")
    parser.add_argument("--width", type=int, default=400, help="characters of each statement")
    options = parser.parse_args()
    with throwaway_database(options.database, postgres_url=options.postgres_url, name="writes"):
        run(options.database, options)


if __name__ == "__main__":
    main()
