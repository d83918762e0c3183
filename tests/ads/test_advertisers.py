"""Advertisers: becoming one, reading and renaming it, funding and withdrawing coins
exactly through the ledger, staff's suspension; permissions and list costs."""

import pytest
from django.db import connection
from django.db.models import F
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from accounts.models import User
from ads.exceptions import AdvertiserOwnerRestricted
from ads.models import Advertiser
from ads.services.advertisers import (
    advertiser_create,
    advertiser_reinstate,
    advertiser_suspend,
)
from ads.serving_cache import serving_version
from payments.models import LedgerAccount, LedgerTransaction
from payments.services.ledger import ledger_verify
from tests.accounts.factories import ModeratorFactory, UserFactory
from tests.ads.factories import AdvertiserFactory
from tests.conftest import error_one, error_status
from tests.payments.factories import balance, wallet_fund

ADVERTISERS = "/api/v1/ads/advertisers/"
Role = LedgerAccount.Role


def detail(advertiser) -> str:
    return f"{ADVERTISERS}{advertiser.pk}/"


@pytest.fixture
def owner(db) -> User:
    return UserFactory(username="owner")


@pytest.fixture
def advertiser(owner) -> Advertiser:
    return AdvertiserFactory(owner=owner, name="Acme")


@pytest.fixture
def clients(make_auth_client, owner) -> dict[str, APIClient]:
    return {
        "anonymous": APIClient(),
        "other": make_auth_client(UserFactory(username="other")),
        "owner": make_auth_client(owner),
        "staff": make_auth_client(ModeratorFactory(username="mod")),
    }


def shape(advertiser: Advertiser) -> dict:
    advertiser.refresh_from_db()
    return {
        "id": str(advertiser.pk),
        "name": advertiser.name,
        "status": advertiser.status,
        "suspended_reason": advertiser.suspended_reason,
        "balance": advertiser.spendable_micro // 1_000_000,
        "spendable": f"{advertiser.spendable_micro / 1_000_000:.6f}",
        "created_at": advertiser.created_at.isoformat().replace("+00:00", "Z"),
        "updated_at": advertiser.updated_at.isoformat().replace("+00:00", "Z"),
    }


def fund(client, advertiser, amount, key="key-1"):
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key is not None else {}
    return client.post(f"{detail(advertiser)}fund/", {"amount": amount}, **headers)


def withdraw(client, advertiser, amount, key="key-w"):
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key is not None else {}
    return client.post(f"{detail(advertiser)}withdraw/", {"amount": amount}, **headers)


# -- becoming one -----------------------------------------------------------------------


def test_a_user_becomes_an_advertiser_once(clients, owner):
    response = clients["owner"].post(ADVERTISERS, {"name": "Acme"})

    assert response.status_code == 201
    advertiser = Advertiser.objects.get(owner=owner)
    assert response.json() == shape(advertiser)
    assert (response.json()["balance"], response.json()["spendable"]) == (0, "0.000000")
    again = clients["owner"].post(ADVERTISERS, {"name": "Acme again"})
    assert error_status(again) == (409, "advertiser_exists")
    assert Advertiser.objects.count() == 1


def test_anonymous_callers_cannot_become_advertisers(clients):
    assert clients["anonymous"].post(ADVERTISERS, {"name": "Acme"}).status_code == 401


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({}, ("required", "name")),
        ({"name": ""}, ("blank", "name")),
        ({"name": "x" * 101}, ("max_length", "name")),
    ],
)
def test_an_advertiser_needs_a_name(clients, body, expected):
    assert error_one(clients["owner"].post(ADVERTISERS, body)) == expected


@pytest.mark.parametrize("status", [User.Status.SUSPENDED, User.Status.BANNED, User.Status.DELETED])
def test_only_users_who_may_act_become_advertisers(db, status):
    user = UserFactory(status=status)
    with pytest.raises(AdvertiserOwnerRestricted):
        advertiser_create(owner=user, name="Nope")


# -- reading and renaming ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("viewer", "expected"), [("anonymous", 401), ("other", 404), ("owner", 200), ("staff", 200)]
)
def test_only_the_owner_and_staff_read_an_advertiser(clients, advertiser, viewer, expected):
    response = clients[viewer].get(detail(advertiser))
    assert response.status_code == expected
    if expected == 200:
        assert response.json() == shape(advertiser)


@pytest.mark.parametrize(
    ("viewer", "expected"), [("anonymous", 401), ("other", 404), ("owner", 200), ("staff", 404)]
)
def test_only_the_owner_renames_an_advertiser(clients, advertiser, viewer, expected):
    response = clients[viewer].patch(detail(advertiser), {"name": "Renamed"})
    assert response.status_code == expected
    advertiser.refresh_from_db()
    assert advertiser.name == ("Renamed" if expected == 200 else "Acme")
    if expected == 200:
        assert response.json() == shape(advertiser)


def test_put_is_not_allowed(clients, advertiser):
    assert clients["owner"].put(detail(advertiser), {"name": "x"}).status_code == 405


@pytest.mark.parametrize("bad_id", ["not-a-uuid", "00000000-0000-0000-0000-000000000000"])
def test_unknown_ids_are_404(clients, bad_id):
    assert clients["owner"].get(f"{ADVERTISERS}{bad_id}/").status_code == 404
    assert (
        clients["owner"]
        .post(f"{ADVERTISERS}{bad_id}/fund/", {"amount": 1}, HTTP_IDEMPOTENCY_KEY="k")
        .status_code
        == 404
    )


def test_the_list_shows_the_callers_advertiser_and_staff_every_one(clients, advertiser):
    AdvertiserFactory()
    mine = clients["owner"].get(ADVERTISERS).json()
    assert [row["id"] for row in mine["results"]] == [str(advertiser.pk)]
    assert clients["other"].get(ADVERTISERS).json()["results"] == []
    assert len(clients["staff"].get(ADVERTISERS).json()["results"]) == 2
    assert clients["anonymous"].get(ADVERTISERS).status_code == 401


def test_the_list_costs_the_same_queries_at_page_sizes_1_and_20(clients):
    AdvertiserFactory.create_batch(25)
    counts = []
    for size in (1, 20):
        with CaptureQueriesContext(connection) as captured:
            response = clients["staff"].get(f"{ADVERTISERS}?page_size={size}")
        assert response.status_code == 200
        assert len(response.json()["results"]) == size
        counts.append(len(captured))
    assert counts == [2, 2]  # the session, the page


# -- funding ------------------------------------------------------------------------------


def test_funding_moves_coins_from_the_wallet_exactly(clients, owner, advertiser):
    wallet_fund(owner, 100)

    response = fund(clients["owner"], advertiser, 30)

    assert response.status_code == 200
    assert response.json() == shape(advertiser)
    assert (response.json()["balance"], response.json()["spendable"]) == (30, "30.000000")
    assert balance(owner) == 70
    assert balance(owner, Role.ADVERTISING) == 30
    posting = LedgerTransaction.objects.get(kind=LedgerTransaction.Kind.AD_FUND)
    assert posting.initiator == owner
    assert sorted(posting.entries.values_list("amount", flat=True)) == [-30, 30]
    assert ledger_verify() == []


def test_a_replayed_fund_moves_nothing_again(clients, owner, advertiser):
    wallet_fund(owner, 100)
    first = fund(clients["owner"], advertiser, 30, key="same")

    again = fund(clients["owner"], advertiser, 30, key="same")

    assert again.status_code == 200
    assert again["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert balance(owner) == 70
    assert LedgerTransaction.objects.filter(kind=LedgerTransaction.Kind.AD_FUND).count() == 1
    other_body = fund(clients["owner"], advertiser, 31, key="same")
    assert error_status(other_body) == (422, "idempotency_key_reused")


def test_funding_needs_an_idempotency_key(clients, owner, advertiser):
    wallet_fund(owner, 100)
    assert error_status(fund(clients["owner"], advertiser, 30, key=None)) == (
        400,
        "idempotency_key_required",
    )
    assert balance(owner) == 100


def test_funding_more_than_the_wallet_holds_is_refused_and_moves_nothing(
    clients, owner, advertiser
):
    wallet_fund(owner, 10)

    response = fund(clients["owner"], advertiser, 11)

    assert error_status(response) == (402, "insufficient_funds")
    assert balance(owner) == 10
    advertiser.refresh_from_db()
    assert advertiser.spendable_micro == 0
    assert ledger_verify() == []


def test_a_suspended_advertiser_may_not_fund(clients, owner, advertiser):
    wallet_fund(owner, 10)
    advertiser_suspend(advertiser=advertiser, staff=ModeratorFactory(), reason="Spam")

    assert error_status(fund(clients["owner"], advertiser, 5)) == (403, "advertiser_suspended")
    assert balance(owner) == 10


@pytest.mark.parametrize(
    ("viewer", "expected"), [("anonymous", 401), ("other", 404), ("staff", 404), ("owner", 200)]
)
def test_only_the_owner_funds_or_withdraws(clients, owner, advertiser, viewer, expected):
    wallet_fund(owner, 10)
    assert fund(clients[viewer], advertiser, 5).status_code == expected
    assert withdraw(clients[viewer], advertiser, 5).status_code == (
        200 if expected == 200 else expected
    )
    assert balance(owner) == 10


@pytest.mark.parametrize(
    ("amount", "code"), [(0, "min_value"), (-1, "min_value"), ("x", "invalid"), (None, "null")]
)
def test_amounts_are_whole_positive_coins(clients, advertiser, amount, code):
    assert error_one(fund(clients["owner"], advertiser, amount)) == (code, "amount")


# -- withdrawing -------------------------------------------------------------------------


def test_withdrawing_returns_spendable_coins_exactly(clients, owner, advertiser):
    wallet_fund(owner, 100)
    fund(clients["owner"], advertiser, 30)
    # Serving reserved 1.5 coins of spend, not settled yet.
    Advertiser.objects.filter(pk=advertiser.pk).update(
        spendable_micro=F("spendable_micro") - 1_500_000
    )

    too_much = withdraw(clients["owner"], advertiser, 29, key="w1")
    assert error_status(too_much) == (402, "advertiser_balance_insufficient")
    response = withdraw(clients["owner"], advertiser, 28, key="w2")

    assert response.status_code == 200
    assert (response.json()["balance"], response.json()["spendable"]) == (0, "0.500000")
    assert balance(owner) == 98
    assert balance(owner, Role.ADVERTISING) == 2  # 1.5 reserved + 0.5 spendable
    assert ledger_verify() == []


def test_a_refused_withdrawal_is_replayed_as_refused(clients, owner, advertiser):
    first = withdraw(clients["owner"], advertiser, 1, key="w")
    wallet_fund(owner, 10)
    fund(clients["owner"], advertiser, 5)

    again = withdraw(clients["owner"], advertiser, 1, key="w")

    assert error_status(first) == (402, "advertiser_balance_insufficient")
    assert again.status_code == 402
    assert again["Idempotent-Replayed"] == "true"
    assert balance(owner) == 5


def test_a_suspended_advertiser_may_withdraw(clients, owner, advertiser):
    wallet_fund(owner, 10)
    fund(clients["owner"], advertiser, 10)
    advertiser_suspend(advertiser=advertiser, staff=ModeratorFactory(), reason="Spam")

    response = withdraw(clients["owner"], advertiser, 10)

    assert response.status_code == 200
    assert response.json()["status"] == "suspended"
    assert balance(owner) == 10
    assert ledger_verify() == []


# -- suspension ------------------------------------------------------------------------


def test_staff_suspend_with_a_reason_and_reinstate(advertiser, django_capture_on_commit_callbacks):
    staff = ModeratorFactory()
    before = serving_version()
    with django_capture_on_commit_callbacks(execute=True):
        advertiser_suspend(advertiser=advertiser, staff=staff, reason="  Misleading ads ")
    advertiser.refresh_from_db()
    assert (advertiser.status, advertiser.suspended_reason) == ("suspended", "Misleading ads")
    assert serving_version() == before + 1

    with django_capture_on_commit_callbacks(execute=True):
        advertiser_reinstate(advertiser=advertiser, staff=staff)
    advertiser.refresh_from_db()
    assert (advertiser.status, advertiser.suspended_reason) == ("active", "")
    assert serving_version() == before + 2


def test_a_suspension_needs_a_reason(advertiser):
    from rest_framework.exceptions import ValidationError

    with pytest.raises(ValidationError) as raised:
        advertiser_suspend(advertiser=advertiser, staff=ModeratorFactory(), reason=" ")
    assert raised.value.detail["reason"][0].code == "reason_required"
    advertiser.refresh_from_db()
    assert advertiser.status == "active"
