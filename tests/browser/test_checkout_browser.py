"""Buying coins in a real browser: the API opens a sandbox checkout, a person presses
Pay (or Decline) on its page, and the signed webhook it sends through the real webhook
path credits the wallet exactly once (or nothing)."""

import pytest

from accounts.services.sessions import ClientInfo, session_start
from payments.models import TopUp
from tests.accounts.factories import UserFactory
from tests.browser.helpers import api_json
from tests.payments.factories import CoinPackageFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def buyer_checkout(live_server, settings):
    """A buyer's access token and a fresh sandbox checkout of a 550-coin package."""
    settings.PAYMENTS_PROVIDER = "sandbox"
    buyer = UserFactory(username="buyer")
    _, tokens = session_start(user=buyer, client=ClientInfo(ip_address="203.0.113.9"))
    package = CoinPackageFactory(name="Popular", coins=550, price=499, currency="USD")
    status, body = api_json(
        "POST",
        f"{live_server.url}/api/v1/wallet/top-ups/",
        access_token=tokens.access_token,
        body={"package": str(package.pk)},
    )
    assert (status, body["status"], body["coins"]) == (201, "pending", 550)
    assert body["checkout_url"].startswith(f"{live_server.url}/api/v1/payments/sandbox/")
    return tokens.access_token, body


def wallet(live_server, token: str) -> dict:
    status, body = api_json("GET", f"{live_server.url}/api/v1/wallet/", access_token=token)
    assert status == 200
    return body


def test_paying_on_the_sandbox_page_credits_the_wallet_once(page, live_server, buyer_checkout):
    token, checkout = buyer_checkout
    assert wallet(live_server, token)["pending"] == 550

    page.goto(checkout["checkout_url"])
    assert page.locator("h1").inner_text() == "Sandbox checkout"
    assert page.locator("dd").all_inner_texts()[:2] == ["Popular", "550"]
    page.click("button[value=paid]")

    page.locator("p.state").wait_for()
    assert page.locator("p.state").inner_text() == "This checkout is paid."
    after = wallet(live_server, token)
    assert (after["balance"], after["pending"], after["debt"]) == (550, 0, 0)
    # Back and Pay again: the page is closed and nothing more is credited.
    page.go_back()
    page.reload()
    assert page.locator("button[value=paid]").count() == 0
    assert wallet(live_server, token)["balance"] == 550
    assert TopUp.objects.get().status == TopUp.Status.PAID


def test_declining_on_the_sandbox_page_credits_nothing(page, live_server, buyer_checkout):
    token, checkout = buyer_checkout

    page.goto(checkout["checkout_url"])
    page.click("button[value=declined]")

    page.locator("p.state").wait_for()
    assert page.locator("p.state").inner_text() == "This payment was declined."
    assert (wallet(live_server, token)["balance"], TopUp.objects.get().status) == (0, "failed")
