"""Likes of videos: `POST/DELETE /api/v1/videos/{id}/like/` and `GET .../likes/`.

Given an owner with a public and a followers-only video, an accepted follower, a
stranger, a user the owner blocked, a user who blocked the owner, and a moderator.
"""

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import User
from notifications.models import Notification
from social.models import VideoLike
from social.services.engagement import video_like, video_unlike
from tests.accounts.factories import UserFactory
from tests.conftest import error_code
from tests.social.conftest import ENGAGE_MATRIX, ENGAGE_STATUS
from tests.social.factories import SocialGraph, VideoLikeFactory
from tests.threads import at_once
from tests.videos.factories import VideoFactory
from videos.models import Video

V = Video.Visibility
pytestmark = pytest.mark.django_db


def like_url(video) -> str:
    return f"/api/v1/videos/{video.pk}/like/"


def likes_url(video) -> str:
    return f"/api/v1/videos/{video.pk}/likes/"


def like_count(video) -> int:
    return Video.objects.get(pk=video.pk).like_count


# -- liking: who may -------------------------------------------------------------------


@pytest.mark.parametrize(("kind", "viewer"), ENGAGE_MATRIX)
def test_who_may_like_a_video(people, videos, kind, viewer):
    _, clients = people
    video = videos[kind]

    response = clients[viewer].post(like_url(video))

    expected = ENGAGE_STATUS[kind][viewer]
    assert response.status_code == expected
    if expected == 201:
        assert response.json() == {"liked": True, "like_count": 1}
        assert like_count(video) == 1
        assert VideoLike.objects.filter(video=video).count() == 1
    else:
        assert error_code(response) == {401: "not_authenticated", 404: "not_found"}[expected]
        assert like_count(video) == 0
        assert not VideoLike.objects.exists()
    if expected == 401:
        assert response["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize(("kind", "viewer"), ENGAGE_MATRIX)
def test_who_may_take_a_like_back(people, videos, kind, viewer):
    users, clients = people
    video = videos[kind]
    if viewer != "anonymous":
        VideoLikeFactory(video=video, user=users[viewer])  # liked before the block

    response = clients[viewer].delete(like_url(video))

    expected = {201: 204}.get(ENGAGE_STATUS[kind][viewer], ENGAGE_STATUS[kind][viewer])
    assert response.status_code == expected
    likes_left = VideoLike.objects.filter(video=video).count()
    assert likes_left == (0 if expected in (204, 401) else 1)


def test_liking_twice_is_one_like(people, videos):
    _, clients = people
    video = videos["public"]

    first = clients["stranger"].post(like_url(video))
    second = clients["stranger"].post(like_url(video))

    assert first.status_code == 201
    assert second.status_code == 200
    assert second.json() == {"liked": True, "like_count": 1}
    assert like_count(video) == 1
    assert VideoLike.objects.filter(video=video).count() == 1


def test_the_count_includes_other_peoples_likes(people, videos):
    _, clients = people
    video = videos["public"]
    clients["stranger"].post(like_url(video))

    response = clients["follower"].post(like_url(video))

    assert response.json() == {"liked": True, "like_count": 2}


def test_unliking_removes_the_like_and_is_idempotent(people, videos):
    users, clients = people
    video = videos["public"]
    clients["stranger"].post(like_url(video))
    clients["follower"].post(like_url(video))

    first = clients["stranger"].delete(like_url(video))
    second = clients["stranger"].delete(like_url(video))

    assert (first.status_code, second.status_code) == (204, 204)
    assert like_count(video) == 1
    assert list(VideoLike.objects.filter(video=video).values_list("user", flat=True)) == [
        users["follower"].pk
    ]


def test_unliking_never_takes_the_count_below_zero(people, videos):
    users, clients = people
    video = videos["public"]
    VideoLikeFactory(video=video, user=users["stranger"])  # a row the counter missed

    assert clients["stranger"].delete(like_url(video)).status_code == 204

    assert like_count(video) == 0


@pytest.mark.parametrize("status", [Video.Status.PROCESSING, Video.Status.FAILED])
@pytest.mark.parametrize("viewer", ["owner", "staff", "stranger"])
def test_videos_that_are_not_ready_cannot_be_liked(people, status, viewer):
    users, clients = people
    video = VideoFactory(owner=users["owner"], status=status, published_at=None)

    for response in (
        clients[viewer].post(like_url(video)),
        clients[viewer].delete(like_url(video)),
        clients[viewer].get(likes_url(video)),
    ):
        assert response.status_code == 404
        assert error_code(response) == "not_found"
    assert not VideoLike.objects.exists()


@pytest.mark.parametrize("bad_id", ["not-a-uuid", "00000000-0000-0000-0000-000000000000"])
def test_unknown_videos_are_404(people, bad_id):
    _, clients = people
    for response in (
        clients["stranger"].post(f"/api/v1/videos/{bad_id}/like/"),
        clients["stranger"].delete(f"/api/v1/videos/{bad_id}/like/"),
        clients["stranger"].get(f"/api/v1/videos/{bad_id}/likes/"),
    ):
        assert response.status_code == 404
        assert error_code(response) == "not_found"


def test_a_private_video_cannot_be_liked_by_followers(people):
    users, clients = people
    video = VideoFactory(owner=users["owner"], visibility=V.PRIVATE)

    assert clients["follower"].post(like_url(video)).status_code == 404
    assert clients["owner"].post(like_url(video)).status_code == 201


def test_videos_of_suspended_owners_cannot_be_liked(people, videos):
    users, clients = people
    User.objects.filter(pk=users["owner"].pk).update(status=User.Status.SUSPENDED)

    assert clients["follower"].post(like_url(videos["public"])).status_code == 404


def test_a_bad_token_answers_401(videos):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Bearer not-a-token")

    response = client.post(like_url(videos["public"]))

    assert response.status_code == 401
    assert error_code(response) == "token_not_valid"


def test_other_methods_are_not_allowed(people, videos):
    _, clients = people
    response = clients["stranger"].put(like_url(videos["public"]))
    assert response.status_code == 405
    assert error_code(response) == "method_not_allowed"


# -- notifications ---------------------------------------------------------------------


def video_like_notifications(owner):
    return Notification.objects.filter(recipient=owner, type="video_like")


def test_a_like_tells_the_owner(people, videos):
    users, clients = people
    video = videos["public"]

    clients["stranger"].post(like_url(video))

    notification = video_like_notifications(users["owner"]).get()
    assert notification.actor == users["stranger"]
    assert notification.target == video
    assert notification.actor_count == 1
    assert notification.data == {"video_id": str(video.pk)}


def test_likes_of_one_video_are_grouped_in_one_notification(people, videos):
    users, clients = people
    video = videos["public"]

    clients["stranger"].post(like_url(video))
    clients["follower"].post(like_url(video))

    notification = video_like_notifications(users["owner"]).get()
    assert notification.actor_count == 2
    assert [actor["username"] for actor in notification.latest_actors] == [
        "follower",
        "stranger",
    ]


def test_liking_again_and_unliking_notify_no_more(people, videos):
    users, clients = people
    video = videos["public"]

    clients["stranger"].post(like_url(video))
    clients["stranger"].post(like_url(video))  # already liked
    clients["stranger"].delete(like_url(video))
    clients["stranger"].post(like_url(video))  # liked again: the same group, the same actor

    notification = video_like_notifications(users["owner"]).get()
    assert notification.actor_count == 1


def test_unliking_notifies_nobody(people, videos):
    users, clients = people
    VideoLikeFactory(video=videos["public"], user=users["stranger"])

    clients["stranger"].delete(like_url(videos["public"]))

    assert not video_like_notifications(users["owner"]).exists()


def test_the_owners_own_like_notifies_nobody(people, videos):
    users, clients = people

    assert clients["owner"].post(like_url(videos["public"])).status_code == 201

    assert not video_like_notifications(users["owner"]).exists()


def test_likes_of_two_videos_are_two_notifications(people, videos):
    users, clients = people

    clients["follower"].post(like_url(videos["public"]))
    clients["follower"].post(like_url(videos["followers"]))

    assert video_like_notifications(users["owner"]).count() == 2


# -- the likers list -------------------------------------------------------------------

LIST_STATUS = {
    "public": {
        "anonymous": 200,
        "stranger": 200,
        "follower": 200,
        "blocked": 404,
        "blocker": 404,
        "owner": 200,
        "staff": 200,
    },
    "followers": {
        "anonymous": 404,
        "stranger": 404,
        "follower": 200,
        "blocked": 404,
        "blocker": 404,
        "owner": 200,
        "staff": 200,
    },
}


@pytest.mark.parametrize(
    ("kind", "viewer"), [(kind, viewer) for kind, row in LIST_STATUS.items() for viewer in row]
)
def test_who_may_list_a_videos_likers(people, videos, kind, viewer):
    users, clients = people
    video = videos[kind]
    VideoLikeFactory(video=video, user=users["follower"])

    response = clients[viewer].get(likes_url(video))

    assert response.status_code == LIST_STATUS[kind][viewer]
    if response.status_code == 200:
        assert [user["username"] for user in response.json()["results"]] == ["follower"]
    else:
        assert error_code(response) == "not_found"


def like_at(video, user, minutes_ago: int) -> VideoLike:
    like = VideoLikeFactory(video=video, user=user)
    VideoLike.objects.filter(pk=like.pk).update(
        created_at=timezone.now() - timedelta(minutes=minutes_ago)
    )
    return like


def test_likers_are_listed_latest_like_first_with_public_fields(people, videos):
    users, clients = people
    video = videos["public"]
    like_at(video, users["stranger"], minutes_ago=3)
    like_at(video, users["owner"], minutes_ago=1)
    like_at(video, users["follower"], minutes_ago=2)
    like_at(videos["followers"], users["staff"], minutes_ago=0)  # another video

    response = clients["anonymous"].get(likes_url(video))

    assert response.status_code == 200
    body = response.json()
    assert body["next"] is None
    assert body["previous"] is None
    assert [user["username"] for user in body["results"]] == ["owner", "follower", "stranger"]
    first = body["results"][0]
    assert first["id"] == str(users["owner"].pk)
    assert "email" not in first
    assert "last_login" not in first


def test_each_liker_carries_the_callers_follow_status(people, videos):
    users, clients = people
    video = videos["public"]
    like_at(video, users["owner"], minutes_ago=2)
    like_at(video, users["stranger"], minutes_ago=1)

    results = clients["follower"].get(likes_url(video)).json()["results"]

    assert [
        (user["username"], user["follow_status"], user["is_following"]) for user in results
    ] == [
        ("stranger", None, False),
        ("owner", "following", True),
    ]


def test_likers_hidden_from_the_caller_are_left_out_except_for_staff(people, videos, graph_block):
    users, clients = people
    video = videos["public"]
    banned = UserFactory(username="banned", status=User.Status.BANNED)
    for minutes, liker in enumerate([users["stranger"], users["follower"], banned]):
        like_at(video, liker, minutes_ago=minutes)
    graph_block(users["stranger"], users["follower"])

    seen_by_stranger = clients["stranger"].get(likes_url(video)).json()["results"]
    seen_by_staff = clients["staff"].get(likes_url(video)).json()["results"]

    assert [user["username"] for user in seen_by_stranger] == ["stranger"]
    assert [user["username"] for user in seen_by_staff] == ["stranger", "follower", "banned"]


@pytest.fixture
def graph_block():
    return SocialGraph().block


def test_the_likers_list_walks_with_its_cursor(people, videos):
    users, clients = people
    video = videos["public"]
    names = ["stranger", "follower", "owner", "staff"]
    for minutes, name in enumerate(names):
        like_at(video, users[name], minutes_ago=minutes)

    first = clients["anonymous"].get(f"{likes_url(video)}?page_size=3").json()
    second = clients["anonymous"].get(first["next"]).json()

    assert [user["username"] for user in first["results"]] == names[:3]
    assert [user["username"] for user in second["results"]] == names[3:]
    assert second["next"] is None


@pytest.mark.parametrize(
    ("query", "code", "attr"),
    [
        ("cursor=forged", "invalid_cursor", "cursor"),
        ("page_size=0", "invalid_page_size", "page_size"),
    ],
)
def test_bad_list_parameters_answer_400(people, videos, query, code, attr):
    _, clients = people

    response = clients["stranger"].get(f"{likes_url(videos['public'])}?{query}")

    assert response.status_code == 400
    assert response.json()["errors"][0]["code"] == code
    assert response.json()["errors"][0]["attr"] == attr


@pytest.mark.parametrize("page_size", [1, 20])
@pytest.mark.parametrize(("viewer", "queries"), [("anonymous", 2), ("follower", 3)])
def test_the_likers_list_costs_the_same_queries_at_any_page_size(
    people, videos, django_assert_num_queries, page_size, viewer, queries
):
    _, clients = people
    video = videos["public"]
    for minutes in range(25):
        like_at(video, UserFactory(), minutes_ago=minutes)

    # (authentication,) the video if they may see it, then the page with each
    # liker's follow status
    with django_assert_num_queries(queries):
        response = clients[viewer].get(f"{likes_url(video)}?page_size={page_size}")

    assert len(response.json()["results"]) == page_size


# -- concurrency -----------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_concurrent_likes_of_different_users_all_count():
    video = VideoFactory()
    likers = [UserFactory() for _ in range(8)]

    results = at_once([lambda user=user: video_like(video=video, user=user) for user in likers])

    assert [result.created for result in results] == [True] * 8
    assert like_count(video) == 8
    assert VideoLike.objects.filter(video=video).count() == 8
    notification = Notification.objects.get(recipient=video.owner, type="video_like")
    assert notification.actor_count == 8


@pytest.mark.django_db(transaction=True)
def test_concurrent_likes_of_one_user_count_once():
    video = VideoFactory()
    liker = UserFactory()

    results = at_once([lambda: video_like(video=video, user=liker) for _ in range(6)])

    assert sorted(result.created for result in results) == [False] * 5 + [True]
    assert like_count(video) == 1
    assert VideoLike.objects.filter(video=video).count() == 1
    assert Notification.objects.get(recipient=video.owner, type="video_like").actor_count == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_unlikes_of_one_user_count_once():
    video = VideoFactory()
    likers = [UserFactory() for _ in range(2)]
    for liker in likers:
        video_like(video=video, user=liker)

    results = at_once([lambda: video_unlike(video=video, user=likers[0]) for _ in range(6)])

    assert sorted(results) == [False] * 5 + [True]
    assert like_count(video) == 1


# -- statements --------------------------------------------------------------------------
# The same count on both databases: inside a test's transaction, the service's own is a
# SAVEPOINT and its RELEASE (outside, BEGIN and COMMIT on SQLite, COMMIT alone recorded
# on PostgreSQL, where psycopg opens transactions implicitly).


def test_a_like_joining_the_owner_s_group_costs_eleven_statements(
    people, videos, django_assert_num_queries
):
    users, clients = people
    video = videos["public"]
    video_like(video=video, user=users["stranger"])  # opens the owner's group

    # authentication, the video if they may see it; SAVEPOINT, the like
    # (inserted unless there), the count (moved and read back), the hour's activity; a
    # block between liker and owner? and the owner's preference (one statement); their
    # open group (locked), its actor (inserted unless there), the group moved on; RELEASE
    with django_assert_num_queries(11):
        response = clients["follower"].post(like_url(video))

    assert response.status_code == 201
    assert response.json() == {"liked": True, "like_count": 2}
    group = Notification.objects.get(recipient=users["owner"], type="video_like")
    assert (group.actor_count, [actor["username"] for actor in group.latest_actors]) == (
        2,
        ["follower", "stranger"],
    )


def test_a_first_like_opening_the_owner_s_group_costs_eleven_statements(
    people, videos, django_assert_num_queries
):
    users, clients = people

    # as joining, the group and its first actor inserted instead of the group moved on
    with django_assert_num_queries(11):
        response = clients["follower"].post(like_url(videos["public"]))

    assert response.status_code == 201
    group = Notification.objects.get(recipient=users["owner"], type="video_like")
    assert (group.actor_count, group.actor_id) == (1, users["follower"].pk)


def test_liking_again_costs_six_statements(people, videos, django_assert_num_queries):
    users, clients = people
    video = videos["public"]
    video_like(video=video, user=users["follower"])

    # authentication, the video if they may see it; SAVEPOINT, the like (already
    # there), the count; RELEASE
    with django_assert_num_queries(6):
        response = clients["follower"].post(like_url(video))

    assert response.status_code == 200
    assert response.json() == {"liked": True, "like_count": 1}


def test_an_unlike_costs_seven_statements(people, videos, django_assert_num_queries):
    users, clients = people
    video = videos["public"]
    video_like(video=video, user=users["follower"])

    # authentication, the video if they may see it; SAVEPOINT, the like deleted, the
    # count, the hour's activity; RELEASE
    with django_assert_num_queries(7):
        response = clients["follower"].delete(like_url(video))

    assert response.status_code == 204
    assert like_count(video) == 0
