"""Impressions: counted once per token (the API and the VAST impression pixel), never
for a forged or expired token, and a CPM one reserving its cost."""

import re

import pytest
from django.db import connection
from django.urls import reverse
from rest_framework.test import APIClient
from rest_framework.throttling import ScopedRateThrottle

from ads.models import Campaign, Impression
from tests.ads.billing import (
    campaign_of,
    expired_token,
    forged_token,
    running_creative,
    served_token,
    spendable,
)
from tests.ads.factories import CreativeFactory
from tests.conftest import error_body, error_one

pytestmark = pytest.mark.django_db

IMPRESSIONS = "/api/v1/ads/impressions/"


def pixel(token: str) -> str:
    return reverse("ads-impression-pixel", kwargs={"token": token})


def test_an_impression_counts_once_and_a_cpm_one_reserves_its_bid(api_client):
    creative = running_creative(bid_millicoins=2_000, coins=5)
    token = served_token(creative, viewer_key="42", user_id=None)

    first = api_client.post(IMPRESSIONS, {"token": token})
    again = api_client.post(IMPRESSIONS, {"token": token})

    assert (first.status_code, first.json()) == (200, {"counted": True})
    assert (again.status_code, again.json()) == (200, {"counted": False})
    impression = Impression.objects.get()
    assert (
        impression.creative_id,
        impression.campaign_id,
        impression.placement,
        impression.viewer_key,
        impression.country,
        impression.device,
        impression.cost_micro,
    ) == (creative.pk, creative.campaign_id, "feed", "42", "FR", "mobile", 2_000)
    campaign = campaign_of(creative)
    assert (campaign.impression_count, campaign.spent_micro, campaign.spent_today_micro) == (
        1,
        2_000,
        2_000,
    )
    assert spendable(campaign.advertiser_id) == 5_000_000 - 2_000


def test_a_forged_token_is_refused_and_counts_nothing(api_client):
    creative = running_creative()

    response = api_client.post(IMPRESSIONS, {"token": forged_token(creative)})

    assert response.status_code == 400
    assert response.json() == error_body(
        "ad_token_invalid",
        "This ad token is forged or malformed; use the token the ad was served with.",
        "token",
        kind="validation_error",
    )
    assert not Impression.objects.exists()
    assert campaign_of(creative).spent_micro == 0


def test_an_expired_token_is_refused_and_counts_nothing(api_client):
    creative = running_creative()

    response = api_client.post(IMPRESSIONS, {"token": expired_token(creative)})

    assert response.status_code == 400
    assert response.json() == error_body(
        "ad_token_expired",
        "This ad token has expired: a served ad's token lasts 3600 seconds.",
        "token",
        kind="validation_error",
    )
    assert not Impression.objects.exists()


def test_a_missing_token_is_a_validation_error(api_client):
    response = api_client.post(IMPRESSIONS, {})

    assert response.status_code == 400
    assert response.json()["errors"][0]["attr"] == "token"


def test_credentials_are_not_needed_and_a_bad_one_is_ignored(api_client):
    creative = running_creative()
    api_client.credentials(HTTP_AUTHORIZATION="Bearer not-a-token")

    response = api_client.post(IMPRESSIONS, {"token": served_token(creative)})

    assert (response.status_code, response.json()) == (200, {"counted": True})


def test_a_cpc_campaign_counts_impressions_for_free(api_client):
    creative = running_creative(pricing=Campaign.Pricing.CPC, bid_millicoins=500)

    response = api_client.post(IMPRESSIONS, {"token": served_token(creative)})

    assert response.json() == {"counted": True}
    assert Impression.objects.get().cost_micro == 0
    campaign = campaign_of(creative)
    assert (campaign.impression_count, campaign.spent_micro) == (1, 0)


@pytest.mark.parametrize("status", [Campaign.Status.PAUSED, Campaign.Status.DRAFT])
def test_an_impression_of_a_campaign_not_running_counts_but_costs_nothing(api_client, status):
    creative = running_creative()
    Campaign.objects.filter(pk=creative.campaign_id).update(status=status)

    response = api_client.post(IMPRESSIONS, {"token": served_token(creative)})

    assert response.json() == {"counted": True}
    assert Impression.objects.get().cost_micro == 0
    campaign = campaign_of(creative)
    assert (campaign.status, campaign.impression_count, campaign.spent_micro) == (status, 1, 0)
    assert spendable(campaign.advertiser_id) == 100_000_000


def test_an_impression_of_a_deleted_campaign_counts_nothing(api_client):
    creative = CreativeFactory()
    token = served_token(creative)
    campaign_of(creative).delete()

    response = api_client.post(IMPRESSIONS, {"token": token})

    assert (response.status_code, response.json()) == (200, {"counted": False})
    assert not Impression.objects.exists()


def test_a_billed_impression_reads_nothing_and_writes_three_rows_in_one_transaction(
    api_client, django_assert_num_queries
):
    creative = running_creative()
    token = served_token(creative)
    # The price comes with the token; in one transaction (here a savepoint in the
    # test's): the impression, the campaign, the advertiser. On PostgreSQL all three
    # are one statement (the campaign's update, the advertiser's reading it, the
    # campaign's count had the first refused, the impression). (The throttle is the
    # cache's.)
    writes = (
        [("WITH", "ads_campaign", "ads_advertiser", "ads_campaign", "ads_impression")]
        if connection.vendor == "postgresql"
        else [
            ("INSERT", "ads_impression"),
            ("UPDATE", "ads_campaign"),
            ("UPDATE", "ads_advertiser"),
        ]
    )

    with django_assert_num_queries(2 + len(writes)) as queries:
        response = api_client.post(IMPRESSIONS, {"token": token})

    assert response.json() == {"counted": True}
    written = [
        (query["sql"].split()[0], *re.findall(r'(?:INTO|UPDATE) "(\w+)"', query["sql"]))
        for query in queries.captured_queries[1:-1]
    ]
    assert written == writes
    assert campaign_of(creative).impression_count == 1


@pytest.mark.django_db(transaction=True)
def test_outside_a_transaction_a_billed_impression_is_one_and_a_replay_changes_nothing(
    api_client, django_assert_num_queries
):
    creative = running_creative()
    token = served_token(creative)
    # As in production (autocommit): on PostgreSQL one statement, its own transaction
    # (no BEGIN, savepoint or COMMIT); on SQLite a transaction of three writes.
    writes = (
        ["WITH"]
        if connection.vendor == "postgresql"
        else ["BEGIN", "INSERT", "UPDATE", "UPDATE", "COMMIT"]
    )

    with django_assert_num_queries(len(writes)) as queries:
        response = api_client.post(IMPRESSIONS, {"token": token})

    assert response.json() == {"counted": True}
    assert [query["sql"].split()[0] for query in queries.captured_queries] == writes
    assert Impression.objects.get().cost_micro == 2_000
    assert campaign_of(creative).impression_count == 1
    assert campaign_of(creative).spent_micro == 2_000
    # A replay changes nothing: the row's unique token refuses the whole statement.
    assert api_client.post(IMPRESSIONS, {"token": token}).json() == {"counted": False}
    assert campaign_of(creative).spent_micro == 2_000
    assert campaign_of(creative).impression_count == 1


def test_an_impression_is_billed_at_the_bid_it_was_served_at(api_client):
    creative = running_creative()
    token = served_token(creative)  # served at 2 coins a thousand
    Campaign.objects.filter(pk=creative.campaign_id).update(bid_millicoins=9_000)

    api_client.post(IMPRESSIONS, {"token": token})

    assert Impression.objects.get().cost_micro == 2_000
    assert campaign_of(creative).spent_micro == 2_000


# -- the VAST impression pixel ----------------------------------------------------------


def test_the_pixel_counts_once_and_always_answers_a_gif_never_cached(api_client):
    creative = running_creative()
    token = served_token(creative)

    answers = [api_client.get(pixel(token)) for _ in range(2)]

    for response in answers:
        assert response.status_code == 200
        assert response["Content-Type"] == "image/gif"
        assert response["Cache-Control"] == "no-store"
        assert response.content.startswith(b"GIF89a\x01\x00\x01\x00")
        assert len(response.content) == 43
    assert Impression.objects.get().cost_micro == 2_000
    assert campaign_of(creative).impression_count == 1


@pytest.mark.parametrize("make", [forged_token, expired_token])
def test_the_pixel_answers_the_gif_for_a_bad_token_but_counts_nothing(api_client, make):
    creative = running_creative()

    response = api_client.get(pixel(make(creative)))

    assert (response.status_code, response["Content-Type"]) == (200, "image/gif")
    assert not Impression.objects.exists()


def test_the_api_and_the_pixel_count_one_token_once_between_them(api_client):
    creative = running_creative()
    token = served_token(creative)

    api_client.get(pixel(token))
    response = api_client.post(IMPRESSIONS, {"token": token})

    assert response.json() == {"counted": False}
    assert Impression.objects.count() == 1


def test_tracking_is_throttled_per_client_address(api_client, monkeypatch):
    # The `ads_tracking` rate (THROTTLE_ADS_TRACKING_RATE), lowered for the test.
    monkeypatch.setitem(ScopedRateThrottle.THROTTLE_RATES, "ads_tracking", "3/min")
    creative = running_creative()
    for _ in range(3):
        assert api_client.post(IMPRESSIONS, {"token": served_token(creative)}).status_code == 200

    refused = api_client.get(pixel(served_token(creative)))

    assert error_one(refused, 429) == ("throttled", None)
    elsewhere = APIClient(REMOTE_ADDR="203.0.113.9")
    assert elsewhere.post(IMPRESSIONS, {"token": served_token(creative)}).status_code == 200
    assert Impression.objects.count() == 4
