"""The total budget holds across processes: gunicorn with two real workers takes 50
concurrent impressions of a campaign whose budget pays for 20, and exactly 20 are
billed; after settlement the ledger balances."""

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from django.core.management import call_command

from ads.models import Campaign, Impression
from ads.services.settlement import ads_balance_check, ads_settle
from payments.models import LedgerAccount
from tests.ads.billing import campaign_of, running_creative, served_token
from tests.core.subprocess_django import http_json, multi_worker_server, workers_that_served
from tests.payments.factories import system_balance

pytestmark = pytest.mark.django_db(transaction=True)

IMPRESSIONS = 50
# The server's SECRET_KEY (multi_worker_server's), which signs and checks the tokens.
SERVER_SECRET_KEY = "multi-worker-test-secret-" + "x" * 40


def test_concurrent_impressions_on_two_workers_spend_exactly_the_budget(tmp_path: Path, settings):
    settings.SECRET_KEY = SERVER_SECRET_KEY
    creative = running_creative(bid_millicoins=50_000, total_budget=1, daily_budget=1, coins=10)
    tokens = [served_token(creative, viewer_key=f"anon:{n}") for n in range(IMPRESSIONS)]
    env = {"THROTTLE_ADS_TRACKING_RATE": "100000/min"}

    with (
        multi_worker_server(tmp_path=tmp_path, env=env) as (base, access_log),
        ThreadPoolExecutor(max_workers=12) as pool,
    ):
        answers = list(
            pool.map(
                lambda token: http_json("POST", f"{base}/ads/impressions/", {"token": token}),
                tokens,
            )
        )

    assert answers == [(200, {"counted": True})] * IMPRESSIONS
    assert len(workers_that_served(access_log, "/api/v1/ads/impressions/")) == 2
    campaign = campaign_of(creative)
    assert (campaign.status, campaign.spent_micro, campaign.impression_count) == (
        Campaign.Status.EXHAUSTED,
        1_000_000,
        IMPRESSIONS,
    )
    assert Impression.objects.filter(cost_micro=50_000).count() == 20
    assert ads_settle().coins == 1
    assert system_balance(LedgerAccount.Role.PLATFORM_REVENUE) == 1
    assert ads_balance_check() == []
    call_command("ledger_check", verbosity=0)
