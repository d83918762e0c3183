"""Likes of comments: idempotent, counted with F(), exact under concurrent requests."""

import pytest
from rest_framework.test import APIClient

from notifications.models import Notification
from social.models import Comment, CommentLike
from social.services.comments import comment_create, comment_like, comment_unlike
from tests.accounts.factories import ModeratorFactory, UserFactory
from tests.social.factories import SocialGraph
from tests.threads import at_once
from tests.videos.factories import VideoFactory
from videos.models import Video


def like_url(comment: Comment) -> str:
    return f"/api/v1/comments/{comment.pk}/like/"


@pytest.fixture
def setting(db, make_auth_client):
    owner = UserFactory(username="owner")
    author = UserFactory(username="author")
    follower = UserFactory(username="follower")
    blocked = UserFactory(username="blocked")
    graph = SocialGraph()
    graph.follow(follower, owner)
    graph.follow(author, owner)
    graph.block(author, blocked)
    video = VideoFactory(owner=owner, visibility=Video.Visibility.FOLLOWERS)
    comment = comment_create(author=author, video=video, text="like me")
    clients = {
        "anonymous": APIClient(),
        "stranger": make_auth_client(UserFactory(username="stranger")),
        "blocked": make_auth_client(blocked),
        "follower": make_auth_client(follower),
        "author": make_auth_client(author),
        "owner": make_auth_client(owner),
        "staff": make_auth_client(ModeratorFactory()),
    }
    return comment, clients


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("caller", "expected"),
    [
        ("anonymous", 401),
        ("stranger", 404),  # cannot see the followers-only video
        ("blocked", 404),  # the author blocked them
        ("follower", 200),
        ("author", 200),
        ("owner", 200),
        ("staff", 200),
    ],
)
def test_who_may_like_a_comment(setting, caller, expected):
    comment, clients = setting
    response = clients[caller].post(like_url(comment))
    assert response.status_code == expected
    comment.refresh_from_db()
    assert comment.like_count == (1 if expected == 200 else 0)
    if expected == 200:
        assert (response.json()["is_liked"], response.json()["like_count"]) == (True, 1)


@pytest.mark.django_db
def test_liking_twice_is_one_like_and_unliking_is_idempotent(setting):
    comment, clients = setting
    client = clients["follower"]

    assert client.post(like_url(comment)).json()["like_count"] == 1
    assert client.post(like_url(comment)).json()["like_count"] == 1
    assert CommentLike.objects.count() == 1
    first = client.delete(like_url(comment)).json()
    second = client.delete(like_url(comment)).json()

    assert (first["like_count"], first["is_liked"]) == (0, False)
    assert (second["like_count"], second["is_liked"]) == (0, False)
    assert CommentLike.objects.count() == 0


@pytest.mark.django_db
def test_a_like_tells_the_author_once_and_their_own_like_nobody(setting):
    comment, clients = setting
    clients["follower"].post(like_url(comment))
    clients["follower"].delete(like_url(comment))
    clients["follower"].post(like_url(comment))
    clients["author"].post(like_url(comment))

    likes = Notification.objects.filter(type="comment_like")
    assert [(n.recipient.username, n.actor.username) for n in likes] == [("author", "follower")]


@pytest.mark.django_db
def test_is_liked_shows_in_lists_for_the_caller_only(setting):
    comment, clients = setting
    clients["follower"].post(like_url(comment))
    url = f"/api/v1/videos/{comment.video_id}/comments/"

    mine = clients["follower"].get(url).json()["results"][0]
    theirs = clients["owner"].get(url).json()["results"][0]

    assert (mine["is_liked"], mine["like_count"]) == (True, 1)
    assert (theirs["is_liked"], theirs["like_count"]) == (False, 1)


@pytest.mark.django_db
def test_deleted_comments_cannot_be_liked(setting):
    comment, clients = setting
    clients["author"].delete(f"/api/v1/comments/{comment.pk}/")
    assert clients["follower"].post(like_url(comment)).status_code == 404


@pytest.mark.django_db
def test_likes_are_allowed_when_comments_are_off(setting):
    comment, clients = setting
    Video.objects.filter(pk=comment.video_id).update(allow_comments=False)
    assert clients["follower"].post(like_url(comment)).status_code == 200


# -- concurrency: threads against the live database ---------------------------------------


@pytest.mark.django_db(transaction=True)
def test_concurrent_likes_by_different_users_are_all_counted():
    video = VideoFactory()
    comment = comment_create(author=UserFactory(), video=video, text="popular")
    users = [UserFactory() for _ in range(8)]

    at_once([lambda user=user: comment_like(comment=comment, user=user) for user in users])

    comment.refresh_from_db()
    assert comment.like_count == 8 == CommentLike.objects.filter(comment=comment).count()


@pytest.mark.django_db(transaction=True)
def test_concurrent_likes_by_one_user_count_once():
    video = VideoFactory()
    comment = comment_create(author=UserFactory(), video=video, text="popular")
    user = UserFactory()

    results = at_once([lambda: comment_like(comment=comment, user=user) for _ in range(6)])

    comment.refresh_from_db()
    assert sorted(results) == [False] * 5 + [True]
    assert comment.like_count == 1 == CommentLike.objects.filter(comment=comment).count()


@pytest.mark.django_db(transaction=True)
def test_concurrent_unlikes_count_once():
    video = VideoFactory()
    comment = comment_create(author=UserFactory(), video=video, text="popular")
    users = [UserFactory() for _ in range(3)]
    for user in users:
        comment_like(comment=comment, user=user)

    results = at_once([lambda: comment_unlike(comment=comment, user=users[0]) for _ in range(6)])

    comment.refresh_from_db()
    assert sorted(results) == [False] * 5 + [True]
    assert comment.like_count == 2 == CommentLike.objects.filter(comment=comment).count()
