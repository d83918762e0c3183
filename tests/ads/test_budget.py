"""The budget reservation: CPM fractions accrue exactly, the day's budget resets on the
next UTC day, and a refusal by the total budget or the advertiser's balance exhausts
the campaign at once (serving hears of it), while other refusals do not."""

from datetime import UTC, datetime, timedelta

import pytest

from ads.models import Advertiser, Campaign, Impression
from ads.services.tracking import impression_record
from ads.serving_cache import serving_version
from tests.ads.billing import campaign_of, running_creative, served_token, spendable

pytestmark = pytest.mark.django_db

NOON = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)


def record(creative, now: datetime = NOON) -> bool:
    """An impression served and seen at `now` (a controlled clock)."""
    return impression_record(token=served_token(creative, issued=now.timestamp()), now=now)


def costs(creative) -> list[int]:
    return list(
        Impression.objects.filter(campaign_id=creative.campaign_id)
        .order_by("created_at", "id")
        .values_list("cost_micro", flat=True)
    )


def test_cpm_fractions_accrue_exactly():
    creative = running_creative(bid_millicoins=333, coins=1, start_at=NOON - timedelta(hours=1))

    assert [record(creative) for _ in range(3)] == [True, True, True]

    campaign = campaign_of(creative)
    assert costs(creative) == [333, 333, 333]
    assert (campaign.spent_micro, campaign.spent_today_micro, campaign.spend_day) == (
        999,
        999,
        NOON.date(),
    )
    assert spendable(campaign.advertiser_id) == 1_000_000 - 999


def test_the_days_budget_refuses_until_the_next_utc_day_without_exhausting():
    # Half a coin per impression (500 coins per thousand): two fill a 1-coin day.
    creative = running_creative(
        bid_millicoins=500_000, daily_budget=1, total_budget=10, start_at=NOON - timedelta(days=1)
    )
    late = NOON.replace(hour=23, minute=59, second=59)

    assert [record(creative), record(creative), record(creative, late)] == [True] * 3

    assert costs(creative) == [500_000, 500_000, 0]
    campaign = campaign_of(creative)
    assert (campaign.status, campaign.spent_micro, campaign.impression_count) == (
        Campaign.Status.ACTIVE,
        1_000_000,
        3,
    )
    tomorrow = NOON + timedelta(hours=12)  # midnight, UTC
    assert record(creative, tomorrow)
    campaign = campaign_of(creative)
    assert costs(creative)[-1] == 500_000
    assert (campaign.spend_day, campaign.spent_today_micro, campaign.spent_micro) == (
        tomorrow.date(),
        500_000,
        1_500_000,
    )


def test_the_total_budget_refuses_and_exhausts_the_campaign_at_once(
    django_capture_on_commit_callbacks,
):
    creative = running_creative(
        bid_millicoins=500_000, daily_budget=1, total_budget=1, start_at=NOON - timedelta(days=1)
    )
    version = serving_version()

    with django_capture_on_commit_callbacks(execute=True):
        outcomes = [record(creative) for _ in range(3)]

    assert outcomes == [True, True, True]
    assert costs(creative) == [500_000, 500_000, 0]
    campaign = campaign_of(creative)
    assert (campaign.status, campaign.spent_micro) == (Campaign.Status.EXHAUSTED, 1_000_000)
    assert serving_version() == version + 1
    assert spendable(campaign.advertiser_id) == 100_000_000 - 1_000_000
    # Exhausted: what is still seen counts, for nothing.
    assert record(creative)
    assert costs(creative)[-1] == 0


def test_the_advertisers_balance_refuses_rolls_the_campaign_back_and_exhausts_it(
    django_capture_on_commit_callbacks,
):
    creative = running_creative(bid_millicoins=400_000, coins=1, start_at=NOON - timedelta(days=1))
    version = serving_version()

    with django_capture_on_commit_callbacks(execute=True):
        outcomes = [record(creative) for _ in range(3)]

    assert outcomes == [True, True, True]
    assert costs(creative) == [400_000, 400_000, 0]
    campaign = campaign_of(creative)
    assert (campaign.status, campaign.spent_micro, campaign.spent_today_micro) == (
        Campaign.Status.EXHAUSTED,
        800_000,
        800_000,
    )
    assert campaign.impression_count == 3
    assert spendable(campaign.advertiser_id) == 200_000
    assert serving_version() == version + 1


def test_an_ended_campaign_costs_nothing_and_is_not_exhausted():
    creative = running_creative(
        start_at=NOON - timedelta(days=2), end_at=NOON - timedelta(seconds=1)
    )

    assert record(creative)

    assert costs(creative) == [0]
    assert campaign_of(creative).status == Campaign.Status.ACTIVE


def test_an_impression_before_the_campaign_starts_costs_nothing():
    creative = running_creative(start_at=NOON + timedelta(minutes=1))

    assert record(creative)

    assert costs(creative) == [0]


def test_an_ad_served_before_its_advertisers_suspension_is_billed_within_its_coins():
    creative = running_creative(
        bid_millicoins=1_000_000, coins=1, start_at=NOON - timedelta(days=1)
    )
    Advertiser.objects.filter(pk=creative.campaign.advertiser_id).update(
        status=Advertiser.Status.SUSPENDED
    )

    assert [record(creative), record(creative)] == [True, True]

    assert costs(creative) == [1_000_000, 0]
    assert spendable(creative.campaign.advertiser_id) == 0
