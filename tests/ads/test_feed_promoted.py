"""Promoted items in the feeds (`feed/following/`, `feed/for-you/`, `feed/trending/`):
one every `ADS_FEED_INTERVAL` videos, beside `results`, which stay as without ads."""

from urllib.parse import parse_qs, urlsplit

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core import signing
from django.db import connection

from accounts.serializers.users import UserPublicSerializer
from ads.models import Creative
from ads.tokens import ad_token_read
from core.ads import NoFeedPromotions, feed_promotions, feed_promotions_register
from core.pagination import CURSOR_SALT
from tests.accounts.factories import UserFactory
from tests.ads.factories import CreativeFactory
from tests.ads.serving_helpers import creative_of, servable_campaign
from tests.social.factories import SocialGraph
from tests.videos.factories import VideoFactory

pytestmark = pytest.mark.django_db

FOLLOWING = "/api/v1/feed/following/"
TRENDING = "/api/v1/feed/trending/"
FOR_YOU = "/api/v1/feed/for-you/"
FEEDS = [FOLLOWING, FOR_YOU, TRENDING]
SERVER = "http://testserver"


@pytest.fixture
def me(db):
    return UserFactory(username="me")


@pytest.fixture
def my_client(make_auth_client, me):
    return make_auth_client(me)


@pytest.fixture
def world(me):
    """Seven videos every feed lists to `me`: a followed creator's, all trending."""
    creator = UserFactory(username="creator")
    SocialGraph().follow(me, creator)
    return [VideoFactory(owner=creator, trending_score=float(n + 1)) for n in range(7)]


def ad(*, bid: int) -> Creative:
    """The approved creative of a servable campaign bidding `bid` millicoins."""
    creative = creative_of(servable_campaign(bid_millicoins=bid))
    creative.video.thumbnail = f"{creative.video.media_folder}/thumbnail.jpg"
    creative.video.save(update_fields=["thumbnail"])
    return creative


def expected_item(creative: Creative, *, position: int, token: str) -> dict:
    video = creative.video
    owner = UserPublicSerializer(video.owner, context={"viewer": AnonymousUser()}).data
    return {
        "id": str(creative.pk),
        "headline": creative.headline,
        "call_to_action": "Learn more",
        "campaign": str(creative.campaign_id),
        "video": {
            "id": str(video.pk),
            "title": video.title,
            "duration_seconds": 12.0,
            "thumbnail_url": f"{SERVER}/media/{video.media_folder}/thumbnail.jpg",
            "owner": {**owner, "follow_status": None, "is_following": False},
        },
        "promoted": True,
        "impression_token": token,
        "click_url": f"{SERVER}/api/v1/ads/click/{token}/",
        "position": position,
    }


def page(client, url: str) -> dict:
    response = client.get(url)
    assert response.status_code == 200, response.json()
    return response.json()


def test_one_promoted_item_goes_before_every_kth_video(api_client, world, settings):
    settings.ADS_FEED_INTERVAL = 3
    best, second = ad(bid=9_000), ad(bid=5_000)

    body = page(api_client, f"{TRENDING}?page_size=7")

    assert list(body) == ["next", "previous", "results", "promoted"]
    tokens = [item["impression_token"] for item in body["promoted"]]
    assert body["promoted"] == [
        expected_item(best, position=3, token=tokens[0]),
        expected_item(second, position=6, token=tokens[1]),
    ]
    tickets = [ad_token_read(token) for token in tokens]
    assert [(ticket.creative_id, ticket.placement) for ticket in tickets] == [
        (str(best.pk), "feed"),
        (str(second.pk), "feed"),
    ]
    assert tickets[0].viewer_key.startswith("anon:") and tickets[0].user_id is None


def test_a_signed_in_caller_gets_tokens_of_their_own(my_client, me, world, settings):
    settings.ADS_FEED_INTERVAL = 3
    ad(bid=9_000)

    (item,) = page(my_client, f"{FOLLOWING}?page_size=5")["promoted"]

    ticket = ad_token_read(item["impression_token"])
    assert (item["position"], ticket.viewer_key, ticket.user_id) == (3, str(me.pk), str(me.pk))


def test_the_advertiser_sees_their_own_ad_in_the_public_shape(make_auth_client, world, settings):
    settings.ADS_FEED_INTERVAL = 3
    creative = ad(bid=9_000)
    advertiser_client = make_auth_client(creative.campaign.advertiser.owner)

    (item,) = page(advertiser_client, f"{TRENDING}?page_size=4")["promoted"]

    assert "email" not in item["video"]["owner"]


def test_fewer_eligible_ads_than_slots_fill_the_first_slots(api_client, world, settings):
    settings.ADS_FEED_INTERVAL = 2
    only = ad(bid=9_000)

    promoted = page(api_client, f"{TRENDING}?page_size=7")["promoted"]

    assert [(item["position"], item["id"]) for item in promoted] == [(2, str(only.pk))]


@pytest.mark.parametrize(("interval", "page_size"), [(0, 7), (3, 3), (3, 2), (8, 7)])
def test_no_slot_no_promoted_item(api_client, world, settings, interval, page_size):
    settings.ADS_FEED_INTERVAL = interval
    ad(bid=9_000)

    assert page(api_client, f"{TRENDING}?page_size={page_size}")["promoted"] == []


def test_no_eligible_ad_no_promoted_item(api_client, world, settings):
    settings.ADS_FEED_INTERVAL = 2
    CreativeFactory()  # its campaign is a draft
    pending = creative_of(servable_campaign())
    pending.review_status = Creative.Review.PENDING
    pending.save(update_fields=["review_status"])

    assert page(api_client, f"{TRENDING}?page_size=7")["promoted"] == []


def readable(body: dict) -> dict:
    """`body` with its cursors' contents for their signed form, which has a timestamp."""
    links = {}
    for name in ("next", "previous"):
        if body[name] is None:
            links[name] = None
            continue
        parts = urlsplit(body[name])
        query = parse_qs(parts.query)
        cursor = query.pop("cursor", [None])[0]
        payload = signing.loads(cursor, salt=CURSOR_SALT) if cursor else None
        links[name] = (parts.path, query, payload)
    return {**body, **links}


def walk(client, url: str) -> list[dict]:
    """Every page of a feed, from `url` on."""
    pages = []
    while url:
        pages.append(page(client, url))
        url = pages[-1]["next"]
    return pages


@pytest.mark.parametrize("url", FEEDS)
def test_results_and_cursors_are_the_same_with_and_without_ads(my_client, world, settings, url):
    for bid in (9_000, 8_000, 7_000):
        ad(bid=bid)
    settings.ADS_FEED_INTERVAL = 0
    without = walk(my_client, f"{url}?page_size=3")
    settings.ADS_FEED_INTERVAL = 2

    with_ads = walk(my_client, f"{url}?page_size=3")

    assert [len(body["promoted"]) for body in with_ads] == [1, 1, 0]  # 3, 3, 1 results
    assert [readable({**body, "promoted": []}) for body in with_ads] == [
        readable(body) for body in without
    ]
    # And back, from the last page's `previous`.
    assert page(my_client, with_ads[-1]["previous"])["results"] == with_ads[-2]["results"]


@pytest.mark.parametrize("page_size", [5, 20])
@pytest.mark.parametrize(
    ("url", "signed_in", "queries"),
    [
        (TRENDING, False, 2),  # the page, the serving decision
        (TRENDING, True, 3),  # authentication, the page, the serving decision
        (FOLLOWING, True, 3),  # authentication, the page, the serving decision
        # Authentication, the watched tags, (on SQLite) the followed creators' video
        # counts that pick the page's plan, the page, the serving decision.
        (FOR_YOU, True, 4 + (connection.vendor == "sqlite")),
    ],
)
def test_a_feed_with_promoted_items_costs_the_same_queries_at_any_page_size(
    api_client,
    my_client,
    me,
    settings,
    django_assert_num_queries,
    page_size,
    url,
    signed_in,
    queries,
):
    settings.ADS_FEED_INTERVAL = 2
    creator = UserFactory()
    SocialGraph().follow(me, creator)
    for n in range(25):
        VideoFactory(owner=creator, trending_score=float(n + 1))
    for bid in (9_000, 8_000, 7_000):
        ad(bid=bid)
    client = my_client if signed_in else api_client
    # The first decision of a serving version builds the process's snapshot: 2 more.
    with django_assert_num_queries(queries + 2):
        page(client, f"{url}?page_size={page_size}")

    with django_assert_num_queries(queries):
        body = page(client, f"{url}?page_size={page_size}")

    assert len(body["results"]) == page_size
    assert [item["position"] for item in body["promoted"]] == [2, 4, 6][: (page_size - 1) // 2]


@pytest.fixture
def no_ads_app():
    """The feeds as they are with no app registered in `core.ads`."""
    registered = feed_promotions()
    feed_promotions_register(NoFeedPromotions())
    yield
    feed_promotions_register(registered)


def test_without_a_provider_the_feeds_carry_no_promoted_item(api_client, world, no_ads_app):
    ad(bid=9_000)

    assert page(api_client, f"{TRENDING}?page_size=7")["promoted"] == []


def test_the_schema_documents_promoted_on_the_three_feeds(db):
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    schemas = schema["components"]["schemas"]
    for path in FEEDS:
        operation = schema["paths"][path]["get"]
        content = operation["responses"]["200"]["content"]["application/json"]
        assert content["schema"] == {"$ref": "#/components/schemas/VideoFeedPage"}
        assert [parameter["name"] for parameter in operation["parameters"]] == [
            "cursor",
            "page_size",
        ]
    feed_page = schemas["VideoFeedPage"]
    assert sorted(feed_page["required"]) == ["next", "previous", "promoted", "results"]
    assert feed_page["properties"]["promoted"]["items"] == {
        "$ref": "#/components/schemas/PromotedItem"
    }
    assert set(schemas["PromotedItem"]["properties"]) == {
        "id",
        "headline",
        "call_to_action",
        "campaign",
        "video",
        "promoted",
        "impression_token",
        "click_url",
        "position",
    }
