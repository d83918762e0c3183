"""Provider webhooks: only events signed with the endpoint's secret, within the
tolerance, count; each is applied once; coins are credited exactly once, whatever the
order of events or how often they are replayed."""

import json
import threading
import time

import pytest
from django.db import connection
from django.test import Client

from payments.models import LedgerAccount, LedgerTransaction, TopUp, WebhookEvent
from payments.services.top_ups import top_up_create, top_ups_expire_stale
from tests.accounts.factories import UserFactory
from tests.conftest import error_codes
from tests.payments.factories import CoinPackageFactory, balance, system_balance
from tests.payments.fake_stripe import WEBHOOK_SECRET, FakeStripe, checkout_event, signed

pytestmark = pytest.mark.django_db

Role = LedgerAccount.Role
STRIPE_WEBHOOK = "/api/v1/payments/webhooks/stripe/"
SANDBOX_WEBHOOK = "/api/v1/payments/webhooks/sandbox/"
COMPLETED = "checkout.session.completed"


@pytest.fixture
def stripe_api(settings):
    with FakeStripe.running() as fake:
        yield fake.use_in(settings)


@pytest.fixture
def buyer(db):
    return UserFactory(username="buyer")


@pytest.fixture
def top_up(stripe_api, buyer) -> TopUp:
    """A pending Stripe top-up of 550 coins for 4.99 USD."""
    package = CoinPackageFactory(coins=550, price=499, currency="USD")
    return top_up_create(user=buyer, package=package, base_url="http://testserver/")


def deliver(
    event,
    *,
    secret: str = WEBHOOK_SECRET,
    timestamp: int | None = None,
    url: str = STRIPE_WEBHOOK,
    header: str | None = "signed",
):
    """POST `event` (a dict, or raw bytes) as the provider would, signed with `secret`."""
    payload, signature = signed(event, secret=secret, timestamp=timestamp)
    extra = {} if header is None else {"HTTP_STRIPE_SIGNATURE": signature}
    if header not in (None, "signed"):
        extra["HTTP_STRIPE_SIGNATURE"] = header
    return Client().post(url, payload, content_type="application/json", **extra)


def credited(user) -> tuple[int, int, int]:
    """The user's wallet, the user's debt and the external account."""
    return balance(user), balance(user, Role.DEBT), system_balance(Role.EXTERNAL)


def refreshed(top_up: TopUp) -> TopUp:
    top_up.refresh_from_db()
    return top_up


# -- a valid event ---------------------------------------------------------------------


def test_a_signed_paid_event_credits_the_coins_once(top_up, buyer, ledger_is_sound):
    event = checkout_event(top_up, payment_intent="pi_123")

    response = deliver(event)

    assert response.status_code == 200
    assert response.json() == {
        "received": True,
        "event_id": event["id"],
        "duplicate": False,
        "outcome": "applied",
    }
    assert credited(buyer) == (550, 0, -550)
    top_up = refreshed(top_up)
    assert top_up.status == TopUp.Status.PAID
    assert top_up.payment_id == "pi_123"
    assert top_up.paid_at is not None
    assert top_up.last_event_at.timestamp() == event["created"]
    transaction = LedgerTransaction.objects.get(kind=LedgerTransaction.Kind.TOP_UP)
    assert transaction.idempotency_key == f"top-up:{top_up.pk}"
    assert transaction.initiator is None
    assert transaction.reference == top_up
    record = WebhookEvent.objects.get()
    assert (record.provider, record.event_id, record.type, record.outcome) == (
        "stripe",
        event["id"],
        COMPLETED,
        "applied",
    )
    assert record.payload == event
    ledger_is_sound()


@pytest.fixture
def clock(monkeypatch) -> int:
    """The verifier's clock stopped at a whole second, so a timestamp's distance from
    "now" is exact however long the request takes (a loaded machine once turned +301
    into 300.9 s)."""
    now = int(time.time())
    monkeypatch.setattr("payments.providers.signatures.time.time", lambda: float(now))
    return now


@pytest.mark.parametrize("offset", [-300, -290, 0, 300])
def test_a_signature_within_the_tolerance_is_accepted(top_up, buyer, clock, offset):
    response = deliver(checkout_event(top_up), timestamp=clock + offset)

    assert response.status_code == 200
    assert credited(buyer) == (550, 0, -550)


def test_a_header_with_several_signatures_is_accepted_when_one_matches(top_up, buyer):
    """Stripe sends one `v1` per active secret while a secret is being rolled."""
    payload, header = signed(checkout_event(top_up), secret=WEBHOOK_SECRET)
    timestamp, signature = header.split(",")
    header = f"{timestamp},v1={'0' * 64},{signature},v0=legacy"

    response = Client().post(
        STRIPE_WEBHOOK, payload, content_type="application/json", HTTP_STRIPE_SIGNATURE=header
    )

    assert response.status_code == 200
    assert credited(buyer) == (550, 0, -550)


# -- forged, stale, malformed ------------------------------------------------------------


@pytest.mark.parametrize(
    "header",
    [
        None,  # no header at all
        "",
        "t=1700000000",  # no signature
        "v1=abc",  # no timestamp
        "t=not-a-time,v1=abc",
        "nonsense",
    ],
)
def test_a_missing_or_malformed_signature_is_refused(top_up, buyer, header):
    response = deliver(checkout_event(top_up), header=header)

    assert response.status_code == 400
    assert error_codes(response) == ["invalid_signature"]
    assert credited(buyer) == (0, 0, 0)
    assert not WebhookEvent.objects.exists()
    assert refreshed(top_up).status == TopUp.Status.PENDING


def test_an_event_signed_with_another_secret_is_refused(top_up, buyer, settings):
    response = deliver(checkout_event(top_up), secret="whsec_someone_else")

    assert response.status_code == 400
    assert error_codes(response) == ["invalid_signature"]
    assert credited(buyer) == (0, 0, 0)
    assert not WebhookEvent.objects.exists()


def test_a_body_changed_after_signing_is_refused(top_up, buyer):
    payload, header = signed(checkout_event(top_up, amount_total=1), secret=WEBHOOK_SECRET)
    tampered = payload.replace(b'"amount_total": 1,', b'"amount_total": 499,')
    assert tampered != payload

    response = Client().post(
        STRIPE_WEBHOOK, tampered, content_type="application/json", HTTP_STRIPE_SIGNATURE=header
    )

    assert response.status_code == 400
    assert error_codes(response) == ["invalid_signature"]
    assert credited(buyer) == (0, 0, 0)


def test_the_sandbox_secret_does_not_sign_stripe_events(top_up, buyer, settings):
    response = deliver(checkout_event(top_up), secret=settings.SANDBOX_WEBHOOK_SECRET)

    assert response.status_code == 400
    assert error_codes(response) == ["invalid_signature"]


def test_without_a_configured_secret_every_event_is_refused(top_up, buyer, settings):
    settings.STRIPE_WEBHOOK_SECRET = ""

    response = deliver(checkout_event(top_up), secret="")

    assert response.status_code == 400
    assert error_codes(response) == ["invalid_signature"]


@pytest.mark.parametrize("offset", [-301, -3600, 301, 3600])
def test_a_signature_outside_the_tolerance_is_expired(top_up, buyer, clock, offset):
    event = checkout_event(top_up)

    response = deliver(event, timestamp=clock + offset)

    assert response.status_code == 400
    assert error_codes(response) == ["signature_expired"]
    assert credited(buyer) == (0, 0, 0)
    assert not WebhookEvent.objects.exists()


def test_a_stale_forgery_is_invalid_not_expired(top_up):
    """Only an authentic event learns that it is stale."""
    response = deliver(
        checkout_event(top_up), secret="whsec_wrong", timestamp=int(time.time()) - 3600
    )

    assert error_codes(response) == ["invalid_signature"]


@pytest.mark.parametrize(
    "body",
    [
        b"not json",
        b"",
        b"[1, 2]",
        b'"an event"',
        json.dumps({"type": COMPLETED, "created": 1, "data": {"object": {}}}).encode(),
        json.dumps({"id": "evt_1", "created": 1, "data": {"object": {}}}).encode(),
        json.dumps({"id": "evt_1", "type": COMPLETED, "data": {"object": {}}}).encode(),
        json.dumps({"id": "evt_1", "type": COMPLETED, "created": "1", "data": {}}).encode(),
        json.dumps({"id": "evt_1", "type": COMPLETED, "created": 1}).encode(),
        json.dumps({"id": "evt_1", "type": COMPLETED, "created": 1, "data": []}).encode(),
        json.dumps({"id": 5, "type": COMPLETED, "created": 1, "data": {"object": {}}}).encode(),
        json.dumps({"id": "", "type": COMPLETED, "created": 1, "data": {"object": {}}}).encode(),
        json.dumps(
            {"id": "evt_1", "type": COMPLETED, "created": 10**20, "data": {"object": {}}}
        ).encode(),
        b"[" * 100_000,
        json.dumps(
            {"id": "evt_\0", "type": COMPLETED, "created": 1, "data": {"object": {}}}
        ).encode(),
    ],
)
def test_a_signed_body_that_is_not_an_event_is_malformed(top_up, buyer, body):
    response = deliver(body)

    assert response.status_code == 400
    assert error_codes(response) == ["malformed_payload"]
    assert not WebhookEvent.objects.exists()
    assert credited(buyer) == (0, 0, 0)


def test_a_body_that_is_not_utf8_cannot_be_signed(top_up):
    payload = b"\xff\xfe{}"
    header = f"t={int(time.time())},v1={'0' * 64}"

    response = Client().post(
        STRIPE_WEBHOOK, payload, content_type="application/json", HTTP_STRIPE_SIGNATURE=header
    )

    assert response.status_code == 400
    assert error_codes(response) == ["invalid_signature"]


def test_a_body_over_the_upload_limit_is_refused_as_too_large(top_up, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    event = checkout_event(top_up)
    event["padding"] = "x" * 2000

    response = deliver(event)

    # Refused before anything reads it, as every API body over the limit is.
    assert response.status_code == 413
    assert error_codes(response) == ["request_too_large"]


def test_a_body_over_the_limit_is_too_large_whatever_its_content_type(top_up, settings):
    # A multipart body passes the middleware (Django limits a form's fields, not its
    # files): the raw body the webhook reads was answered 400 `malformed_payload`.
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    payload, signature = signed(
        {**checkout_event(top_up), "padding": "x" * 2000}, secret=WEBHOOK_SECRET
    )

    response = Client().post(
        STRIPE_WEBHOOK,
        payload,
        content_type="multipart/form-data; boundary=x",
        HTTP_STRIPE_SIGNATURE=signature,
    )

    assert response.status_code == 413
    assert response.json() == {
        "type": "client_error",
        "errors": [
            {"code": "request_too_large", "detail": "The request body is too large.", "attr": None}
        ],
    }
    assert refreshed(top_up).status == TopUp.Status.PENDING


def test_the_webhook_only_accepts_post():
    assert Client().get(STRIPE_WEBHOOK).status_code == 405


# -- replays and order ---------------------------------------------------------------------


def test_a_replayed_event_is_acknowledged_and_changes_nothing(top_up, buyer, ledger_is_sound):
    event = checkout_event(top_up)

    first = deliver(event)
    again = deliver(event)  # signed anew, as Stripe's retries are

    assert (first.status_code, again.status_code) == (200, 200)
    assert again.json() == {
        "received": True,
        "event_id": event["id"],
        "duplicate": True,
        "outcome": "applied",
    }
    assert credited(buyer) == (550, 0, -550)
    assert WebhookEvent.objects.count() == 1
    assert LedgerTransaction.objects.filter(kind=LedgerTransaction.Kind.TOP_UP).count() == 1
    ledger_is_sound()


def test_two_events_saying_paid_credit_once(top_up, buyer, ledger_is_sound):
    completed = checkout_event(top_up)
    succeeded = checkout_event(top_up, type="checkout.session.async_payment_succeeded")

    deliver(completed)
    response = deliver(succeeded)

    assert response.json()["outcome"] == "ignored: the top-up is paid"
    assert credited(buyer) == (550, 0, -550)
    ledger_is_sound()


def test_an_expiry_after_the_payment_changes_nothing(top_up, buyer):
    now = int(time.time())
    deliver(checkout_event(top_up, created=now - 10))

    response = deliver(checkout_event(top_up, type="checkout.session.expired", created=now))

    assert response.status_code == 200
    assert response.json()["outcome"] == "ignored: the top-up is paid"
    assert refreshed(top_up).status == TopUp.Status.PAID
    assert credited(buyer) == (550, 0, -550)


def test_an_event_older_than_the_last_one_applied_changes_nothing(top_up, buyer):
    now = int(time.time())
    deliver(checkout_event(top_up, type="checkout.session.expired", created=now))

    late = deliver(checkout_event(top_up, created=now - 60))

    assert late.status_code == 200
    assert late.json()["outcome"] == "ignored: older than the last event applied"
    assert refreshed(top_up).status == TopUp.Status.EXPIRED
    assert credited(buyer) == (0, 0, 0)


def test_an_older_expiry_after_the_payment_changes_nothing(top_up, buyer):
    now = int(time.time())
    deliver(checkout_event(top_up, created=now))

    late = deliver(checkout_event(top_up, type="checkout.session.expired", created=now - 60))

    assert late.json()["outcome"] == "ignored: older than the last event applied"
    assert refreshed(top_up).status == TopUp.Status.PAID


def test_a_payment_confirmed_after_housekeeping_expired_the_checkout_is_credited(
    top_up, buyer, ledger_is_sound
):
    TopUp.objects.filter(pk=top_up.pk).update(expires_at=top_up.created_at)
    assert top_ups_expire_stale() == 1

    response = deliver(checkout_event(top_up))

    assert response.json()["outcome"] == "applied"
    assert refreshed(top_up).status == TopUp.Status.PAID
    assert credited(buyer) == (550, 0, -550)
    ledger_is_sound()


def test_a_declined_payment_fails_the_top_up_for_good(top_up, buyer):
    now = int(time.time())
    failed = deliver(
        checkout_event(
            top_up,
            type="checkout.session.async_payment_failed",
            payment_status="unpaid",
            created=now,
        )
    )
    later_paid = deliver(checkout_event(top_up, created=now + 5))

    assert failed.json()["outcome"] == "applied"
    assert later_paid.json()["outcome"] == "ignored: the top-up is failed"
    top_up = refreshed(top_up)
    assert top_up.status == TopUp.Status.FAILED
    assert top_up.failed_at is not None
    assert credited(buyer) == (0, 0, 0)


def test_a_completed_checkout_not_yet_paid_waits_for_the_async_payment(top_up, buyer):
    unpaid = deliver(checkout_event(top_up, payment_status="unpaid"))
    assert unpaid.json()["outcome"] == "ignored: not paid yet"
    assert refreshed(top_up).status == TopUp.Status.PENDING

    paid = deliver(checkout_event(top_up, type="checkout.session.async_payment_succeeded"))

    assert paid.json()["outcome"] == "applied"
    assert credited(buyer) == (550, 0, -550)


def test_the_provider_expiring_the_checkout_expires_the_top_up(top_up, buyer):
    response = deliver(checkout_event(top_up, type="checkout.session.expired"))

    assert response.json()["outcome"] == "applied"
    assert refreshed(top_up).status == TopUp.Status.EXPIRED
    assert credited(buyer) == (0, 0, 0)


# -- events that change nothing -------------------------------------------------------------


def test_an_unknown_event_type_is_acknowledged_and_recorded(top_up, buyer):
    event = checkout_event(top_up, type="customer.created")

    response = deliver(event)

    assert response.status_code == 200
    assert response.json()["outcome"] == "ignored: event type not handled"
    assert WebhookEvent.objects.get().outcome == "ignored: event type not handled"
    assert credited(buyer) == (0, 0, 0)


@pytest.mark.parametrize(
    "change",
    [{"amount_total": 498}, {"amount_total": 4990}, {"amount_total": "499"}, {"currency": "eur"}],
)
def test_an_amount_or_currency_that_does_not_match_is_never_credited(top_up, buyer, change, caplog):
    response = deliver(checkout_event(top_up, **change))

    assert response.status_code == 200
    assert response.json()["outcome"] == "ignored: amount or currency does not match the top-up"
    assert refreshed(top_up).status == TopUp.Status.PENDING
    assert credited(buyer) == (0, 0, 0)
    assert "not credited" in caplog.text


def test_an_event_for_an_unknown_checkout_is_acknowledged(top_up, buyer):
    response = deliver(checkout_event(top_up, checkout_id="cs_test_unknown"))

    assert response.status_code == 200
    assert response.json()["outcome"] == "ignored: unknown checkout"
    assert credited(buyer) == (0, 0, 0)


def test_a_checkout_of_the_other_provider_is_unknown_here(buyer, settings):
    """Checkout ids are looked up per provider: a Stripe event cannot pay a sandbox
    top-up."""
    package = CoinPackageFactory(coins=550, price=499)
    sandbox_top_up = top_up_create(user=buyer, package=package, base_url="http://testserver/")
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET

    response = deliver(checkout_event(sandbox_top_up))

    assert response.json()["outcome"] == "ignored: unknown checkout"
    assert refreshed(sandbox_top_up).status == TopUp.Status.PENDING


# -- the sandbox's endpoint --------------------------------------------------------------------


def test_the_sandbox_endpoint_verifies_with_the_sandbox_secret(buyer, settings):
    package = CoinPackageFactory(coins=100, price=99)
    top_up = top_up_create(user=buyer, package=package, base_url="http://testserver/")

    forged = deliver(checkout_event(top_up), url=SANDBOX_WEBHOOK, secret=WEBHOOK_SECRET)
    genuine = deliver(
        checkout_event(top_up), url=SANDBOX_WEBHOOK, secret=settings.SANDBOX_WEBHOOK_SECRET
    )

    assert error_codes(forged) == ["invalid_signature"]
    assert genuine.json()["outcome"] == "applied"
    assert credited(buyer) == (100, 0, -100)


def test_the_sandbox_endpoint_is_gone_when_stripe_is_the_provider(top_up, settings):
    response = deliver(
        checkout_event(top_up), url=SANDBOX_WEBHOOK, secret=settings.SANDBOX_WEBHOOK_SECRET
    )

    assert response.status_code == 404


# -- concurrency ----------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_the_same_event_delivered_twice_at_once_credits_once(stripe_api, ledger_is_sound):
    buyer = UserFactory()
    package = CoinPackageFactory(coins=550, price=499)
    top_up = top_up_create(user=buyer, package=package, base_url="http://testserver/")
    payload, header = signed(checkout_event(top_up), secret=WEBHOOK_SECRET)
    barrier = threading.Barrier(4)
    answers = []

    def send() -> None:
        try:
            barrier.wait()
            response = Client().post(
                STRIPE_WEBHOOK,
                payload,
                content_type="application/json",
                HTTP_STRIPE_SIGNATURE=header,
            )
            answers.append((response.status_code, response.json()["duplicate"]))
        finally:
            connection.close()

    threads = [threading.Thread(target=send) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(answers) == [(200, False), (200, True), (200, True), (200, True)]
    assert credited(buyer) == (550, 0, -550)
    assert WebhookEvent.objects.count() == 1
    ledger_is_sound()
