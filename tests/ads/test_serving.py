"""The serving decision (`ads.selectors.serving`) and `GET ads/serve/`: ranking and
ties, one creative per campaign, budgets, pacing over a day, frequency caps under a
controlled clock, what is never served, a pause seen at once, the answer's shape and
its query count."""

import secrets
from datetime import UTC, date, datetime, timedelta

import pytest
from django.utils import timezone

from accounts.models import User
from ads.models import Advertiser, Campaign, Creative, Impression
from ads.selectors.serving import ads_select, effective_cpm
from ads.tokens import ad_token_read
from tests.accounts.factories import UserFactory
from tests.ads.factories import AdvertiserFactory, CreativeFactory
from tests.ads.serving_helpers import (
    creative_of,
    servable_campaign,
    served_campaigns,
    serving_changed,
    viewer,
)
from videos.models import Video

pytestmark = pytest.mark.django_db

SERVE_URL = "/api/v1/ads/serve/"
COIN = 1_000_000  # micro-coins


# --- ranking -----------------------------------------------------------------------------


def test_campaigns_rank_by_cpm_bid():
    low = servable_campaign(bid_millicoins=1_000)
    high = servable_campaign(bid_millicoins=9_000)
    middle = servable_campaign(bid_millicoins=4_500)
    assert served_campaigns() == [high.pk, middle.pk, low.pk]


def test_a_cpc_bid_ranks_by_its_estimated_click_through_rate():
    # A new CPC campaign: (0 + 1) / (0 + 100) = 1% estimated, so a 0.1-coin click
    # ranks as a 1-coin CPM bid.
    new_cpc = servable_campaign(pricing=Campaign.Pricing.CPC, bid_millicoins=100)
    # (29 + 1) / (900 + 100) = 3%: a 0.15-coin click ranks as a 4.5-coin CPM bid.
    proven_cpc = servable_campaign(
        pricing=Campaign.Pricing.CPC, bid_millicoins=150, click_count=29, impression_count=900
    )
    above = servable_campaign(bid_millicoins=1_001)
    below = servable_campaign(bid_millicoins=999)
    assert served_campaigns() == [proven_cpc.pk, above.pk, new_cpc.pk, below.pk]


def test_effective_cpm_is_exact():
    assert effective_cpm(pricing="cpm", bid_millicoins=2_500, clicks=7, impressions=10) == 2_500
    assert (
        effective_cpm(pricing="cpc", bid_millicoins=100, clicks=0, impressions=0) == 1_000
    )  # 100 * 1/100 * 1000
    assert effective_cpm(pricing="cpc", bid_millicoins=300, clicks=2, impressions=200) == 3_000


def test_ties_are_broken_by_campaign_id():
    campaigns = [servable_campaign(bid_millicoins=2_000) for _ in range(4)]
    assert served_campaigns() == sorted(campaign.pk for campaign in campaigns)


def test_count_bounds_the_answer_and_keeps_the_best():
    campaigns = [servable_campaign(bid_millicoins=1_000 * (n + 1)) for n in range(5)]
    assert served_campaigns(count=2) == [campaigns[4].pk, campaigns[3].pk]


def test_one_creative_per_campaign_chosen_the_same_for_a_viewer():
    campaign = servable_campaign()
    CreativeFactory.create_batch(3, campaign=campaign)
    chosen = {
        ads_select(viewer=viewer(f"viewer-{n}"), placement="feed", count=5)[0].creative.pk
        for n in range(40)
    }
    assert len(ads_select(viewer=viewer("viewer-1"), placement="feed", count=5)) == 1
    assert chosen == set(campaign.creatives.values_list("pk", flat=True))  # all of them
    again = [
        ads_select(viewer=viewer("viewer-7"), placement="feed", count=5)[0].creative.pk
        for _ in range(3)
    ]
    assert len(set(again)) == 1


def test_the_placement_limits_where_a_campaign_runs():
    feed_only = servable_campaign(placements=["feed"], bid_millicoins=3_000)
    preroll_only = servable_campaign(placements=["preroll"], bid_millicoins=2_000)
    anywhere = servable_campaign(placements=[], bid_millicoins=1_000)
    assert served_campaigns(placement="feed") == [feed_only.pk, anywhere.pk]
    assert served_campaigns(placement="preroll") == [preroll_only.pk, anywhere.pk]
    assert served_campaigns(placement="banner") == []


# --- budget, balance, schedule -----------------------------------------------------------


def test_a_campaign_without_room_for_one_more_impression_in_its_total_is_not_served():
    # 2,000 millicoins CPM: one impression costs 2,000 micro-coins.
    fits = servable_campaign(total_budget=1_000, spent_micro=1_000 * COIN - 2_000)
    servable_campaign(total_budget=1_000, spent_micro=1_000 * COIN - 1_999)
    assert served_campaigns() == [fits.pk]


def test_todays_budget_counts_only_todays_spend():
    today = timezone.now().date()
    full_today = servable_campaign(
        daily_budget=100, spend_day=today, spent_today_micro=100 * COIN - 1_999
    )
    full_yesterday = servable_campaign(
        daily_budget=100, spend_day=today - timedelta(days=1), spent_today_micro=100 * COIN
    )
    assert full_today.pk not in served_campaigns()
    assert served_campaigns() == [full_yesterday.pk]


def test_spend_is_read_again_apart_from_the_snapshot(monkeypatch):
    from ads.selectors import serving

    spending = servable_campaign(daily_budget=100)
    assert served_campaigns() == [spending.pk]
    snapshot = serving._snapshot
    # Billing moved its spend to the day's budget (no serving version bump: spend moves
    # with every event).
    Campaign.objects.filter(pk=spending.pk).update(
        spend_day=timezone.now().date(), spent_today_micro=100 * COIN
    )

    assert served_campaigns() == [spending.pk]  # the spend read a moment ago
    monkeypatch.setattr(serving, "SPEND_MAX_AGE_SECONDS", 0)
    assert served_campaigns() == []  # read again, without rebuilding the snapshot
    assert serving._snapshot is snapshot


def test_a_cpc_campaign_needs_room_for_one_click():
    # 0.5 coin a click.
    fits = servable_campaign(
        pricing=Campaign.Pricing.CPC,
        bid_millicoins=500,
        total_budget=10,
        daily_budget=10,
        spent_micro=9_500_000,
    )
    servable_campaign(
        pricing=Campaign.Pricing.CPC,
        bid_millicoins=500,
        total_budget=10,
        daily_budget=10,
        spent_micro=9_500_001,
    )
    assert served_campaigns() == [fits.pk]


def test_an_advertiser_without_coins_is_not_served():
    servable_campaign(advertiser=AdvertiserFactory(spendable_micro=0))
    funded = servable_campaign(advertiser=AdvertiserFactory(spendable_micro=1))
    assert served_campaigns() == [funded.pk]


def test_only_running_campaigns_are_served():
    now = timezone.now()
    servable_campaign(start_at=now + timedelta(minutes=1))
    servable_campaign(start_at=now - timedelta(days=2), end_at=now)
    running = servable_campaign(start_at=now - timedelta(days=2), end_at=now + timedelta(days=1))
    assert served_campaigns(now=now) == [running.pk]


# --- never served ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "status",
    [
        Campaign.Status.DRAFT,
        Campaign.Status.PAUSED,
        Campaign.Status.COMPLETED,
        Campaign.Status.EXHAUSTED,
    ],
)
def test_a_campaign_that_is_not_active_is_not_served(status):
    campaign = servable_campaign()
    Campaign.objects.filter(pk=campaign.pk).update(status=status)
    assert served_campaigns() == []


def test_a_suspended_advertisers_campaigns_are_not_served():
    campaign = servable_campaign()
    Advertiser.objects.filter(pk=campaign.advertiser_id).update(status=Advertiser.Status.SUSPENDED)
    assert served_campaigns() == []


@pytest.mark.parametrize("review", [Creative.Review.PENDING, Creative.Review.REJECTED])
def test_a_creative_not_approved_is_not_served(review):
    campaign = servable_campaign()
    Creative.objects.filter(campaign=campaign).update(review_status=review)
    assert served_campaigns() == []


@pytest.mark.parametrize(
    "change",
    [
        {"visibility": Video.Visibility.PRIVATE},
        {"visibility": Video.Visibility.UNLISTED},
        {"status": Video.Status.PROCESSING},
        {"status": Video.Status.FAILED},
    ],
    ids=["private", "unlisted", "processing", "failed"],
)
def test_a_creative_whose_video_is_no_longer_public_and_ready_is_not_served(change):
    campaign = servable_campaign()
    Video.objects.filter(pk=creative_of(campaign).video_id).update(**change)
    assert served_campaigns() == []


def test_only_the_approved_creative_of_a_campaign_is_served():
    campaign = servable_campaign()
    CreativeFactory.create_batch(3, campaign=campaign, review_status=Creative.Review.REJECTED)
    approved = campaign.creatives.get(review_status=Creative.Review.APPROVED)
    served = {
        ads_select(viewer=viewer(f"v{n}"), placement="feed", count=1)[0].creative.pk
        for n in range(10)
    }
    assert served == {approved.pk}


def test_a_pause_is_seen_at_once(django_capture_on_commit_callbacks):
    campaign = servable_campaign()
    assert served_campaigns() == [campaign.pk]  # the snapshot is built
    Campaign.objects.filter(pk=campaign.pk).update(status=Campaign.Status.PAUSED)
    serving_changed(django_capture_on_commit_callbacks)
    assert served_campaigns() == []


def test_a_new_campaign_is_seen_once_the_version_moves(django_capture_on_commit_callbacks):
    first = servable_campaign(bid_millicoins=1_000)
    assert served_campaigns() == [first.pk]
    second = servable_campaign(bid_millicoins=2_000)
    serving_changed(django_capture_on_commit_callbacks)
    assert served_campaigns() == [second.pk, first.pk]


# --- frequency caps ----------------------------------------------------------------------


def _impressions(campaign: Campaign, *, viewer_key: str, at: list[datetime]) -> None:
    creative = creative_of(campaign)
    Impression.objects.bulk_create(
        Impression(
            creative=creative,
            campaign=campaign,
            placement="feed",
            viewer_key=viewer_key,
            created_at=moment,
            token_id=secrets.token_hex(16),
        )
        for moment in at
    )


NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("period", "window"),
    [("hour", timedelta(hours=1)), ("day", timedelta(days=1)), ("week", timedelta(weeks=1))],
)
def test_a_frequency_cap_counts_the_viewers_impressions_in_its_period(period, window):
    campaign = servable_campaign(
        start_at=NOW - timedelta(days=30),
        frequency_cap_impressions=2,
        frequency_cap_period=period,
    )
    inside = NOW - window + timedelta(seconds=1)
    outside = NOW - window
    _impressions(campaign, viewer_key="capped", at=[outside, outside, inside])
    _impressions(campaign, viewer_key="someone-else", at=[NOW, NOW, NOW])
    assert served_campaigns(viewer("capped"), now=NOW) == [campaign.pk]  # 1 of 2

    _impressions(campaign, viewer_key="capped", at=[NOW - timedelta(seconds=1)])
    assert served_campaigns(viewer("capped"), now=NOW) == []  # 2 of 2
    assert served_campaigns(viewer("someone-else"), now=NOW) == []
    assert served_campaigns(viewer("fresh"), now=NOW) == [campaign.pk]
    # once the first one is older than the period, the viewer sees it again
    assert served_campaigns(viewer("capped"), now=inside + window) == [campaign.pk]


def test_a_frequency_cap_counts_only_its_own_campaign():
    capped = servable_campaign(
        start_at=NOW - timedelta(days=1),
        frequency_cap_impressions=1,
        frequency_cap_period="day",
        bid_millicoins=5_000,
    )
    uncapped = servable_campaign(start_at=NOW - timedelta(days=1), bid_millicoins=1_000)
    _impressions(uncapped, viewer_key="v", at=[NOW - timedelta(minutes=n) for n in range(5)])
    assert served_campaigns(viewer("v"), now=NOW) == [capped.pk, uncapped.pk]
    _impressions(capped, viewer_key="v", at=[NOW - timedelta(hours=23)])
    assert served_campaigns(viewer("v"), now=NOW) == [uncapped.pk]


# --- pacing ------------------------------------------------------------------------------

DAY = date(2026, 3, 10)
MIDNIGHT = datetime(2026, 3, 10, tzinfo=UTC)


def test_even_pacing_over_a_simulated_day(django_capture_on_commit_callbacks):
    """A 24-coin daily budget allows 1 coin an hour (plus one impression's 2,000
    micro-coins of slack): at each hour, a campaign at its share is served and one a
    micro-coin ahead of it is not; an `asap` one is served while the day's budget lasts."""
    for hour in range(24):
        now = MIDNIGHT + timedelta(hours=hour)
        share = hour * COIN + 2_000
        at_share = servable_campaign(
            start_at=MIDNIGHT - timedelta(days=1),
            pacing=Campaign.Pacing.EVEN,
            daily_budget=24,
            spend_day=DAY,
            spent_today_micro=min(share, 24 * COIN - 2_000),
            bid_millicoins=2_000,
        )
        ahead = servable_campaign(
            start_at=MIDNIGHT - timedelta(days=1),
            pacing=Campaign.Pacing.EVEN,
            daily_budget=24,
            spend_day=DAY,
            spent_today_micro=share + 1,
            bid_millicoins=2_000,
        )
        asap = servable_campaign(
            start_at=MIDNIGHT - timedelta(days=1),
            pacing=Campaign.Pacing.ASAP,
            daily_budget=24,
            spend_day=DAY,
            spent_today_micro=20 * COIN,
            bid_millicoins=2_000,
        )
        serving_changed(django_capture_on_commit_callbacks)
        served = served_campaigns(now=now)
        assert at_share.pk in served, hour
        assert ahead.pk not in served, hour
        assert asap.pk in served, hour
        Campaign.objects.all().delete()


def test_even_pacing_at_half_past_noon():
    now = MIDNIGHT + timedelta(hours=12, minutes=30)  # 25/48 of the day
    budget = 48 * COIN
    allowed = budget * 25 // 48 + 2_000
    start = MIDNIGHT - timedelta(days=1)
    on_pace = servable_campaign(
        start_at=start, pacing="even", daily_budget=48, spend_day=DAY, spent_today_micro=allowed
    )
    servable_campaign(
        start_at=start,
        pacing="even",
        daily_budget=48,
        spend_day=DAY,
        spent_today_micro=allowed + 1,
    )
    yesterday = servable_campaign(
        start_at=start,
        pacing="even",
        daily_budget=48,
        spend_day=DAY - timedelta(days=1),
        spent_today_micro=48 * COIN,
    )
    assert sorted(served_campaigns(now=now)) == sorted([on_pace.pk, yesterday.pk])


# --- GET ads/serve/ ----------------------------------------------------------------------


def test_serve_answers_the_ads_with_their_video_and_tokens(api_client, settings):
    settings.ADS_PUBLIC_BASE_URL = ""
    campaign = servable_campaign(bid_millicoins=3_000)
    creative = creative_of(campaign)
    video = creative.video
    Video.objects.filter(pk=video.pk).update(thumbnail=f"{video.media_folder}/thumbnail.jpg")
    response = api_client.get(SERVE_URL, {"placement": "feed"}, HTTP_X_AD_VIEWER_ID="player-1")
    assert response.status_code == 200
    [ad] = response.json()["results"]
    token = ad.pop("impression_token")
    owner = ad["video"].pop("owner")
    assert ad == {
        "id": str(creative.pk),
        "campaign": str(campaign.pk),
        "headline": creative.headline,
        "call_to_action": "Learn more",
        "video": {
            "id": str(video.pk),
            "title": video.title,
            "duration_seconds": 12.0,
            "thumbnail_url": f"http://testserver/media/{video.media_folder}/thumbnail.jpg",
        },
        "promoted": True,
        "click_url": f"http://testserver/api/v1/ads/click/{token}/",
    }
    assert owner["id"] == str(video.owner_id)
    assert owner["username"] == video.owner.username
    assert "email" not in owner and "country" not in owner
    ticket = ad_token_read(token)
    assert (ticket.creative_id, ticket.campaign_id, ticket.placement, ticket.user_id) == (
        str(creative.pk),
        str(campaign.pk),
        "feed",
        None,
    )
    assert ticket.viewer_key.startswith("anon:")


def test_serve_puts_click_urls_under_the_public_base_url(api_client, settings):
    settings.ADS_PUBLIC_BASE_URL = "https://ads.example.com/"
    servable_campaign()
    [ad] = api_client.get(SERVE_URL, {"placement": "feed"}).json()["results"]
    assert ad["click_url"] == (
        f"https://ads.example.com/api/v1/ads/click/{ad['impression_token']}/"
    )


def test_serve_signs_in_the_viewer_as_the_user(make_auth_client):
    user = UserFactory()
    servable_campaign()
    [ad] = make_auth_client(user).get(SERVE_URL, {"placement": "preroll"}).json()["results"]
    ticket = ad_token_read(ad["impression_token"])
    assert (ticket.user_id, ticket.viewer_key, ticket.placement) == (
        str(user.pk),
        str(user.pk),
        "preroll",
    )


def test_serve_with_nothing_eligible_answers_an_empty_list(api_client):
    response = api_client.get(SERVE_URL, {"placement": "feed", "count": 3})
    assert response.status_code == 200
    assert response.json() == {"results": []}


def test_each_answer_has_new_tokens(api_client):
    servable_campaign()
    first = api_client.get(SERVE_URL, {"placement": "feed"}).json()["results"][0]
    second = api_client.get(SERVE_URL, {"placement": "feed"}).json()["results"][0]
    assert first["id"] == second["id"]
    assert ad_token_read(first["impression_token"]).token_id != (
        ad_token_read(second["impression_token"]).token_id
    )


@pytest.mark.parametrize(
    ("query", "attr", "code"),
    [
        ({}, "placement", "required"),
        ({"placement": "banner"}, "placement", "invalid_choice"),
        ({"placement": "feed", "count": "0"}, "count", "min_value"),
        ({"placement": "feed", "count": "11"}, "count", "max_value"),
        ({"placement": "feed", "count": "many"}, "count", "invalid"),
    ],
)
def test_serve_refuses_bad_parameters(api_client, query, attr, code):
    response = api_client.get(SERVE_URL, query)
    assert response.status_code == 400
    assert [(error["attr"], error["code"]) for error in response.json()["errors"]] == [(attr, code)]


@pytest.mark.parametrize("count", [1, 10])
def test_serve_runs_a_fixed_number_of_queries(make_auth_client, django_assert_num_queries, count):
    for n in range(12):
        servable_campaign(
            bid_millicoins=1_000 + n,
            frequency_cap_impressions=5 if n % 2 else None,
            frequency_cap_period="day" if n % 2 else "",
        )
    client = make_auth_client(UserFactory())
    assert client.get(SERVE_URL, {"placement": "feed", "count": 1}).status_code == 200  # warm
    # the session's check, the viewer's impressions, the chosen creatives
    with django_assert_num_queries(3):
        response = client.get(SERVE_URL, {"placement": "feed", "count": count})
    assert len(response.json()["results"]) == count


@pytest.mark.parametrize("count", [1, 10])
def test_an_anonymous_decision_runs_a_fixed_number_of_queries(django_assert_num_queries, count):
    for n in range(12):
        servable_campaign(
            bid_millicoins=1_000 + n, frequency_cap_impressions=3, frequency_cap_period="week"
        )
    ads_select(viewer=viewer(), placement="feed", count=1)  # builds the snapshot
    with django_assert_num_queries(2):  # the viewer's impressions, the chosen creatives
        served = ads_select(viewer=viewer(), placement="feed", count=count)
    assert len(served) == count
    assert {ad.creative.video.owner.pk for ad in served}  # loaded, no query


def test_a_creative_whose_videos_owner_is_suspended_is_not_served():
    campaign = servable_campaign()
    User.objects.filter(pk=creative_of(campaign).video.owner_id).update(
        status=User.Status.SUSPENDED
    )
    assert served_campaigns() == []


def test_what_a_creative_shows_is_kept_a_while_and_whether_it_may_run_a_second(
    monkeypatch, django_assert_num_queries
):
    from ads.selectors import serving

    monkeypatch.setattr(serving, "SERVABLE_MAX_AGE_SECONDS", 1.0)
    creative = creative_of(servable_campaign())
    shown = ads_select(viewer=viewer(), placement="feed", count=1)[0].creative
    # Edited behind the services' back (no serving version bump): what it shows is the
    # row loaded a moment ago, and whether it may run was answered a moment ago too.
    Creative.objects.filter(pk=creative.pk).update(headline="Edited")
    with django_assert_num_queries(0):
        served = ads_select(viewer=viewer(), placement="feed", count=1)
    assert served[0].creative is shown
    assert served[0].creative.headline == creative.headline

    # A second later, only whether it may still run is asked.
    monkeypatch.setattr(serving, "SERVABLE_MAX_AGE_SECONDS", 0)
    with django_assert_num_queries(1):
        assert ads_select(viewer=viewer(), placement="feed", count=1)[0].creative is shown

    monkeypatch.setattr(serving, "CREATIVE_MAX_AGE_SECONDS", 0)
    assert ads_select(viewer=viewer(), placement="feed", count=1)[0].creative.headline == "Edited"

    monkeypatch.setattr(serving, "CREATIVE_MAX_AGE_SECONDS", 30)
    Video.objects.filter(pk=creative.video_id).update(visibility=Video.Visibility.PRIVATE)
    assert ads_select(viewer=viewer(), placement="feed", count=1) == []


def test_a_suspended_advertisers_creative_is_not_served_even_before_the_snapshot_knows(
    monkeypatch,
):
    from ads.selectors import serving

    campaign = servable_campaign()
    assert served_campaigns() == [campaign.pk]
    # Another process suspended it: this one has not read the new serving version yet.
    monkeypatch.setattr(serving, "serving_version_current", lambda: serving._snapshot.version)
    Advertiser.objects.filter(pk=campaign.advertiser_id).update(status=Advertiser.Status.SUSPENDED)

    assert served_campaigns() == []


def test_a_process_reads_the_shared_serving_version_at_most_once_a_second(monkeypatch):
    from django.core.cache import cache

    from ads import serving_cache

    first = serving_cache.serving_version_current()
    cache.incr(serving_cache.SERVING_VERSION_KEY)  # another process's bump
    assert serving_cache.serving_version_current() == first
    monkeypatch.setattr(serving_cache, "VERSION_MAX_AGE_SECONDS", 0)
    assert serving_cache.serving_version_current() == first + 1

    monkeypatch.setattr(serving_cache, "VERSION_MAX_AGE_SECONDS", 60)
    serving_cache._bump()  # this process's own bump is seen at once
    assert serving_cache.serving_version_current() == first + 2
