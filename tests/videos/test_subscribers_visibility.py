"""Subscribers-only videos (visibility `subscribers`): a creator's active subscribers,
the creator and staff see them; nobody else does, whatever their subscription's state
(past due, canceled, expired) or a block between them and the creator."""

from datetime import UTC, datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from payments.models import Subscription
from payments.services.subscriptions import (
    subscription_cancel,
    subscription_create,
    subscriptions_renew,
)
from tests.accounts.factories import ModeratorFactory, UserFactory
from tests.payments.factories import CreatorFactory, CreatorTierFactory, wallet_fund
from tests.videos.factories import VideoFactory
from videos.models import Video

pytestmark = pytest.mark.django_db

V = Video.Visibility
Status = Subscription.Status
START = datetime(2025, 3, 10, 12, 0, tzinfo=UTC)
PERIOD_END = datetime(2025, 4, 10, 12, 0, tzinfo=UTC)


def subscribe(user, tier, *, status: str = Status.ACTIVE) -> Subscription:
    wallet_fund(user, tier.price)
    subscription = subscription_create(subscriber=user, tier=tier, now=START)
    if status != Status.ACTIVE:
        Subscription.objects.filter(pk=subscription.pk).update(status=status)
    return subscription


@pytest.fixture
def world(graph, make_auth_client):
    creator = CreatorFactory(username="creator")
    tier = CreatorTierFactory(creator=creator, price=100)
    users = {
        "subscriber": UserFactory(username="subscriber"),
        "stranger": UserFactory(username="stranger"),
        "past_due": UserFactory(username="past_due"),
        "canceled": UserFactory(username="canceled"),
        "expired": UserFactory(username="expired"),
        "blocked_subscriber": UserFactory(username="blocked_subscriber"),
        "staff": ModeratorFactory(username="staff"),
        "owner": creator,
    }
    subscribe(users["subscriber"], tier)
    subscribe(users["past_due"], tier, status=Status.PAST_DUE)
    subscribe(users["canceled"], tier, status=Status.CANCELED)
    subscribe(users["expired"], tier, status=Status.EXPIRED)
    subscribe(users["blocked_subscriber"], tier)
    for user in users.values():
        if user != creator:
            graph.follow(user, creator)  # so the following feed would list the video
    graph.block(creator, users["blocked_subscriber"])
    videos = {
        "subscribers": VideoFactory(owner=creator, visibility=V.SUBSCRIBERS),
        "public": VideoFactory(owner=creator, visibility=V.PUBLIC),
        "other_creators_subscribers": VideoFactory(visibility=V.SUBSCRIBERS),
    }
    clients = {name: make_auth_client(user) for name, user in users.items()}
    clients["anonymous"] = APIClient()
    return videos, clients


SEES = {"subscriber", "owner", "staff"}
VIEWERS = [
    "anonymous",
    "stranger",
    "subscriber",
    "past_due",
    "canceled",
    "expired",
    "blocked_subscriber",
    "owner",
    "staff",
]


def listed_ids(response) -> set[str]:
    assert response.status_code == 200
    return {item["id"] for item in response.json()["results"]}


@pytest.mark.parametrize("viewer", VIEWERS)
def test_the_video_is_found_by_subscribers_owner_and_staff_only(world, viewer):
    videos, clients = world

    response = clients[viewer].get(f"/api/v1/videos/{videos['subscribers'].pk}/")

    if viewer in SEES:
        assert response.status_code == 200
        assert response.json()["visibility"] == "subscribers"
    else:
        assert response.status_code == 404
        assert response.json()["errors"][0]["code"] == "not_found"


@pytest.mark.parametrize("viewer", VIEWERS)
def test_the_video_is_listed_to_subscribers_owner_and_staff_only(world, viewer):
    videos, clients = world
    video = str(videos["subscribers"].pk)
    client = clients[viewer]

    profile = client.get("/api/v1/users/creator/videos/?page_size=100")
    everything = client.get("/api/v1/videos/?page_size=100")

    if viewer == "blocked_subscriber":
        assert profile.status_code == 404  # the whole profile is hidden
    else:
        assert (video in listed_ids(profile)) is (viewer in SEES)
    assert (video in listed_ids(everything)) is (viewer in SEES)
    if viewer not in ("anonymous", "owner", "staff"):
        feed = client.get("/api/v1/feed/following/?page_size=100")
        assert (video in listed_ids(feed)) is (viewer in SEES)


def test_a_subscription_to_one_creator_opens_no_other_creators_videos(world):
    videos, clients = world

    response = clients["subscriber"].get(
        f"/api/v1/videos/{videos['other_creators_subscribers'].pk}/"
    )

    assert response.status_code == 404


def test_a_subscription_cancelled_at_period_end_keeps_access_until_the_renewal_ends_it(
    world, make_auth_client
):
    videos, _ = world
    fan = UserFactory()
    tier = CreatorTierFactory(creator=videos["subscribers"].owner, name="Cancelled", price=50)
    subscription = subscribe(fan, tier)
    subscription_cancel(subscription=subscription, user=fan)
    client = make_auth_client(fan)
    url = f"/api/v1/videos/{videos['subscribers'].pk}/"

    assert client.get(url).status_code == 200  # paid until the period ends

    subscriptions_renew(now=PERIOD_END)

    subscription.refresh_from_db()
    assert subscription.status == Status.CANCELED
    assert client.get(url).status_code == 404


def test_access_ends_when_a_renewal_finds_no_funds(world, make_auth_client):
    videos, _ = world
    fan = UserFactory()
    subscribe(fan, CreatorTierFactory(creator=videos["subscribers"].owner, name="Poor", price=50))
    client = make_auth_client(fan)
    url = f"/api/v1/videos/{videos['subscribers'].pk}/"
    assert client.get(url).status_code == 200

    subscriptions_renew(now=PERIOD_END)

    assert client.get(url).status_code == 404


# -- uploading and editing -------------------------------------------------------------


def test_a_video_is_uploaded_for_subscribers(auth_client, video_small, media_root):
    response = auth_client.post(
        "/api/v1/videos/",
        {
            "title": "For my subscribers",
            "visibility": "subscribers",
            "file": SimpleUploadedFile("clip.mp4", video_small.read_bytes()),
        },
        format="multipart",
    )

    assert response.status_code == 201, response.json()
    assert response.json()["visibility"] == "subscribers"
    assert Video.objects.get().visibility == V.SUBSCRIBERS


def test_a_video_is_made_subscribers_only_and_back(auth_client, user, make_auth_client):
    video = VideoFactory(owner=user, visibility=V.PUBLIC)
    stranger = make_auth_client(UserFactory())
    url = f"/api/v1/videos/{video.pk}/"

    hidden = auth_client.patch(url, {"visibility": "subscribers"}, format="json")

    assert (hidden.status_code, hidden.json()["visibility"]) == (200, "subscribers")
    assert stranger.get(url).status_code == 404

    shown = auth_client.patch(url, {"visibility": "public"}, format="json")

    assert shown.status_code == 200
    assert stranger.get(url).status_code == 200
