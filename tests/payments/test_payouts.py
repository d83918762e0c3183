"""Payouts: `POST/GET payouts/`, `GET payouts/{id}/`, and the staff review services."""

import pytest

from notifications.models import Notification, NotificationType
from payments.exceptions import NotStaff, PayoutNotPending
from payments.models import LedgerAccount, LedgerTransaction, Payout
from payments.services.ledger import ledger_account_for_user, ledger_account_system, ledger_post
from payments.services.payouts import payout_approve, payout_reject, payout_request
from payments.services.tips import tip_send
from tests.accounts.factories import AdminFactory, UserFactory
from tests.conftest import error_status_attr
from tests.payments.factories import balance, system_balance, wallet_fund

pytestmark = pytest.mark.django_db

Role = LedgerAccount.Role
Kind = LedgerTransaction.Kind
PAYOUTS = "/api/v1/payouts/"


def payout_url(payout) -> str:
    return f"{PAYOUTS}{payout.pk if isinstance(payout, Payout) else payout}/"


@pytest.fixture(autouse=True)
def _money(settings):
    settings.PAYOUT_MINIMUM_COINS = 1000
    settings.COIN_PRICE_MINOR, settings.COIN_CURRENCY = 2, "EUR"
    settings.PLATFORM_FEE_PERCENT = 30


@pytest.fixture
def earning_creator(creator):
    """`creator` with 1400 coins of earnings: a tip of 2000, 600 of it the fee."""
    fan = UserFactory(username="fan")
    wallet_fund(fan, 2000)
    tip_send(sender=fan, recipient=creator, amount=2000)
    assert balance(creator, Role.EARNINGS) == 1400
    return creator


@pytest.fixture
def creator_client(make_auth_client, earning_creator):
    return make_auth_client(earning_creator)


@pytest.fixture
def staff():
    return AdminFactory(username="staff")


# -- asking for a payout ------------------------------------------------------------------


def test_a_payout_moves_earnings_into_transit(creator_client, earning_creator, ledger_is_sound):
    response = creator_client.post(PAYOUTS, {"amount": 1000})

    assert response.status_code == 201
    payout = Payout.objects.get()
    body = response.json()
    assert body == {
        "id": str(payout.pk),
        "amount": 1000,
        "money_amount": 2000,
        "currency": "EUR",
        "status": "pending",
        "reason": "",
        "created_at": body["created_at"],
        "reviewed_at": None,
    }
    assert (payout.creator, payout.amount, payout.money_amount) == (earning_creator, 1000, 2000)
    assert balance(earning_creator, Role.EARNINGS) == 400
    assert system_balance(Role.PAYOUTS_IN_TRANSIT) == 1000
    request = LedgerTransaction.objects.get(kind=Kind.PAYOUT_REQUEST)
    assert (request.idempotency_key, request.initiator, request.reference) == (
        f"payout:{payout.pk}:request",
        earning_creator,
        payout,
    )
    ledger_is_sound()


def test_the_whole_earnings_may_be_paid_out(creator_client, earning_creator):
    response = creator_client.post(PAYOUTS, {"amount": 1400})

    assert response.status_code == 201
    assert balance(earning_creator, Role.EARNINGS) == 0


@pytest.mark.parametrize("amount", [999, 0, -5])
def test_a_payout_below_the_minimum_is_refused(creator_client, earning_creator, amount):
    response = creator_client.post(PAYOUTS, {"amount": amount})

    assert error_status_attr(response) == (400, "payout_below_minimum", None)
    assert response.json()["errors"][0]["detail"] == "A payout must be at least 1000 coins."
    assert not Payout.objects.exists()
    assert balance(earning_creator, Role.EARNINGS) == 1400


def test_a_payout_beyond_the_earnings_is_declined(creator_client, earning_creator, ledger_is_sound):
    transactions = LedgerTransaction.objects.count()

    response = creator_client.post(PAYOUTS, {"amount": 1401})

    assert error_status_attr(response) == (402, "insufficient_earnings", None)
    assert not Payout.objects.exists()
    assert LedgerTransaction.objects.count() == transactions
    assert balance(earning_creator, Role.EARNINGS) == 1400
    assert system_balance(Role.PAYOUTS_IN_TRANSIT) == 0
    ledger_is_sound()


def test_a_creator_in_debt_is_paid_nothing_until_the_debt_is_settled(
    creator_client, earning_creator, ledger_is_sound
):
    """A refund took back more coins than the wallet held: the platform is owed."""
    ledger_post(
        kind=Kind.REFUND,
        entries=[
            (ledger_account_for_user(user=earning_creator, role=Role.DEBT), -50),
            (ledger_account_system(role=Role.EXTERNAL), 50),
        ],
        idempotency_key="refund:test",
    )

    response = creator_client.post(PAYOUTS, {"amount": 1000})

    assert error_status_attr(response) == (402, "wallet_in_debt", None)
    assert not Payout.objects.exists()
    assert balance(earning_creator, Role.EARNINGS) == 1400
    ledger_is_sound()


def test_a_user_without_earnings_is_declined_and_gets_no_account(make_auth_client):
    nobody = UserFactory()

    response = make_auth_client(nobody).post(PAYOUTS, {"amount": 1000})

    assert error_status_attr(response) == (402, "insufficient_earnings", None)
    assert not LedgerAccount.objects.filter(owner=nobody).exists()


def test_coins_in_transit_cannot_be_asked_for_twice(creator_client, earning_creator):
    assert creator_client.post(PAYOUTS, {"amount": 1000}).status_code == 201

    response = creator_client.post(PAYOUTS, {"amount": 1000})

    assert error_status_attr(response) == (402, "insufficient_earnings", None)
    assert Payout.objects.count() == 1


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({}, "required"),
        ({"amount": None}, "null"),
        ({"amount": "lots"}, "invalid"),
        ({"amount": 1000.5}, "invalid"),
        ({"amount": 2**31}, "max_value"),
        ({"amount": 10**30}, "max_value"),
    ],
)
def test_a_malformed_amount_is_a_400(creator_client, body, code):
    response = creator_client.post(PAYOUTS, body, format="json")

    assert error_status_attr(response) == (400, code, "amount")
    assert not Payout.objects.exists()


def test_asking_for_a_payout_needs_sign_in(api_client):
    response = api_client.post(PAYOUTS, {"amount": 1000})

    assert error_status_attr(response) == (401, "not_authenticated", None)


# -- reading payouts --------------------------------------------------------------------


def test_the_payout_list_shows_the_callers_payouts_newest_first(
    creator_client, earning_creator, make_auth_client
):
    first = payout_request(creator=earning_creator, amount=1000)
    other = UserFactory()
    Payout.objects.create(creator=other, amount=5000, money_amount=10000, currency="EUR")

    response = creator_client.get(PAYOUTS)

    assert response.status_code == 200
    assert [row["id"] for row in response.json()["results"]] == [str(first.pk)]
    assert make_auth_client(other).get(PAYOUTS).json()["results"][0]["amount"] == 5000


def test_the_payout_list_pages_at_a_fixed_query_count(
    creator_client, earning_creator, staff, django_assert_num_queries, settings
):
    settings.PAYOUT_MINIMUM_COINS = 100
    made = [payout_request(creator=earning_creator, amount=100) for _ in range(5)]
    payout_approve(payout=made[0], staff=staff)
    payout_reject(payout=made[1], staff=staff, reason="Bank details missing")

    pages = {}
    for page_size in (2, 10):
        # the session with its user (authentication), the page
        with django_assert_num_queries(2):
            response = creator_client.get(PAYOUTS, {"page_size": page_size})
        pages[page_size] = [row["id"] for row in response.json()["results"]]

    assert pages[10] == [str(payout.pk) for payout in reversed(made)]
    assert pages[2] == pages[10][:2]
    statuses = {row["id"]: row["status"] for row in creator_client.get(PAYOUTS).json()["results"]}
    assert (statuses[str(made[0].pk)], statuses[str(made[1].pk)]) == ("paid", "rejected")


@pytest.mark.parametrize(
    ("who", "status_code"),
    [("anonymous", 401), ("other", 404), ("staff", 404), ("owner", 200)],
)
def test_a_payout_is_shown_to_its_owner_only(
    api_client, make_auth_client, earning_creator, staff, who, status_code
):
    payout = payout_request(creator=earning_creator, amount=1000)
    client = {
        "anonymous": api_client,
        "other": make_auth_client(UserFactory()),
        "staff": make_auth_client(staff),  # staff review payouts in the admin
        "owner": make_auth_client(earning_creator),
    }[who]

    response = client.get(payout_url(payout))

    assert response.status_code == status_code
    if status_code == 200:
        assert response.json()["id"] == str(payout.pk)
        assert response.json()["money_amount"] == 2000
    else:
        assert response.json()["errors"][0]["code"] == (
            "not_authenticated" if who == "anonymous" else "not_found"
        )


@pytest.mark.parametrize("payout_id", ["not-a-uuid", "3f2b8c1e-8d4a-4c55-9a0e-5b7f1d2c6e90"])
def test_an_unknown_payout_is_a_404(creator_client, payout_id):
    response = creator_client.get(payout_url(payout_id))

    assert error_status_attr(response) == (404, "not_found", None)


# -- staff review -----------------------------------------------------------------------


def test_approving_pays_the_payout_out_and_tells_the_creator(
    earning_creator, staff, ledger_is_sound
):
    payout = payout_request(creator=earning_creator, amount=1000)

    approved = payout_approve(payout=payout, staff=staff)

    approved.refresh_from_db()
    assert (approved.status, approved.reviewed_by, approved.reason) == ("paid", staff, "")
    assert approved.reviewed_at is not None
    assert balance(earning_creator, Role.EARNINGS) == 400
    assert system_balance(Role.PAYOUTS_IN_TRANSIT) == 0
    # 2000 coins came in from outside, 1000 went back out.
    assert system_balance(Role.EXTERNAL) == -1000
    paid = LedgerTransaction.objects.get(kind=Kind.PAYOUT_PAID)
    assert (paid.idempotency_key, paid.initiator, paid.reference) == (
        f"payout:{payout.pk}:paid",
        staff,
        payout,
    )
    notification = Notification.objects.get(recipient=earning_creator, type="payout_paid")
    assert (notification.data, notification.target, notification.actor) == (
        {"coins": 1000},
        payout,
        None,
    )
    ledger_is_sound()


def test_rejecting_gives_the_coins_back_and_tells_the_creator(
    earning_creator, staff, make_auth_client, ledger_is_sound
):
    payout = payout_request(creator=earning_creator, amount=1000)

    payout_reject(payout=payout, staff=staff, reason="Bank details missing")

    payout.refresh_from_db()
    assert (payout.status, payout.reviewed_by, payout.reason) == (
        "rejected",
        staff,
        "Bank details missing",
    )
    assert balance(earning_creator, Role.EARNINGS) == 1400
    assert system_balance(Role.PAYOUTS_IN_TRANSIT) == 0
    assert system_balance(Role.EXTERNAL) == -2000
    notification = Notification.objects.get(
        recipient=earning_creator, type=NotificationType.PAYOUT_REJECTED
    )
    assert (notification.data, notification.target) == (
        {"coins": 1000, "reason": "Bank details missing"},
        payout,
    )
    body = make_auth_client(earning_creator).get(payout_url(payout)).json()
    assert (body["status"], body["reason"]) == ("rejected", "Bank details missing")
    assert body["reviewed_at"] is not None
    ledger_is_sound()


@pytest.mark.parametrize(
    ("first", "second"),
    [
        (payout_approve, payout_approve),
        (payout_approve, payout_reject),
        (payout_reject, payout_reject),
        (payout_reject, payout_approve),
    ],
)
def test_a_payout_is_reviewed_once(earning_creator, staff, first, second, ledger_is_sound):
    payout = payout_request(creator=earning_creator, amount=1000)
    first(payout=payout, staff=staff)
    transactions = LedgerTransaction.objects.count()

    with pytest.raises(PayoutNotPending):
        second(payout=payout, staff=AdminFactory())

    assert LedgerTransaction.objects.count() == transactions
    payout.refresh_from_db()
    assert payout.status == ("paid" if first is payout_approve else "rejected")
    assert payout.reviewed_by == staff
    assert (
        Notification.objects.filter(recipient=earning_creator).exclude(type="tip_received").count()
        == 1
    )
    ledger_is_sound()


@pytest.mark.parametrize("review", [payout_approve, payout_reject])
def test_only_staff_review_payouts(earning_creator, review):
    payout = payout_request(creator=earning_creator, amount=1000)

    with pytest.raises(NotStaff):
        review(payout=payout, staff=UserFactory())

    payout.refresh_from_db()
    assert payout.status == "pending"
    assert system_balance(Role.PAYOUTS_IN_TRANSIT) == 1000
