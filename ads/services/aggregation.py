"""Daily sums for the reports: `DailyStat` rows recomputed from the raw impressions and
clicks of whole UTC days.

A day's rows are replaced, not added to, so a rerun changes nothing and an impression
recorded late (or a click found invalid) is picked up by the next run over its day.
Celery beat runs it every few minutes over today and yesterday (`ads.tasks`);
`manage.py ads_aggregate` runs it by hand.
"""

import time as clock
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from django.core.cache import cache
from django.db import transaction
from django.db.models import Count, Sum
from django.utils import timezone

from ads.models import Click, DailyStat, Impression

# When the stats were last aggregated: kept in the shared cache (an ISO 8601 string,
# with no expiry), read by the reports as `aggregated_at`. A cache that lost it (evicted,
# flushed) answers null until the next run, at most a beat period later.
AGGREGATED_AT_KEY = "ads:aggregated_at"
WRITE_BATCH_SIZE = 1_000
_KEY_FIELDS = ("campaign_id", "creative_id", "country", "device")


@dataclass(frozen=True)
class DayAggregate:
    """What one day's run wrote."""

    day: date
    rows: int
    impressions: int
    clicks: int
    spend_micro: int


@dataclass
class AggregationResult:
    days: list[DayAggregate] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def rows(self) -> int:
        return sum(day.rows for day in self.days)


def ads_default_days(*, now: datetime | None = None, count: int = 2) -> list[date]:
    """The `count` UTC days up to and including today, oldest first."""
    today = (now or timezone.now()).astimezone(UTC).date()
    return [today - timedelta(days=back) for back in range(count - 1, -1, -1)]


def _day_bounds(day: date) -> tuple[datetime, datetime]:
    start = datetime.combine(day, time.min, tzinfo=UTC)
    return start, start + timedelta(days=1)


def _day_rows(day: date) -> list[DailyStat]:
    """The day's sums: one grouped query per table, merged by key."""
    start, end = _day_bounds(day)
    sums: dict[tuple, DailyStat] = {}

    def row(values: dict) -> DailyStat:
        key = tuple(values[name] for name in _KEY_FIELDS)
        if key not in sums:
            sums[key] = DailyStat(day=day, **dict(zip(_KEY_FIELDS, key, strict=True)))
        return sums[key]

    impressions = (
        Impression.objects.filter(created_at__gte=start, created_at__lt=end)
        .values(*_KEY_FIELDS)
        .annotate(count=Count("id"), spend=Sum("cost_micro"))
        .order_by()
    )
    for values in impressions:
        stat = row(values)
        stat.impressions = values["count"]
        stat.spend_micro += values["spend"] or 0
    # Invalid clicks (duplicates, invalid traffic) are kept for the logs, cost nothing
    # and are not counted.
    clicks = (
        Click.objects.filter(created_at__gte=start, created_at__lt=end, is_valid=True)
        .values(*_KEY_FIELDS)
        .annotate(count=Count("id"), spend=Sum("cost_micro"))
        .order_by()
    )
    for values in clicks:
        stat = row(values)
        stat.clicks = values["count"]
        stat.spend_micro += values["spend"] or 0
    return [sums[key] for key in sorted(sums, key=lambda key: tuple(str(part) for part in key))]


def _day_replace(day: date, rows: list[DailyStat]) -> None:
    """Replace the day's rows. A run that overlaps another one (its delete did not see
    the other's new rows) updates those rows in place instead of failing on the unique
    constraint."""
    with transaction.atomic():
        DailyStat.objects.filter(day=day).delete()
        DailyStat.objects.bulk_create(
            rows,
            batch_size=WRITE_BATCH_SIZE,
            update_conflicts=True,
            unique_fields=["campaign", "creative", "day", "country", "device"],
            update_fields=["impressions", "clicks", "spend_micro"],
        )


def ads_aggregate(
    *,
    days: Iterable[date] | None = None,
    now: datetime | None = None,
    on_day: Callable[[DayAggregate], None] | None = None,
) -> AggregationResult:
    """Recompute the `DailyStat` rows of `days` (UTC; default: yesterday and today)
    from the raw rows, replacing what was there; then record when (`AGGREGATED_AT_KEY`).
    `on_day` hears each day as it is written. Safe to run twice and alongside itself."""
    now = now or timezone.now()
    started = clock.monotonic()
    result = AggregationResult()
    for day in sorted(set(days if days is not None else ads_default_days(now=now))):
        rows = _day_rows(day)
        _day_replace(day, rows)
        written = DayAggregate(
            day=day,
            rows=len(rows),
            impressions=sum(row.impressions for row in rows),
            clicks=sum(row.clicks for row in rows),
            spend_micro=sum(row.spend_micro for row in rows),
        )
        result.days.append(written)
        if on_day is not None:
            on_day(written)
    cache.set(AGGREGATED_AT_KEY, now.astimezone(UTC).isoformat(), timeout=None)
    result.seconds = clock.monotonic() - started
    return result


def ads_aggregated_at() -> datetime | None:
    """When the stats were last aggregated (None: not known)."""
    value = cache.get(AGGREGATED_AT_KEY)
    return datetime.fromisoformat(value) if value else None
