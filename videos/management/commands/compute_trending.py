"""`manage.py compute_trending`: recompute the trending score of every video now, and
prune the activity buckets older than the window.

Celery beat runs the same computation every few minutes (`CELERY_BEAT_SCHEDULE`);
this command is for running it by hand or from cron without a worker. Safe to run at
any time and twice.
"""

from django.core.management.base import BaseCommand, CommandError, CommandParser

from videos.services.trending import BATCH_SIZE, TRENDING_WINDOW, trending_compute


class Command(BaseCommand):
    help = (
        "Recompute the trending score of every public video from its views, likes, "
        "comments and shares of the last 48 hours, reset the scores of videos no longer "
        "trending, and delete the activity buckets older than that."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--batch-size",
            type=int,
            default=BATCH_SIZE,
            help=f"Videos scored per query and update (default {BATCH_SIZE}).",
        )

    def handle(self, *args, batch_size: int, **options) -> None:
        if batch_size < 1:
            raise CommandError("--batch-size must be 1 or more.")
        verbosity = options["verbosity"]

        def progress(scored: int) -> None:
            if verbosity >= 2:
                self.stdout.write(f"  {scored} video(s) scored so far")

        result = trending_compute(batch_size=batch_size, on_batch=progress)
        self.stdout.write(
            self.style.SUCCESS(
                f"Scored {result.scored} video(s), {result.trending} now trending; "
                f"reset {result.reset} video(s) no longer trending to 0; "
                f"pruned {result.pruned} activity bucket(s) older than "
                f"{TRENDING_WINDOW.total_seconds() / 3600:g} h (in {result.seconds:.2f} s)."
            )
        )
