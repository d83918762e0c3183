"""`manage.py ads_aggregate`: recompute the ads' daily sums (`DailyStat`) from the raw
impressions and clicks, for today and yesterday (UTC) by default, the last `--days N`
days, or one `--date`.

Celery beat runs the same every few minutes (`CELERY_BEAT_SCHEDULE`); this command is
for running it by hand (after a backfill, or over older days). Each day's rows are
replaced, so it is safe to run at any time and twice.
"""

from datetime import date

from django.core.management.base import BaseCommand, CommandError, CommandParser

from ads.models import MICROS_PER_COIN
from ads.services.aggregation import DayAggregate, ads_aggregate, ads_default_days

MAX_DAYS = 366


def _day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as error:
        raise CommandError(f"--date must be a day as YYYY-MM-DD, not {value!r}.") from error


class Command(BaseCommand):
    help = (
        "Recompute the ads' daily statistics (impressions, valid clicks, spend per campaign, "
        "creative, UTC day, country and device) from the raw rows of today and yesterday, "
        "of the last --days N days, or of one --date."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        which = parser.add_mutually_exclusive_group()
        which.add_argument(
            "--days",
            type=int,
            help=f"The last N UTC days, today included (1 to {MAX_DAYS}; default 2).",
        )
        which.add_argument("--date", type=_day, help="One UTC day, as YYYY-MM-DD.")

    def handle(self, *args, days: int | None, date: date | None, **options) -> None:
        if days is not None and not 1 <= days <= MAX_DAYS:
            raise CommandError(f"--days must be from 1 to {MAX_DAYS}.")
        chosen = [date] if date is not None else ads_default_days(count=days or 2)
        verbosity = options["verbosity"]

        def progress(day: DayAggregate) -> None:
            if verbosity >= 1:
                self.stdout.write(
                    f"  {day.day.isoformat()}: {day.rows} row(s), {day.impressions} "
                    f"impression(s), {day.clicks} click(s), spend "
                    f"{_coins(day.spend_micro)} coins"
                )

        result = ads_aggregate(days=chosen, on_day=progress)
        if verbosity >= 1:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Aggregated {len(result.days)} day(s) into {result.rows} daily row(s) "
                    f"(in {result.seconds:.2f} s)."
                )
            )


def _coins(micro: int) -> str:
    whole, fraction = divmod(micro, MICROS_PER_COIN)
    return f"{whole}.{fraction:06d}"
