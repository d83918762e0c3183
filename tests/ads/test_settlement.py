"""Settlement: whole coins of reserved spend move from the advertiser's ledger account to
platform revenue, one balanced transaction per campaign per run; the fraction waits for
the next run; a second run settles nothing; the balance invariant holds throughout."""

from datetime import UTC, datetime, timedelta
from io import StringIO

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from ads.models import Advertiser, Campaign
from ads.services.settlement import ads_balance_check, ads_settle
from ads.services.tracking import impression_record
from ads.tasks import ads_settle_task
from payments.models import LedgerAccount, LedgerTransaction
from payments.services.ledger import ledger_verify
from tests.ads.billing import campaign_of, running_creative, served_token
from tests.payments.factories import balance, system_balance

pytestmark = pytest.mark.django_db

Role = LedgerAccount.Role
NOON = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)


def seen(creative, times: int) -> None:
    for _ in range(times):
        impression_record(token=served_token(creative, issued=NOON.timestamp()), now=NOON)


def spending(*, bid_millicoins: int, coins: int = 10):
    return running_creative(
        bid_millicoins=bid_millicoins, coins=coins, start_at=NOON - timedelta(days=1)
    )


def test_whole_coins_are_settled_and_the_fraction_is_carried():
    creative = spending(bid_millicoins=400_000)  # 0.4 coin an impression
    owner = creative.campaign.advertiser.owner
    seen(creative, 3)

    summary = ads_settle(now=NOON)

    assert [(s.campaign_id, s.coins, s.carried_micro) for s in summary.campaigns] == [
        (creative.campaign_id, 1, 200_000)
    ]
    assert summary.coins == 1
    campaign = campaign_of(creative)
    assert (campaign.spent_micro, campaign.settled_micro) == (1_200_000, 1_000_000)
    assert balance(owner, Role.ADVERTISING) == 9
    assert system_balance(Role.PLATFORM_REVENUE) == 1
    posting = LedgerTransaction.objects.get(kind=LedgerTransaction.Kind.AD_SPEND)
    assert posting.idempotency_key == f"ad-settle:{campaign.pk}:0"
    assert posting.initiator is None
    assert sorted(posting.entries.values_list("amount", flat=True)) == [-1, 1]
    assert ads_balance_check() == []
    assert ledger_verify() == []

    seen(creative, 2)  # 0.2 carried + 0.8: exactly one more coin
    again = ads_settle(now=NOON)

    assert [(s.coins, s.carried_micro) for s in again.campaigns] == [(1, 0)]
    campaign = campaign_of(creative)
    assert (campaign.spent_micro, campaign.settled_micro) == (2_000_000, 2_000_000)
    assert balance(owner, Role.ADVERTISING) == 8
    assert ads_balance_check() == []


def test_a_fraction_of_a_coin_is_not_settled_and_never_lost():
    creative = spending(bid_millicoins=333)
    seen(creative, 3)

    summary = ads_settle(now=NOON)

    assert summary.campaigns == [] and summary.coins == 0
    campaign = campaign_of(creative)
    assert (campaign.spent_micro, campaign.settled_micro) == (999, 0)
    assert not LedgerTransaction.objects.filter(kind=LedgerTransaction.Kind.AD_SPEND).exists()
    assert ads_balance_check() == []


def test_settling_twice_is_settling_once():
    creative = spending(bid_millicoins=1_000_000)
    seen(creative, 3)

    first = ads_settle(now=NOON)
    second = ads_settle(now=NOON)

    assert (first.coins, second.coins, second.campaigns) == (3, 0, [])
    assert LedgerTransaction.objects.filter(kind=LedgerTransaction.Kind.AD_SPEND).count() == 1
    assert system_balance(Role.PLATFORM_REVENUE) == 3
    assert campaign_of(creative).settled_micro == 3_000_000


def test_one_transaction_per_campaign_per_run():
    first = spending(bid_millicoins=1_000_000)
    second = spending(bid_millicoins=2_000_000)
    seen(first, 2)
    seen(second, 2)

    summary = ads_settle(now=NOON)

    assert sorted((s.campaign_id, s.coins) for s in summary.campaigns) == sorted(
        [(first.campaign_id, 2), (second.campaign_id, 4)]
    )
    assert LedgerTransaction.objects.filter(kind=LedgerTransaction.Kind.AD_SPEND).count() == 2
    assert system_balance(Role.PLATFORM_REVENUE) == 6
    assert ads_balance_check() == []
    assert ledger_verify() == []


def test_the_check_finds_an_advertiser_out_of_balance():
    creative = spending(bid_millicoins=1_000_000)
    seen(creative, 1)
    advertiser_id = creative.campaign.advertiser_id
    Advertiser.objects.filter(pk=advertiser_id).update(spendable_micro=5)

    problems = ads_balance_check()

    assert [(p.advertiser_id, p.ledger_micro, p.expected_micro) for p in problems] == [
        (advertiser_id, 10_000_000, 5 + 1_000_000)
    ]


def test_the_command_shows_what_it_settled_and_is_safe_twice():
    creative = spending(bid_millicoins=500_000)
    Campaign.objects.filter(pk=creative.campaign_id).update(name="Winter sale")
    seen(creative, 5)
    out = StringIO()

    call_command("ads_settle", "--check", stdout=out)
    call_command("ads_settle", "--check", stdout=out)

    assert out.getvalue().splitlines() == [
        f"Campaign {creative.campaign_id} (Winter sale): 2 coin(s) settled, "
        "0.5 carried to the next run.",
        "Settled 2 coin(s) from 1 campaign(s).",
        "Every advertiser's balance matches its spend.",
        "Settled 0 coin(s) from 0 campaign(s).",
        "Every advertiser's balance matches its spend.",
    ]
    assert system_balance(Role.PLATFORM_REVENUE) == 2


def test_the_command_check_fails_on_an_imbalance():
    creative = spending(bid_millicoins=1_000_000)
    Advertiser.objects.filter(pk=creative.campaign.advertiser_id).update(spendable_micro=0)
    err = StringIO()

    with pytest.raises(CommandError, match="1 advertiser\\(s\\) out of balance"):
        call_command("ads_settle", "--check", stdout=StringIO(), stderr=err)

    assert f"Advertiser {creative.campaign.advertiser_id}: ledger 10 coins" in err.getvalue()


def test_the_task_settles_and_beat_runs_it():
    creative = spending(bid_millicoins=1_000_000)
    seen(creative, 2)

    ads_settle_task()

    assert campaign_of(creative).settled_micro == 2_000_000
    assert settings.CELERY_BEAT_SCHEDULE["ads-settle"]["task"] == "ads.tasks.ads_settle_task"
