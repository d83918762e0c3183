"""Clicks: a redirect to the creative's stored URL and nowhere else; valid once per
viewer and creative within the dedup window (a CPC one charged once); an address over
its daily limit is invalid traffic, logged by its digest, never by the address."""

import logging
from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse

from ads.models import Campaign, Click
from ads.services.tracking import click_address_digest, click_record
from tests.ads.billing import (
    campaign_of,
    expired_token,
    forged_token,
    running_creative,
    served_token,
    spendable,
)
from tests.ads.factories import CreativeFactory
from tests.conftest import error_one

pytestmark = pytest.mark.django_db

NOON = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)
ADDRESS = "203.0.113.9"


def click_url(token: str) -> str:
    return reverse("ads-click", kwargs={"token": token})


def click_at(creative, now: datetime, *, viewer_key: str = "anon:viewer", ip: str = ADDRESS):
    token = served_token(creative, viewer_key=viewer_key, issued=now.timestamp())
    return click_record(token=token, ip=ip, now=now)


def clicks(creative) -> list[tuple[bool, str, int]]:
    return list(
        Click.objects.filter(creative=creative)
        .order_by("created_at", "id")
        .values_list("is_valid", "invalid_reason", "cost_micro")
    )


def test_a_click_redirects_to_the_stored_url_and_counts(api_client):
    creative = running_creative(pricing=Campaign.Pricing.CPC, bid_millicoins=250)

    response = api_client.get(click_url(served_token(creative)), REMOTE_ADDR=ADDRESS)

    assert response.status_code == 302
    assert response["Location"] == "https://example.com/landing"
    assert response["Cache-Control"] == "no-store"
    click = Click.objects.get()
    assert (click.is_valid, click.cost_micro, click.viewer_key, click.country) == (
        True,
        250_000,
        "anon:viewer",
        "FR",
    )
    assert click.ip_digest == click_address_digest(ADDRESS)
    assert ADDRESS not in click.ip_digest and len(click.ip_digest) == 64
    campaign = campaign_of(creative)
    assert (campaign.click_count, campaign.spent_micro) == (1, 250_000)
    assert spendable(campaign.advertiser_id) == 100_000_000 - 250_000


def test_a_click_is_billed_at_the_bid_it_was_served_at(api_client):
    creative = running_creative(pricing=Campaign.Pricing.CPC, bid_millicoins=250)
    token = served_token(creative)
    Campaign.objects.filter(pk=creative.campaign_id).update(bid_millicoins=900)

    api_client.get(click_url(token), REMOTE_ADDR=ADDRESS)

    assert Click.objects.get().cost_micro == 250_000
    assert campaign_of(creative).spent_micro == 250_000


def test_the_redirect_goes_only_to_the_tokens_own_creative_whatever_the_query(api_client):
    first = running_creative()
    CreativeFactory(campaign=first.campaign, click_url="https://other.example/")
    token = served_token(first)

    response = api_client.get(
        click_url(token),
        {"url": "https://evil.example/", "next": "//evil.example", "click_url": "x"},
    )

    assert (response.status_code, response["Location"]) == (302, "https://example.com/landing")


def test_the_stored_url_keeps_its_own_query_string(api_client):
    creative = running_creative()
    creative.click_url = "https://shop.example/offer?utm_source=ads&id=7"
    creative.save(update_fields=["click_url"])

    response = api_client.get(click_url(served_token(creative)) + "?id=8")

    assert response["Location"] == "https://shop.example/offer?utm_source=ads&id=7"


@pytest.mark.parametrize(
    ("make", "code"), [(forged_token, "ad_token_invalid"), (expired_token, "ad_token_expired")]
)
def test_a_bad_token_never_redirects(api_client, make, code):
    creative = running_creative()

    response = api_client.get(click_url(make(creative)))

    assert error_one(response, 400) == (code, "token")
    assert not response.has_header("Location")
    assert not Click.objects.exists()


def test_a_click_on_a_deleted_creative_is_404(api_client):
    creative = running_creative()
    token = served_token(creative)
    creative.delete()

    response = api_client.get(click_url(token))

    assert error_one(response, 404) == ("not_found", None)


def test_a_click_counts_once_per_viewer_and_creative_within_the_window(settings):
    settings.ADS_CLICK_DEDUP_SECONDS = 600
    creative = running_creative(
        pricing=Campaign.Pricing.CPC, bid_millicoins=250, start_at=NOON - timedelta(days=1)
    )

    urls = [
        click_at(creative, NOON),
        click_at(creative, NOON + timedelta(seconds=599)),
        click_at(creative, NOON + timedelta(seconds=30), viewer_key="anon:someone-else"),
        click_at(creative, NOON + timedelta(seconds=601)),
    ]

    assert urls == ["https://example.com/landing"] * 4
    assert clicks(creative) == [
        (True, "", 250_000),
        (True, "", 250_000),  # another viewer
        (False, "duplicate", 0),
        (True, "", 250_000),  # the window has passed since the first
    ]
    campaign = campaign_of(creative)
    assert (campaign.click_count, campaign.spent_micro) == (3, 750_000)


def test_a_cpm_campaigns_click_counts_for_free():
    creative = running_creative(start_at=NOON - timedelta(days=1))

    click_at(creative, NOON)

    assert clicks(creative) == [(True, "", 0)]
    campaign = campaign_of(creative)
    assert (campaign.click_count, campaign.spent_micro) == (1, 0)


def test_a_cpc_click_over_the_budget_counts_for_nothing_and_exhausts():
    creative = running_creative(
        pricing=Campaign.Pricing.CPC,
        bid_millicoins=600,
        total_budget=1,
        daily_budget=1,
        start_at=NOON - timedelta(days=1),
    )

    click_at(creative, NOON, viewer_key="anon:a")
    click_at(creative, NOON, viewer_key="anon:b")

    assert clicks(creative) == [(True, "", 600_000), (True, "", 0)]
    campaign = campaign_of(creative)
    assert (campaign.status, campaign.click_count, campaign.spent_micro) == (
        Campaign.Status.EXHAUSTED,
        2,
        600_000,
    )


def test_an_address_over_its_daily_limit_is_invalid_traffic_and_logged(settings, caplog):
    settings.ADS_CLICK_LIMIT_PER_DAY = 3
    creative = running_creative(
        pricing=Campaign.Pricing.CPC, bid_millicoins=100, start_at=NOON - timedelta(days=1)
    )
    other_address = "198.51.100.1"

    with caplog.at_level(logging.WARNING, logger="ads.invalid_traffic"):
        for number in range(5):
            click_at(creative, NOON + timedelta(minutes=number), viewer_key=f"anon:{number}")
        click_at(creative, NOON, viewer_key="anon:elsewhere", ip=other_address)

    assert [reason for _, reason, _ in clicks(creative)] == [
        "",
        "",  # the other address
        "",
        "",
        "address_over_limit",
        "address_over_limit",
    ]
    campaign = campaign_of(creative)
    assert (campaign.click_count, campaign.spent_micro) == (4, 400_000)
    digest = click_address_digest(ADDRESS)
    logged = [record for record in caplog.records if record.name == "ads.invalid_traffic"]
    assert [record.levelno for record in logged] == [logging.WARNING] * 2
    assert all(digest in record.getMessage() for record in logged)
    assert all("address_over_limit" in record.getMessage() for record in logged)
    assert not any(ADDRESS in record.getMessage() for record in caplog.records)


def test_the_address_limit_starts_again_on_the_next_utc_day(settings):
    settings.ADS_CLICK_LIMIT_PER_DAY = 1
    creative = running_creative(start_at=NOON - timedelta(days=1))

    click_at(creative, NOON, viewer_key="anon:1")
    click_at(creative, NOON.replace(hour=23, minute=59), viewer_key="anon:2")
    click_at(creative, NOON + timedelta(hours=12), viewer_key="anon:3")

    assert [reason for _, reason, _ in clicks(creative)] == ["", "address_over_limit", ""]


def test_the_api_keys_the_address_by_its_digest(api_client):
    creative = running_creative()

    api_client.get(click_url(served_token(creative)), REMOTE_ADDR="192.0.2.77")

    assert Click.objects.get().ip_digest == click_address_digest("192.0.2.77")
