"""Comments: listing, posting, threads, mentions, editing, deleting and pinning."""

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import User
from notifications.models import Notification
from social.models import Comment
from social.services.comments import (
    MENTIONS_MAX,
    comment_create,
    comment_delete,
    comment_hide,
    comment_mention_names,
    comment_pin,
    comment_update,
)
from tests.accounts.factories import ModeratorFactory, UserFactory
from tests.social.factories import SocialGraph
from tests.videos.factories import VideoFactory
from videos.models import Video

pytestmark = pytest.mark.django_db

V = Video.Visibility
ITEM_KEYS = {
    "id",
    "video",
    "parent",
    "author",
    "text",
    "mentions",
    "like_count",
    "reply_count",
    "is_pinned",
    "is_liked",
    "edited",
    "edited_at",
    "deleted",
    "created_at",
}


class World:
    """An owner with a public and a followers-only video, and every kind of caller."""

    def __init__(self, make_auth_client):
        graph = SocialGraph()
        self.owner = UserFactory(username="owner")
        self.follower = UserFactory(username="follower")
        self.stranger = UserFactory(username="stranger")
        self.blocked = UserFactory(username="blocked")
        self.staff = ModeratorFactory(username="staff")
        graph.follow(self.follower, self.owner)
        graph.block(self.owner, self.blocked)
        self.public = VideoFactory(owner=self.owner, visibility=V.PUBLIC)
        self.followers_only = VideoFactory(owner=self.owner, visibility=V.FOLLOWERS)
        self.clients = {
            "anonymous": APIClient(),
            "stranger": make_auth_client(self.stranger),
            "follower": make_auth_client(self.follower),
            "blocked": make_auth_client(self.blocked),
            "owner": make_auth_client(self.owner),
            "staff": make_auth_client(self.staff),
        }
        self.graph = graph

    def client(self, name: str) -> APIClient:
        return self.clients[name]


@pytest.fixture
def world(make_auth_client) -> World:
    return World(make_auth_client)


def comments_url(video: Video) -> str:
    return f"/api/v1/videos/{video.pk}/comments/"


def comment_url(comment: Comment, suffix: str = "") -> str:
    return f"/api/v1/comments/{comment.pk}/{suffix}"


def comment_url_of(response) -> str:
    """The address of the comment a response answered with."""
    return f"/api/v1/comments/{response.json()['id']}/"


def texts(response) -> list[str]:
    assert response.status_code == 200, response.json()
    return [item["text"] for item in response.json()["results"]]


def post(author: User, video: Video, text: str, parent: Comment | None = None) -> Comment:
    return comment_create(
        author=author, video=video, text=text, parent_id=parent.pk if parent else None
    )


def code_of(response) -> tuple[int, str, str | None]:
    error = response.json()["errors"][0]
    return response.status_code, error["code"], error["attr"]


# -- listing ------------------------------------------------------------------------------


def test_a_video_s_comments_are_listed_newest_first_with_their_shape(world):
    first = post(world.stranger, world.public, "first")
    post(world.follower, world.public, "second")
    post(world.stranger, world.public, "a reply", parent=first)

    response = world.client("anonymous").get(comments_url(world.public))

    assert texts(response) == ["second", "first"]
    item = response.json()["results"][1]
    assert set(item) == ITEM_KEYS
    assert item["author"]["username"] == "stranger"
    assert "email" not in item["author"]
    assert (item["reply_count"], item["like_count"], item["parent"]) == (1, 0, None)
    assert (item["is_pinned"], item["is_liked"], item["edited"], item["deleted"]) == (
        False,
        False,
        False,
        False,
    )
    assert item["video"] == str(world.public.pk)


@pytest.mark.parametrize(
    ("caller", "video", "expected"),
    [
        ("anonymous", "public", 200),
        ("stranger", "public", 200),
        ("blocked", "public", 404),
        ("anonymous", "followers_only", 404),
        ("stranger", "followers_only", 404),
        ("follower", "followers_only", 200),
        ("owner", "followers_only", 200),
        ("staff", "followers_only", 200),
    ],
)
def test_who_may_list_a_video_s_comments(world, caller, video, expected):
    response = world.client(caller).get(comments_url(getattr(world, video)))
    assert response.status_code == expected


@pytest.mark.parametrize("bad_id", ["not-a-uuid", "00000000-0000-0000-0000-000000000000"])
def test_comments_of_an_unknown_video_are_404(world, bad_id):
    assert world.client("stranger").get(f"/api/v1/videos/{bad_id}/comments/").status_code == 404


def test_top_orders_by_likes_then_id(world):
    low = post(world.stranger, world.public, "low")
    high = post(world.stranger, world.public, "high")
    middle = post(world.stranger, world.public, "middle")
    for comment, likes in ((low, 1), (high, 9), (middle, 5)):
        Comment.objects.filter(pk=comment.pk).update(like_count=likes)

    response = world.client("anonymous").get(comments_url(world.public) + "?ordering=top")

    assert texts(response) == ["high", "middle", "low"]


def test_an_unknown_ordering_is_refused(world):
    response = world.client("anonymous").get(comments_url(world.public) + "?ordering=oldest")
    assert code_of(response) == (400, "invalid_choice", "ordering")


@pytest.mark.parametrize("ordering", ["newest", "top"])
def test_the_pinned_comment_comes_first_on_the_first_page_only(world, ordering):
    comments = [post(world.stranger, world.public, f"c{n}") for n in range(5)]
    comment_pin(comment=comments[1], actor=world.owner)
    client = world.client("anonymous")

    first = client.get(comments_url(world.public) + f"?ordering={ordering}&page_size=2").json()
    second = client.get(first["next"]).json()

    assert first["results"][0]["text"] == "c1"
    assert first["results"][0]["is_pinned"] is True
    assert len(first["results"]) == 3  # the pin, then a page of the others
    seen = [item["text"] for page in (first, second) for item in page["results"]]
    assert sorted(seen) == ["c0", "c1", "c2", "c3", "c4"]
    assert second["next"] is None
    if ordering == "newest":
        assert seen == ["c1", "c4", "c3", "c2", "c0"]


def test_a_deleted_comment_keeps_its_thread_and_shows_as_deleted(world):
    with_replies = post(world.stranger, world.public, "secret words @follower")
    post(world.follower, world.public, "reply", parent=with_replies)
    alone = post(world.stranger, world.public, "alone")
    comment_delete(comment=with_replies, actor=world.stranger)
    comment_delete(comment=alone, actor=world.stranger)

    response = world.client("anonymous").get(comments_url(world.public))

    [item] = response.json()["results"]
    assert item["id"] == str(with_replies.pk)
    assert (item["deleted"], item["author"], item["text"], item["mentions"]) == (
        True,
        None,
        "",
        [],
    )
    replies = world.client("anonymous").get(comment_url(with_replies, "replies/"))
    assert texts(replies) == ["reply"]
    stored = Comment.objects.get(pk=with_replies.pk)
    assert (stored.text, stored.mentioned_users.count()) == ("", 0)


def test_comments_across_a_block_are_left_out_both_ways(world):
    graph = world.graph
    blocker = UserFactory(username="blocker")
    graph.block(blocker, world.stranger)
    post(blocker, world.public, "by the blocker")
    post(world.follower, world.public, "by the follower")

    assert texts(world.client("stranger").get(comments_url(world.public))) == ["by the follower"]
    assert sorted(texts(world.client("anonymous").get(comments_url(world.public)))) == [
        "by the blocker",
        "by the follower",
    ]


def test_a_deleted_comment_of_a_blocked_user_still_shows_its_thread(world):
    blocker = UserFactory(username="blocker")
    world.graph.block(blocker, world.stranger)
    thread = post(blocker, world.public, "thread")
    post(world.follower, world.public, "reply", parent=thread)
    comment_delete(comment=thread, actor=blocker)

    response = world.client("stranger").get(comments_url(world.public))

    assert [item["deleted"] for item in response.json()["results"]] == [True]


def test_hidden_comments_show_to_staff_only(world):
    hidden = post(world.stranger, world.public, "hidden")
    post(world.stranger, world.public, "shown")
    comment_hide(comment=hidden, actor=world.staff)

    assert texts(world.client("owner").get(comments_url(world.public))) == ["shown"]
    assert texts(world.client("stranger").get(comments_url(world.public))) == ["shown"]
    assert texts(world.client("staff").get(comments_url(world.public))) == ["shown", "hidden"]
    assert world.client("stranger").get(comment_url(hidden)).status_code == 404


def test_comments_of_suspended_authors_are_left_out(world):
    post(world.stranger, world.public, "theirs")
    User.objects.filter(pk=world.stranger.pk).update(status=User.Status.SUSPENDED)
    assert texts(world.client("follower").get(comments_url(world.public))) == []


@pytest.mark.parametrize("page_size", [1, 20])
@pytest.mark.parametrize("caller", ["anonymous", "follower"])
def test_the_list_costs_the_same_queries_at_any_page_size(
    world, django_assert_num_queries, page_size, caller
):
    others = [UserFactory() for _ in range(3)]
    comments = [post(others[n % 3], world.public, f"hi @follower @stranger {n}") for n in range(25)]
    comment_pin(comment=comments[3], actor=world.owner)
    client = world.client(caller)
    authentication = 0 if caller == "anonymous" else 1
    # the video if they may see it, the page, its mentions, the pinned comment and its
    # mentions
    with django_assert_num_queries(authentication + 5):
        response = client.get(comments_url(world.public) + f"?page_size={page_size}")
    assert len(response.json()["results"]) == page_size + 1
    with django_assert_num_queries(authentication + 3):  # past the first page: no pin
        response = client.get(response.json()["next"])
    assert response.json()["results"]


# -- replies ------------------------------------------------------------------------------


def test_replies_are_listed_oldest_first_and_paginated(world):
    thread = post(world.stranger, world.public, "thread")
    for n in range(3):
        post(world.follower, world.public, f"reply {n}", parent=thread)
    client = world.client("anonymous")

    first = client.get(comment_url(thread, "replies/") + "?page_size=2").json()
    second = client.get(first["next"]).json()

    assert [item["text"] for item in first["results"] + second["results"]] == [
        "reply 0",
        "reply 1",
        "reply 2",
    ]
    assert all(item["parent"] == str(thread.pk) for item in first["results"])


@pytest.mark.parametrize(
    ("caller", "expected"),
    [
        ("anonymous", 404),
        ("stranger", 404),
        ("blocked", 404),
        ("follower", 200),
        ("owner", 200),
        ("staff", 200),
    ],
)
def test_who_may_list_replies(world, caller, expected):
    thread = post(world.follower, world.followers_only, "thread")
    post(world.owner, world.followers_only, "reply", parent=thread)
    response = world.client(caller).get(comment_url(thread, "replies/"))
    assert response.status_code == expected


def test_replies_follow_the_thread_s_visibility(world):
    thread = post(world.follower, world.followers_only, "thread")
    post(world.owner, world.followers_only, "reply", parent=thread)
    url = comment_url(thread, "replies/")
    assert world.client("stranger").get(url).status_code == 404
    assert world.client("anonymous").get(url).status_code == 404
    assert texts(world.client("follower").get(url)) == ["reply"]
    comment_hide(comment=thread, actor=world.staff)
    assert world.client("follower").get(url).status_code == 404
    assert texts(world.client("staff").get(url)) == ["reply"]


def test_a_reply_has_no_replies(world):
    thread = post(world.stranger, world.public, "thread")
    reply = post(world.follower, world.public, "reply", parent=thread)
    assert texts(world.client("anonymous").get(comment_url(reply, "replies/"))) == []


def test_replies_across_a_block_are_left_out(world):
    thread = post(world.stranger, world.public, "thread")
    post(world.blocked, world.public, "blocked reply", parent=thread)
    post(world.follower, world.public, "follower reply", parent=thread)
    response = world.client("owner").get(comment_url(thread, "replies/"))
    assert texts(response) == ["follower reply"]


@pytest.mark.parametrize("page_size", [1, 20])
def test_replies_cost_the_same_queries_at_any_page_size(
    world, django_assert_num_queries, page_size
):
    thread = post(world.stranger, world.public, "thread")
    for n in range(25):
        post(world.follower, world.public, f"@stranger reply {n}", parent=thread)
    with django_assert_num_queries(4):  # authentication, the thread, the page, mentions
        response = world.client("follower").get(
            comment_url(thread, "replies/") + f"?page_size={page_size}"
        )
    assert len(response.json()["results"]) == page_size


# -- posting ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("caller", "video", "expected"),
    [
        ("anonymous", "public", 401),
        ("stranger", "public", 201),
        ("blocked", "public", 404),
        ("owner", "public", 201),
        ("staff", "public", 201),
        ("stranger", "followers_only", 404),
        ("follower", "followers_only", 201),
        ("owner", "followers_only", 201),
    ],
)
def test_who_may_comment(world, caller, video, expected):
    target = getattr(world, video)
    response = world.client(caller).post(comments_url(target), {"text": "Nice!"})
    assert response.status_code == expected
    target.refresh_from_db()
    assert target.comment_count == (1 if expected == 201 else 0)


def test_a_new_comment_is_answered_whole_and_tells_the_owner(world):
    response = world.client("stranger").post(comments_url(world.public), {"text": "  Nice!  "})

    assert response.status_code == 201
    body = response.json()
    assert set(body) == ITEM_KEYS
    assert (body["text"], body["author"]["username"], body["parent"]) == ("Nice!", "stranger", None)
    notification = Notification.objects.get(recipient=world.owner, type="video_comment")
    assert notification.actor_id == world.stranger.pk


def test_a_new_comment_is_answered_as_reading_it_shows_it(world):
    world.graph.follow(world.stranger, world.owner)

    response = world.client("stranger").post(
        comments_url(world.public), {"text": "@owner and @follower, look"}
    )

    assert response.status_code == 201
    body = response.json()
    assert [mention["username"] for mention in body["mentions"]] == ["follower", "owner"]
    assert (body["is_liked"], body["like_count"], body["reply_count"]) == (False, 0, 0)
    assert body == world.client("stranger").get(comment_url_of(response)).json()

    reply = world.client("follower").post(
        comments_url(world.public), {"text": "Seen it, @owner", "parent": body["id"]}
    )

    assert reply.status_code == 201
    assert [mention["username"] for mention in reply.json()["mentions"]] == ["owner"]
    assert reply.json() == world.client("follower").get(comment_url_of(reply)).json()


def test_a_comment_costs_eleven_statements(world, django_assert_num_queries):
    # authentication, the video if they may see it; SAVEPOINT (the service's
    # transaction inside the test's), the comment, the video's count, the hour's
    # activity; a block between author and owner? and the owner's preference (one
    # statement), their open group for the comment (none), the notification, its first
    # actor; RELEASE (it mentions nobody: no mentions to read for the answer)
    with django_assert_num_queries(11):
        response = world.client("stranger").post(comments_url(world.public), {"text": "Nice"})

    assert response.status_code == 201
    assert Notification.objects.filter(recipient=world.owner, type="video_comment").count() == 1


def test_the_owner_s_own_comment_tells_nobody(world):
    world.client("owner").post(comments_url(world.public), {"text": "Mine"})
    assert not Notification.objects.filter(type="video_comment").exists()


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"text": ""}, "blank"),
        ({"text": "   \n "}, "blank"),
        ({"text": "x" * 2001}, "max_length"),
        ({}, "required"),
        ({"text": None}, "null"),
        ({"text": "a\x00b"}, "null_characters_not_allowed"),
    ],
)
def test_bad_text_is_refused(world, body, code):
    response = world.client("stranger").post(comments_url(world.public), body, format="json")
    assert code_of(response) == (400, code, "text")


def test_two_thousand_characters_after_trimming_are_accepted(world):
    text = "x" * 2000
    response = world.client("stranger").post(comments_url(world.public), {"text": f"  {text} "})
    assert response.status_code == 201
    assert response.json()["text"] == text


def test_comments_are_refused_when_the_owner_turned_them_off(world):
    existing = post(world.stranger, world.public, "before")
    Video.objects.filter(pk=world.public.pk).update(allow_comments=False)

    response = world.client("stranger").post(comments_url(world.public), {"text": "Hi"})
    reply = world.client("stranger").post(
        comments_url(world.public), {"text": "Hi", "parent": str(existing.pk)}
    )

    assert code_of(response) == (403, "comments_disabled", None)
    assert code_of(reply) == (403, "comments_disabled", None)
    assert texts(world.client("stranger").get(comments_url(world.public))) == ["before"]


# -- threads ------------------------------------------------------------------------------


def test_a_reply_joins_the_thread_and_tells_its_author(world):
    thread = post(world.stranger, world.public, "thread")

    response = world.client("follower").post(
        comments_url(world.public), {"text": "reply", "parent": str(thread.pk)}
    )

    assert response.status_code == 201
    assert response.json()["parent"] == str(thread.pk)
    thread.refresh_from_db()
    world.public.refresh_from_db()
    assert (thread.reply_count, world.public.comment_count) == (1, 2)
    assert set(
        Notification.objects.filter(recipient=world.stranger).values_list("type", flat=True)
    ) == {"comment_reply"}
    # the owner hears of top-level comments only
    owner_heard = Notification.objects.filter(recipient=world.owner).exclude(type="new_follower")
    assert list(owner_heard.values_list("type", flat=True)) == ["video_comment"]
    assert texts(world.client("anonymous").get(comments_url(world.public))) == ["thread"]


def test_a_reply_to_a_reply_joins_the_same_thread_and_mentions_its_author(world):
    thread = post(world.stranger, world.public, "thread")
    reply = post(world.follower, world.public, "first reply", parent=thread)

    response = world.client("owner").post(
        comments_url(world.public), {"text": "second reply", "parent": str(reply.pk)}
    )

    body = response.json()
    assert response.status_code == 201
    assert body["parent"] == str(thread.pk)
    assert body["mentions"] == [{"id": str(world.follower.pk), "username": "follower"}]
    assert Notification.objects.filter(recipient=world.follower, type="mention").count() == 1
    thread.refresh_from_db()
    assert thread.reply_count == 2


def test_answering_one_s_own_reply_mentions_nobody(world):
    thread = post(world.stranger, world.public, "thread")
    reply = post(world.follower, world.public, "first reply", parent=thread)
    response = world.client("follower").post(
        comments_url(world.public), {"text": "and more", "parent": str(reply.pk)}
    )
    assert response.json()["mentions"] == []


def test_a_reply_under_a_deleted_thread_joins_it(world):
    thread = post(world.stranger, world.public, "thread")
    reply = post(world.follower, world.public, "reply", parent=thread)
    comment_delete(comment=thread, actor=world.stranger)

    direct = world.client("owner").post(
        comments_url(world.public), {"text": "x", "parent": str(thread.pk)}
    )
    via_reply = world.client("owner").post(
        comments_url(world.public), {"text": "y", "parent": str(reply.pk)}
    )

    assert code_of(direct) == (400, "invalid_parent", "parent")
    assert via_reply.status_code == 201
    assert via_reply.json()["parent"] == str(thread.pk)


@pytest.mark.parametrize("case", ["other_video", "deleted", "hidden", "unknown", "blocked_author"])
def test_a_bad_parent_is_refused(world, case):
    other = VideoFactory()
    parents = {
        "other_video": lambda: post(world.stranger, other, "elsewhere"),
        "deleted": lambda: _deleted(post(world.stranger, world.public, "gone"), world.stranger),
        "hidden": lambda: _hidden(post(world.stranger, world.public, "hidden"), world.staff),
        "unknown": lambda: Comment(pk="00000000-0000-0000-0000-000000000000"),
        "blocked_author": lambda: post(world.blocked, world.public, "by the blocked"),
    }
    parent = parents[case]()
    response = world.client("owner").post(
        comments_url(world.public), {"text": "x", "parent": str(parent.pk)}
    )
    assert code_of(response) == (400, "invalid_parent", "parent")
    assert not Comment.objects.filter(text="x").exists()


def _deleted(comment: Comment, actor: User) -> Comment:
    comment_delete(comment=comment, actor=actor)
    return comment


def _hidden(comment: Comment, actor: User) -> Comment:
    comment_hide(comment=comment, actor=actor)
    return comment


def test_a_malformed_parent_is_refused(world):
    response = world.client("owner").post(
        comments_url(world.public), {"text": "x", "parent": "nope"}
    )
    assert code_of(response) == (400, "invalid", "parent")


# -- mentions -----------------------------------------------------------------------------


def test_mentions_link_users_who_may_see_the_video(world):
    world.graph.follow(UserFactory(username="Ana.Maria"), world.owner)
    text = "@follower @ANA.MARIA. @stranger @nobody @blocked mail me at x@follower.com or see@owner"

    response = world.client("owner").post(comments_url(world.followers_only), {"text": text})

    body = response.json()
    assert response.status_code == 201
    assert body["text"] == text
    # stranger cannot see the followers-only video; blocked is blocked by the owner;
    # nobody does not exist; e-mail-like text is no mention
    assert [mention["username"] for mention in body["mentions"]] == ["Ana.Maria", "follower"]
    assert set(
        Notification.objects.filter(type="mention").values_list("recipient__username", flat=True)
    ) == {"follower", "Ana.Maria"}


def test_at_most_ten_mentions_are_linked():
    names = [f"user{n}" for n in range(MENTIONS_MAX + 2)]
    text = " ".join(f"@{name}" for name in [*names, "user0"])
    assert comment_mention_names(text) == names[:MENTIONS_MAX]


def test_mentioning_many_users_links_the_first_ten(world):
    for n in range(12):
        UserFactory(username=f"fan{n}")
    text = " ".join(f"@fan{n}" for n in range(12))
    response = world.client("stranger").post(comments_url(world.public), {"text": text})
    linked = {mention["username"] for mention in response.json()["mentions"]}
    assert linked == {f"fan{n}" for n in range(10)}


# -- a single comment -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("caller", "expected"),
    [("anonymous", 404), ("stranger", 404), ("follower", 200), ("owner", 200), ("staff", 200)],
)
def test_a_comment_follows_its_video_s_visibility(world, caller, expected):
    comment = post(world.follower, world.followers_only, "hello")
    assert world.client(caller).get(comment_url(comment)).status_code == expected


def test_a_comment_is_404_to_a_user_on_the_other_side_of_a_block(world):
    comment = post(world.stranger, world.public, "hello")
    world.graph.block(world.stranger, world.follower)
    assert world.client("follower").get(comment_url(comment)).status_code == 404
    assert world.client("follower").post(comment_url(comment, "like/")).status_code == 404


@pytest.mark.parametrize("bad_id", ["not-a-uuid", "00000000-0000-0000-0000-000000000000"])
def test_unknown_comments_are_404(world, bad_id):
    client = world.client("owner")
    assert client.get(f"/api/v1/comments/{bad_id}/").status_code == 404
    assert client.delete(f"/api/v1/comments/{bad_id}/").status_code == 404
    assert client.get(f"/api/v1/comments/{bad_id}/replies/").status_code == 404


# -- editing ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("caller", "expected"),
    [
        ("anonymous", 401),
        ("blocked", 404),
        ("follower", 403),
        ("owner", 403),
        ("staff", 403),
        ("stranger", 200),
    ],
)
def test_only_the_author_edits(world, caller, expected):
    comment = post(world.stranger, world.public, "typo")
    response = world.client(caller).patch(comment_url(comment), {"text": "fixed"})
    assert response.status_code == expected
    if expected == 403:
        assert response.json()["errors"][0]["code"] == "permission_denied"


def test_an_edit_shows_as_edited_and_tells_new_mentions_only(world):
    comment = post(world.stranger, world.public, "hi @follower")

    response = world.client("stranger").patch(
        comment_url(comment), {"text": "hi @follower and @owner"}
    )

    body = response.json()
    assert response.status_code == 200
    assert (body["text"], body["edited"]) == ("hi @follower and @owner", True)
    assert body["edited_at"] is not None
    assert {m["username"] for m in body["mentions"]} == {"follower", "owner"}
    assert Notification.objects.filter(recipient=world.follower, type="mention").count() == 1
    assert Notification.objects.filter(recipient=world.owner, type="mention").count() == 1


def test_edits_close_after_24_hours(world):
    comment = post(world.stranger, world.public, "typo")
    Comment.objects.filter(pk=comment.pk).update(created_at=timezone.now() - timedelta(hours=25))

    response = world.client("stranger").patch(comment_url(comment), {"text": "fixed"})

    assert code_of(response) == (403, "edit_window_closed", None)
    comment.refresh_from_db()
    assert (comment.text, comment.edited_at) == ("typo", None)


def test_the_edit_window_is_measured_from_posting(world):
    comment = post(world.stranger, world.public, "typo")
    just_in_time = comment.created_at + timedelta(hours=23, minutes=59)
    comment_update(comment=comment, editor=world.stranger, text="fixed", now=just_in_time)
    from rest_framework.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied) as raised:
        comment_update(
            comment=comment,
            editor=world.stranger,
            text="again",
            now=comment.created_at + timedelta(hours=24, seconds=1),
        )
    assert raised.value.get_codes() == "edit_window_closed"


def test_an_edit_is_checked_like_a_new_comment(world):
    comment = post(world.stranger, world.public, "typo")
    response = world.client("stranger").patch(comment_url(comment), {"text": "  "})
    assert code_of(response) == (400, "blank", "text")


# -- deleting -----------------------------------------------------------------------------


# Who may delete a comment, and what deleting it again answers: the same to those who
# may delete it, and 404 (it is gone) to anyone else.
DELETE_STATUS = {
    "anonymous": (401, 401),
    "follower": (403, 404),
    "blocked": (404, 404),
    "stranger": (204, 204),  # the author
    "owner": (204, 204),  # the video's owner
    "staff": (204, 204),
}


@pytest.mark.parametrize("caller", DELETE_STATUS)
def test_who_may_delete_a_comment(world, caller):
    comment = post(world.stranger, world.public, "hello")
    response = world.client(caller).delete(comment_url(comment))
    assert response.status_code == DELETE_STATUS[caller][0]
    comment.refresh_from_db()
    world.public.refresh_from_db()
    deleted = response.status_code == 204
    assert (comment.deleted_at is not None, world.public.comment_count) == (deleted, 1 - deleted)


@pytest.mark.parametrize("caller", DELETE_STATUS)
def test_deleting_a_deleted_comment_answers_as_the_first_time_or_404(world, caller):
    comment = post(world.stranger, world.public, "hello")
    comment_delete(comment=comment, actor=world.stranger)

    response = world.client(caller).delete(comment_url(comment))

    assert response.status_code == DELETE_STATUS[caller][1]
    if response.status_code == 404:
        assert code_of(response) == (404, "not_found", None)
    world.public.refresh_from_db()
    assert world.public.comment_count == 0


def test_deleting_a_reply_updates_the_counters_once(world):
    thread = post(world.stranger, world.public, "thread")
    reply = post(world.follower, world.public, "reply", parent=thread)

    assert world.client("follower").delete(comment_url(reply)).status_code == 204
    assert world.client("follower").delete(comment_url(reply)).status_code == 204
    comment_delete(comment=reply, actor=world.follower)  # again, through the service

    thread.refresh_from_db()
    world.public.refresh_from_db()
    assert (thread.reply_count, world.public.comment_count) == (0, 1)
    assert texts(world.client("anonymous").get(comment_url(thread, "replies/"))) == []


def test_a_hidden_comment_is_not_counted_twice_when_deleted(world):
    comment = post(world.stranger, world.public, "hello")
    comment_hide(comment=comment, actor=world.staff)
    assert world.client("staff").delete(comment_url(comment)).status_code == 204
    world.public.refresh_from_db()
    assert world.public.comment_count == 0


# -- pinning ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("caller", "expected"),
    [
        ("anonymous", 401),
        ("blocked", 404),
        ("stranger", 403),
        ("follower", 403),
        ("staff", 403),
        ("owner", 200),
    ],
)
def test_only_the_video_s_owner_pins(world, caller, expected):
    comment = post(world.stranger, world.public, "pin me")
    response = world.client(caller).post(comment_url(comment, "pin/"))
    assert response.status_code == expected
    comment.refresh_from_db()
    assert comment.is_pinned is (expected == 200)
    if expected == 200:
        assert response.json()["is_pinned"] is True


def test_pinning_another_comment_unpins_the_previous_one(world):
    first = post(world.stranger, world.public, "first")
    second = post(world.follower, world.public, "second")
    client = world.client("owner")

    assert client.post(comment_url(first, "pin/")).status_code == 200
    assert client.post(comment_url(second, "pin/")).status_code == 200
    assert client.post(comment_url(second, "pin/")).status_code == 200  # again: no change

    assert list(Comment.objects.filter(is_pinned=True)) == [second]


def test_replies_cannot_be_pinned(world):
    thread = post(world.stranger, world.public, "thread")
    reply = post(world.follower, world.public, "reply", parent=thread)
    response = world.client("owner").post(comment_url(reply, "pin/"))
    assert code_of(response) == (400, "cannot_pin_reply", None)


def test_unpinning(world):
    comment = post(world.stranger, world.public, "pinned")
    comment_pin(comment=comment, actor=world.owner)
    assert world.client("stranger").delete(comment_url(comment, "pin/")).status_code == 403

    response = world.client("owner").delete(comment_url(comment, "pin/"))

    assert (response.status_code, response.json()["is_pinned"]) == (200, False)
    assert world.client("owner").delete(comment_url(comment, "pin/")).status_code == 200
    assert not Comment.objects.filter(is_pinned=True).exists()


def test_deleting_or_hiding_a_pinned_comment_unpins_it(world):
    deleted = post(world.stranger, world.public, "deleted")
    comment_pin(comment=deleted, actor=world.owner)
    comment_delete(comment=deleted, actor=world.stranger)
    assert not Comment.objects.filter(is_pinned=True).exists()

    hidden = post(world.stranger, world.public, "hidden")
    comment_pin(comment=hidden, actor=world.owner)
    comment_hide(comment=hidden, actor=world.staff)
    assert not Comment.objects.filter(is_pinned=True).exists()
