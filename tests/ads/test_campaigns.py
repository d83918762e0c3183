"""Campaigns: creating and editing them with their validation, activating (and its
refusals), pausing, deleting, completing those past their end; permissions and list
costs; spend shown exactly."""

from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import User
from ads.models import Advertiser, Campaign, Creative
from ads.services.advertisers import advertiser_fund, advertiser_suspend
from ads.services.campaigns import campaigns_complete
from ads.serving_cache import serving_version
from ads.tasks import campaigns_complete_task
from tests.accounts.factories import ModeratorFactory, UserFactory
from tests.ads.factories import AdvertiserFactory, CampaignFactory, CreativeFactory
from tests.conftest import error_one, error_status
from tests.payments.factories import wallet_fund

CAMPAIGNS = "/api/v1/ads/campaigns/"
START = "2030-01-01T00:00:00Z"
END = "2030-02-01T00:00:00Z"


def detail(campaign) -> str:
    return f"{CAMPAIGNS}{campaign.pk}/"


def iso(value) -> str | None:
    return value.isoformat().replace("+00:00", "Z") if value is not None else None


@pytest.fixture
def owner(db) -> User:
    return UserFactory(username="owner")


@pytest.fixture
def advertiser(owner) -> Advertiser:
    return AdvertiserFactory(owner=owner)


@pytest.fixture
def funded(advertiser) -> Advertiser:
    wallet_fund(advertiser.owner, 50)
    return advertiser_fund(advertiser=advertiser, amount=50)


@pytest.fixture
def campaign(advertiser) -> Campaign:
    return CampaignFactory(advertiser=advertiser)


@pytest.fixture
def clients(make_auth_client, owner) -> dict[str, APIClient]:
    return {
        "anonymous": APIClient(),
        "other": make_auth_client(UserFactory(username="other")),
        "owner": make_auth_client(owner),
        "staff": make_auth_client(ModeratorFactory(username="mod")),
    }


def body(**changes) -> dict:
    return {
        "name": "Spring sale",
        "start_at": START,
        "end_at": END,
        "total_budget": 500,
        "daily_budget": 50,
        "pricing": "cpc",
        "bid": "2.5",
        "pacing": "even",
        "frequency_cap": {"max_impressions": 3, "per": "day"},
        "target_countries": ["FR", "BE", "FR"],
        "target_languages": ["fr"],
        "target_interests": ["Cooking", "travel"],
        "target_age_min": 18,
        "target_age_max": 34,
        "target_devices": ["mobile", "tablet"],
        "placements": ["feed"],
        **changes,
    }


def shape(campaign: Campaign) -> dict:
    campaign.refresh_from_db()
    return {
        "id": str(campaign.pk),
        "advertiser": str(campaign.advertiser_id),
        "name": campaign.name,
        "status": campaign.status,
        "start_at": iso(campaign.start_at),
        "end_at": iso(campaign.end_at),
        "total_budget": campaign.total_budget,
        "daily_budget": campaign.daily_budget,
        "pricing": campaign.pricing,
        "bid": campaign_bid(campaign),
        "pacing": campaign.pacing,
        "frequency_cap": (
            {
                "max_impressions": campaign.frequency_cap_impressions,
                "per": campaign.frequency_cap_period,
            }
            if campaign.frequency_cap_impressions
            else None
        ),
        "target_countries": campaign.target_countries,
        "target_languages": campaign.target_languages,
        "target_interests": campaign.target_interests,
        "target_age_min": campaign.target_age_min,
        "target_age_max": campaign.target_age_max,
        "target_devices": campaign.target_devices,
        "placements": campaign.placements,
        "spent": "0.000000",
        "spent_today": "0.000000",
        "settled": "0.000000",
        "impressions": 0,
        "clicks": 0,
        "created_at": iso(campaign.created_at),
        "updated_at": iso(campaign.updated_at),
    }


def campaign_bid(campaign: Campaign) -> str:
    return {2_500: "2.5", 2_000: "2", 1: "0.001", 1_250: "1.25"}[campaign.bid_millicoins]


# -- creating --------------------------------------------------------------------------


def test_the_owner_creates_a_draft_campaign(clients, advertiser):
    response = clients["owner"].post(CAMPAIGNS, body())

    assert response.status_code == 201
    campaign = Campaign.objects.get()
    assert response.json() == shape(campaign)
    assert (campaign.advertiser, campaign.status, campaign.bid_millicoins) == (
        advertiser,
        "draft",
        2_500,
    )
    assert (campaign.frequency_cap_impressions, campaign.frequency_cap_period) == (3, "day")
    assert campaign.target_countries == ["FR", "BE"]
    assert campaign.target_interests == ["cooking", "travel"]


def test_a_minimal_campaign_targets_everyone(clients, advertiser):
    response = clients["owner"].post(
        CAMPAIGNS,
        {"name": "All", "start_at": START, "total_budget": 10, "daily_budget": 10, "bid": "0.001"},
    )

    assert response.status_code == 201
    campaign = Campaign.objects.get()
    assert response.json() == shape(campaign)
    assert response.json()["frequency_cap"] is None
    assert (campaign.pricing, campaign.pacing, campaign.end_at) == ("cpm", "even", None)
    assert campaign.target_countries == campaign.placements == []


def test_a_campaign_needs_an_advertiser_first(clients, db):
    assert error_status(clients["other"].post(CAMPAIGNS, body())) == (409, "advertiser_required")
    assert clients["anonymous"].post(CAMPAIGNS, body()).status_code == 401


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"end_at": START}, ("end_before_start", "end_at")),
        ({"end_at": "2029-12-31T00:00:00Z"}, ("end_before_start", "end_at")),
        ({"daily_budget": 501}, ("daily_over_total", "daily_budget")),
        ({"total_budget": 0}, ("min_value", "total_budget")),
        ({"bid": "0"}, ("bid_invalid", "bid")),
        ({"bid": "1.2345"}, ("bid_invalid", "bid")),
        ({"bid": "-1"}, ("bid_invalid", "bid")),
        ({"bid": "1e3"}, ("bid_invalid", "bid")),
        ({"bid": "abc"}, ("bid_invalid", "bid")),
        ({"bid": "1000000.001"}, ("bid_invalid", "bid")),
        ({"frequency_cap": {"max_impressions": 3}}, ("frequency_cap_incomplete", "frequency_cap")),
        ({"frequency_cap": {"per": "week"}}, ("frequency_cap_incomplete", "frequency_cap")),
        (
            {"frequency_cap": {"max_impressions": 3, "per": "month"}},
            ("invalid_choice", "frequency_cap.per"),
        ),
        ({"target_countries": ["fr"]}, ("country_invalid", "target_countries")),
        ({"target_countries": ["FRA"]}, ("max_length", "target_countries.0")),
        ({"target_languages": ["EN"]}, ("language_invalid", "target_languages")),
        ({"target_devices": ["phone"]}, ("invalid_choice", "target_devices.0")),
        ({"placements": ["banner"]}, ("invalid_choice", "placements.0")),
        ({"target_age_min": 12}, ("min_value", "target_age_min")),
        ({"target_age_max": 121}, ("max_value", "target_age_max")),
        ({"target_age_min": 40, "target_age_max": 30}, ("age_range_invalid", "target_age_max")),
        ({"pricing": "cpa"}, ("invalid_choice", "pricing")),
        ({"target_interests": [None]}, ("null", "target_interests.0")),
    ],
)
def test_invalid_campaigns_are_refused(clients, advertiser, changes, expected):
    assert error_one(clients["owner"].post(CAMPAIGNS, body(**changes))) == expected
    assert not Campaign.objects.exists()


@pytest.mark.parametrize(
    ("bid", "millicoins"), [("2.5", 2_500), ("2", 2_000), ("0.001", 1), ("1.250", 1_250)]
)
def test_bids_are_converted_exactly(clients, advertiser, bid, millicoins):
    response = clients["owner"].post(CAMPAIGNS, body(bid=bid))
    assert Campaign.objects.get().bid_millicoins == millicoins
    assert response.json()["bid"] == campaign_bid(Campaign.objects.get())


# -- reading ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("viewer", "expected"), [("anonymous", 401), ("other", 404), ("owner", 200), ("staff", 200)]
)
def test_only_the_owner_and_staff_read_a_campaign(clients, campaign, viewer, expected):
    response = clients[viewer].get(detail(campaign))
    assert response.status_code == expected
    if expected == 200:
        assert response.json() == shape(campaign)


def test_spend_is_shown_exactly_in_coins(clients, campaign):
    today = timezone.now().date()
    Campaign.objects.filter(pk=campaign.pk).update(
        spent_micro=12_345_678, settled_micro=12_000_000, spent_today_micro=345_678, spend_day=today
    )
    data = clients["owner"].get(detail(campaign)).json()
    assert (data["spent"], data["settled"], data["spent_today"]) == (
        "12.345678",
        "12.000000",
        "0.345678",
    )
    Campaign.objects.filter(pk=campaign.pk).update(spend_day=today - timedelta(days=1))
    assert clients["owner"].get(detail(campaign)).json()["spent_today"] == "0.000000"


def test_the_list_shows_the_callers_campaigns_and_staff_every_one(clients, campaign):
    CampaignFactory()
    assert [row["id"] for row in clients["owner"].get(CAMPAIGNS).json()["results"]] == [
        str(campaign.pk)
    ]
    assert clients["other"].get(CAMPAIGNS).json()["results"] == []
    assert len(clients["staff"].get(CAMPAIGNS).json()["results"]) == 2
    assert clients["anonymous"].get(CAMPAIGNS).status_code == 401


@pytest.mark.parametrize("viewer", ["owner", "staff"])
def test_the_list_costs_the_same_queries_at_page_sizes_1_and_20(clients, advertiser, viewer):
    CampaignFactory.create_batch(25, advertiser=advertiser)
    counts = []
    for size in (1, 20):
        with CaptureQueriesContext(connection) as captured:
            response = clients[viewer].get(f"{CAMPAIGNS}?page_size={size}")
        assert response.status_code == 200
        assert len(response.json()["results"]) == size
        counts.append(len(captured))
    assert counts == [2, 2]  # the session, the page


# -- editing ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("viewer", "expected"), [("anonymous", 401), ("other", 404), ("staff", 404), ("owner", 200)]
)
def test_only_the_owner_edits_a_campaign(clients, campaign, viewer, expected):
    response = clients[viewer].patch(detail(campaign), {"name": "Renamed", "bid": "1.25"})
    assert response.status_code == expected
    campaign.refresh_from_db()
    assert (campaign.name == "Renamed") == (expected == 200)
    if expected == 200:
        assert response.json() == shape(campaign)
        assert campaign.bid_millicoins == 1_250


def test_an_edit_is_checked_against_the_stored_campaign(clients, campaign):
    # The factory's budgets: 1,000 total, 100 daily.
    assert error_one(clients["owner"].patch(detail(campaign), {"total_budget": 99})) == (
        "daily_over_total",
        "daily_budget",
    )
    assert error_one(
        clients["owner"].patch(detail(campaign), {"end_at": iso(campaign.start_at)})
    ) == ("end_before_start", "end_at")
    response = clients["owner"].patch(detail(campaign), {"frequency_cap": None})
    assert response.status_code == 200


def test_a_budget_never_goes_below_what_was_spent(clients, campaign):
    Campaign.objects.filter(pk=campaign.pk).update(
        status="active",
        spent_micro=200_000_001,
        spent_today_micro=50_000_001,
        spend_day=timezone.now().date(),
    )
    assert error_one(
        clients["owner"].patch(detail(campaign), {"total_budget": 200, "daily_budget": 60})
    ) == (
        "budget_below_spent",
        "total_budget",
    )
    assert error_one(clients["owner"].patch(detail(campaign), {"daily_budget": 50})) == (
        "budget_below_spent",
        "daily_budget",
    )
    assert (
        clients["owner"]
        .patch(detail(campaign), {"total_budget": 201, "daily_budget": 51})
        .status_code
        == 200
    )


def test_yesterdays_spend_does_not_hold_todays_budget(clients, campaign):
    Campaign.objects.filter(pk=campaign.pk).update(
        status="active",
        spent_micro=90_000_000,
        spent_today_micro=90_000_000,
        spend_day=date(2020, 1, 1),
    )
    response = clients["owner"].patch(detail(campaign), {"daily_budget": 10})
    assert response.status_code == 200
    campaign.refresh_from_db()
    assert (campaign.daily_budget, campaign.spent_today_micro) == (10, 0)


@pytest.mark.parametrize("status", ["completed", "exhausted"])
def test_ended_campaigns_cannot_be_edited(clients, campaign, status):
    Campaign.objects.filter(pk=campaign.pk).update(status=status)
    assert error_status(clients["owner"].patch(detail(campaign), {"name": "x"})) == (
        409,
        "campaign_not_editable",
    )


def test_an_edit_changes_what_may_be_served(clients, campaign, django_capture_on_commit_callbacks):
    before = serving_version()
    with django_capture_on_commit_callbacks(execute=True):
        clients["owner"].patch(detail(campaign), {"target_countries": ["DE"]})
    assert serving_version() == before + 1


# -- activating and pausing ---------------------------------------------------------------


def activate(client, campaign):
    return client.post(f"{detail(campaign)}activate/")


def test_a_funded_campaign_with_an_approved_creative_activates(clients, funded, campaign):
    CreativeFactory(campaign=campaign)

    response = activate(clients["owner"], campaign)

    assert response.status_code == 200
    assert response.json() == shape(campaign)
    assert response.json()["status"] == "active"
    assert activate(clients["owner"], campaign).status_code == 200  # already active


def test_activation_needs_an_approved_creative(clients, funded, campaign):
    CreativeFactory(campaign=campaign, review_status=Creative.Review.PENDING)
    CreativeFactory(campaign=campaign, review_status=Creative.Review.REJECTED)
    assert error_status(activate(clients["owner"], campaign)) == (409, "no_approved_creative")


def test_activation_needs_spendable_coins(clients, campaign):
    CreativeFactory(campaign=campaign)
    assert error_status(activate(clients["owner"], campaign)) == (402, "advertiser_balance_empty")


def test_a_suspended_advertiser_cannot_activate(clients, funded, campaign):
    CreativeFactory(campaign=campaign)
    advertiser_suspend(advertiser=funded, staff=ModeratorFactory(), reason="Spam")
    assert error_status(activate(clients["owner"], campaign)) == (403, "advertiser_suspended")


@pytest.mark.parametrize("ended", ["completed", "past_end"])
def test_an_ended_campaign_cannot_activate(clients, funded, campaign, ended):
    CreativeFactory(campaign=campaign)
    if ended == "completed":
        Campaign.objects.filter(pk=campaign.pk).update(status="completed")
    else:
        Campaign.objects.filter(pk=campaign.pk).update(end_at=timezone.now() - timedelta(minutes=1))
    assert error_status(activate(clients["owner"], campaign)) == (409, "campaign_ended")


def test_an_exhausted_campaign_resumes_only_with_budget_left(clients, funded, campaign):
    CreativeFactory(campaign=campaign)
    Campaign.objects.filter(pk=campaign.pk).update(status="exhausted", spent_micro=1_000_000_000)
    assert error_status(activate(clients["owner"], campaign)) == (409, "campaign_budget_spent")
    Campaign.objects.filter(pk=campaign.pk).update(spent_micro=999_999_999)
    assert activate(clients["owner"], campaign).json()["status"] == "active"


def test_pausing_stops_an_active_campaign(clients, campaign, django_capture_on_commit_callbacks):
    Campaign.objects.filter(pk=campaign.pk).update(status="active")
    before = serving_version()
    with django_capture_on_commit_callbacks(execute=True):
        response = clients["owner"].post(f"{detail(campaign)}pause/")
    assert response.status_code == 200
    assert response.json()["status"] == "paused"
    assert serving_version() == before + 1
    assert clients["owner"].post(f"{detail(campaign)}pause/").json()["status"] == "paused"


@pytest.mark.parametrize("status", ["draft", "completed", "exhausted"])
def test_only_an_active_campaign_pauses(clients, campaign, status):
    Campaign.objects.filter(pk=campaign.pk).update(status=status)
    assert error_status(clients["owner"].post(f"{detail(campaign)}pause/")) == (
        409,
        "campaign_not_active",
    )


@pytest.mark.parametrize(
    ("viewer", "expected"), [("anonymous", 401), ("other", 404), ("staff", 404), ("owner", 200)]
)
def test_only_the_owner_activates_or_pauses(clients, funded, campaign, viewer, expected):
    CreativeFactory(campaign=campaign)
    assert activate(clients[viewer], campaign).status_code == expected
    Campaign.objects.filter(pk=campaign.pk).update(status="active")
    assert clients[viewer].post(f"{detail(campaign)}pause/").status_code == expected


# -- deleting -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("viewer", "expected"), [("anonymous", 401), ("other", 404), ("staff", 404), ("owner", 204)]
)
def test_only_the_owner_deletes_a_campaign(clients, campaign, viewer, expected):
    CreativeFactory(campaign=campaign)
    assert clients[viewer].delete(detail(campaign)).status_code == expected
    assert Campaign.objects.filter(pk=campaign.pk).exists() == (expected != 204)
    assert Creative.objects.exists() == (expected != 204)


def test_a_campaign_that_never_spent_is_deleted(clients, campaign):
    Campaign.objects.filter(pk=campaign.pk).update(status="paused")
    assert clients["owner"].delete(detail(campaign)).status_code == 204


def test_a_campaign_that_spent_is_kept(clients, campaign):
    Campaign.objects.filter(pk=campaign.pk).update(status="paused", spent_micro=1)
    assert error_status(clients["owner"].delete(detail(campaign))) == (409, "campaign_has_spend")
    assert Campaign.objects.filter(pk=campaign.pk).exists()


# -- completing ---------------------------------------------------------------------------


def test_campaigns_past_their_end_complete(db, django_capture_on_commit_callbacks):
    now = timezone.now()
    past = now - timedelta(seconds=1)
    start = now - timedelta(days=1)
    active = CampaignFactory(status="active", start_at=start, end_at=past)
    paused = CampaignFactory(status="paused", start_at=start, end_at=past)
    draft = CampaignFactory(status="draft", start_at=start, end_at=past)
    running = CampaignFactory(status="active", start_at=start, end_at=now + timedelta(days=1))
    endless = CampaignFactory(status="active", start_at=start)
    before = serving_version()

    with django_capture_on_commit_callbacks(execute=True):
        assert campaigns_complete(now=now) == 2

    statuses = {c.pk: c.status for c in Campaign.objects.all()}
    assert statuses == {
        active.pk: "completed",
        paused.pk: "completed",
        draft.pk: "draft",
        running.pk: "active",
        endless.pk: "active",
    }
    assert serving_version() == before + 1
    assert campaigns_complete(now=now) == 0


def test_the_beat_task_completes_campaigns(db, settings):
    CampaignFactory(
        status="active",
        start_at=timezone.now() - timedelta(days=2),
        end_at=timezone.now() - timedelta(days=1),
    )
    campaigns_complete_task()
    assert Campaign.objects.get().status == "completed"
    assert settings.CELERY_BEAT_SCHEDULE["ads-campaigns-complete"]["task"] == (
        "ads.tasks.campaigns_complete_task"
    )
