"""`ads_aggregate`: the daily sums recomputed from the raw impressions and clicks
(replacing what was there, so reruns are safe and late rows count), its command, its
task and its schedule."""

from datetime import date
from io import StringIO

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ads.models import Campaign, DailyStat
from ads.services.aggregation import ads_aggregate, ads_aggregated_at, ads_default_days
from ads.tasks import ads_aggregate_task
from tests.ads.factories import CreativeFactory
from tests.ads.report_rows import at, click_add, impression_add
from tests.threads import at_once

pytestmark = pytest.mark.django_db

MOBILE = Campaign.Device.MOBILE
DESKTOP = Campaign.Device.DESKTOP


def stats() -> list[tuple]:
    """Every DailyStat row as (creative headline, day, country, device, impressions,
    clicks, spend_micro), sorted."""
    return sorted(
        (
            row.creative.headline,
            row.day.isoformat(),
            row.country,
            row.device,
            row.impressions,
            row.clicks,
            row.spend_micro,
        )
        for row in DailyStat.objects.select_related("creative")
    )


@pytest.fixture
def creatives():
    first = CreativeFactory(headline="A")
    second = CreativeFactory(headline="B", campaign=first.campaign)
    other = CreativeFactory(headline="Other")  # another advertiser's campaign
    return first, second, other


def test_sums_per_campaign_creative_day_country_and_device(creatives):
    first, second, other = creatives
    impression_add(first, when="2026-03-01 00:00", country="US", device=MOBILE, cost_micro=1_500)
    impression_add(first, when="2026-03-01 12:00", country="US", device=MOBILE, cost_micro=1_500)
    impression_add(first, when="2026-03-01 23:59:59.999999", country="FR", device=MOBILE)
    impression_add(first, when="2026-03-02 00:00", country="US", device=MOBILE, cost_micro=0)
    impression_add(second, when="2026-03-01 08:00", country="US", device=DESKTOP, cost_micro=7)
    impression_add(other, when="2026-03-01 08:00", country="", device="", cost_micro=3)
    click_add(first, when="2026-03-01 12:01", country="US", device=MOBILE, cost_micro=250_000)
    # An invalid click is neither counted nor charged; a click without an impression
    # that day still makes a row.
    click_add(first, when="2026-03-01 12:02", invalid_reason="duplicate", cost_micro=0)
    click_add(second, when="2026-03-02 09:00", country="DE", device=DESKTOP, cost_micro=9)

    result = ads_aggregate(days=[date(2026, 3, 2), date(2026, 3, 1)])

    assert stats() == [
        ("A", "2026-03-01", "FR", "mobile", 1, 0, 2_000),
        ("A", "2026-03-01", "US", "mobile", 2, 1, 253_000),
        ("A", "2026-03-02", "US", "mobile", 1, 0, 0),
        ("B", "2026-03-01", "US", "desktop", 1, 0, 7),
        ("B", "2026-03-02", "DE", "desktop", 0, 1, 9),
        ("Other", "2026-03-01", "", "", 1, 0, 3),
    ]
    assert [
        (day.day, day.rows, day.impressions, day.clicks, day.spend_micro) for day in result.days
    ] == [
        (date(2026, 3, 1), 4, 5, 1, 255_010),
        (date(2026, 3, 2), 2, 1, 1, 9),
    ]
    assert result.rows == 6
    assert DailyStat.objects.get(creative=second, day=date(2026, 3, 1)).campaign == first.campaign


def test_a_rerun_changes_nothing_and_picks_up_late_rows(creatives):
    first, second, _ = creatives
    impression_add(first, when="2026-03-01 10:00", cost_micro=2_000)
    impression_add(second, when="2026-03-01 10:00", country="DE", cost_micro=2_000)
    ads_aggregate(days=[date(2026, 3, 1)])
    before = stats()

    ads_aggregate(days=[date(2026, 3, 1)])
    assert (
        stats()
        == before
        == [
            ("A", "2026-03-01", "US", "mobile", 1, 0, 2_000),
            ("B", "2026-03-01", "DE", "mobile", 1, 0, 2_000),
        ]
    )

    # A late impression and click of the same day; the second creative's rows are gone
    # (its raw rows deleted): the day is replaced, not added to.
    impression_add(first, when="2026-03-01 23:00", cost_micro=2_000)
    click_add(first, when="2026-03-01 23:01", cost_micro=5)
    second.delete()
    ads_aggregate(days=[date(2026, 3, 1)])
    assert stats() == [("A", "2026-03-01", "US", "mobile", 2, 1, 4_005)]


def test_a_day_with_nothing_left_is_emptied_and_other_days_are_left_alone(creatives):
    first, _, _ = creatives
    impression = impression_add(first, when="2026-03-01 10:00")
    impression_add(first, when="2026-02-27 10:00")
    ads_aggregate(days=[date(2026, 2, 27), date(2026, 3, 1)])
    impression.delete()

    result = ads_aggregate(days=[date(2026, 3, 1)])

    assert stats() == [("A", "2026-02-27", "US", "mobile", 1, 0, 2_000)]
    assert [(day.rows, day.impressions) for day in result.days] == [(0, 0)]


def test_by_default_today_and_yesterday(creatives):
    first, _, _ = creatives
    now = at("2026-03-03 00:30")
    impression_add(first, when="2026-03-01 23:59:59.999999")  # the day before yesterday
    impression_add(first, when="2026-03-02 00:00")
    impression_add(first, when="2026-03-03 00:10")

    result = ads_aggregate(now=now)

    assert [day.day for day in result.days] == [date(2026, 3, 2), date(2026, 3, 3)]
    assert stats() == [
        ("A", "2026-03-02", "US", "mobile", 1, 0, 2_000),
        ("A", "2026-03-03", "US", "mobile", 1, 0, 2_000),
    ]
    assert ads_default_days(now=now, count=3) == [
        date(2026, 3, 1),
        date(2026, 3, 2),
        date(2026, 3, 3),
    ]


@pytest.mark.parametrize("rows_per_day", [1, 12])
def test_one_grouped_query_per_table_per_day(creatives, rows_per_day):
    first, second, _ = creatives
    for day in ("2026-03-01", "2026-03-02", "2026-03-03"):
        for index in range(rows_per_day):
            creative = first if index % 2 else second
            impression_add(creative, when=f"{day} 10:00", country=f"C{index % 10}"[:2])
            click_add(creative, when=f"{day} 11:00", country=f"C{index % 10}"[:2])

    with CaptureQueriesContext(connection) as queries:
        ads_aggregate(days=[date(2026, 3, 1), date(2026, 3, 2), date(2026, 3, 3)])

    reads = [
        query["sql"]
        for query in queries.captured_queries
        if query["sql"].startswith("SELECT")
        and ('FROM "ads_impression"' in query["sql"] or 'FROM "ads_click"' in query["sql"])
    ]
    assert len(reads) == 6
    writes = [
        query["sql"]
        for query in queries.captured_queries
        if query["sql"].startswith(("INSERT", "DELETE")) and '"ads_dailystat"' in query["sql"]
    ]
    assert len(writes) == 6  # one delete and one bulk insert per day


def test_records_when_it_ran():
    assert ads_aggregated_at() is None
    ads_aggregate(days=[], now=at("2026-03-03 00:30:15"))
    assert ads_aggregated_at() == at("2026-03-03 00:30:15")


def test_command_shows_each_day_and_what_it_wrote(creatives):
    first, _, _ = creatives
    impression_add(first, when="2026-03-01 10:00", cost_micro=1_500)
    click_add(first, when="2026-03-01 10:01", cost_micro=1_000_000)
    out = StringIO()

    call_command("ads_aggregate", "--date", "2026-03-01", stdout=out)
    call_command("ads_aggregate", "--date", "2026-03-01", stdout=out)  # safe twice

    lines = out.getvalue().splitlines()
    assert lines[0] == "  2026-03-01: 1 row(s), 1 impression(s), 1 click(s), spend 1.001500 coins"
    assert lines[1].startswith("Aggregated 1 day(s) into 1 daily row(s) (in ")
    assert lines[2] == lines[0]  # the same figures the second time
    assert stats() == [("A", "2026-03-01", "US", "mobile", 1, 1, 1_001_500)]


def test_command_days_counts_back_from_today():
    out = StringIO()
    call_command("ads_aggregate", "--days", "3", stdout=out)
    days = [line.split(":")[0].strip() for line in out.getvalue().splitlines()[:3]]
    assert days == [day.isoformat() for day in ads_default_days(count=3)]


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--days", "0"], "--days must be from 1 to 366."),
        (["--days", "367"], "--days must be from 1 to 366."),
        (["--date", "2026-02-30"], "--date must be a day as YYYY-MM-DD, not '2026-02-30'."),
    ],
)
def test_command_refuses_bad_arguments(arguments, message):
    with pytest.raises(CommandError, match=message.replace(".", r"\.")):
        call_command("ads_aggregate", *arguments)


def test_command_refuses_days_and_date_together():
    with pytest.raises(CommandError, match="not allowed with argument"):
        call_command("ads_aggregate", "--days", "2", "--date", "2026-03-01")


def test_the_task_aggregates_today_and_yesterday(creatives):
    first, _, _ = creatives
    yesterday, _today = ads_default_days()
    impression_add(first, when=f"{yesterday.isoformat()} 12:00")
    ads_aggregate_task()
    assert stats() == [("A", yesterday.isoformat(), "US", "mobile", 1, 0, 2_000)]
    assert ads_aggregated_at() is not None


def test_beat_runs_the_task_every_five_minutes():
    entry = settings.CELERY_BEAT_SCHEDULE["ads-aggregate"]
    assert entry["task"] == "ads.tasks.ads_aggregate_task"
    assert entry["schedule"].total_seconds() == 300


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("aggregated_before", [False, True])
def test_overlapping_runs_agree(aggregated_before):
    """Runs over the same days at once (beat and a person, say) neither fail on the
    unique constraint nor count twice."""
    first = CreativeFactory(headline="A")
    second = CreativeFactory(headline="B", campaign=first.campaign)
    for hour in range(10):
        impression_add(first, when=f"2026-03-01 {hour:02d}:00", country=f"C{hour % 3}")
        impression_add(second, when=f"2026-03-02 {hour:02d}:00", device=DESKTOP)
    days = [date(2026, 3, 1), date(2026, 3, 2)]
    if aggregated_before:
        ads_aggregate(days=days)

    at_once([lambda: ads_aggregate(days=days) for _ in range(4)])

    assert stats() == [
        ("A", "2026-03-01", "C0", "mobile", 4, 0, 8_000),
        ("A", "2026-03-01", "C1", "mobile", 3, 0, 6_000),
        ("A", "2026-03-01", "C2", "mobile", 3, 0, 6_000),
        ("B", "2026-03-02", "US", "desktop", 10, 0, 20_000),
    ]
