"""Trending and the bulk demo data at scale: `seed_demo` (first run, then a second one
that must add nothing) and `compute_trending` over the activity buckets it made, on
SQLite and PostgreSQL.

Not a test: run it by hand (`make bench-trending`, or the command below). It builds a
throwaway database per run, seeds `--videos` videos with `--activity-rows` buckets
in the last 48 hours, then times `trending_compute` twice: as a periodic run finds
the scores (the seed stored what trending gives, so few are rewritten), and with
every score rewritten (all set to 0 first, as after a change of formula).

    .venv/bin/python bench/trending.py --database sqlite --videos 1000000 \
        --activity-rows 10000000
"""

import argparse
import subprocess
import sys
import time
from io import StringIO
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import throwaway_database  # noqa: E402 - needs ROOT on the path


def child(database: str, videos: int, activity_rows: int, postgres_url: str) -> None:
    name = f"bench_trending_{videos}"
    with throwaway_database(database, postgres_url=postgres_url, name=name, DEBUG="1"):
        from django.core.management import call_command
        from django.db.models import Count

        from videos.models import Video, VideoActivity
        from videos.services.trending import trending_compute

        def timed(label: str, run) -> None:
            began = time.perf_counter()
            detail = run()
            print(f"{label}\t{time.perf_counter() - began:.1f}\t{detail}", flush=True)

        def seed() -> str:
            out = StringIO()
            call_command(
                "seed_demo",
                "--videos",
                str(videos),
                "--media-videos",
                "0",
                "--activity-rows",
                str(activity_rows),
                stdout=out,
                stderr=sys.stderr,
            )
            return out.getvalue().splitlines()[0]

        timed("seed_demo", seed)
        timed("seed_demo again", seed)
        counts = VideoActivity.objects.aggregate(
            rows=Count("pk"), videos=Count("video", distinct=True)
        )
        print(f"buckets\t0\t{counts['rows']:,} in {counts['videos']:,} videos", flush=True)

        def compute() -> str:
            result = trending_compute()
            return f"scored {result.scored:,}, reset {result.reset:,}, pruned {result.pruned:,}"

        timed("compute_trending (periodic)", compute)
        Video.objects.update(trending_score=0)
        timed("compute_trending (every score rewritten)", compute)


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        child(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5])
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", choices=["sqlite", "postgres"], action="append")
    parser.add_argument("--videos", type=int, default=1_000_000)
    parser.add_argument("--activity-rows", type=int, default=10_000_000)
    parser.add_argument("--postgres-url", default="postgres://postgres@127.0.0.1:5432/postgres")
    options = parser.parse_args()
    print("| database | videos | activity rows | step | seconds | result |")
    print("| --- | ---: | ---: | --- | ---: | --- |")
    for database in options.database or ["sqlite", "postgres"]:
        args = [sys.executable, __file__, "--child", database, str(options.videos)]
        args += [str(options.activity_rows), options.postgres_url]
        child_run = subprocess.Popen(args, stdout=subprocess.PIPE, text=True)  # noqa: S603
        for line in child_run.stdout:
            step, seconds, detail = line.rstrip("\n").split("\t", 2)
            print(
                f"| {database} | {options.videos:,} | {options.activity_rows:,} | {step} "
                f"| {seconds} | {detail} |",
                flush=True,
            )
        if child_run.wait() != 0:
            raise SystemExit(f"The {database} run failed (see above).")


if __name__ == "__main__":
    main()
