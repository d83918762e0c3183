"""Funding and withdrawing under concurrency, on real connections to the test database
(SQLite's file or PostgreSQL): an advertiser never withdraws coins it does not have,
and funding and withdrawing at once never deadlock nor lose a coin."""

import threading

import pytest
from django.core.management import call_command

from ads.exceptions import AdvertiserBalanceInsufficient
from ads.models import Advertiser
from ads.services.advertisers import advertiser_fund, advertiser_withdraw
from payments.models import LedgerAccount
from tests.ads.factories import AdvertiserFactory
from tests.payments.factories import balance, wallet_fund
from tests.payments.test_concurrency import run_at_once

pytestmark = pytest.mark.django_db(transaction=True)

Role = LedgerAccount.Role


def test_30_concurrent_withdrawals_of_10_from_200_withdraw_exactly_200():
    advertiser = AdvertiserFactory()
    wallet_fund(advertiser.owner, 200)
    advertiser_fund(advertiser=advertiser, amount=200)

    outcomes = run_at_once(
        30, lambda: advertiser_withdraw(advertiser=advertiser, amount=10) and "withdrawn"
    )

    assert outcomes == {"withdrawn": 20, AdvertiserBalanceInsufficient.default_code: 10}
    assert Advertiser.objects.get().spendable_micro == 0
    assert balance(advertiser.owner) == 200
    assert balance(advertiser.owner, Role.ADVERTISING) == 0
    call_command("ledger_check", verbosity=0)


def test_funding_and_withdrawing_at_once_keep_every_coin():
    advertiser = AdvertiserFactory()
    wallet_fund(advertiser.owner, 100)
    advertiser_fund(advertiser=advertiser, amount=50)
    calls = iter([*(["fund"] * 10), *(["withdraw"] * 10)])
    taking = threading.Lock()

    def work() -> str:
        with taking:
            kind = next(calls)
        if kind == "fund":
            advertiser_fund(advertiser=advertiser, amount=5)
        else:
            advertiser_withdraw(advertiser=advertiser, amount=5)
        return kind

    outcomes = run_at_once(20, work)

    assert outcomes == {"fund": 10, "withdraw": 10}
    assert Advertiser.objects.get().spendable_micro == 50_000_000
    assert balance(advertiser.owner) == 50
    assert balance(advertiser.owner, Role.ADVERTISING) == 50
    call_command("ledger_check", verbosity=0)
