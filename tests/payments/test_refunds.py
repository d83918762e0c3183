"""Refunds of paid top-ups: the provider gives the money back; the coins still in the
wallet are taken back and the shortfall becomes a debt that blocks spending until a
later top-up settles it. Staff refund from the admin."""

import pytest
from django.contrib.messages import get_messages
from django.test import Client

from payments.exceptions import (
    NotStaff,
    PaymentProviderError,
    TopUpNotRefundable,
    WalletInDebt,
)
from payments.models import LedgerAccount, LedgerEntry, LedgerTransaction, Refund, TopUp
from payments.services.ledger import wallet_assert_can_spend
from payments.services.tips import tip_send
from payments.services.top_ups import sandbox_checkout_settle, top_up_create, top_up_refund
from tests.accounts.factories import UserFactory
from tests.payments.factories import CoinPackageFactory, balance, system_balance
from tests.payments.fake_stripe import WEBHOOK_SECRET, FakeStripe, checkout_event, signed

pytestmark = pytest.mark.django_db

Role = LedgerAccount.Role
TOP_UPS_ADMIN = "/admin/payments/topup/"


@pytest.fixture
def stripe_api(settings):
    with FakeStripe.running() as fake:
        yield fake.use_in(settings)


@pytest.fixture
def staff(admin_user):
    return admin_user


@pytest.fixture
def buyer(db):
    return UserFactory(username="buyer")


def top_up_paid(user, *, coins: int = 550, price: int = 499) -> TopUp:
    """A top-up paid through the sandbox checkout (the real webhook path)."""
    package = CoinPackageFactory(coins=coins, price=price)
    top_up = top_up_create(user=user, package=package, base_url="http://testserver/")
    return sandbox_checkout_settle(checkout_id=top_up.checkout_id, paid=True)


def ledger_of(user) -> tuple[int, int, int]:
    """The user's wallet, the user's debt and the external account."""
    return balance(user), balance(user, Role.DEBT), system_balance(Role.EXTERNAL)


def legs(transaction: LedgerTransaction) -> dict[str, int]:
    return {
        entry.account.role: entry.amount
        for entry in LedgerEntry.objects.filter(transaction=transaction).select_related("account")
    }


# -- the service -------------------------------------------------------------------------


def test_a_refund_of_unspent_coins_takes_them_all_back(buyer, staff, ledger_is_sound):
    top_up = top_up_paid(buyer)
    assert ledger_of(buyer) == (550, 0, -550)

    refund = top_up_refund(top_up=top_up, staff=staff, reason="Asked by the buyer")

    assert ledger_of(buyer) == (0, 0, 0)
    top_up.refresh_from_db()
    assert top_up.status == TopUp.Status.REFUNDED
    assert top_up.refunded_at is not None
    assert (refund.amount, refund.currency, refund.coins, refund.debt_coins) == (499, "USD", 550, 0)
    assert refund.provider_refund_id == f"re_sandbox_{top_up.pk.hex}"
    assert (refund.created_by, refund.reason) == (staff, "Asked by the buyer")
    assert refund.ledger_transaction.kind == LedgerTransaction.Kind.REFUND
    assert refund.ledger_transaction.idempotency_key == f"refund:{top_up.pk}"
    assert legs(refund.ledger_transaction) == {Role.EXTERNAL: 550, Role.WALLET: -550}
    wallet_assert_can_spend(user=buyer)  # no debt
    ledger_is_sound()


def test_a_refund_of_spent_coins_records_the_shortfall_as_debt(
    buyer, staff, creator, ledger_is_sound
):
    top_up = top_up_paid(buyer)
    tip_send(sender=buyer, recipient=creator, amount=300)
    assert balance(buyer) == 250

    refund = top_up_refund(top_up=top_up, staff=staff)

    assert refund.debt_coins == 300
    assert ledger_of(buyer) == (0, -300, 0 - 300 + 300)
    assert legs(refund.ledger_transaction) == {
        Role.EXTERNAL: 550,
        Role.WALLET: -250,
        Role.DEBT: -300,
    }
    # The creator keeps the tip: the platform carries the debt, not them.
    assert balance(creator, Role.EARNINGS) + system_balance(Role.PLATFORM_REVENUE) == 300
    with pytest.raises(WalletInDebt):
        wallet_assert_can_spend(user=buyer)
    with pytest.raises(WalletInDebt):
        tip_send(sender=buyer, recipient=creator, amount=1)
    ledger_is_sound()


def test_a_refund_of_an_emptied_wallet_is_all_debt(buyer, staff, creator, ledger_is_sound):
    top_up = top_up_paid(buyer, coins=100, price=99)
    tip_send(sender=buyer, recipient=creator, amount=100)

    refund = top_up_refund(top_up=top_up, staff=staff)

    assert refund.debt_coins == 100
    assert legs(refund.ledger_transaction) == {Role.EXTERNAL: 100, Role.DEBT: -100}
    assert ledger_of(buyer)[:2] == (0, -100)
    ledger_is_sound()


def test_the_next_top_up_settles_the_debt_first(buyer, staff, creator, ledger_is_sound):
    top_up = top_up_paid(buyer)
    tip_send(sender=buyer, recipient=creator, amount=300)
    top_up_refund(top_up=top_up, staff=staff)
    assert ledger_of(buyer)[:2] == (0, -300)

    small = top_up_paid(buyer, coins=100, price=99)  # pays part of the debt, nothing left

    assert ledger_of(buyer)[:2] == (0, -200)
    small_credit = LedgerTransaction.objects.get(idempotency_key=f"top-up:{small.pk}")
    assert legs(small_credit) == {Role.EXTERNAL: -100, Role.DEBT: 100}
    with pytest.raises(WalletInDebt):
        wallet_assert_can_spend(user=buyer)

    big = top_up_paid(buyer, coins=550, price=499)  # settles the rest, the wallet gets 350

    assert ledger_of(buyer)[:2] == (350, 0)
    big_credit = LedgerTransaction.objects.get(idempotency_key=f"top-up:{big.pk}")
    assert legs(big_credit) == {Role.EXTERNAL: -550, Role.DEBT: 200, Role.WALLET: 350}
    wallet_assert_can_spend(user=buyer)
    tip_send(sender=buyer, recipient=creator, amount=350)
    assert balance(buyer) == 0
    ledger_is_sound()


def test_a_top_up_is_refunded_once(buyer, staff, ledger_is_sound):
    top_up = top_up_paid(buyer)
    top_up_refund(top_up=top_up, staff=staff)

    with pytest.raises(TopUpNotRefundable):
        top_up_refund(top_up=top_up, staff=staff)
    # Even from a stale copy that still says paid: the row is checked under its lock.
    stale = TopUp.objects.get(pk=top_up.pk)
    stale.status = TopUp.Status.PAID
    with pytest.raises(TopUpNotRefundable):
        top_up_refund(top_up=stale, staff=staff)

    assert Refund.objects.count() == 1
    assert ledger_of(buyer) == (0, 0, 0)
    ledger_is_sound()


@pytest.mark.parametrize("outcome", [None, "declined"])
def test_only_a_paid_top_up_can_be_refunded(buyer, staff, outcome):
    package = CoinPackageFactory()
    top_up = top_up_create(user=buyer, package=package, base_url="http://testserver/")
    if outcome:
        top_up = sandbox_checkout_settle(checkout_id=top_up.checkout_id, paid=False)

    with pytest.raises(TopUpNotRefundable):
        top_up_refund(top_up=top_up, staff=staff)

    assert not Refund.objects.exists()


def test_only_staff_refund(buyer):
    top_up = top_up_paid(buyer)

    with pytest.raises(NotStaff):
        top_up_refund(top_up=top_up, staff=buyer)

    assert balance(buyer) == 550


# -- through Stripe --------------------------------------------------------------------


def stripe_top_up_paid(user, client: Client) -> TopUp:
    package = CoinPackageFactory(coins=550, price=499)
    top_up = top_up_create(user=user, package=package, base_url="http://testserver/")
    payload, header = signed(
        checkout_event(top_up, payment_intent="pi_paid_1"), secret=WEBHOOK_SECRET
    )
    client.post(
        "/api/v1/payments/webhooks/stripe/",
        payload,
        content_type="application/json",
        HTTP_STRIPE_SIGNATURE=header,
    )
    top_up.refresh_from_db()
    assert top_up.status == TopUp.Status.PAID
    return top_up


def test_a_stripe_refund_names_the_payment_with_an_idempotency_key(
    buyer, staff, stripe_api, ledger_is_sound
):
    top_up = stripe_top_up_paid(buyer, Client())

    refund = top_up_refund(top_up=top_up, staff=staff)

    [request] = stripe_api.requests_to("/v1/refunds")
    assert request.params == {"payment_intent": "pi_paid_1"}
    assert request.headers["idempotency-key"] == f"refund:{top_up.pk}"
    assert refund.provider_refund_id == "re_test_fake2"
    assert ledger_of(buyer) == (0, 0, 0)
    ledger_is_sound()


@pytest.mark.parametrize(("status", "error_type"), [(402, "card_error"), (500, "api_error")])
def test_a_refund_stripe_refuses_changes_nothing(buyer, staff, stripe_api, status, error_type):
    top_up = stripe_top_up_paid(buyer, Client())
    stripe_api.fail_with(status, error_type=error_type)

    with pytest.raises(PaymentProviderError):
        top_up_refund(top_up=top_up, staff=staff)

    top_up.refresh_from_db()
    assert top_up.status == TopUp.Status.PAID
    assert ledger_of(buyer) == (550, 0, -550)
    assert not Refund.objects.exists()


# -- the admin ----------------------------------------------------------------------------


def messages_of(response) -> list[tuple[str, str]]:
    return [(message.level_tag, message.message) for message in get_messages(response.wsgi_request)]


def test_staff_refund_selected_top_ups_from_the_admin(admin_client, buyer, ledger_is_sound):
    paid = top_up_paid(buyer)
    pending = top_up_create(user=buyer, package=CoinPackageFactory(coins=100), base_url="http://x/")

    response = admin_client.post(
        TOP_UPS_ADMIN,
        {
            "action": "refund_selected",
            "_selected_action": [str(paid.pk), str(pending.pk)],
            "apply": "1",
            "reason": "Charged twice",
        },
        follow=True,
    )

    assert response.status_code == 200
    when = f"{paid.created_at:%Y-%m-%d %H:%M}"
    assert messages_of(response) == [
        ("success", f"Refunded buyer (550 coins, {when}): 550 coin(s) taken back."),
        (
            "error",
            f"Not refunded: buyer (100 coins, {pending.created_at:%Y-%m-%d %H:%M}): Only a "
            "paid top-up that was not refunded yet can be refunded.",
        ),
    ]
    assert (Refund.objects.get().top_up, Refund.objects.get().reason) == (paid, "Charged twice")
    assert ledger_of(buyer) == (0, 0, 0)
    ledger_is_sound()


def test_the_admin_asks_why_before_refunding(admin_client, buyer):
    paid = top_up_paid(buyer)

    response = admin_client.post(
        TOP_UPS_ADMIN, {"action": "refund_selected", "_selected_action": [str(paid.pk)]}
    )

    page = response.content.decode()
    assert response.status_code == 200
    assert "Refund these top-ups?" in page
    assert 'name="reason"' in page
    assert not Refund.objects.exists()
    assert TopUp.objects.get().status == TopUp.Status.PAID


def test_the_admin_names_the_debt_a_refund_left(admin_client, buyer, creator):
    paid = top_up_paid(buyer)
    tip_send(sender=buyer, recipient=creator, amount=500)

    response = admin_client.post(
        TOP_UPS_ADMIN,
        {"action": "refund_selected", "_selected_action": [str(paid.pk)], "apply": "1"},
        follow=True,
    )

    [(level, text)] = messages_of(response)
    assert level == "success"
    assert text.endswith("50 coin(s) taken back; 500 coin(s) recorded as debt.")


def test_the_payments_admin_pages_open_and_records_stay_read_only(admin_client, buyer, staff):
    top_up = top_up_paid(buyer)
    top_up_refund(top_up=top_up, staff=staff)
    refund = Refund.objects.get()

    for url in (
        "/admin/payments/coinpackage/",
        "/admin/payments/coinpackage/add/",
        TOP_UPS_ADMIN,
        f"{TOP_UPS_ADMIN}{top_up.pk}/change/",
        "/admin/payments/webhookevent/",
        "/admin/payments/refund/",
        f"/admin/payments/refund/{refund.pk}/change/",
    ):
        assert admin_client.get(url).status_code == 200, url
    assert admin_client.get(f"{TOP_UPS_ADMIN}add/").status_code == 403
    assert admin_client.get("/admin/payments/refund/add/").status_code == 403
    assert admin_client.get(f"/admin/payments/refund/{refund.pk}/delete/").status_code == 403


def test_people_who_are_not_staff_cannot_reach_the_refund_action(buyer):
    paid = top_up_paid(buyer)
    client = Client()
    client.force_login(buyer)

    response = client.post(
        TOP_UPS_ADMIN, {"action": "refund_selected", "_selected_action": [str(paid.pk)]}
    )

    assert response.status_code == 302  # to the admin's sign-in page
    assert not Refund.objects.exists()
    assert balance(buyer) == 550
