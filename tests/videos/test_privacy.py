"""The privacy rule, for every visibility and every kind of viewer, on detail and list."""

from datetime import UTC, datetime

import pytest
from django.contrib.auth.models import AnonymousUser
from rest_framework.exceptions import NotFound
from rest_framework.test import APIClient

from accounts.models import User
from payments.services.subscriptions import subscription_create
from social.models import Block, Bookmark, Follow, VideoLike
from tests.accounts.factories import ModeratorFactory, UserFactory
from tests.payments.factories import CreatorFactory, CreatorTierFactory, wallet_fund
from tests.videos.factories import VideoFactory
from videos.models import Video
from videos.selectors import (
    access_video,
    video_list_following,
    video_queryset_visible,
)

pytestmark = pytest.mark.django_db

V = Video.Visibility


@pytest.fixture
def world(graph, make_auth_client):
    owner = UserFactory(username="owner")
    private_owner = UserFactory(username="private_owner", is_private=True)
    follower = UserFactory(username="follower")
    stranger = UserFactory(username="stranger")
    staff = ModeratorFactory(username="staff")
    graph.follow(follower, owner)
    graph.follow(follower, private_owner)
    videos = {
        "public": VideoFactory(owner=owner, visibility=V.PUBLIC),
        "unlisted": VideoFactory(owner=owner, visibility=V.UNLISTED),
        "followers": VideoFactory(owner=owner, visibility=V.FOLLOWERS),
        "private": VideoFactory(owner=owner, visibility=V.PRIVATE),
        "processing": VideoFactory(
            owner=owner, visibility=V.PUBLIC, status=Video.Status.PROCESSING, published_at=None
        ),
        "failed": VideoFactory(
            owner=owner, visibility=V.PUBLIC, status=Video.Status.FAILED, published_at=None
        ),
        "private_account_public": VideoFactory(owner=private_owner, visibility=V.PUBLIC),
        "private_account_unlisted": VideoFactory(owner=private_owner, visibility=V.UNLISTED),
        "private_account_followers": VideoFactory(owner=private_owner, visibility=V.FOLLOWERS),
    }
    clients = {
        "anonymous": APIClient(),
        "stranger": make_auth_client(stranger),
        "follower": make_auth_client(follower),
        "owner": make_auth_client(owner),
        "staff": make_auth_client(staff),
    }
    return videos, clients


ALL = {
    "public",
    "unlisted",
    "followers",
    "private",
    "processing",
    "failed",
    "private_account_public",
    "private_account_unlisted",
    "private_account_followers",
}
OWNERS_OWN = {"public", "unlisted", "followers", "private", "processing", "failed"}

# Which videos each viewer finds by id.
DETAIL = {
    "anonymous": {"public", "unlisted"},
    "stranger": {"public", "unlisted"},
    "follower": {
        "public",
        "unlisted",
        "followers",
        "private_account_public",
        "private_account_unlisted",
        "private_account_followers",
    },
    "owner": OWNERS_OWN,
    "staff": ALL,
}
# Which videos each viewer finds in the list (ready ones only; never others' unlisted).
LISTED = {
    "anonymous": {"public"},
    "stranger": {"public"},
    "follower": {"public", "followers", "private_account_public", "private_account_followers"},
    "owner": {"public", "unlisted", "followers", "private"},
    "staff": ALL - {"processing", "failed"},
}


@pytest.mark.parametrize("viewer", list(DETAIL))
@pytest.mark.parametrize("name", sorted(ALL))
def test_detail_follows_the_privacy_rule(world, viewer, name):
    videos, clients = world
    response = clients[viewer].get(f"/api/v1/videos/{videos[name].pk}/")
    if name in DETAIL[viewer]:
        assert response.status_code == 200
        assert response.json()["id"] == str(videos[name].pk)
    else:
        assert response.status_code == 404
        assert response.json()["errors"][0]["code"] == "not_found"


@pytest.mark.parametrize("viewer", list(LISTED))
def test_the_list_follows_the_privacy_rule(world, viewer):
    videos, clients = world
    names = {str(video.pk): name for name, video in videos.items()}
    response = clients[viewer].get("/api/v1/videos/?page_size=100")
    assert response.status_code == 200
    assert {names[item["id"]] for item in response.json()["results"]} == LISTED[viewer]


@pytest.mark.parametrize(
    "status",
    [User.Status.SUSPENDED, User.Status.BANNED, User.Status.DELETED, User.Status.DEACTIVATED],
)
def test_videos_of_owners_who_may_not_sign_in_disappear(world, status):
    videos, clients = world
    User.objects.filter(username="owner").update(status=status)
    for viewer in ("anonymous", "stranger", "follower"):
        assert clients[viewer].get(f"/api/v1/videos/{videos['public'].pk}/").status_code == 404
    assert clients["staff"].get(f"/api/v1/videos/{videos['public'].pk}/").status_code == 200


def test_blocks_hide_videos_both_ways(world, graph):
    videos, clients = world
    stranger = User.objects.get(username="stranger")
    owner = User.objects.get(username="owner")
    graph.block(owner, stranger)
    assert clients["stranger"].get(f"/api/v1/videos/{videos['public'].pk}/").status_code == 404
    listed = clients["stranger"].get("/api/v1/videos/").json()["results"]
    assert str(videos["public"].pk) not in {item["id"] for item in listed}
    assert clients["anonymous"].get(f"/api/v1/videos/{videos['public'].pk}/").status_code == 200


@pytest.mark.parametrize("bad_id", ["not-a-uuid", "00000000-0000-0000-0000-000000000000"])
def test_unknown_ids_are_404(world, bad_id):
    _, clients = world
    response = clients["owner"].get(f"/api/v1/videos/{bad_id}/")
    assert response.status_code == 404


@pytest.mark.parametrize("page_size", [1, 20])
def test_the_list_costs_the_same_queries_at_any_page_size(
    world, django_assert_num_queries, page_size
):
    _, clients = world
    for _ in range(25):
        VideoFactory()
    with django_assert_num_queries(2):  # authentication, then the page
        response = clients["follower"].get(f"/api/v1/videos/?page_size={page_size}")
    assert len(response.json()["results"]) == page_size


def found_by_key(viewer, video_id) -> bool:
    try:
        access_video(viewer=viewer, video_id=video_id, annotated=False)
    except NotFound:
        return False
    return True


def test_one_video_by_its_key_is_found_as_the_rule_says(world, graph):
    """`access_video` runs the rule's SQL compiled once for stand-in ids: for every
    viewer and video (a block between an owner and a follower too) it finds the video
    exactly when the rule's query set has it."""
    videos, _ = world
    graph.block(User.objects.get(username="private_owner"), User.objects.get(username="follower"))
    ids = {video.pk for video in videos.values()}
    for viewer in [AnonymousUser(), *User.objects.all()]:
        expected = ids & set(
            video_queryset_visible(viewer=viewer, listed=False).values_list("pk", flat=True)
        )
        assert {pk for pk in ids if found_by_key(viewer, pk)} == expected, viewer


def test_one_video_by_its_key_follows_the_email_verification_setting(settings):
    """Which account statuses may be seen is a setting the SQL was made with: a
    pending owner's video shows while verification is optional, and not once it is
    required."""
    video = VideoFactory(owner=UserFactory(status=User.Status.PENDING))
    viewer = UserFactory()
    settings.ACCOUNTS_REQUIRE_EMAIL_VERIFICATION = False
    assert found_by_key(viewer, video.pk)
    settings.ACCOUNTS_REQUIRE_EMAIL_VERIFICATION = True
    assert not found_by_key(viewer, video.pk)
    assert not found_by_key(AnonymousUser(), video.pk)


FLAGS = ("is_liked", "is_bookmarked", "owner_follow_status")


@pytest.mark.parametrize("annotated", [True, False])
def test_loading_one_video_gives_what_the_query_set_gives(world, graph, annotated):
    """`access_video` loads the video with SQL compiled once for stand-in ids
    (`core.compiled`): for every viewer and video it may see, the same row, owner,
    category and viewer's flags as the query set of the rule, for a viewer who liked,
    bookmarked and follows, and one who only asked to follow a private account."""
    videos, _ = world
    follower = User.objects.get(username="follower")
    requester = UserFactory(username="requester")
    graph.request(requester, User.objects.get(username="private_owner"))
    for video in videos.values():
        VideoLike.objects.create(user=follower, video=video)
    Bookmark.objects.create(user=follower, video=videos["public"])
    for viewer in [AnonymousUser(), *User.objects.all()]:
        expected = {
            video.pk: video for video in video_queryset_visible(viewer=viewer, listed=False)
        }
        for video in videos.values():
            if video.pk not in expected:
                with pytest.raises(NotFound):
                    access_video(viewer=viewer, video_id=video.pk, annotated=annotated)
                continue
            loaded = access_video(viewer=viewer, video_id=video.pk, annotated=annotated)
            wanted = expected[video.pk]
            assert (loaded.pk, loaded.title, loaded.owner, loaded.owner.username) == (
                wanted.pk,
                wanted.title,
                wanted.owner,
                wanted.owner.username,
            )
            if annotated:
                assert loaded.category == wanted.category
                assert [getattr(loaded, flag) for flag in FLAGS] == [
                    getattr(wanted, flag) for flag in FLAGS
                ], (viewer, video)
            else:
                assert not hasattr(loaded, "is_liked")
    seen = access_video(viewer=follower, video_id=videos["public"].pk)
    assert (seen.is_liked, seen.is_bookmarked, seen.owner_follow_status) == (
        True,
        True,
        "following",
    )
    seen = access_video(viewer=requester, video_id=videos["public"].pk)
    assert (seen.is_liked, seen.is_bookmarked, seen.owner_follow_status) == (False, False, None)


def test_the_following_list_is_the_rule_for_the_owners_followed(graph):
    """`video_list_following` writes the rule out for followed owners; it lists the
    rows (and flags) the rule itself lists among their ready videos, for every kind of
    owner: open and private accounts, hidden ones, one blocked either way (a follow
    left from before the block), one the viewer subscribes to, one only requested."""
    viewer, staff = UserFactory(username="viewer"), ModeratorFactory(username="staff")
    owners = {
        "open": UserFactory(username="open"),
        "closed": UserFactory(username="closed", is_private=True),
        "pending": UserFactory(username="pending"),
        "suspended": UserFactory(username="suspended"),
        "blocked": UserFactory(username="blocked"),
        "blocking": UserFactory(username="blocking"),
        "subscribed": CreatorFactory(username="subscribed"),
        "unsubscribed": CreatorFactory(username="unsubscribed"),
        "requested": UserFactory(username="requested", is_private=True),
    }
    tier = CreatorTierFactory(creator=owners["subscribed"], price=100)
    wallet_fund(viewer, tier.price)
    subscription_create(subscriber=viewer, tier=tier, now=datetime(2025, 3, 10, tzinfo=UTC))
    for name, owner in owners.items():
        for follower in (viewer, staff):
            if name == "requested":
                graph.request(follower, owner)
            else:
                graph.follow(follower, owner)
        for visibility in V.values:
            video = VideoFactory(owner=owner, visibility=visibility)
            VideoLike.objects.create(user=viewer, video=video)
        VideoFactory(owner=owner, status=Video.Status.PROCESSING, published_at=None)
    Bookmark.objects.create(user=viewer, video=owners["open"].videos.first())
    User.objects.filter(pk=owners["pending"].pk).update(status=User.Status.PENDING)
    User.objects.filter(pk=owners["suspended"].pk).update(status=User.Status.SUSPENDED)
    Block.objects.create(blocker=viewer, blocked=owners["blocked"])
    Block.objects.create(blocker=owners["blocking"], blocked=viewer)
    for follower in (viewer, staff):
        for name in ("blocked", "blocking"):  # the follows the blocks ended, made again
            Follow.objects.get_or_create(
                follower=follower, followed=owners[name], status=Follow.Status.ACCEPTED
            )

    def rows(queryset):
        return list(
            queryset.order_by("-published_at", "-pk").values_list(
                "pk", "is_liked", "is_bookmarked", "owner_follow_status"
            )
        )

    for someone in (viewer, staff):
        rule = video_queryset_visible(viewer=someone).filter(
            status=Video.Status.READY,
            owner_id__in=Follow.objects.filter(
                follower=someone, status=Follow.Status.ACCEPTED
            ).values("followed_id"),
        )
        assert rows(video_list_following(viewer=someone)) == rows(rule)
    shown = {
        (video.owner.username, video.visibility) for video in video_list_following(viewer=viewer)
    }
    assert shown == {
        (name, visibility)
        for name in ("open", "closed", "pending", "subscribed", "unsubscribed")
        for visibility in (V.PUBLIC, V.FOLLOWERS)
    } | {("subscribed", V.SUBSCRIBERS)}
