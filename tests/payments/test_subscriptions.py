"""Subscribing to a creator's tier (`POST subscriptions/` charges the first month),
the caller's subscriptions, cancelling, and a creator's live subscribers."""

import threading
from datetime import timedelta

import pytest
from dateutil.relativedelta import relativedelta
from django.db import connection

from accounts.models import User
from notifications.models import Notification, NotificationType
from payments.exceptions import AlreadySubscribed
from payments.models import LedgerAccount, LedgerTransaction, Subscription
from payments.services.ledger import ledger_account_for_user, ledger_account_system, ledger_post
from payments.services.subscriptions import subscription_create
from tests.accounts.factories import ModeratorFactory, UserFactory
from tests.conftest import error_status
from tests.payments.factories import CreatorTierFactory, balance, system_balance, wallet_fund
from tests.social.factories import SocialGraph

Role = LedgerAccount.Role
Status = Subscription.Status
SUBSCRIPTIONS_URL = "/api/v1/subscriptions/"


def subscription_url(subscription) -> str:
    return f"{SUBSCRIPTIONS_URL}{subscription.pk}/"


@pytest.fixture
def fan(db):
    return UserFactory(username="fan")


@pytest.fixture
def fan_client(make_auth_client, fan):
    return make_auth_client(fan)


@pytest.fixture
def gold(creator):
    return CreatorTierFactory(creator=creator, name="Gold", price=300, perks=["Early access"])


# -- subscribing -----------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(("fee_percent", "fee"), [(30, 90), (15, 45)])
def test_subscribing_charges_the_first_month(
    settings, fan, fan_client, creator, gold, ledger_is_sound, fee_percent, fee
):
    settings.PLATFORM_FEE_PERCENT = fee_percent
    wallet_fund(fan, 1000)

    response = fan_client.post(SUBSCRIPTIONS_URL, {"tier": str(gold.pk)}, format="json")

    assert response.status_code == 201
    subscription = Subscription.objects.get()
    body = response.json()
    assert body["id"] == str(subscription.pk)
    assert body["tier"] == {
        "id": str(gold.pk),
        "name": "Gold",
        "price": 300,
        "perks": ["Early access"],
    }
    assert body["creator"]["username"] == "creator"
    assert (body["status"], body["price"], body["cancel_at_period_end"], body["canceled_at"]) == (
        "active",
        300,
        False,
        None,
    )
    assert (subscription.subscriber, subscription.creator, subscription.tier) == (
        fan,
        creator,
        gold,
    )
    assert subscription.period_index == 0
    assert subscription.current_period_start == subscription.anchor
    assert subscription.current_period_end == subscription.anchor + relativedelta(months=1)

    assert balance(fan) == 700
    assert balance(creator, Role.EARNINGS) == 300 - fee
    assert system_balance(Role.PLATFORM_REVENUE) == fee
    charge = LedgerTransaction.objects.get(kind=LedgerTransaction.Kind.SUBSCRIPTION_CHARGE)
    assert charge.idempotency_key == f"subscription:{subscription.pk}:period:0"
    assert (charge.initiator, charge.reference) == (fan, subscription)

    notification = Notification.objects.get(recipient=creator)
    assert notification.type == NotificationType.NEW_SUBSCRIBER
    assert (notification.actor, notification.target, notification.data) == (
        fan,
        subscription,
        {"tier": "Gold"},
    )
    ledger_is_sound()


@pytest.fixture
def nothing_charged(fan):
    """Call after a refused subscription: no subscription, nothing moved, no notice."""
    wallet_fund(fan, 1000)
    transactions = LedgerTransaction.objects.count()

    def check() -> None:
        assert not Subscription.objects.exists()
        assert LedgerTransaction.objects.count() == transactions
        assert balance(fan) == 1000
        assert system_balance(Role.PLATFORM_REVENUE) == 0
        assert not Notification.objects.filter(type=NotificationType.NEW_SUBSCRIBER).exists()

    return check


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("tier", "expected"),
    [
        ("00000000-0000-0000-0000-000000000000", (404, "not_found")),
        ("gold", (400, "invalid")),
        (None, (400, "null")),
    ],
)
def test_an_unknown_or_malformed_tier_is_refused(fan_client, nothing_charged, tier, expected):
    response = fan_client.post(SUBSCRIPTIONS_URL, {"tier": tier}, format="json")

    assert error_status(response) == expected
    nothing_charged()


@pytest.mark.django_db
@pytest.mark.parametrize("status", [User.Status.BANNED, User.Status.DELETED, User.Status.SUSPENDED])
def test_the_tier_of_a_creator_who_may_not_sign_in_is_not_found(
    fan_client, creator, gold, nothing_charged, status
):
    User.objects.filter(pk=creator.pk).update(status=status)

    response = fan_client.post(SUBSCRIPTIONS_URL, {"tier": str(gold.pk)}, format="json")

    assert error_status(response) == (404, "not_found")
    nothing_charged()


@pytest.mark.django_db
@pytest.mark.parametrize("blocker", ["fan", "creator"])
def test_a_block_either_way_hides_the_tier(
    fan, fan_client, creator, gold, nothing_charged, blocker
):
    if blocker == "fan":
        SocialGraph().block(fan, creator)
    else:
        SocialGraph().block(creator, fan)

    response = fan_client.post(SUBSCRIPTIONS_URL, {"tier": str(gold.pk)}, format="json")

    assert error_status(response) == (404, "not_found")
    nothing_charged()


@pytest.mark.django_db
def test_an_inactive_tier_takes_no_subscribers(fan_client, gold, nothing_charged):
    gold.active = False
    gold.save()

    response = fan_client.post(SUBSCRIPTIONS_URL, {"tier": str(gold.pk)}, format="json")

    assert error_status(response) == (400, "tier_unavailable")
    nothing_charged()


@pytest.mark.django_db
def test_subscribing_to_oneself_is_refused(make_auth_client, creator, gold):
    wallet_fund(creator, 1000)

    response = make_auth_client(creator).post(
        SUBSCRIPTIONS_URL, {"tier": str(gold.pk)}, format="json"
    )

    assert error_status(response) == (400, "cannot_subscribe_self")
    assert not Subscription.objects.exists()
    assert balance(creator) == 1000


@pytest.mark.django_db
@pytest.mark.parametrize("status", [Status.ACTIVE, Status.PAST_DUE])
def test_subscribing_again_to_the_same_tier_answers_200_with_it_and_charges_nothing(
    fan, fan_client, creator, gold, ledger_is_sound, status
):
    wallet_fund(fan, 1000)
    first = fan_client.post(SUBSCRIPTIONS_URL, {"tier": str(gold.pk)}, format="json")
    Subscription.objects.update(status=status)

    again = fan_client.post(SUBSCRIPTIONS_URL, {"tier": str(gold.pk)}, format="json")

    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json() == {**first.json(), "status": status}
    assert Subscription.objects.count() == 1
    assert balance(fan) == 700
    assert Notification.objects.filter(type=NotificationType.NEW_SUBSCRIBER).count() == 1
    ledger_is_sound()


@pytest.mark.django_db
@pytest.mark.parametrize("status", [Status.ACTIVE, Status.PAST_DUE])
def test_a_second_live_subscription_to_a_creator_is_refused(fan, fan_client, creator, gold, status):
    wallet_fund(fan, 1000)
    first = subscription_create(subscriber=fan, tier=gold)
    Subscription.objects.filter(pk=first.pk).update(status=status)
    silver = CreatorTierFactory(creator=creator, name="Silver", price=100)

    response = fan_client.post(SUBSCRIPTIONS_URL, {"tier": str(silver.pk)}, format="json")

    assert error_status(response) == (409, "already_subscribed")
    assert Subscription.objects.count() == 1
    assert balance(fan) == 700


@pytest.mark.django_db
@pytest.mark.parametrize("status", [Status.CANCELED, Status.EXPIRED])
def test_one_may_subscribe_again_once_the_last_subscription_ended(
    fan, fan_client, gold, ledger_is_sound, status
):
    wallet_fund(fan, 1000)
    first = subscription_create(subscriber=fan, tier=gold)
    Subscription.objects.filter(pk=first.pk).update(status=status)

    response = fan_client.post(SUBSCRIPTIONS_URL, {"tier": str(gold.pk)}, format="json")

    assert response.status_code == 201
    assert balance(fan) == 400
    ledger_is_sound()


@pytest.mark.django_db
def test_a_wallet_in_debt_cannot_subscribe(fan, fan_client, gold):
    wallet_fund(fan, 1000)
    ledger_post(
        kind=LedgerTransaction.Kind.REFUND,
        entries=[
            (ledger_account_for_user(user=fan, role=Role.DEBT), -5),
            (ledger_account_system(role=Role.EXTERNAL), 5),
        ],
        idempotency_key="test-debt",
    )

    response = fan_client.post(SUBSCRIPTIONS_URL, {"tier": str(gold.pk)}, format="json")

    assert error_status(response) == (402, "wallet_in_debt")
    assert not Subscription.objects.exists()
    assert balance(fan) == 1000


@pytest.mark.django_db
def test_a_wallet_short_of_the_price_cannot_subscribe(fan, fan_client, gold):
    wallet_fund(fan, 299)

    response = fan_client.post(SUBSCRIPTIONS_URL, {"tier": str(gold.pk)}, format="json")

    assert error_status(response) == (402, "insufficient_funds")
    assert not Subscription.objects.exists()
    assert balance(fan) == 299
    assert not Notification.objects.exists()


@pytest.mark.django_db
def test_subscribing_needs_a_signed_in_caller(api_client, gold):
    response = api_client.post(SUBSCRIPTIONS_URL, {"tier": str(gold.pk)}, format="json")

    assert error_status(response) == (401, "not_authenticated")


@pytest.mark.django_db(transaction=True)
def test_concurrent_subscriptions_to_one_creator_make_one(creator, ledger_is_sound):
    fan = UserFactory()
    wallet_fund(fan, 1000)
    tiers = [CreatorTierFactory(creator=creator, price=100 + n) for n in range(4)]
    barrier = threading.Barrier(len(tiers))
    outcomes = []

    def subscribe(tier) -> None:
        try:
            barrier.wait()
            subscription_create(subscriber=fan, tier=tier)
            outcomes.append("subscribed")
        except AlreadySubscribed:
            outcomes.append("already_subscribed")
        finally:
            connection.close()

    threads = [threading.Thread(target=subscribe, args=(tier,)) for tier in tiers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes) == ["already_subscribed"] * 3 + ["subscribed"]
    subscription = Subscription.objects.get()
    assert balance(fan) == 1000 - subscription.price
    ledger_is_sound()


# -- idempotency -----------------------------------------------------------------------


@pytest.mark.django_db
def test_a_replayed_subscription_with_its_idempotency_key_charges_once(
    fan, fan_client, gold, ledger_is_sound
):
    wallet_fund(fan, 1000)
    body = {"tier": str(gold.pk)}

    first = fan_client.post(SUBSCRIPTIONS_URL, body, format="json", HTTP_IDEMPOTENCY_KEY="sub-1")
    again = fan_client.post(SUBSCRIPTIONS_URL, body, format="json", HTTP_IDEMPOTENCY_KEY="sub-1")

    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json() == first.json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert Subscription.objects.count() == 1
    assert balance(fan) == 700
    ledger_is_sound()


@pytest.mark.django_db
def test_a_subscription_key_reused_with_another_tier_is_refused(fan, fan_client, creator, gold):
    wallet_fund(fan, 1000)
    other = CreatorTierFactory(name="Other")
    fan_client.post(
        SUBSCRIPTIONS_URL, {"tier": str(gold.pk)}, format="json", HTTP_IDEMPOTENCY_KEY="k"
    )

    response = fan_client.post(
        SUBSCRIPTIONS_URL, {"tier": str(other.pk)}, format="json", HTTP_IDEMPOTENCY_KEY="k"
    )

    assert error_status(response) == (422, "idempotency_key_reused")
    assert Subscription.objects.count() == 1
    assert balance(fan) == 700


# -- reading ---------------------------------------------------------------------------


@pytest.fixture
def subscription(fan, gold):
    wallet_fund(fan, 1000)
    return subscription_create(subscriber=fan, tier=gold)


@pytest.mark.django_db
def test_my_subscriptions_are_mine_only_newest_first(fan, fan_client, subscription):
    other_creator_tier = CreatorTierFactory(name="Other")
    second = subscription_create(subscriber=fan, tier=other_creator_tier)
    stranger = UserFactory()
    wallet_fund(stranger, 1000)
    subscription_create(subscriber=stranger, tier=CreatorTierFactory())

    results = fan_client.get(SUBSCRIPTIONS_URL).json()["results"]

    assert [item["id"] for item in results] == [str(second.pk), str(subscription.pk)]


@pytest.mark.django_db
@pytest.mark.parametrize("page_size", [1, 20])
def test_my_subscriptions_cost_the_same_queries_at_any_page_size(
    fan, fan_client, django_assert_num_queries, page_size
):
    wallet_fund(fan, 100_000)
    for _ in range(22):
        subscription_create(subscriber=fan, tier=CreatorTierFactory())

    with django_assert_num_queries(2):  # authentication, the page with tier and creator
        response = fan_client.get(SUBSCRIPTIONS_URL, {"page_size": page_size})

    assert len(response.json()["results"]) == page_size


@pytest.fixture
def client_as(api_client, make_auth_client, fan):
    """An API client for `caller`: anonymous, another user, staff or the subscriber."""
    clients = {
        "anonymous": lambda: api_client,
        "other": lambda: make_auth_client(UserFactory()),
        "staff": lambda: make_auth_client(ModeratorFactory()),
        "owner": lambda: make_auth_client(fan),
    }
    return lambda caller: clients[caller]()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("caller", "expected"), [("anonymous", 401), ("other", 404), ("staff", 200), ("owner", 200)]
)
def test_a_subscription_is_read_by_its_subscriber_and_staff(
    client_as, subscription, caller, expected
):
    response = client_as(caller).get(subscription_url(subscription))

    assert response.status_code == expected
    if expected == 200:
        assert response.json()["id"] == str(subscription.pk)


@pytest.mark.django_db
def test_an_unknown_or_malformed_subscription_is_not_found(fan_client):
    assert error_status(fan_client.get(f"{SUBSCRIPTIONS_URL}nope/")) == (404, "not_found")
    assert error_status(
        fan_client.get(f"{SUBSCRIPTIONS_URL}00000000-0000-0000-0000-000000000000/")
    ) == (
        404,
        "not_found",
    )


# -- cancelling ------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("caller", "expected"), [("anonymous", 401), ("other", 404), ("staff", 404), ("owner", 200)]
)
def test_only_the_subscriber_cancels(client_as, subscription, caller, expected):
    response = client_as(caller).delete(subscription_url(subscription))

    assert response.status_code == expected
    subscription.refresh_from_db()
    assert subscription.cancel_at_period_end is (caller == "owner")


@pytest.mark.django_db
def test_cancelling_an_active_subscription_keeps_it_until_the_period_ends(
    fan, fan_client, subscription, ledger_is_sound
):
    response = fan_client.delete(subscription_url(subscription))

    assert response.status_code == 200
    body = response.json()
    assert (body["status"], body["cancel_at_period_end"]) == ("active", True)
    assert body["canceled_at"] is not None
    assert body["current_period_end"] is not None
    subscription.refresh_from_db()
    assert (subscription.status, subscription.ended_at) == (Status.ACTIVE, None)
    canceled_at = subscription.canceled_at

    again = fan_client.delete(subscription_url(subscription))

    assert again.status_code == 200
    subscription.refresh_from_db()
    assert subscription.canceled_at == canceled_at  # cancelling twice changes nothing
    assert balance(fan) == 700  # nothing is given back
    ledger_is_sound()


@pytest.mark.django_db
def test_cancelling_a_past_due_subscription_ends_it_at_once(fan_client, subscription):
    Subscription.objects.filter(pk=subscription.pk).update(
        status=Status.PAST_DUE, past_due_since=subscription.current_period_end
    )

    response = fan_client.delete(subscription_url(subscription))

    assert response.status_code == 200
    assert (response.json()["status"], response.json()["ended_at"] is not None) == (
        "canceled",
        True,
    )
    subscription.refresh_from_db()
    assert subscription.status == Status.CANCELED
    assert subscription.ended_at is not None


@pytest.mark.django_db
@pytest.mark.parametrize("status", [Status.CANCELED, Status.EXPIRED])
def test_an_ended_subscription_cannot_be_cancelled(fan_client, subscription, status):
    Subscription.objects.filter(pk=subscription.pk).update(status=status)

    response = fan_client.delete(subscription_url(subscription))

    assert error_status(response) == (409, "subscription_ended")


# -- a creator's subscribers -----------------------------------------------------------


SUBSCRIBERS_URL = "/api/v1/creators/me/subscribers/"


@pytest.mark.django_db
def test_a_creator_lists_their_live_subscribers(make_auth_client, creator, gold, subscription):
    gone = UserFactory(username="gone")
    wallet_fund(gone, 1000)
    ended = subscription_create(subscriber=gone, tier=gold)
    Subscription.objects.filter(pk=ended.pk).update(status=Status.EXPIRED)
    late = UserFactory(username="late")
    wallet_fund(late, 1000)
    owing = subscription_create(subscriber=late, tier=gold)
    Subscription.objects.filter(pk=owing.pk).update(
        status=Status.PAST_DUE, created_at=owing.created_at + timedelta(seconds=1)
    )

    response = make_auth_client(creator).get(SUBSCRIBERS_URL)

    results = response.json()["results"]
    assert [(item["subscriber"]["username"], item["status"]) for item in results] == [
        ("late", "past_due"),
        ("fan", "active"),
    ]


@pytest.mark.django_db
@pytest.mark.parametrize("page_size", [1, 20])
def test_a_creators_subscribers_cost_the_same_queries_at_any_page_size(
    make_auth_client, creator, gold, django_assert_num_queries, page_size
):
    for _ in range(22):
        fan = UserFactory()
        wallet_fund(fan, 300)
        subscription_create(subscriber=fan, tier=gold)
    client = make_auth_client(creator)

    with django_assert_num_queries(2):
        response = client.get(SUBSCRIBERS_URL, {"page_size": page_size})

    assert len(response.json()["results"]) == page_size
