"""`Idempotency-Key` with Stripe's semantics, on `POST payouts/` (a money-moving endpoint):
replays, reuse with another request, expiry, invalid keys, what is stored, pruning, and
two requests with the same key at once."""

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone
from rest_framework.test import APIClient

from payments.models import IdempotencyRecord, LedgerAccount, LedgerTransaction, Payout
from payments.services.idempotency import idempotency_records_prune
from payments.services.tips import tip_send
from tests.accounts.factories import UserFactory
from tests.payments.factories import CreatorFactory, balance, wallet_fund

Role = LedgerAccount.Role
PAYOUTS = "/api/v1/payouts/"
TIPS = "/api/v1/tips/"


@pytest.fixture(autouse=True)
def _money(settings):
    settings.PAYOUT_MINIMUM_COINS = 100
    settings.COIN_PRICE_MINOR, settings.COIN_CURRENCY = 1, "USD"
    settings.PLATFORM_FEE_PERCENT = 30
    settings.IDEMPOTENCY_KEY_HOURS = 24


def earn(creator, coins: int) -> None:
    """Give `creator` `coins` of earnings (a tip whose fee is 30 %; `coins` a multiple
    of 7)."""
    fan = UserFactory()
    tip = coins * 10 // 7
    wallet_fund(fan, tip)
    tip_send(sender=fan, recipient=creator, amount=tip)


@pytest.fixture
def earning_creator(db):
    creator = CreatorFactory(username="maker")
    earn(creator, 700)
    assert balance(creator, Role.EARNINGS) == 700
    return creator


@pytest.fixture
def client(make_auth_client, earning_creator) -> APIClient:
    return make_auth_client(earning_creator)


def post(client: APIClient, body: dict, key: str | None = "key-1", path: str = PAYOUTS):
    headers = {} if key is None else {"Idempotency-Key": key}
    return client.post(path, body, format="json", headers=headers)


def payout_requests() -> int:
    return LedgerTransaction.objects.filter(kind=LedgerTransaction.Kind.PAYOUT_REQUEST).count()


def code(response) -> str:
    return response.json()["errors"][0]["code"]


# -- replays ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_same_key_and_body_replay_the_first_response(client, earning_creator):
    first = post(client, {"amount": 200})

    again = post(client, {"amount": 200})

    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert "Idempotent-Replayed" not in first
    assert again["Idempotent-Replayed"] == "true"
    assert Payout.objects.count() == payout_requests() == 1
    assert balance(earning_creator, Role.EARNINGS) == 500


@pytest.mark.django_db
def test_the_same_key_with_another_body_is_refused(client, earning_creator):
    post(client, {"amount": 200})

    response = post(client, {"amount": 300})

    assert (response.status_code, code(response)) == (422, "idempotency_key_reused")
    assert Payout.objects.count() == 1
    assert balance(earning_creator, Role.EARNINGS) == 500


@pytest.mark.django_db
def test_the_same_key_on_another_endpoint_is_refused(client, earning_creator):
    post(client, {"amount": 200})
    wallet_fund(earning_creator, 50)

    response = post(client, {"recipient": "someone", "amount": 5}, path=TIPS)

    assert (response.status_code, code(response)) == (422, "idempotency_key_reused")
    assert balance(earning_creator) == 50


@pytest.mark.django_db
def test_without_a_key_each_request_runs(client, earning_creator):
    first = post(client, {"amount": 200}, key=None)
    second = post(client, {"amount": 200}, key=None)

    assert (first.status_code, second.status_code) == (201, 201)
    assert first.json()["id"] != second.json()["id"]
    assert Payout.objects.count() == payout_requests() == 2
    assert balance(earning_creator, Role.EARNINGS) == 300
    assert not IdempotencyRecord.objects.exists()


@pytest.mark.django_db
def test_another_user_may_use_the_same_key(client, make_auth_client):
    other = CreatorFactory()
    earn(other, 700)

    mine = post(client, {"amount": 200})
    theirs = post(make_auth_client(other), {"amount": 200})

    assert (mine.status_code, theirs.status_code) == (201, 201)
    assert "Idempotent-Replayed" not in theirs
    assert mine.json()["id"] != theirs.json()["id"]
    assert Payout.objects.filter(creator=other).count() == 1


@pytest.mark.django_db
def test_an_expired_key_runs_again(client, earning_creator):
    first = post(client, {"amount": 200})
    IdempotencyRecord.objects.update(created_at=timezone.now() - timedelta(hours=24, seconds=1))

    again = post(client, {"amount": 200})

    assert again.status_code == 201
    assert "Idempotent-Replayed" not in again
    assert again.json()["id"] != first.json()["id"]
    assert Payout.objects.count() == 2
    assert balance(earning_creator, Role.EARNINGS) == 300
    assert IdempotencyRecord.objects.get().response_body["id"] == again.json()["id"]


@pytest.mark.django_db
def test_a_key_just_younger_than_the_expiry_still_replays(client):
    post(client, {"amount": 200})
    IdempotencyRecord.objects.update(created_at=timezone.now() - timedelta(hours=23, minutes=59))

    again = post(client, {"amount": 200})

    assert again["Idempotent-Replayed"] == "true"
    assert Payout.objects.count() == 1


# -- keys ----------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    "key",
    [
        pytest.param("", id="empty"),
        pytest.param("k" * 256, id="256-characters"),
        pytest.param("clé-1", id="non-ascii"),
        pytest.param("tab\there", id="control-character"),
    ],
)
def test_an_invalid_key_is_a_400_and_runs_nothing(client, key):
    response = post(client, {"amount": 200}, key=key)

    assert (response.status_code, code(response)) == (400, "invalid_idempotency_key")
    assert not Payout.objects.exists()
    assert not IdempotencyRecord.objects.exists()


@pytest.mark.django_db
def test_a_key_of_255_printable_characters_is_accepted(client):
    key = "k" * 254 + "~"

    assert post(client, {"amount": 200}, key=key).status_code == 201
    assert post(client, {"amount": 200}, key=key)["Idempotent-Replayed"] == "true"
    assert Payout.objects.count() == 1


# -- what is stored ------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_decline_is_stored_and_replayed_even_after_the_earnings_grow(client, earning_creator):
    declined = post(client, {"amount": 1000})
    assert (declined.status_code, code(declined)) == (402, "insufficient_earnings")
    earn(earning_creator, 700)  # 1400 now: enough

    again = post(client, {"amount": 1000})

    assert again.status_code == 402
    assert again.json() == declined.json()
    assert again["Idempotent-Replayed"] == "true"
    assert not Payout.objects.exists()
    assert balance(earning_creator, Role.EARNINGS) == 1400
    record = IdempotencyRecord.objects.get()
    assert (record.response_status, record.response_body) == (402, declined.json())
    # A new key runs.
    assert post(client, {"amount": 1000}, key="key-2").status_code == 201


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("bad", "error_code"),
    [({"amount": "lots"}, "invalid"), ({"amount": 5}, "payout_below_minimum")],
)
def test_an_input_error_is_not_stored(client, earning_creator, bad, error_code):
    refused = post(client, bad)
    assert (refused.status_code, code(refused)) == (400, error_code)
    assert not IdempotencyRecord.objects.exists()

    corrected = post(client, {"amount": 200})

    assert corrected.status_code == 201
    assert "Idempotent-Replayed" not in corrected
    assert Payout.objects.count() == 1


# -- pruning -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_pruning_deletes_only_expired_records(earning_creator):
    now = timezone.now()
    ages = {
        "old": timedelta(hours=30),
        "just-expired": timedelta(hours=24),
        "fresh": timedelta(hours=23, minutes=59),
        "new": timedelta(0),
    }
    for key, age in ages.items():
        IdempotencyRecord.objects.create(
            user=earning_creator, key=key, request_fingerprint="f", created_at=now - age
        )

    deleted = idempotency_records_prune(now=now)

    assert deleted == 2
    assert sorted(IdempotencyRecord.objects.values_list("key", flat=True)) == ["fresh", "new"]
    assert idempotency_records_prune(now=now) == 0


# -- at once -------------------------------------------------------------------------------


def _post_at_once(*, token: str, body: dict, key: str, count: int = 2) -> list:
    """`count` requests with the same token, key and body, released together."""
    barrier = threading.Barrier(count)
    responses = []
    lock = threading.Lock()

    def request() -> None:
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
        try:
            barrier.wait()
            response = post(client, body, key=key)
            with lock:
                responses.append(response)
        finally:
            connection.close()

    threads = [threading.Thread(target=request) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return responses


@pytest.mark.django_db(transaction=True)
def test_two_requests_with_the_same_key_at_once_pay_out_once(make_auth_client):
    creator = CreatorFactory(username="racer")
    earn(creator, 700)
    token = make_auth_client(creator).tokens.access_token

    responses = _post_at_once(token=token, body={"amount": 200}, key="same-key")

    assert [response.status_code for response in responses] == [201, 201]
    assert responses[0].json() == responses[1].json()
    assert sorted(response.get("Idempotent-Replayed", "") for response in responses) == [
        "",
        "true",
    ]
    assert Payout.objects.count() == payout_requests() == 1
    assert balance(creator, Role.EARNINGS) == 500


@pytest.mark.django_db(transaction=True)
def test_two_retries_of_an_expired_key_at_once_pay_out_once_more(make_auth_client):
    creator = CreatorFactory(username="racer")
    earn(creator, 700)
    client = make_auth_client(creator)
    first = post(client, {"amount": 200}, key="old-key")
    IdempotencyRecord.objects.update(created_at=timezone.now() - timedelta(hours=25))

    responses = _post_at_once(token=client.tokens.access_token, body={"amount": 200}, key="old-key")

    assert [response.status_code for response in responses] == [201, 201]
    assert responses[0].json() == responses[1].json() != first.json()
    assert Payout.objects.count() == payout_requests() == 2
    assert balance(creator, Role.EARNINGS) == 300
