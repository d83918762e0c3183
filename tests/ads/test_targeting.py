"""Targeting: each dimension matching, not matching, and the viewer's fact absent; and
the viewer's facts as read from the profile and the request (`ads.viewers`)."""

from datetime import date

import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import RequestFactory
from django.utils import timezone

from ads.viewers import ad_viewer_from_request, age_on
from tests.accounts.factories import UserFactory
from tests.ads.serving_helpers import servable_campaign, served_campaigns, viewer

pytestmark = pytest.mark.django_db

IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1"
)
WINDOWS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/124.0.0.0 Safari/537.36"
)


@pytest.mark.parametrize(
    ("targeting", "facts", "is_served"),
    [
        # countries
        ({"target_countries": ["DE", "AT"]}, {"country": "AT"}, True),
        ({"target_countries": ["DE", "AT"]}, {"country": "FR"}, False),
        ({"target_countries": ["DE", "AT"]}, {}, False),
        # languages
        ({"target_languages": ["de", "fr"]}, {"language": "fr"}, True),
        ({"target_languages": ["de", "fr"]}, {"language": "en"}, False),
        ({"target_languages": ["de", "fr"]}, {}, False),
        # interests: one in common is enough
        ({"target_interests": ["cooking", "travel"]}, {"interests": ("music", "travel")}, True),
        ({"target_interests": ["cooking", "travel"]}, {"interests": ("music",)}, False),
        ({"target_interests": ["cooking", "travel"]}, {}, False),
        # age: bounds included
        ({"target_age_min": 18, "target_age_max": 34}, {"age": 18}, True),
        ({"target_age_min": 18, "target_age_max": 34}, {"age": 34}, True),
        ({"target_age_min": 18, "target_age_max": 34}, {"age": 17}, False),
        ({"target_age_min": 18, "target_age_max": 34}, {"age": 35}, False),
        ({"target_age_min": 18, "target_age_max": 34}, {}, False),
        ({"target_age_min": 50}, {"age": 77}, True),
        ({"target_age_min": 50}, {"age": 49}, False),
        ({"target_age_max": 20}, {"age": 13}, True),
        ({"target_age_max": 20}, {"age": 21}, False),
        ({"target_age_max": 20}, {}, False),
        # devices
        ({"target_devices": ["mobile", "tablet"]}, {"device": "tablet"}, True),
        ({"target_devices": ["mobile", "tablet"]}, {"device": "desktop"}, False),
        ({"target_devices": ["mobile", "tablet"]}, {}, False),
        # no targeting matches everyone, whatever they gave
        ({}, {}, True),
        ({}, {"country": "JP", "language": "ja", "age": 40, "device": "tv"}, True),
        # every dimension at once: all must match
        (
            {"target_countries": ["BR"], "target_languages": ["pt"], "target_devices": ["tv"]},
            {"country": "BR", "language": "pt", "device": "tv"},
            True,
        ),
        (
            {"target_countries": ["BR"], "target_languages": ["pt"], "target_devices": ["tv"]},
            {"country": "BR", "language": "pt", "device": "mobile"},
            False,
        ),
    ],
)
def test_targeting_matrix(targeting, facts, is_served):
    campaign = servable_campaign(**targeting)
    expected = [campaign.pk] if is_served else []
    assert served_campaigns(viewer(**facts)) == expected


def test_only_the_matching_campaigns_are_served_best_first():
    german = servable_campaign(target_countries=["DE"], bid_millicoins=3_000)
    everyone = servable_campaign(bid_millicoins=1_000)
    french = servable_campaign(target_countries=["FR"], bid_millicoins=5_000)
    assert served_campaigns(viewer(country="DE")) == [german.pk, everyone.pk]
    assert served_campaigns(viewer(country="FR")) == [french.pk, everyone.pk]
    assert served_campaigns(viewer()) == [everyone.pk]


# --- the viewer's facts ------------------------------------------------------------------


def _request(user=None, **headers):
    request = RequestFactory().get("/api/v1/ads/serve/", **headers)
    request.user = user or AnonymousUser()
    return request


def _years_ago(years: int) -> date:
    today = timezone.now().date()
    return today.replace(year=today.year - years, day=min(today.day, 28))


def test_a_signed_in_viewer_is_described_by_the_profile():
    user = UserFactory(
        country="DE", language="de", birth_date=_years_ago(30), interests=["cooking", "travel"]
    )
    found = ad_viewer_from_request(
        _request(user, HTTP_USER_AGENT=IPHONE, HTTP_ACCEPT_LANGUAGE="fr-FR,fr;q=0.9")
    )
    assert found == viewer(
        str(user.pk),
        user=user,
        country="DE",
        language="de",
        age=30,
        interests=("cooking", "travel"),
        device="mobile",
    )


def test_the_request_fills_in_what_the_profile_leaves_out(settings):
    settings.ADS_COUNTRY_HEADER = "CF-IPCountry"
    user = UserFactory()
    found = ad_viewer_from_request(
        _request(
            user,
            HTTP_USER_AGENT=WINDOWS,
            HTTP_ACCEPT_LANGUAGE="pt-BR,pt;q=0.9,en;q=0.8",
            HTTP_CF_IPCOUNTRY="br",
        )
    )
    assert (found.country, found.language, found.age, found.interests, found.device) == (
        "BR",
        "pt",
        None,
        (),
        "desktop",
    )


def test_an_anonymous_viewer_is_described_by_the_request(settings):
    settings.ADS_COUNTRY_HEADER = "CF-IPCountry"
    found = ad_viewer_from_request(
        _request(
            HTTP_USER_AGENT=IPHONE,
            HTTP_ACCEPT_LANGUAGE="*, en-GB;q=0.5",
            HTTP_CF_IPCOUNTRY="GB",
            HTTP_X_AD_VIEWER_ID="player-42",
        )
    )
    assert found.user is None
    assert found.viewer_key.startswith("anon:")
    assert (found.country, found.language, found.age, found.interests, found.device) == (
        "GB",
        "en",
        None,
        (),
        "mobile",
    )


def test_the_country_header_is_ignored_unless_configured(settings):
    settings.ADS_COUNTRY_HEADER = ""
    found = ad_viewer_from_request(_request(HTTP_CF_IPCOUNTRY="GB"))
    assert found.country == ""


@pytest.mark.parametrize("value", ["XX", "T1", "GBR", "1", ""])
def test_a_country_header_that_names_no_country_is_ignored(settings, value):
    settings.ADS_COUNTRY_HEADER = "CF-IPCountry"
    found = ad_viewer_from_request(_request(HTTP_CF_IPCOUNTRY=value))
    assert found.country == ""


def test_without_headers_nothing_is_known_but_the_viewer():
    found = ad_viewer_from_request(_request())
    assert (found.country, found.language, found.age, found.interests, found.device) == (
        "",
        "",
        None,
        (),
        "",
    )


@pytest.mark.parametrize(
    ("birth_date", "today", "age"),
    [
        (date(2000, 6, 15), date(2026, 6, 14), 25),
        (date(2000, 6, 15), date(2026, 6, 15), 26),
        (date(2000, 2, 29), date(2026, 2, 28), 25),
        (date(2000, 2, 29), date(2026, 3, 1), 26),
    ],
)
def test_the_age_counts_whole_years(birth_date, today, age):
    assert age_on(birth_date, today) == age


def test_the_profile_and_the_user_agent_target_through_the_api(make_auth_client):
    user = UserFactory(country="NL", birth_date=_years_ago(25))
    dutch_phones = servable_campaign(
        target_countries=["NL"], target_devices=["mobile"], target_age_min=21
    )
    servable_campaign(target_countries=["NL"], target_devices=["desktop"])
    client = make_auth_client(user)
    response = client.get("/api/v1/ads/serve/?placement=feed&count=5", HTTP_USER_AGENT=IPHONE)
    assert response.status_code == 200
    assert [ad["campaign"] for ad in response.json()["results"]] == [str(dutch_phones.pk)]
