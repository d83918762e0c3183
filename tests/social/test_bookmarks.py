"""Bookmarks: `POST/DELETE /api/v1/videos/{id}/bookmark/` and `GET /api/v1/bookmarks/`.

Given an owner with a public and a followers-only video, an accepted follower, a
stranger, a user the owner blocked, a user who blocked the owner, and a moderator.
"""

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from accounts.models import User
from social.models import Bookmark
from social.services.engagement import video_bookmark
from tests.accounts.factories import UserFactory
from tests.conftest import error_code
from tests.social.conftest import ENGAGE_MATRIX, ENGAGE_STATUS
from tests.social.factories import BookmarkFactory, VideoLikeFactory
from tests.videos.factories import VideoFactory
from videos.models import Video

V = Video.Visibility
BOOKMARKS = "/api/v1/bookmarks/"
pytestmark = pytest.mark.django_db


def bookmark_url(video) -> str:
    return f"/api/v1/videos/{video.pk}/bookmark/"


def bookmark_at(video, user, minutes_ago: int) -> Bookmark:
    bookmark = BookmarkFactory(video=video, user=user)
    Bookmark.objects.filter(pk=bookmark.pk).update(
        created_at=timezone.now() - timedelta(minutes=minutes_ago)
    )
    return bookmark


def listed_titles(client, query: str = "") -> list[str]:
    response = client.get(f"{BOOKMARKS}{query}")
    assert response.status_code == 200
    return [video["title"] for video in response.json()["results"]]


# -- bookmarking: who may --------------------------------------------------------------


@pytest.mark.parametrize(("kind", "viewer"), ENGAGE_MATRIX)
def test_who_may_bookmark_a_video(people, videos, kind, viewer):
    users, clients = people
    video = videos[kind]

    response = clients[viewer].post(bookmark_url(video))

    expected = ENGAGE_STATUS[kind][viewer]
    assert response.status_code == expected
    if expected == 201:
        assert response.json() == {"bookmarked": True}
        assert Bookmark.objects.filter(video=video, user=users[viewer]).exists()
    else:
        assert error_code(response) == {401: "not_authenticated", 404: "not_found"}[expected]
        assert not Bookmark.objects.exists()


@pytest.mark.parametrize(("kind", "viewer"), ENGAGE_MATRIX)
def test_who_may_remove_a_bookmark(people, videos, kind, viewer):
    users, clients = people
    video = videos[kind]
    if viewer != "anonymous":
        BookmarkFactory(video=video, user=users[viewer])  # made before the block

    response = clients[viewer].delete(bookmark_url(video))

    expected = {201: 204}.get(ENGAGE_STATUS[kind][viewer], ENGAGE_STATUS[kind][viewer])
    assert response.status_code == expected
    assert Bookmark.objects.count() == (0 if expected in (204, 401) else 1)


def test_bookmarking_twice_is_one_bookmark(people, videos):
    _, clients = people
    video = videos["public"]

    first = clients["stranger"].post(bookmark_url(video))
    second = clients["stranger"].post(bookmark_url(video))

    assert (first.status_code, second.status_code) == (201, 200)
    assert second.json() == {"bookmarked": True}
    assert Bookmark.objects.filter(video=video).count() == 1


def test_removing_a_bookmark_is_idempotent_and_leaves_others(people, videos):
    users, clients = people
    video = videos["public"]
    clients["stranger"].post(bookmark_url(video))
    clients["follower"].post(bookmark_url(video))

    first = clients["stranger"].delete(bookmark_url(video))
    second = clients["stranger"].delete(bookmark_url(video))

    assert (first.status_code, second.status_code) == (204, 204)
    assert list(Bookmark.objects.values_list("user", flat=True)) == [users["follower"].pk]


@pytest.mark.parametrize("status", [Video.Status.PROCESSING, Video.Status.FAILED])
@pytest.mark.parametrize("viewer", ["owner", "staff"])
def test_videos_that_are_not_ready_cannot_be_bookmarked(people, status, viewer):
    users, clients = people
    video = VideoFactory(owner=users["owner"], status=status, published_at=None)

    response = clients[viewer].post(bookmark_url(video))

    assert response.status_code == 404
    assert error_code(response) == "not_found"
    assert not Bookmark.objects.exists()


@pytest.mark.parametrize("bad_id", ["not-a-uuid", "00000000-0000-0000-0000-000000000000"])
def test_unknown_videos_are_404(people, bad_id):
    _, clients = people
    for response in (
        clients["stranger"].post(f"/api/v1/videos/{bad_id}/bookmark/"),
        clients["stranger"].delete(f"/api/v1/videos/{bad_id}/bookmark/"),
    ):
        assert response.status_code == 404
        assert error_code(response) == "not_found"


# -- the bookmarks list ----------------------------------------------------------------


def test_the_list_needs_a_signed_in_user(api_client):
    response = api_client.get(BOOKMARKS)
    assert response.status_code == 401
    assert error_code(response) == "not_authenticated"


def test_the_list_shows_the_callers_bookmarked_videos_latest_bookmark_first(people, videos):
    users, clients = people
    me = users["follower"]
    older = VideoFactory(title="older")
    bookmark_at(older, me, minutes_ago=3)
    bookmark_at(videos["followers"], me, minutes_ago=1)
    bookmark_at(videos["public"], me, minutes_ago=2)
    bookmark_at(VideoFactory(title="someone else's"), users["stranger"], minutes_ago=0)
    VideoLikeFactory(video=older, user=me)

    response = clients["follower"].get(BOOKMARKS)

    assert response.status_code == 200
    body = response.json()
    assert (body["next"], body["previous"]) == (None, None)
    results = body["results"]
    assert [video["id"] for video in results] == [
        str(videos["followers"].pk),
        str(videos["public"].pk),
        str(older.pk),
    ]
    assert [video["is_bookmarked"] for video in results] == [True, True, True]
    assert [video["is_liked"] for video in results] == [False, False, True]
    first = results[0]
    assert first["owner"]["username"] == "owner"
    assert first["visibility"] == "followers"
    assert first["status"] == "ready"


def test_videos_the_caller_may_no_longer_see_are_left_out_but_kept(people, videos, graph):
    users, clients = people
    me = users["stranger"]
    bookmark_at(videos["public"], me, minutes_ago=2)
    made_private = VideoFactory(title="made private")
    bookmark_at(made_private, me, minutes_ago=1)
    of_banned = VideoFactory(title="of banned", owner=UserFactory(status=User.Status.BANNED))
    bookmark_at(of_banned, me, minutes_ago=0)
    Video.objects.filter(pk=made_private.pk).update(visibility=V.PRIVATE)

    assert listed_titles(clients["stranger"]) == [videos["public"].title]

    graph.block(users["owner"], me)
    assert listed_titles(clients["stranger"]) == []
    assert Bookmark.objects.filter(user=me).count() == 3

    graph.unblock(users["owner"], me)
    Video.objects.filter(pk=made_private.pk).update(visibility=V.PUBLIC)
    assert listed_titles(clients["stranger"]) == ["made private", videos["public"].title]


def test_the_list_walks_with_its_cursor(people):
    users, clients = people
    for minutes in range(5):
        bookmark_at(VideoFactory(title=f"video {minutes}"), users["stranger"], minutes)

    first = clients["stranger"].get(f"{BOOKMARKS}?page_size=3").json()
    second = clients["stranger"].get(first["next"]).json()

    assert [video["title"] for video in first["results"]] == ["video 0", "video 1", "video 2"]
    assert [video["title"] for video in second["results"]] == ["video 3", "video 4"]
    assert second["next"] is None


@pytest.mark.parametrize(
    ("query", "code", "attr"),
    [
        ("cursor=forged", "invalid_cursor", "cursor"),
        ("page_size=nope", "invalid_page_size", "page_size"),
    ],
)
def test_bad_list_parameters_answer_400(people, query, code, attr):
    _, clients = people

    response = clients["stranger"].get(f"{BOOKMARKS}?{query}")

    assert response.status_code == 400
    assert response.json()["errors"][0]["code"] == code
    assert response.json()["errors"][0]["attr"] == attr


@pytest.mark.parametrize("page_size", [1, 20])
def test_the_list_costs_the_same_queries_at_any_page_size(
    people, django_assert_num_queries, page_size
):
    users, clients = people
    me = users["follower"]
    owners = [UserFactory(), users["owner"]]
    for minutes in range(45):
        video = VideoFactory(owner=owners[minutes % 2], visibility=V.FOLLOWERS)
        if minutes % 3 == 0:
            VideoLikeFactory(video=video, user=me)
        bookmark_at(video, me, minutes)  # half of them of an account I do not follow

    with django_assert_num_queries(3):  # authentication, the page, then its videos
        response = clients["follower"].get(f"{BOOKMARKS}?page_size={page_size}")

    results = response.json()["results"]
    assert len(results) == page_size
    assert all(video["is_bookmarked"] for video in results)


# -- concurrency -----------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_concurrent_bookmarks_of_one_user_make_one():
    video = VideoFactory()
    user = UserFactory()
    barrier = threading.Barrier(6)
    results, errors = [], []

    def bookmark():
        try:
            barrier.wait()
            results.append(video_bookmark(video=video, user=user))
        except BaseException as error:  # reported below, in the test's thread
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=bookmark) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert sorted(results) == [False] * 5 + [True]
    assert Bookmark.objects.filter(video=video, user=user).count() == 1
