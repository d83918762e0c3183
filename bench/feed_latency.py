"""Feed latency at 10k and 1M videos, page 1 against a deep page, on SQLite and PostgreSQL.

Not a test: run it by hand (`make bench-feeds`, or the command below). It builds a
throwaway database per size, fills it with generated videos in bulk, then times the
API in-process (Django's test client, no network) for the public feed and the
trending feed: the first page, and a page deep in the list reached through a real
cursor. The figure is the ratio deep/first, which keyset pagination keeps near 1
whatever the depth or the table size; absolute times depend on the machine.

    .venv/bin/python bench/feed_latency.py --database sqlite --videos 10000 1000000
    .venv/bin/python bench/feed_latency.py --database postgres --videos 10000 1000000 \
        --postgres-url postgres://postgres@127.0.0.1:5432/postgres
"""

import argparse
import random
import statistics
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import throwaway_database  # noqa: E402 - needs ROOT on the path

BATCH = 20_000
OWNERS = 2_000
REPEAT = 25
PAGE_SIZE = 20


def seed(count: int) -> None:
    """`count` ready public videos by `OWNERS` owners, published over two years."""
    from django.contrib.auth.hashers import make_password

    from accounts.models import User
    from videos.models import Video

    password = make_password(None)
    owners = [
        User(
            username=f"owner{n}",
            email=f"owner{n}@example.com",
            password=password,
            status=User.Status.ACTIVE,
        )
        for n in range(OWNERS)
    ]
    User.objects.bulk_create(owners, batch_size=BATCH)
    owner_ids = list(User.objects.values_list("pk", flat=True))
    rng = random.Random(42)
    start = datetime(2025, 1, 1, tzinfo=UTC)
    made = 0
    while made < count:
        size = min(BATCH, count - made)
        batch = []
        for n in range(made, made + size):
            published = start + timedelta(seconds=rng.randrange(0, 2 * 365 * 86400))
            batch.append(
                Video(
                    id=uuid.UUID(int=rng.getrandbits(128), version=4),
                    owner_id=rng.choice(owner_ids),
                    title=f"Video {n}",
                    source_file=f"videos/{n:032x}/source.mp4",
                    media_key=f"{n:032x}",
                    status=Video.Status.READY,
                    visibility=Video.Visibility.PUBLIC,
                    tags=[f"tag{rng.randrange(200)}", f"tag{rng.randrange(200)}"],
                    view_count=rng.randrange(100_000),
                    trending_score=rng.random() * 1000,
                    published_at=published,
                    created_at=published,
                    duration_seconds=60,
                    width=1280,
                    height=720,
                )
            )
        Video.objects.bulk_create(batch, batch_size=BATCH)
        made += size
        print(f"  seeded {made:,}/{count:,}", file=sys.stderr, end="\r")
    print(file=sys.stderr)
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def deep_cursor(ordering: list[str], depth: int) -> str:
    """A real cursor to the page that starts after row `depth` of the ordering."""
    from django.core import signing

    from core.pagination import CURSOR_SALT
    from videos.models import Video

    fields = [term.lstrip("-") for term in ordering]
    row = (
        Video.objects.filter(status="ready", visibility="public")
        .order_by(*ordering)
        .values_list(*fields)[depth]
    )
    values = [
        Video._meta.get_field(name).value_to_string(Video(**{name: value}))
        for name, value in zip(fields, row, strict=True)
    ]
    return signing.dumps({"o": ordering, "p": values, "b": False}, salt=CURSOR_SALT, compress=True)


def timed(client, url: str) -> float:
    """The median time of `REPEAT` requests, in milliseconds, after a warm-up."""
    for _ in range(3):
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code, response.content[:300])
        assert len(response.json()["results"]) == PAGE_SIZE
    samples = []
    for _ in range(REPEAT):
        began = time.perf_counter()
        client.get(url)
        samples.append((time.perf_counter() - began) * 1000)
    return statistics.median(samples)


FEEDS = {
    "recent (/videos/)": ("/api/v1/videos/", ["-published_at", "-id"], False),
    "recent, signed in": ("/api/v1/videos/", ["-published_at", "-id"], True),
    "trending (/feed/trending/)": ("/api/v1/feed/trending/", ["-trending_score", "-id"], False),
}


def signed_in_client():
    """A client signed in as a user with no videos, through a real session."""
    from django.test import Client

    from accounts.models import User
    from accounts.services.sessions import ClientInfo, session_start

    viewer, _ = User.objects.get_or_create(
        username="bench_viewer",
        defaults={"email": "viewer@example.com", "status": User.Status.ACTIVE},
    )
    _, tokens = session_start(user=viewer, client=ClientInfo())
    return Client(HTTP_AUTHORIZATION=f"Bearer {tokens.access_token}")


def measure(count: int) -> list[tuple[str, float, float]]:
    from django.test import Client

    anonymous, signed_in = Client(), signed_in_client()
    depth = count // 2
    results = []
    for name, (url, ordering, authenticated) in FEEDS.items():
        client = signed_in if authenticated else anonymous
        first = timed(client, f"{url}?page_size={PAGE_SIZE}")
        cursor = deep_cursor(ordering, depth)
        deep = timed(client, f"{url}?page_size={PAGE_SIZE}&cursor={cursor}")
        results.append((name, first, deep))
    return results


def run_one(database: str, count: int, postgres_url: str) -> list[tuple[str, float, float]]:
    """Build, seed and measure one database in a child process (settings are per process)."""
    import subprocess

    args = [sys.executable, __file__, "--child", database, str(count), postgres_url]
    output = subprocess.run(args, check=False, capture_output=True, text=True)  # noqa: S603
    sys.stderr.write(output.stderr)
    if output.returncode != 0:
        raise SystemExit(f"The {database} run with {count:,} videos failed (see above).")
    rows = []
    for line in output.stdout.splitlines():
        name, first, deep = line.rsplit("\t", 2)
        rows.append((name, float(first), float(deep)))
    return rows


def child(database: str, count: int, postgres_url: str) -> None:
    with throwaway_database(database, postgres_url=postgres_url, name=f"bench_feeds_{count}"):
        print(f"{database}: seeding {count:,} videos", file=sys.stderr)
        began = time.perf_counter()
        seed(count)
        print(f"{database}: seeded in {time.perf_counter() - began:.0f} s", file=sys.stderr)
        for name, first, deep in measure(count):
            print(f"{name}\t{first:.3f}\t{deep:.3f}")


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        child(sys.argv[2], int(sys.argv[3]), sys.argv[4])
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", choices=["sqlite", "postgres"], action="append")
    parser.add_argument("--videos", type=int, nargs="+", default=[10_000, 1_000_000])
    parser.add_argument("--postgres-url", default="postgres://postgres@127.0.0.1:5432/postgres")
    options = parser.parse_args()
    print("| database | videos | feed | page 1 (ms) | deep page (ms) | deep / page 1 |")
    print("| --- | ---: | --- | ---: | ---: | ---: |")
    for database in options.database or ["sqlite", "postgres"]:
        for count in options.videos:
            for name, first, deep in run_one(database, count, options.postgres_url):
                print(
                    f"| {database} | {count:,} | {name} | {first:.1f} | {deep:.1f} "
                    f"| {deep / first:.2f} |",
                    flush=True,
                )


if __name__ == "__main__":
    main()
