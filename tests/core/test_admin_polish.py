"""What staff see across the admin: readable names, money as money, no dead links."""

import uuid

import pytest
from django.test import Client
from django.utils import timezone

from payments.models import LedgerEntry, Payout, Refund, TopUp
from tests.accounts.factories import AdminFactory, UserFactory
from tests.payments.factories import CoinPackageFactory, wallet_fund
from tests.videos.factories import VideoFactory

pytestmark = pytest.mark.django_db


def page(client: Client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


def test_the_index_names_every_app_readably_and_links_to_no_site(admin_client):
    index = page(admin_client, "/admin/")

    assert "Two-factor: authenticator apps" in index
    assert "Two-factor: backup codes" in index
    assert "Otp_Totp" not in index and "Otp_Static" not in index
    assert "View site" not in index


def test_ledger_entries_are_called_so(admin_client):
    assert LedgerEntry._meta.verbose_name_plural == "ledger entries"
    fan = UserFactory()
    transaction = wallet_fund(fan, 10)

    detail = page(admin_client, f"/admin/payments/ledgertransaction/{transaction.pk}/change/")

    assert "Ledger entries" in detail
    assert "entrys" not in detail.lower()


@pytest.mark.parametrize(
    ("price", "currency", "shown"),
    [(99, "USD", "0.99 USD"), (499, "EUR", "4.99 EUR"), (500, "JPY", "500 JPY")],
)
def test_prices_show_as_money_in_the_currency_s_exponent(admin_client, price, currency, shown):
    package = CoinPackageFactory(name="Handful", price=price, currency=currency)
    top_up = TopUp.objects.create(
        user=UserFactory(),
        package=package,
        coins=package.coins,
        price=price,
        currency=currency,
        provider="sandbox",
        checkout_id=f"cs_{uuid.uuid4().hex}",
        expires_at=timezone.now(),
    )
    Refund.objects.create(
        top_up=top_up,
        created_by=AdminFactory(),
        amount=price,
        currency=currency,
        coins=package.coins,
        provider_refund_id=f"re_{uuid.uuid4().hex}",
        ledger_transaction=wallet_fund(UserFactory(), 1),  # rows only: any transaction
    )
    payout = Payout.objects.create(
        creator=UserFactory(), amount=100, money_amount=price, currency=currency
    )

    for url in (
        "/admin/payments/coinpackage/",
        "/admin/payments/topup/",
        f"/admin/payments/topup/{top_up.pk}/change/",
        "/admin/payments/refund/",
        "/admin/payments/payout/",
        f"/admin/payments/payout/{payout.pk}/change/",
    ):
        assert shown in page(admin_client, url), url


def test_a_video_s_source_file_is_named_not_linked(admin_client):
    video = VideoFactory(title="Night jazz")

    detail = page(admin_client, f"/admin/videos/video/{video.pk}/change/")

    assert video.source_file.name in detail
    assert f'href="/media/{video.source_file.name}"' not in detail
    assert "View on site" not in detail
