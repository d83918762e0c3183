"""The sandbox checkout: a local page whose Pay and Decline buttons send a signed,
Stripe-format event through the real webhook service."""

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from payments.models import LedgerAccount, LedgerTransaction, TopUp, WebhookEvent
from payments.money import money_format
from payments.services.top_ups import top_up_create
from tests.accounts.factories import UserFactory
from tests.payments.factories import CoinPackageFactory, balance, system_balance

pytestmark = pytest.mark.django_db

Role = LedgerAccount.Role
TOP_UPS = "/api/v1/wallet/top-ups/"


@pytest.fixture
def buyer(db):
    return UserFactory()


@pytest.fixture
def top_up(buyer) -> TopUp:
    package = CoinPackageFactory(name="Popular pack", coins=550, price=499, currency="USD")
    return top_up_create(user=buyer, package=package, base_url="http://testserver/")


def page(top_up: TopUp) -> str:
    return f"/api/v1/payments/sandbox/checkout/{top_up.checkout_id}/"


def refreshed(top_up: TopUp) -> TopUp:
    top_up.refresh_from_db()
    return top_up


def test_the_page_shows_the_purchase_with_pay_and_decline_buttons(top_up):
    response = Client().get(page(top_up))

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    html = response.content.decode()
    assert "Popular pack" in html
    assert ">550<" in html
    assert "4.99 USD" in html
    assert re.search(r'<form method="post">', html)
    assert '<button type="submit" name="outcome" value="paid">Pay</button>' in html
    assert '<button type="submit" name="outcome" value="declined">Decline</button>' in html
    assert 'name="csrfmiddlewaretoken"' in html


def test_paying_credits_the_wallet_through_the_webhook(top_up, buyer, ledger_is_sound):
    response = Client().post(page(top_up), {"outcome": "paid"})

    assert response.status_code == 200
    assert "550 coins were added" in response.content.decode()
    assert "Pay</button>" not in response.content.decode()
    top_up = refreshed(top_up)
    assert top_up.status == TopUp.Status.PAID
    assert top_up.payment_id.startswith("pi_sandbox_")
    assert balance(buyer) == 550
    assert system_balance(Role.EXTERNAL) == -550
    event = WebhookEvent.objects.get()
    assert (event.provider, event.type, event.outcome) == (
        "sandbox",
        "checkout.session.completed",
        "applied",
    )
    session = event.payload["data"]["object"]
    assert session["amount_total"] == 499
    assert session["currency"] == "usd"
    assert session["client_reference_id"] == str(top_up.pk)
    assert session["payment_status"] == "paid"
    ledger_is_sound()


def test_declining_fails_the_top_up_and_credits_nothing(top_up, buyer):
    response = Client().post(page(top_up), {"outcome": "declined"})

    assert response.status_code == 200
    assert "declined" in response.content.decode()
    assert refreshed(top_up).status == TopUp.Status.FAILED
    assert balance(buyer) == 0
    assert not LedgerTransaction.objects.exists()
    assert WebhookEvent.objects.get().type == "checkout.session.async_payment_failed"


@pytest.mark.parametrize("first", ["paid", "declined"])
@pytest.mark.parametrize("second", ["paid", "declined"])
def test_a_closed_checkout_refuses_another_answer(top_up, buyer, first, second):
    Client().post(page(top_up), {"outcome": first})

    response = Client().post(page(top_up), {"outcome": second})

    assert response.status_code == 409
    assert "checkout_closed" in response.content.decode()
    assert balance(buyer) == (550 if first == "paid" else 0)
    assert WebhookEvent.objects.count() == 1


def test_a_closed_checkout_shows_its_state_without_buttons(top_up):
    Client().post(page(top_up), {"outcome": "paid"})

    html = Client().get(page(top_up)).content.decode()

    assert "This checkout is paid." in html
    assert "Pay</button>" not in html


def test_a_checkout_past_its_time_is_expired_even_before_housekeeping(top_up, buyer):
    TopUp.objects.filter(pk=top_up.pk).update(expires_at=timezone.now() - timedelta(seconds=1))

    shown = Client().get(page(top_up))
    paid = Client().post(page(top_up), {"outcome": "paid"})

    assert "This checkout has expired." in shown.content.decode()
    assert paid.status_code == 409
    assert balance(buyer) == 0


@pytest.mark.parametrize("body", [{}, {"outcome": "maybe"}])
def test_an_outcome_other_than_paid_or_declined_is_refused(top_up, body):
    response = Client().post(page(top_up), body)

    assert response.status_code == 400
    assert refreshed(top_up).status == TopUp.Status.PENDING


def test_an_unknown_checkout_is_not_found():
    assert Client().get("/api/v1/payments/sandbox/checkout/cs_sandbox_nope/").status_code == 404
    response = Client().post("/api/v1/payments/sandbox/checkout/cs_sandbox_nope/", {})
    assert response.status_code == 404


def test_the_sandbox_is_gone_when_stripe_is_the_provider(top_up, buyer, settings):
    settings.PAYMENTS_PROVIDER = "stripe"

    assert Client().get(page(top_up)).status_code == 404
    assert Client().post(page(top_up), {"outcome": "paid"}).status_code == 404
    assert balance(buyer) == 0


def test_the_form_needs_its_csrf_token(top_up, buyer):
    client = Client(enforce_csrf_checks=True)
    html = client.get(page(top_up)).content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)

    refused = client.post(page(top_up), {"outcome": "paid"})
    accepted = client.post(page(top_up), {"outcome": "paid", "csrfmiddlewaretoken": token})

    assert refused.status_code == 403
    assert accepted.status_code == 200
    assert balance(buyer) == 550


def test_the_whole_journey_through_the_api(make_auth_client, buyer, ledger_is_sound):
    package = CoinPackageFactory(coins=1200, price=999)
    client = make_auth_client(buyer)

    created = client.post(TOP_UPS, {"package": str(package.pk)}).json()
    browser = Client()
    checkout = created["checkout_url"].removeprefix("http://testserver")
    assert browser.get(checkout).status_code == 200
    assert browser.post(checkout, {"outcome": "paid"}).status_code == 200

    assert client.get(f"{TOP_UPS}{created['id']}/").json()["status"] == "paid"
    assert balance(buyer) == 1200
    ledger_is_sound()


@pytest.mark.parametrize(
    ("amount", "currency", "shown"),
    [
        (499, "USD", "4.99 USD"),
        (5, "usd", "0.05 USD"),
        (100000, "EUR", "1000.00 EUR"),
        (500, "JPY", "500 JPY"),
        (1234, "KWD", "1.234 KWD"),
    ],
)
def test_prices_are_shown_from_minor_units(amount, currency, shown):
    assert money_format(amount, currency) == shown
