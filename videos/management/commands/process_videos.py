"""`manage.py process_videos`: run media processing again, for videos that need it.

By default it takes the videos stuck in `uploaded` or `processing` (no sign of life for
`--stuck-minutes`: a running processing touches its row every half minute), with
`--failed` the failed ones, with `--id` the videos named, with `--all` every video.
Safe to run twice, even at once: each video is claimed with a conditional update
before it is processed, so two runs never process the same video together, and a
second run finds nothing left to do. A ready video whose source file is missing is
skipped and stays ready (it can only fail). Progress goes to stderr, the summary (with
what was skipped, and why) to stdout.
"""

import time
import uuid
from collections import Counter
from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from videos.models import Video
from videos.services.processing import SourceMissing, video_process, video_processing_claim

STUCK_MINUTES = 15
# Why a video was skipped, as the progress lines and the summary say it.
SKIPPED_CHANGED = "changed meanwhile (deleted or taken by another run)"
SKIPPED_DELETED = "deleted meanwhile"
SKIPPED_SOURCE_MISSING = "source file missing, left ready"


class Command(BaseCommand):
    help = (
        "Process videos again: by default those stuck in uploaded/processing; "
        "--failed for failed ones, --id for the videos named, --all for every video."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        selection = parser.add_mutually_exclusive_group()
        selection.add_argument(
            "--failed", action="store_true", help="Process the videos whose processing failed."
        )
        selection.add_argument(
            "--id",
            dest="ids",
            nargs="+",
            action="extend",
            metavar="UUID",
            help="Process these videos, whatever their status.",
        )
        selection.add_argument(
            "--all",
            dest="every",
            action="store_true",
            help="Process every video, whatever its status.",
        )
        parser.add_argument(
            "--stuck-minutes",
            type=int,
            default=STUCK_MINUTES,
            help=(
                "A video in uploaded/processing counts as stuck after this many minutes "
                f"without change (default {STUCK_MINUTES})."
            ),
        )

    def handle(self, *args, failed: bool, ids: list[str] | None, every: bool, **options) -> None:
        self.stderr.style_func = None  # progress is not an error: no red
        stuck_minutes = options["stuck_minutes"]
        if stuck_minutes < 0:
            raise CommandError("--stuck-minutes must be 0 or more.")
        videos = Video.objects.all()
        claim = {}
        if ids:
            videos = videos.filter(pk__in=self._ids_known(ids))
        elif failed:
            videos = videos.filter(status=Video.Status.FAILED)
            claim = {"statuses": [Video.Status.FAILED]}
        elif not every:
            cutoff = timezone.now() - timedelta(minutes=stuck_minutes)
            stuck = [Video.Status.UPLOADED, Video.Status.PROCESSING]
            videos = videos.filter(status__in=stuck, updated_at__lte=cutoff)
            # Claimed only if still untouched: a run that started meanwhile has it.
            claim = {"statuses": stuck, "unchanged_since": cutoff + timedelta(microseconds=1)}
        pks = list(videos.order_by("created_at", "pk").values_list("pk", flat=True))
        if not pks:
            self.stdout.write("No videos to process.")
            return
        outcomes: Counter[str] = Counter()
        skipped: Counter[str] = Counter()
        total = len(pks)
        for index, pk in enumerate(pks, start=1):
            started = time.monotonic()
            outcome, detail = self._process(pk, claim)
            outcomes[outcome] += 1
            if outcome == "skipped":
                skipped[detail] += 1
            if options["verbosity"] >= 1:
                elapsed = time.monotonic() - started
                suffix = f": {detail}" if detail else ""
                self.stderr.write(f"[{index}/{total}] {pk} {outcome}{suffix} ({elapsed:.1f} s)")
        self.stdout.write(self._summary(total, outcomes, skipped))

    def _ids_known(self, ids: list[str]) -> list[uuid.UUID]:
        pks = []
        for text in ids:
            try:
                pks.append(uuid.UUID(text))
            except ValueError as error:
                raise CommandError(f"{text!r} is not a video id (a UUID).") from error
        found = set(Video.objects.filter(pk__in=pks).values_list("pk", flat=True))
        missing = [str(pk) for pk in pks if pk not in found]
        if missing:
            raise CommandError(f"No video has the id {', '.join(missing)}.")
        return pks

    def _process(self, pk: uuid.UUID, claim: dict) -> tuple[str, str]:
        """Process one video; returns its outcome (ready, failed or skipped) and why."""
        try:
            if not video_processing_claim(video_id=pk, **claim):
                return "skipped", SKIPPED_CHANGED
            video = video_process(video_id=pk)
        except Video.DoesNotExist:
            return "skipped", SKIPPED_DELETED
        except SourceMissing:
            return "skipped", SKIPPED_SOURCE_MISSING
        return video.status, video.processing_error

    def _summary(self, total: int, outcomes: Counter, skipped: Counter) -> str:
        parts = [f"{outcomes[name]} {name}" for name in ("ready", "failed", "skipped")]
        message = f"Processed {total} video(s): {', '.join(parts)}."
        if skipped:
            reasons = "; ".join(f"{reason}: {count}" for reason, count in sorted(skipped.items()))
            message = f"{message[:-1]} ({reasons})."
        if outcomes["failed"] or outcomes["skipped"]:
            return self.style.WARNING(message)
        return self.style.SUCCESS(message)
