"""`manage.py prune_sessions`: delete dead sign-in sessions and spent two-factor challenges.

Safe to run from cron, as often as wanted: it deletes only rows that can never be used
again, in batches so no long lock is held, and a second run finds nothing left to do.
"""

from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import Model, Q, QuerySet
from django.utils import timezone

from accounts.models import AuthSession, TwoFactorChallenge

BATCH_SIZE = 1000


class Command(BaseCommand):
    help = (
        "Delete sign-in sessions that ended or expired, and two-factor challenges that "
        "were used or expired, more than --days days ago (default 0: all of them)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--days",
            type=int,
            default=0,
            help="Keep what ended or expired within the last N days (default 0).",
        )
        parser.add_argument(
            "--batch-size",
            type=int,
            default=BATCH_SIZE,
            help=f"Rows deleted per statement (default {BATCH_SIZE}).",
        )

    def handle(self, *args, days: int, batch_size: int, **options) -> None:
        if days < 0:
            raise CommandError("--days must be 0 or more.")
        if batch_size < 1:
            raise CommandError("--batch-size must be 1 or more.")
        self.batch_size = batch_size
        cutoff = timezone.now() - timedelta(days=days)
        self.verbosity = options["verbosity"]
        sessions = self.delete_in_batches(
            AuthSession.objects.filter(Q(ended_at__lte=cutoff) | Q(expires_at__lte=cutoff)),
            label="sessions",
        )
        challenges = self.delete_in_batches(
            TwoFactorChallenge.objects.filter(Q(used_at__lte=cutoff) | Q(expires_at__lte=cutoff)),
            label="two-factor challenges",
        )
        self.stdout.write(
            self.style.SUCCESS(
                f"Deleted {sessions} session(s) and {challenges} two-factor challenge(s) "
                f"that ended or expired before {cutoff.isoformat(timespec='seconds')}."
            )
        )

    def delete_in_batches(self, queryset: QuerySet, *, label: str) -> int:
        """Delete `queryset`'s rows a batch at a time; returns how many went."""
        model: type[Model] = queryset.model
        deleted = 0
        while True:
            batch = list(queryset.values_list("pk", flat=True)[: self.batch_size])
            if not batch:
                return deleted
            _, per_model = model.objects.filter(pk__in=batch).delete()
            deleted += per_model.get(model._meta.label, 0)
            if self.verbosity >= 2:
                self.stdout.write(f"  {label}: {deleted} deleted so far")
