"""Coin packages and top-ups: buying a package opens a provider checkout; the caller
sees only their own top-ups. The Stripe provider is driven over HTTP against a fake
Stripe on 127.0.0.1."""

from datetime import timedelta

import pytest
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from payments.models import CoinPackage, LedgerAccount, TopUp
from payments.services.top_ups import top_up_create, top_ups_expire_stale
from tests.accounts.factories import AdminFactory, UserFactory
from tests.conftest import error_codes
from tests.payments.factories import CoinPackageFactory, balance, system_balance
from tests.payments.fake_stripe import WEBHOOK_SECRET, FakeStripe, checkout_event, signed

pytestmark = pytest.mark.django_db

Role = LedgerAccount.Role
PACKAGES = "/api/v1/wallet/packages/"
TOP_UPS = "/api/v1/wallet/top-ups/"
STRIPE_WEBHOOK = "/api/v1/payments/webhooks/stripe/"


@pytest.fixture
def stripe_api(settings):
    with FakeStripe.running() as fake:
        yield fake.use_in(settings)


@pytest.fixture
def package(db):
    return CoinPackageFactory(name="Popular pack", coins=550, price=499, currency="USD")


def without_raising(client):
    """The test client re-raises what the 5xx signal reports; a real client gets the
    502 response."""
    client.raise_request_exception = False
    return client


# -- packages ------------------------------------------------------------------------


def test_anyone_reads_the_active_packages_in_the_staff_order(api_client):
    first = CoinPackageFactory(name="First", coins=10, price=15, position=0)
    CoinPackageFactory(name="Hidden", active=False, position=0)
    # The migration seeds four packages; move them after ours.
    seeded = list(CoinPackage.objects.exclude(name__in=["First", "Hidden"]))
    for position, seed in enumerate(seeded, start=1):
        seed.position = position
        seed.save(update_fields=["position"])

    response = api_client.get(PACKAGES)

    assert response.status_code == 200
    body = response.json()
    assert body[0] == {
        "id": str(first.pk),
        "name": "First",
        "coins": 10,
        "price": 15,
        "currency": "USD",
    }
    assert [package["name"] for package in body[1:]] == [seed.name for seed in seeded]
    assert "Hidden" not in [package["name"] for package in body]


@pytest.mark.parametrize("extra", [0, 30])
def test_the_package_list_is_one_query_however_long(api_client, django_assert_num_queries, extra):
    for n in range(extra):
        CoinPackageFactory(name=f"Extra {n}")

    with django_assert_num_queries(1):
        response = api_client.get(PACKAGES)

    assert len(response.json()) == CoinPackage.objects.filter(active=True).count()


# -- creating --------------------------------------------------------------------------


def test_buying_a_package_opens_a_pending_sandbox_checkout(make_auth_client, package):
    user = UserFactory()
    before = timezone.now()

    response = make_auth_client(user).post(TOP_UPS, {"package": str(package.pk)})

    assert response.status_code == 201
    body = response.json()
    top_up = TopUp.objects.get()
    assert body == {
        "id": str(top_up.pk),
        "package": str(package.pk),
        "status": "pending",
        "coins": 550,
        "price": 499,
        "currency": "USD",
        "checkout_url": (
            f"http://testserver/api/v1/payments/sandbox/checkout/{top_up.checkout_id}/"
        ),
        "expires_at": body["expires_at"],
        "paid_at": None,
        "created_at": body["created_at"],
    }
    assert top_up.user == user
    assert top_up.provider == "sandbox"
    assert top_up.checkout_id.startswith("cs_sandbox_")
    expires_at = parse_datetime(body["expires_at"])
    assert before + timedelta(hours=24) <= expires_at <= timezone.now() + timedelta(hours=24)
    assert balance(user) == 0  # nothing is credited before the payment


def test_the_top_up_keeps_the_package_terms_it_was_bought_at(make_auth_client, package):
    client = make_auth_client(UserFactory())
    top_up_id = client.post(TOP_UPS, {"package": str(package.pk)}).json()["id"]
    package.coins, package.price = 999, 1999
    package.save(update_fields=["coins", "price"])

    body = client.get(f"{TOP_UPS}{top_up_id}/").json()

    assert (body["coins"], body["price"]) == (550, 499)


def test_an_inactive_package_is_unavailable(make_auth_client, package):
    package.active = False
    package.save(update_fields=["active"])

    response = make_auth_client(UserFactory()).post(TOP_UPS, {"package": str(package.pk)})

    assert response.status_code == 400
    assert error_codes(response) == ["package_unavailable"]
    assert not TopUp.objects.exists()


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({}, "required"),
        ({"package": None}, "null"),
        ({"package": "00000000-0000-0000-0000-000000000000"}, "does_not_exist"),
        ({"package": "not-an-id"}, "invalid"),
        ({"package": 5}, "does_not_exist"),
    ],
)
def test_a_bad_package_is_a_validation_error(make_auth_client, body, code):
    response = make_auth_client(UserFactory()).post(TOP_UPS, body, format="json")

    assert response.status_code == 400
    assert response.json()["errors"][0]["attr"] == "package"
    assert error_codes(response) == [code]
    assert not TopUp.objects.exists()


def test_anonymous_callers_cannot_buy(api_client, package):
    response = api_client.post(TOP_UPS, {"package": str(package.pk)})

    assert response.status_code == 401
    assert not TopUp.objects.exists()


def test_the_same_idempotency_key_opens_one_checkout(make_auth_client, package):
    client = make_auth_client(UserFactory())

    first = client.post(TOP_UPS, {"package": str(package.pk)}, HTTP_IDEMPOTENCY_KEY="buy-1")
    again = client.post(TOP_UPS, {"package": str(package.pk)}, HTTP_IDEMPOTENCY_KEY="buy-1")
    other = CoinPackageFactory()
    reused = client.post(TOP_UPS, {"package": str(other.pk)}, HTTP_IDEMPOTENCY_KEY="buy-1")

    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert reused.status_code == 422
    assert error_codes(reused) == ["idempotency_key_reused"]
    assert TopUp.objects.count() == 1


# -- the caller's top-ups ---------------------------------------------------------------


def test_the_list_shows_only_the_callers_top_ups_newest_first(make_auth_client, package):
    user, other = UserFactory(), UserFactory()
    mine = [top_up_create(user=user, package=package, base_url="http://testserver/") for _ in "ab"]
    top_up_create(user=other, package=package, base_url="http://testserver/")

    response = make_auth_client(user).get(TOP_UPS)

    assert response.status_code == 200
    assert [row["id"] for row in response.json()["results"]] == [
        str(top_up.pk) for top_up in reversed(mine)
    ]


@pytest.mark.parametrize("page_size", [2, 10])
def test_the_list_runs_a_fixed_number_of_queries(
    make_auth_client, package, django_assert_num_queries, page_size
):
    user = UserFactory()
    for _ in range(12):
        top_up_create(user=user, package=package, base_url="http://testserver/")
    client = make_auth_client(user)

    # The session check, then the page.
    with django_assert_num_queries(2):
        response = client.get(TOP_UPS, {"page_size": page_size})

    assert len(response.json()["results"]) == page_size


@pytest.mark.parametrize("who", ["anonymous", "other", "staff", "owner"])
def test_a_top_up_is_seen_by_its_owner_only(api_client, make_auth_client, package, who):
    owner = UserFactory()
    top_up = top_up_create(user=owner, package=package, base_url="http://testserver/")
    client = {
        "anonymous": lambda: api_client,
        "other": lambda: make_auth_client(UserFactory()),
        "staff": lambda: make_auth_client(AdminFactory()),
        "owner": lambda: make_auth_client(owner),
    }[who]()

    response = client.get(f"{TOP_UPS}{top_up.pk}/")

    expected = {"anonymous": 401, "other": 404, "staff": 404, "owner": 200}[who]
    assert response.status_code == expected
    if who == "owner":
        assert response.json()["id"] == str(top_up.pk)


def test_an_id_that_is_not_a_uuid_is_not_found(make_auth_client):
    response = make_auth_client(UserFactory()).get(f"{TOP_UPS}nope/")

    assert response.status_code == 404


# -- expiry ----------------------------------------------------------------------------


def test_housekeeping_expires_pending_checkouts_past_their_time(package):
    user = UserFactory()
    stale, fresh, paid = (
        top_up_create(user=user, package=package, base_url="http://testserver/") for _ in "abc"
    )
    TopUp.objects.filter(pk__in=[stale.pk, paid.pk]).update(
        expires_at=timezone.now() - timedelta(minutes=1)
    )
    TopUp.objects.filter(pk=paid.pk).update(status=TopUp.Status.PAID)

    assert top_ups_expire_stale() == 1

    statuses = dict(TopUp.objects.values_list("pk", "status"))
    assert statuses == {
        stale.pk: TopUp.Status.EXPIRED,
        fresh.pk: TopUp.Status.PENDING,
        paid.pk: TopUp.Status.PAID,
    }
    assert top_ups_expire_stale() == 0


# -- the Stripe provider, against a fake Stripe ------------------------------------------


def test_stripe_checkout_sends_the_package_terms_with_an_idempotency_key(
    make_auth_client, package, stripe_api, settings
):
    settings.FRONTEND_URL = "https://app.example.com"
    user = UserFactory()

    response = make_auth_client(user).post(TOP_UPS, {"package": str(package.pk)})

    assert response.status_code == 201
    top_up = TopUp.objects.get()
    assert top_up.provider == "stripe"
    assert top_up.checkout_id == "cs_test_fake1"
    assert response.json()["checkout_url"] == "https://checkout.stripe.test/c/pay/cs_test_fake1"
    [request] = stripe_api.requests
    assert request.path == "/v1/checkout/sessions"
    assert request.headers["idempotency-key"] == f"top-up:{top_up.pk}"
    assert request.headers["authorization"] == "Bearer sk_test_fake"
    assert request.params == {
        "mode": "payment",
        "line_items[0][price_data][currency]": "usd",
        "line_items[0][price_data][unit_amount]": "499",
        "line_items[0][price_data][product_data][name]": "550 coins (Popular pack)",
        "line_items[0][quantity]": "1",
        "client_reference_id": str(top_up.pk),
        "metadata[top_up_id]": str(top_up.pk),
        "success_url": f"https://app.example.com/wallet/top-ups/{top_up.pk}/?checkout=success",
        "cancel_url": f"https://app.example.com/wallet/top-ups/{top_up.pk}/?checkout=canceled",
        "expires_at": str(int(top_up.expires_at.timestamp())),
    }


def test_stripe_checkout_expiry_stays_within_what_stripe_accepts(package, stripe_api, settings):
    settings.PAYMENTS_CHECKOUT_EXPIRY_HOURS = 72
    before = timezone.now()

    top_up = top_up_create(user=UserFactory(), package=package, base_url="http://testserver/")

    assert before + timedelta(hours=24) <= top_up.expires_at <= timezone.now() + timedelta(hours=24)
    sent = int(stripe_api.requests[0].params["expires_at"])
    assert sent == int(top_up.expires_at.timestamp())


@pytest.mark.parametrize(
    ("status", "error_type", "attempts"),
    [(402, "card_error", 1), (400, "invalid_request_error", 1), (500, "api_error", 3)],
)
def test_a_stripe_error_is_a_502_and_leaves_no_top_up(
    make_auth_client, package, stripe_api, status, error_type, attempts
):
    stripe_api.fail_with(status, error_type=error_type)
    client = without_raising(make_auth_client(UserFactory()))

    response = client.post(TOP_UPS, {"package": str(package.pk)})

    assert response.status_code == 502
    assert response.json()["type"] == "server_error"
    assert error_codes(response) == ["payment_provider_error"]
    assert not TopUp.objects.exists()
    # Server errors are retried by the package, always with the same key.
    sent = stripe_api.requests_to("/v1/checkout/sessions")
    assert len(sent) == attempts
    assert len({request.headers["idempotency-key"] for request in sent}) == 1


def test_an_unreachable_stripe_is_a_502(make_auth_client, package, settings):
    settings.PAYMENTS_PROVIDER = "stripe"
    settings.STRIPE_SECRET_KEY = "sk_test_fake"
    with FakeStripe.running() as fake:
        settings.STRIPE_API_BASE = fake.base_url  # closed when the block ends
    client = without_raising(make_auth_client(UserFactory()))

    response = client.post(TOP_UPS, {"package": str(package.pk)})

    assert response.status_code == 502
    assert not TopUp.objects.exists()


def test_a_stripe_top_up_is_credited_by_its_signed_webhook(
    make_auth_client, api_client, package, stripe_api, ledger_is_sound
):
    user = UserFactory()
    client = make_auth_client(user)
    top_up_id = client.post(TOP_UPS, {"package": str(package.pk)}).json()["id"]
    top_up = TopUp.objects.get(pk=top_up_id)

    payload, header = signed(checkout_event(top_up), secret=WEBHOOK_SECRET)
    response = api_client.post(
        STRIPE_WEBHOOK, payload, content_type="application/json", HTTP_STRIPE_SIGNATURE=header
    )

    assert response.status_code == 200
    assert client.get(f"{TOP_UPS}{top_up_id}/").json()["status"] == "paid"
    assert balance(user) == 550
    assert system_balance(Role.EXTERNAL) == -550
    ledger_is_sound()
