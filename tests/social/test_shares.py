"""Shares: `POST /api/v1/videos/{id}/share/` `{channel?}` -> 201 `{share_url, share_count}`.

Given an owner with a public and a followers-only video, an accepted follower, a
stranger, a user the owner blocked, a user who blocked the owner, and a moderator.
"""

import threading

import pytest
from django.conf import settings
from django.db import connection
from rest_framework.test import APIClient

from social.models import SHARE_CHANNELS, Share
from social.services.engagement import video_share
from tests.conftest import error_first
from tests.videos.factories import VideoFactory
from videos.models import Video

V = Video.Visibility
pytestmark = pytest.mark.django_db


def share_url(video) -> str:
    return f"/api/v1/videos/{video.pk}/share/"


def share_count(video) -> int:
    return Video.objects.get(pk=video.pk).share_count


# -- who may ---------------------------------------------------------------------------

SHARE_STATUS = {
    "public": {
        "anonymous": 201,
        "stranger": 201,
        "follower": 201,
        "blocked": 404,
        "blocker": 404,
        "owner": 201,
        "staff": 201,
    },
    "followers": {
        "anonymous": 404,
        "stranger": 404,
        "follower": 201,
        "blocked": 404,
        "blocker": 404,
        "owner": 201,
        "staff": 201,
    },
}


@pytest.mark.parametrize(
    ("kind", "viewer"), [(kind, viewer) for kind, row in SHARE_STATUS.items() for viewer in row]
)
def test_who_may_share_a_video(people, videos, kind, viewer):
    users, clients = people
    video = videos[kind]

    response = clients[viewer].post(share_url(video), {"channel": "link"})

    assert response.status_code == SHARE_STATUS[kind][viewer]
    if response.status_code == 201:
        assert response.json() == {
            "share_url": f"{settings.FRONTEND_URL}/videos/{video.pk}",
            "share_count": 1,
        }
        share = Share.objects.get(video=video)
        assert share.user == users.get(viewer)  # None for the anonymous caller
        assert share.channel == "link"
    else:
        assert error_first(response)["code"] == "not_found"
        assert share_count(video) == 0
        assert not Share.objects.exists()


def test_every_share_is_recorded_and_counted(people, videos):
    _, clients = people
    video = videos["public"]

    counts = [
        clients[viewer].post(share_url(video), {"channel": channel}).json()["share_count"]
        for viewer, channel in [("stranger", "email"), ("stranger", "email"), ("owner", "reddit")]
    ]

    assert counts == [1, 2, 3]
    assert share_count(video) == 3
    assert sorted(Share.objects.values_list("user__username", "channel")) == [
        ("owner", "reddit"),
        ("stranger", "email"),
        ("stranger", "email"),
    ]


@pytest.mark.parametrize("channel", SHARE_CHANNELS)
def test_every_listed_channel_is_accepted(people, videos, channel):
    _, clients = people

    response = clients["stranger"].post(share_url(videos["public"]), {"channel": channel})

    assert response.status_code == 201
    assert Share.objects.get().channel == channel


def test_the_channel_is_optional(people, videos):
    _, clients = people

    response = clients["anonymous"].post(share_url(videos["public"]))

    assert response.status_code == 201
    assert Share.objects.get().channel == ""


@pytest.mark.parametrize(
    ("body", "code", "attr"),
    [
        ({"channel": "myspace"}, "invalid_choice", "channel"),
        ({"channel": "LINK"}, "invalid_choice", "channel"),
        ({"channel": ""}, "invalid_choice", "channel"),
        ({"channel": None}, "null", "channel"),
        ({"channel": ["link"]}, "invalid_choice", "channel"),
        (["link"], "invalid", "non_field_errors"),
    ],
)
def test_bad_bodies_answer_400(people, videos, body, code, attr):
    _, clients = people

    response = clients["stranger"].post(share_url(videos["public"]), body, format="json")

    assert response.status_code == 400
    assert (error_first(response)["code"], error_first(response)["attr"]) == (code, attr)
    assert not Share.objects.exists()
    assert share_count(videos["public"]) == 0


def test_malformed_json_answers_400(people, videos):
    _, clients = people

    response = clients["stranger"].post(
        share_url(videos["public"]), "{not json", content_type="application/json"
    )

    assert response.status_code == 400
    assert error_first(response)["code"] == "parse_error"


@pytest.mark.parametrize("status", [Video.Status.PROCESSING, Video.Status.FAILED])
def test_videos_that_are_not_ready_cannot_be_shared(people, status):
    users, clients = people
    video = VideoFactory(owner=users["owner"], status=status, published_at=None)

    for viewer in ("owner", "staff"):
        response = clients[viewer].post(share_url(video))
        assert response.status_code == 404
        assert error_first(response)["code"] == "not_found"
    assert not Share.objects.exists()


@pytest.mark.parametrize("bad_id", ["not-a-uuid", "00000000-0000-0000-0000-000000000000"])
def test_unknown_videos_are_404(api_client, bad_id):
    response = api_client.post(f"/api/v1/videos/{bad_id}/share/")
    assert response.status_code == 404
    assert error_first(response)["code"] == "not_found"


def test_the_share_url_follows_the_frontend_setting(people, videos, settings):
    _, clients = people
    settings.FRONTEND_URL = "https://watch.example.com/"
    video = videos["public"]

    response = clients["stranger"].post(share_url(video))

    assert response.json()["share_url"] == f"https://watch.example.com/videos/{video.pk}"


def test_unlisted_videos_are_shared_by_anyone_with_the_id(people):
    users, clients = people
    video = VideoFactory(owner=users["owner"], visibility=V.UNLISTED)

    assert clients["anonymous"].post(share_url(video)).status_code == 201


# -- throttling ------------------------------------------------------------------------


def share_rate() -> int:
    return int(settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["share"].split("/")[0])


def test_shares_are_throttled_per_account(people, videos):
    _, clients = people
    video = videos["public"]
    for _ in range(share_rate()):
        assert clients["stranger"].post(share_url(video)).status_code == 201

    response = clients["stranger"].post(share_url(video))

    assert response.status_code == 429
    assert error_first(response)["code"] == "throttled"
    assert share_count(video) == share_rate()
    assert clients["follower"].post(share_url(video)).status_code == 201  # another client


def test_anonymous_shares_are_throttled_per_address(videos):
    video = videos["public"]
    client = APIClient()
    for _ in range(share_rate()):
        assert client.post(share_url(video)).status_code == 201

    response = client.post(share_url(video))

    assert response.status_code == 429
    assert error_first(response)["code"] == "throttled"
    elsewhere = APIClient(REMOTE_ADDR="203.0.113.9")
    assert elsewhere.post(share_url(video)).status_code == 201


# -- concurrency -----------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_concurrent_shares_all_count():
    video = VideoFactory()
    barrier = threading.Barrier(8)
    errors = []

    def share():
        try:
            barrier.wait()
            video_share(video=video, user=None, channel="link")
        except BaseException as error:  # reported below, in the test's thread
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=share) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert share_count(video) == 8
    assert Share.objects.filter(video=video).count() == 8
