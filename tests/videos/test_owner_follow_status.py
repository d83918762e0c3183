"""A video's nested `owner` carries the caller's `follow_status` (and `is_following`),
as profiles and user lists do: on the detail, every list and every feed, at a fixed
query cost."""

from datetime import timedelta

import pytest
from django.utils import timezone

from social.services.engagement import video_bookmark
from tests.accounts.factories import ModeratorFactory, UserFactory
from tests.videos.factories import VideoFactory
from videos.models import Video
from videos.services.watching import watch_history_entry_upsert

pytestmark = pytest.mark.django_db


@pytest.fixture
def followed(graph, me):
    user = UserFactory(username="followed")
    graph.follow(me, user)
    return user


@pytest.fixture
def stranger():
    return UserFactory(username="stranger")


def owners(response) -> list[tuple[str, str | None, bool]]:
    """(username, follow_status, is_following) of each video's owner, in order."""
    assert response.status_code == 200, response.json()
    body = response.json()
    items = body.get("results", [body])
    videos = [item.get("video", item) for item in items]  # history entries hold a video
    return [
        (owner["username"], owner["follow_status"], owner["is_following"])
        for owner in (video["owner"] for video in videos)
    ]


FOLLOWED = ("followed", "following", True)
STRANGER = ("stranger", None, False)


def test_the_detail_gives_the_callers_follow_of_the_owner(my_client, followed, stranger):
    mine = VideoFactory(owner=followed)
    theirs = VideoFactory(owner=stranger)
    assert owners(my_client.get(f"/api/v1/videos/{mine.pk}/")) == [FOLLOWED]
    assert owners(my_client.get(f"/api/v1/videos/{theirs.pk}/")) == [STRANGER]


def test_an_edit_answers_with_the_owner_as_the_detail_does(my_client, me):
    video = VideoFactory(owner=me)
    response = my_client.patch(f"/api/v1/videos/{video.pk}/", {"title": "New"})
    assert owners(response) == [("me", None, False)]


def test_anonymous_callers_see_no_follow(api_client, followed):
    video = VideoFactory(owner=followed)
    assert owners(api_client.get(f"/api/v1/videos/{video.pk}/")) == [("followed", None, False)]


def test_a_request_to_a_private_account_shows_as_requested(graph, make_auth_client):
    moderator = ModeratorFactory(username="moderator")  # staff see private accounts' videos
    private = UserFactory(username="private", is_private=True)
    graph.request(moderator, private)
    video = VideoFactory(owner=private, visibility=Video.Visibility.FOLLOWERS)
    response = make_auth_client(moderator).get(f"/api/v1/videos/{video.pk}/")
    assert owners(response) == [("private", "requested", False)]


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/videos/?ordering=-published_at",
        "/api/v1/feed/trending/",
        "/api/v1/feed/for-you/",
        "/api/v1/bookmarks/",
        "/api/v1/users/me/history/",
    ],
)
def test_lists_and_feeds_give_the_callers_follow_of_each_owner(
    my_client, me, followed, stranger, url
):
    now = timezone.now()
    first = VideoFactory(owner=stranger, trending_score=1.0, published_at=now)
    second = VideoFactory(owner=followed, trending_score=2.0, published_at=now)
    for video, minutes in ((first, 1), (second, 2)):
        video_bookmark(video=video, user=me)
        watch_history_entry_upsert(
            user=me, video=video, watched_seconds=1, now=now - timedelta(days=29, minutes=minutes)
        )
    listed = owners(my_client.get(url))
    assert sorted(listed) == sorted([FOLLOWED, STRANGER])


def test_a_profile_and_the_following_feed_give_it_too(my_client, followed):
    VideoFactory(owner=followed)
    assert owners(my_client.get("/api/v1/users/followed/videos/")) == [FOLLOWED]
    assert owners(my_client.get("/api/v1/feed/following/")) == [FOLLOWED]


@pytest.mark.parametrize("page_size", [1, 20])
@pytest.mark.parametrize(
    ("url", "queries"),
    [
        ("/api/v1/videos/", 2),  # authentication, the page
        ("/api/v1/feed/following/", 2),  # authentication, the page
        ("/api/v1/feed/trending/", 2),  # authentication, the page
    ],
)
def test_the_follow_costs_no_query_per_video(
    graph, me, my_client, django_assert_num_queries, page_size, url, queries
):
    for n in range(25):
        owner = UserFactory()
        graph.follow(me, owner)
        VideoFactory(owner=owner, trending_score=float(n + 1))
    with django_assert_num_queries(queries):
        response = my_client.get(f"{url}?page_size={page_size}")
    listed = owners(response)
    assert len(listed) == page_size
    assert {(status, following) for _, status, following in listed} == {("following", True)}
