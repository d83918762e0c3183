"""`manage.py seed_demo`: fill the database with a realistic, deterministic demo data set.

Small sizes are made with the apps' own services (so notifications, counters and
media processing happen as in life); large ones (`--bulk`, or more than
`BULK_THRESHOLD_VIDEOS` videos) insert the volume in batches. Safe to run twice: a
second run with the same arguments adds nothing. Progress goes to stderr, the summary
and how to sign in to stdout. See `devtools.demo`.
"""

import time

from django.core.management.base import BaseCommand, CommandError, CommandParser

from devtools.demo import (
    ADMIN_USERNAME,
    BULK_THRESHOLD_VIDEOS,
    DEMO_PASSWORD,
    USER_USERNAME,
    DemoPlan,
    DemoReport,
    demo_seed,
)

DEFAULT_USERS = 24
DEFAULT_VIDEOS = 40
DEFAULT_MEDIA_VIDEOS = 3
DEFAULT_SEED = 1
BAR_WIDTH = 30


class Command(BaseCommand):
    help = (
        "Create demo users (every role and status), follows, videos (a few with real "
        "media), likes, comments, bookmarks and notifications. Deterministic for a seed; "
        "safe to run twice."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--users",
            type=int,
            default=DEFAULT_USERS,
            help=f"Generated accounts besides {ADMIN_USERNAME} and {USER_USERNAME} "
            f"(default {DEFAULT_USERS}).",
        )
        parser.add_argument(
            "--videos", type=int, default=DEFAULT_VIDEOS, help=f"Videos (default {DEFAULT_VIDEOS})."
        )
        parser.add_argument(
            "--media-videos",
            type=int,
            default=DEFAULT_MEDIA_VIDEOS,
            help="How many of the videos get real media, uploaded and processed "
            f"(default {DEFAULT_MEDIA_VIDEOS}).",
        )
        parser.add_argument(
            "--seed", type=int, default=DEFAULT_SEED, help=f"Random seed (default {DEFAULT_SEED})."
        )
        parser.add_argument(
            "--activity-rows",
            type=int,
            default=None,
            help="In bulk mode, activity buckets (views and likes of a video in an hour "
            "of the last 48, for trending) spread over the bulk videos, at most 48 a video "
            "(default: one a video).",
        )
        parser.add_argument(
            "--bulk",
            action="store_true",
            help="Insert in bulk, for benchmarks (automatic above "
            f"{BULK_THRESHOLD_VIDEOS:,} videos).",
        )

    def handle(self, *args, **options) -> None:
        self.stderr.style_func = None  # progress is not an error: no red
        plan = self._plan(options)
        self.verbosity = options["verbosity"]
        self._stage, self._last_step = None, -1
        mode = "bulk inserts" if plan.bulk else "the services"
        # The generated accounts, plus the two to sign in with: what "users" counts.
        self.stderr.write(
            f"Seeding {plan.users + 2:,} users ({plan.users:,} generated, {ADMIN_USERNAME} "
            f"and {USER_USERNAME}) and {plan.videos:,} videos with {mode} (seed {plan.seed})."
        )
        started = time.monotonic()
        report = demo_seed(plan=plan, progress=self._progress)
        self._summary(report, time.monotonic() - started)
        self._sign_in_help()

    def _plan(self, options: dict) -> DemoPlan:
        for name in ("users", "videos", "media_videos", "activity_rows"):
            if (options[name] or 0) < 0:
                raise CommandError(f"--{name.replace('_', '-')} must be 0 or more.")
        if options["media_videos"] > options["videos"]:
            raise CommandError("--media-videos cannot be more than --videos.")
        if options["seed"] < 0:
            raise CommandError("--seed must be 0 or more.")
        return DemoPlan(
            users=options["users"],
            videos=options["videos"],
            seed=options["seed"],
            bulk=options["bulk"] or options["videos"] > BULK_THRESHOLD_VIDEOS,
            media_videos=options["media_videos"],
            activity_rows=options["activity_rows"],
        )

    def _progress(self, stage: str, done: int, total: int) -> None:
        """A text bar per stage, redrawn in place on a terminal, else one line per
        tenth (logs stay short)."""
        if self.verbosity < 1 or total <= 0:
            return
        step = done * 10 // total
        interactive = self.stderr.isatty()
        if not interactive and stage == self._stage and step == self._last_step:
            return
        self._stage, self._last_step = stage, step
        filled = done * BAR_WIDTH // total
        bar = "#" * filled + "-" * (BAR_WIDTH - filled)
        line = f"{stage:<28} [{bar}] {done:>9,}/{total:,}"
        if interactive:
            self.stderr.write("\r" + line, ending="\n" if done >= total else "")
        else:
            self.stderr.write(line)

    def _summary(self, report: DemoReport, seconds: float) -> None:
        if report.is_empty:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Nothing to add: the demo data for these arguments is already there "
                    f"({seconds:.1f} s)."
                )
            )
            return
        self.stdout.write(self.style.SUCCESS(f"Created in {seconds:.1f} s:"))
        for kind, count in report.created.items():
            if count:
                self.stdout.write(f"  {kind:<28} {count:>10,}")
        if report.queued_for_processing:
            self.stdout.write(
                self.style.WARNING(
                    f"  {report.queued_for_processing} video(s) queued for processing by "
                    "the Celery workers."
                )
            )

    def _sign_in_help(self) -> None:
        self.stdout.write(
            "\nSign in (password for every demo account: "
            f"{DEMO_PASSWORD}):\n"
            f"  admin site: http://127.0.0.1:8000/admin/  as {ADMIN_USERNAME}\n"
            f"  API:        curl -X POST http://127.0.0.1:8000/api/v1/auth/login/ "
            "-H 'Content-Type: application/json' "
            f'-d \'{{"username": "{USER_USERNAME}", "password": "{DEMO_PASSWORD}"}}\''
        )
