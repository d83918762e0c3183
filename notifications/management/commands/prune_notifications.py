"""`manage.py prune_notifications --older-than 90d`: delete old notifications.

Deletes every notification, read or not, last updated longer ago than `--older-than`
(`<n>d` days or `<n>h` hours; `0h` or `0d`: every notification), in batches of short
transactions. Safe to run twice
and at any time; run it from cron or a scheduler.
"""

import re
from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError, CommandParser

from notifications.services import notifications_prune

AGE_PATTERN = re.compile(r"^\s*(\d+)\s*([dh])\s*$", re.IGNORECASE)


def age_parse(value: str) -> timedelta:
    """`"90d"` -> 90 days, `"12h"` -> 12 hours, `"0h"` -> none (everything is older);
    CommandError for anything else."""
    match = AGE_PATTERN.match(value or "")
    if match is None:
        raise CommandError(
            f"--older-than must be a whole number of days or hours, like 90d or 12h; not {value!r}."
        )
    amount, unit = int(match[1]), match[2].lower()
    return timedelta(days=amount) if unit == "d" else timedelta(hours=amount)


class Command(BaseCommand):
    help = "Delete notifications, read or unread, older than --older-than (e.g. 90d, 12h)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--older-than",
            default="90d",
            help="Age of the notifications to delete: <n>d or <n>h (default 90d).",
        )
        parser.add_argument(
            "--batch-size", type=int, default=1000, help="Rows deleted per batch (1000)."
        )

    def handle(self, *args, older_than: str, batch_size: int, **options) -> None:
        age = age_parse(older_than)
        if batch_size < 1:
            raise CommandError("--batch-size must be 1 or more.")
        deleted = notifications_prune(older_than=age, batch_size=batch_size)
        self.stdout.write(
            self.style.SUCCESS(f"Deleted {deleted} notification(s) older than {older_than}.")
        )
