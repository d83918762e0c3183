"""The budget under concurrency, on real connections to the test database (SQLite's file
or PostgreSQL), as the payments' tips are tested: spend never passes a budget or the
advertiser's coins, not by a micro-coin, and the ledger balances after settlement."""

import pytest
from django.core.management import call_command

from ads.models import Advertiser, Campaign, Click, Impression
from ads.services.settlement import ads_balance_check, ads_settle
from ads.services.tracking import click_record, impression_record
from payments.models import LedgerAccount
from tests.ads.billing import campaign_of, running_creative, served_token
from tests.ads.factories import CreativeFactory
from tests.payments.factories import balance, system_balance
from tests.payments.test_concurrency import run_at_once

pytestmark = pytest.mark.django_db(transaction=True)

Role = LedgerAccount.Role


def test_50_concurrent_impressions_spend_exactly_the_total_budget():
    # 0.05 coin an impression: a 1-coin budget pays for exactly 20.
    creative = running_creative(bid_millicoins=50_000, total_budget=1, daily_budget=1, coins=10)
    tokens = iter([served_token(creative, viewer_key=f"anon:{n}") for n in range(50)])

    outcomes = run_at_once(50, lambda: impression_record(token=next(tokens)) and "counted")

    assert outcomes == {"counted": 50}
    campaign = campaign_of(creative)
    assert (campaign.status, campaign.spent_micro, campaign.spent_today_micro) == (
        Campaign.Status.EXHAUSTED,
        1_000_000,
        1_000_000,
    )
    assert campaign.impression_count == 50
    costs = list(Impression.objects.values_list("cost_micro", flat=True))
    assert (costs.count(50_000), costs.count(0), len(costs)) == (20, 30, 50)
    advertiser = Advertiser.objects.get(pk=campaign.advertiser_id)
    assert advertiser.spendable_micro == 9_000_000

    assert ads_settle().coins == 1

    assert balance(advertiser.owner, Role.ADVERTISING) == 9
    assert system_balance(Role.PLATFORM_REVENUE) == 1
    assert ads_balance_check() == []
    call_command("ledger_check", verbosity=0)


def test_50_concurrent_impressions_of_two_campaigns_spend_exactly_the_advertisers_coins():
    first = running_creative(bid_millicoins=100_000, coins=1)  # 10 impressions a coin
    second = CreativeFactory(
        campaign__advertiser=first.campaign.advertiser,
        campaign__status=Campaign.Status.ACTIVE,
        campaign__bid_millicoins=100_000,
    )
    tokens = iter(
        [served_token(first if n % 2 else second, viewer_key=f"anon:{n}") for n in range(50)]
    )

    outcomes = run_at_once(50, lambda: impression_record(token=next(tokens)) and "counted")

    assert outcomes == {"counted": 50}
    assert Advertiser.objects.get(pk=first.campaign.advertiser_id).spendable_micro == 0
    spent = [campaign_of(first).spent_micro, campaign_of(second).spent_micro]
    assert sum(spent) == 1_000_000
    assert Impression.objects.filter(cost_micro=100_000).count() == 10
    assert {campaign_of(first).status, campaign_of(second).status} == {Campaign.Status.EXHAUSTED}

    ads_settle()

    # Each campaign settles its whole coins; the fractions wait (none is lost).
    assert system_balance(Role.PLATFORM_REVENUE) == sum(micro // 1_000_000 for micro in spent)
    assert ads_balance_check() == []
    call_command("ledger_check", verbosity=0)


def test_20_concurrent_clicks_of_one_viewer_count_and_charge_once():
    creative = running_creative(pricing=Campaign.Pricing.CPC, bid_millicoins=100)
    token = served_token(creative, viewer_key="anon:eager")

    outcomes = run_at_once(20, lambda: click_record(token=token, ip="203.0.113.5"))

    assert outcomes == {"https://example.com/landing": 20}
    assert Click.objects.filter(is_valid=True).count() == 1
    assert Click.objects.filter(invalid_reason=Click.Invalid.DUPLICATE).count() == 19
    campaign = campaign_of(creative)
    assert (campaign.click_count, campaign.spent_micro) == (1, 100_000)
