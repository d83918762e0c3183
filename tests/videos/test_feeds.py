"""The following, trending and for-you feeds: who sees what, in which order, at a
fixed query cost."""

from datetime import datetime, timedelta

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.utils import timezone
from rest_framework.test import APIClient

import videos.selectors
from accounts.models import User
from core.database import database_statistics_refresh
from payments.services.subscriptions import subscription_create
from social.models import Block, Follow
from tests.accounts.factories import ModeratorFactory, UserFactory
from tests.payments.factories import CreatorFactory, CreatorTierFactory, wallet_fund
from tests.videos.factories import VideoFactory
from videos.models import Video, WatchHistoryEntry
from videos.selectors import (
    _for_you_parts,
    _for_you_walks_followed,
    video_list_following,
    video_list_for_profile,
    video_list_for_you,
    video_list_trending,
    video_queryset_visible,
    video_tags_watched,
)

pytestmark = pytest.mark.django_db

V = Video.Visibility
NOW = timezone.now()

FOLLOWING = "/api/v1/feed/following/"
TRENDING = "/api/v1/feed/trending/"
FOR_YOU = "/api/v1/feed/for-you/"


def ago(**delta) -> datetime:
    return NOW - timedelta(**delta)


def ids(response) -> list[str]:
    assert response.status_code == 200, response.json()
    return [item["id"] for item in response.json()["results"]]


def id_list(*videos) -> list[str]:
    return [str(video.pk) for video in videos]


def by_id_desc(*videos) -> list[str]:
    return [str(pk) for pk in sorted((video.pk for video in videos), reverse=True)]


def walk(client, url: str) -> list[str]:
    seen = []
    while url:
        response = client.get(url)
        seen += ids(response)
        url = response.json()["next"]
    return seen


@pytest.mark.parametrize("url", [FOLLOWING, FOR_YOU])
def test_personal_feeds_need_a_signed_in_caller(api_client, url):
    response = api_client.get(url)
    assert response.status_code == 401
    assert response.json()["errors"][0]["code"] == "not_authenticated"


@pytest.mark.parametrize("url", [FOLLOWING, TRENDING, FOR_YOU])
def test_a_bad_cursor_is_400(my_client, url):
    response = my_client.get(url, {"cursor": "garbage"})
    assert response.status_code == 400
    assert response.json()["errors"] == [
        {
            "code": "invalid_cursor",
            "detail": "The cursor is invalid or has been tampered with.",
            "attr": "cursor",
        }
    ]


# -- following ----------------------------------------------------------------------


def test_following_lists_the_followed_accounts_ready_videos_newest_first(graph, me, my_client):
    creator = UserFactory()
    private_creator = UserFactory(is_private=True)
    blocker = UserFactory()
    stranger = UserFactory()
    for followed in (creator, private_creator, blocker):
        graph.follow(me, followed)
    graph.block(blocker, me)  # which also ends the follow
    expected = [
        VideoFactory(owner=creator, published_at=ago(hours=1)),
        VideoFactory(owner=creator, visibility=V.FOLLOWERS, published_at=ago(hours=2)),
        VideoFactory(owner=private_creator, published_at=ago(hours=3)),
        VideoFactory(owner=private_creator, visibility=V.FOLLOWERS, published_at=ago(hours=4)),
        VideoFactory(owner=creator, published_at=ago(days=30)),
    ]
    # Never listed: unlisted, private and unready videos, strangers', a blocker's, mine.
    VideoFactory(owner=creator, visibility=V.UNLISTED)
    VideoFactory(owner=creator, visibility=V.PRIVATE)
    VideoFactory(owner=creator, status=Video.Status.PROCESSING, published_at=None)
    VideoFactory(owner=creator, status=Video.Status.FAILED, published_at=None)
    VideoFactory(owner=stranger)
    VideoFactory(owner=blocker)
    VideoFactory(owner=me)
    assert walk(my_client, f"{FOLLOWING}?page_size=2") == id_list(*expected)


def test_following_is_empty_until_the_caller_follows_someone(my_client):
    VideoFactory()
    assert ids(my_client.get(FOLLOWING)) == []


@pytest.mark.parametrize("page_size", [1, 20])
def test_following_costs_the_same_queries_at_any_page_size(
    graph, me, my_client, django_assert_num_queries, page_size
):
    creator = UserFactory()
    graph.follow(me, creator)
    for _ in range(25):
        VideoFactory(owner=creator)
    with django_assert_num_queries(2):  # authentication, the page
        response = my_client.get(f"{FOLLOWING}?page_size={page_size}")
    assert len(ids(response)) == page_size


def walk_back(client, url: str) -> list[str]:
    """Every page from the last one back to the first, by `previous` links: the ids in
    the list's order."""
    while True:  # to the last page
        response = client.get(url)
        if not response.json()["next"]:
            break
        url = response.json()["next"]
    pages = [ids(response)]
    while url := response.json()["previous"]:
        response = client.get(url)
        pages.insert(0, ids(response))
    return [pk for page in pages for pk in page]


@pytest.mark.parametrize("page_size", [1, 2, 3])
def test_feed_pages_forward_and_back_list_what_the_query_sets_list(
    graph, me, my_client, make_auth_client, page_size
):
    """The feeds' pages run SQL compiled once per shape and kind of page, with each
    request's viewer and cursor in place of stand-ins (`core.compiled`): walked both
    ways at any page size, they list what the rule's query sets list, ties on the
    ordering's first column broken by id, for a follower, the profile's owner and
    staff."""
    creator = UserFactory()
    graph.follow(me, creator)
    moment = ago(hours=3)
    videos = [
        *(VideoFactory(owner=creator, published_at=moment, trending_score=2.0) for _ in range(3)),
        VideoFactory(owner=creator, published_at=ago(hours=1), trending_score=7.0),
        VideoFactory(owner=creator, visibility=V.FOLLOWERS, published_at=ago(hours=2)),
        VideoFactory(owner=creator, published_at=ago(days=3), trending_score=0.5),
        VideoFactory(owner=creator, status=Video.Status.PROCESSING, published_at=None),
    ]
    VideoFactory(trending_score=1.0)  # a stranger's, trending
    lists = {
        f"{FOLLOWING}?page_size={page_size}": (
            my_client,
            video_list_following(viewer=me).order_by("-published_at", "-id"),
        ),
        f"{TRENDING}?page_size={page_size}": (
            my_client,
            video_list_trending(viewer=me).order_by("-trending_score", "-id"),
        ),
        f"/api/v1/users/{creator.username}/videos/?page_size={page_size}": (
            my_client,
            video_list_for_profile(owner=creator, viewer=me).order_by("-published_at", "-id"),
        ),
    }
    owner_client, staff = make_auth_client(creator), ModeratorFactory()
    lists[f"/api/v1/users/{creator.username}/videos/?page_size={page_size}&own"] = (
        owner_client,
        video_list_for_profile(owner=creator, viewer=creator).order_by("-created_at", "-id"),
    )
    lists[f"{TRENDING}?page_size={page_size}&staff"] = (
        make_auth_client(staff),
        video_list_trending(viewer=staff).order_by("-trending_score", "-id"),
    )
    # `GET /videos/` without filters: a compiled list too (`video_feed_recent`).
    for name, client, viewer in (
        ("me", my_client, me),
        ("staff", make_auth_client(staff), staff),
        ("anonymous", APIClient(), None),
    ):
        lists[f"/api/v1/videos/?page_size={page_size}&{name}"] = (
            client,
            video_queryset_visible(viewer=viewer, listed=True)
            .filter(status=Video.Status.READY)
            .order_by("-published_at", "-id"),
        )
    for url, (client, queryset) in lists.items():
        expected = [str(pk) for pk in queryset.values_list("pk", flat=True)]
        assert len(expected) >= 3, url
        assert walk(client, url) == expected, url
        assert walk_back(client, url) == expected, url
    assert len(walk(owner_client, f"/api/v1/users/{creator.username}/videos/")) == len(videos)


# -- trending -----------------------------------------------------------------------
# -- trending -----------------------------------------------------------------------


def test_trending_orders_by_the_stored_score_then_id(api_client):
    first = VideoFactory(trending_score=5.0)
    tied = [VideoFactory(trending_score=3.0) for _ in range(3)]
    last = VideoFactory(trending_score=0.01)
    VideoFactory(trending_score=0)  # not trending
    expected = [str(first.pk), *by_id_desc(*tied), str(last.pk)]
    assert walk(api_client, f"{TRENDING}?page_size=2") == expected


def test_trending_lists_only_public_videos_the_caller_may_see(graph, me, my_client, api_client):
    creator = UserFactory()
    private_creator = UserFactory(is_private=True)
    blocker = UserFactory()
    graph.follow(me, creator)
    graph.follow(me, private_creator)
    graph.block(blocker, me)
    public = VideoFactory(owner=creator, trending_score=1.0)
    of_private_account = VideoFactory(owner=private_creator, trending_score=2.0)
    of_blocker = VideoFactory(owner=blocker, trending_score=3.0)
    # Scores only public videos get; set here to show the feed checks anyway.
    VideoFactory(owner=creator, visibility=V.FOLLOWERS, trending_score=9.0)
    VideoFactory(owner=creator, visibility=V.UNLISTED, trending_score=9.0)
    VideoFactory(owner=me, visibility=V.PRIVATE, trending_score=9.0)
    VideoFactory(owner=creator, status=Video.Status.PROCESSING, trending_score=9.0)
    assert ids(my_client.get(TRENDING)) == id_list(of_private_account, public)
    assert ids(api_client.get(TRENDING)) == id_list(of_blocker, public)


@pytest.mark.parametrize("page_size", [1, 20])
@pytest.mark.parametrize(("signed_in", "queries"), [(False, 1), (True, 2)])
def test_trending_costs_the_same_queries_at_any_page_size(
    my_client, api_client, django_assert_num_queries, page_size, signed_in, queries
):
    for n in range(25):
        VideoFactory(trending_score=n + 1)
    client = my_client if signed_in else api_client
    with django_assert_num_queries(queries):
        response = client.get(f"{TRENDING}?page_size={page_size}")
    assert len(ids(response)) == page_size


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's planner")
@pytest.mark.parametrize("signed_in", [False, True])
def test_trending_reads_the_partial_trending_index(me, signed_in):
    for n in range(5):
        VideoFactory(trending_score=n + 1)
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_sort = off")
    viewer = me if signed_in else None
    page = video_list_trending(viewer=viewer).order_by("-trending_score", "-id")[:21]
    assert "videos_public_trending" in page.explain()


# -- for you ------------------------------------------------------------------------


def watched(user, video, *, days_ago: float) -> WatchHistoryEntry:
    return WatchHistoryEntry.objects.create(
        user=user, video=video, watched_seconds=30, last_watched_at=ago(days=days_ago)
    )


@pytest.fixture
def for_you_world(graph, me):
    """A caller who follows `creator` and watched cooking and travel videos."""
    creator = UserFactory(username="creator")
    stranger = UserFactory(username="stranger")
    blocker = UserFactory(username="blocker")
    graph.follow(me, creator)
    graph.block(blocker, me)
    videos = {
        # trending score, + 1.0 from a followed creator, + 0.5 for a watched tag
        "trending": VideoFactory(owner=stranger, trending_score=2.0),  # 2.0
        "trending_followed": VideoFactory(owner=creator, trending_score=0.25),  # 1.25
        "followed": VideoFactory(owner=creator, published_at=ago(days=3)),  # 1.0
        "followed_for_followers": VideoFactory(
            owner=creator, visibility=V.FOLLOWERS, published_at=ago(days=4)
        ),  # 1.0
        "seen_long_ago": VideoFactory(
            owner=stranger, tags=["cooking", "travel"], trending_score=0.125
        ),  # 0.625
        "cooking": VideoFactory(owner=stranger, tags=["cooking"]),  # 0.5
        "travel": VideoFactory(owner=stranger, tags=["travel", "lisbon"]),  # 0.5
        # Not picked: old and not trending, no link, seen lately, mine, a blocker's,
        # private, unlisted.
        "followed_old": VideoFactory(owner=creator, published_at=ago(days=40)),
        "cooking_old": VideoFactory(owner=stranger, tags=["cooking"], published_at=ago(days=40)),
        "unrelated": VideoFactory(owner=stranger, tags=["cars"]),
        "seen_lately": VideoFactory(owner=stranger, tags=["cooking"], trending_score=5.0),
        "mine": VideoFactory(owner=me, trending_score=5.0),
        "blockers": VideoFactory(owner=blocker, trending_score=5.0),
        "private": VideoFactory(owner=creator, visibility=V.PRIVATE, trending_score=5.0),
        "unlisted": VideoFactory(owner=creator, visibility=V.UNLISTED, trending_score=5.0),
    }
    watched(me, videos["seen_lately"], days_ago=2)
    watched(me, videos["seen_long_ago"], days_ago=10)
    watched(me, VideoFactory(owner=stranger, tags=["cooking"], visibility=V.UNLISTED), days_ago=1)
    # Older than the taste window: its tag does not count.
    watched(me, VideoFactory(owner=stranger, tags=["cars"], visibility=V.UNLISTED), days_ago=45)
    return videos


def expected_for_you(videos) -> list[str]:
    return [
        str(videos["trending"].pk),
        str(videos["trending_followed"].pk),
        *by_id_desc(videos["followed"], videos["followed_for_followers"]),
        str(videos["seen_long_ago"].pk),
        *by_id_desc(videos["cooking"], videos["travel"]),
    ]


def test_for_you_blends_trending_follows_and_watched_tags(for_you_world, my_client):
    assert ids(my_client.get(FOR_YOU)) == expected_for_you(for_you_world)


def test_for_you_is_the_same_list_at_any_page_size_and_on_every_request(for_you_world, my_client):
    expected = expected_for_you(for_you_world)
    assert walk(my_client, f"{FOR_YOU}?page_size=1") == expected
    assert walk(my_client, f"{FOR_YOU}?page_size=3") == expected
    assert ids(my_client.get(FOR_YOU)) == expected


def test_for_you_leaves_out_what_the_caller_just_watched(for_you_world, me, my_client):
    watched(me, for_you_world["trending"], days_ago=0)
    expected = expected_for_you(for_you_world)
    expected.remove(str(for_you_world["trending"].pk))
    assert ids(my_client.get(FOR_YOU)) == expected


def test_for_you_without_follows_or_history_is_the_trending_list(my_client):
    hot = VideoFactory(trending_score=3.0)
    warm = VideoFactory(trending_score=1.0)
    VideoFactory()
    assert ids(my_client.get(FOR_YOU)) == id_list(hot, warm)


# Trending scores with ties across the for-you list's parts: 1.0 followed, 2.0 of
# others and 1.5 of others with a watched tag all score 2.0.
_SCORES = (0.0, 0.5, 1.0, 1.5, 2.0)


@pytest.mark.parametrize("walked", [False, True], ids=["by owner", "walking the score"])
@pytest.mark.parametrize("with_tags", [False, True], ids=["no watched tags", "watched tags"])
def test_for_you_pages_list_the_rule_and_the_pick_for_every_kind_of_owner(
    graph, me, my_client, make_auth_client, with_tags, walked, monkeypatch
):
    """The for-you page is picked from parts (`videos.selectors._for_you_parts`),
    each in an order an index serves; walked both ways at several page sizes it
    lists exactly `video_list_for_you`'s videos in score order, for owners followed
    and not: open and private accounts, hidden ones, blocked either way (a follow left
    from before the block), subscribed to or not, only requested; with ties between
    the parts broken by id; for a user and for staff. On SQLite, with the followed
    part read by owner and walked in its score's order (`_for_you_walks_followed`)."""
    monkeypatch.setattr(videos.selectors, "FOR_YOU_WALK_FACTOR", -1 if walked else 10**18)
    staff = ModeratorFactory(username="staff")
    kinds = ("open", "closed", "pending", "suspended", "blocked", "blocking", "subscribed")
    owners = {}
    for followed in (True, False):
        for kind in (*kinds, "requested"):
            name = f"{kind}_{'followed' if followed else 'other'}"
            make = CreatorFactory if kind == "subscribed" else UserFactory
            owners[name] = make(username=name, is_private=kind in ("closed", "requested"))
            for viewer in (me, staff):
                if kind == "requested":
                    graph.request(viewer, owners[name])
                elif followed:
                    graph.follow(viewer, owners[name])
            if kind == "subscribed":
                tier = CreatorTierFactory(creator=owners[name], price=100)
                wallet_fund(me, tier.price)
                subscription_create(subscriber=me, tier=tier, now=NOW - timedelta(days=1))
    for number, owner in enumerate(owners.values()):
        for visibility in V.values:
            for fresh in (True, False):
                VideoFactory(
                    owner=owner,
                    visibility=visibility,
                    trending_score=_SCORES[(number + len(visibility) + fresh) % len(_SCORES)],
                    published_at=ago(days=2 if fresh else 40),
                    tags=["cooking"] if (number + fresh) % 3 == 0 else ["cars"],
                )
        VideoFactory(owner=owner, status=Video.Status.PROCESSING, published_at=None)
    VideoFactory(owner=me, trending_score=3.0)  # mine
    if with_tags:
        watched(me, VideoFactory(owner=me, tags=["cooking"], visibility=V.UNLISTED), days_ago=10)
    seen = VideoFactory(owner=owners["open_other"], trending_score=2.0)
    watched(me, seen, days_ago=1)
    Block.objects.create(blocker=me, blocked=owners["blocked_followed"])
    Block.objects.create(blocker=owners["blocking_followed"], blocked=me)
    Block.objects.create(blocker=me, blocked=owners["blocked_other"])
    Block.objects.create(blocker=owners["blocking_other"], blocked=me)
    for viewer in (me, staff):
        for name in ("blocked_followed", "blocking_followed"):  # ended by the blocks
            Follow.objects.get_or_create(
                follower=viewer, followed=owners[name], status=Follow.Status.ACCEPTED
            )
    for kind in ("pending", "suspended"):
        status = User.Status.PENDING if kind == "pending" else User.Status.SUSPENDED
        User.objects.filter(username__startswith=f"{kind}_").update(status=status)
    assert video_tags_watched(user=me, now=NOW) == (["cooking"] if with_tags else [])
    assert _for_you_walks_followed(me) is (walked and connection.vendor == "sqlite")

    for viewer, client in ((me, my_client), (staff, make_auth_client(staff))):
        expected = [
            str(pk)
            for pk in video_list_for_you(viewer=viewer)
            .order_by("-for_you_score", "-id")
            .values_list("pk", flat=True)
        ]
        shown = {
            (video.owner.username, video.visibility)
            for video in Video.objects.filter(pk__in=expected).select_related("owner")
        }
        # Every part has videos: followed creators' (with followers-only ones),
        # others' public ones, a subscribed creator's subscribers-only ones.
        assert {
            ("open_followed", V.FOLLOWERS),
            ("closed_followed", V.PUBLIC),
            ("open_other", V.PUBLIC),
            ("subscribed_other", V.SUBSCRIBERS),
        } <= shown, viewer
        assert (("closed_other", V.PUBLIC) in shown) == (viewer == staff)
        for page_size in (3, 20):
            url = f"{FOR_YOU}?page_size={page_size}"
            assert walk(client, url) == expected, (viewer, page_size)
            assert walk_back(client, url) == expected, (viewer, page_size)


def test_for_you_walks_the_indexes_of_its_parts(graph, me):
    """The followed creators' part of the for-you list is read in the order of
    `videos_ready_followed_score`, others' public part in that of
    `videos_public_trending`, subscribed creators' subscribers-only part through
    `videos_subscribers_trending` (the parts' scores are those indexes' values)."""
    creator = UserFactory()
    graph.follow(me, creator)
    paid = CreatorFactory()
    tier = CreatorTierFactory(creator=paid, price=100)
    wallet_fund(me, tier.price)
    subscription_create(subscriber=me, tier=tier, now=NOW - timedelta(days=1))
    for n in range(5):
        VideoFactory(owner=creator, trending_score=n + 1)
        VideoFactory(trending_score=n + 1)
        VideoFactory(owner=paid, visibility=V.SUBSCRIBERS, trending_score=n + 1)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute("SET LOCAL enable_sort = off")
    else:  # the statistics a periodic task gathers (`core.database`)
        database_statistics_refresh()
    followed, others, subscribed = _for_you_parts(viewer=me, tags=[])
    assert followed.same_as == {"for_you_score": "followed_score"}
    plan = followed.queryset.order_by("-followed_score", "-id")[:21].explain()
    assert "videos_ready_followed_score" in plan
    walked = _for_you_parts(viewer=me, tags=[], walk_followed=True)[0]
    plan = walked.queryset.order_by("-followed_score", "-id")[:21].explain()
    assert "videos_ready_followed_score" in plan
    if connection.vendor == "sqlite":  # walked in order: no owner's index, no sort
        assert "SCAN videos_video USING INDEX videos_ready_followed_score" in plan
        assert "owner_id" not in plan and "TEMP B-TREE" not in plan
    assert others.same_as == {"for_you_score": "trending_score"}
    plan = others.queryset.order_by("-trending_score", "-id")[:21].explain()
    assert "videos_public_trending" in plan
    assert subscribed.same_as == {"for_you_score": "trending_score"}
    plan = subscribed.queryset.order_by("-trending_score", "-id")[:21].explain()
    assert "videos_subscribers_trending" in plan


@pytest.mark.parametrize("page_size", [1, 20])
def test_for_you_costs_the_same_queries_at_any_page_size(
    for_you_world, me, my_client, django_assert_num_queries, page_size
):
    for n in range(25):
        VideoFactory(trending_score=n + 1)
    # Authentication, the watched tags, (on SQLite) the followed creators' video
    # counts that pick the page's plan, the page.
    with django_assert_num_queries(4 if connection.vendor == "sqlite" else 3):
        response = my_client.get(f"{FOR_YOU}?page_size={page_size}")
    assert len(ids(response)) == page_size


def test_for_you_walks_the_followed_scores_where_followed_creators_have_many_videos(graph, me):
    """On SQLite the followed part walks `videos_ready_followed_score` when the
    followed creators' videos (their `video_count`) squared exceed
    `FOR_YOU_WALK_FACTOR` times the videos' table (its highest row number), and reads
    them by owner otherwise; never for staff or on PostgreSQL (which plans each
    viewer's page with the viewer's figures)."""
    prolific, occasional = UserFactory(), UserFactory()
    graph.follow(me, prolific)
    graph.follow(me, occasional)
    for _ in range(5):
        VideoFactory(owner=prolific)
    rows = 5  # the factory made the videos one by one: rowid 1 to 5
    User.objects.filter(pk=occasional.pk).update(video_count=1)
    needed = int((videos.selectors.FOR_YOU_WALK_FACTOR * rows) ** 0.5)  # 7
    User.objects.filter(pk=prolific.pk).update(video_count=needed - 1)  # 7 followed: 49 < 55
    assert _for_you_walks_followed(me) is False
    User.objects.filter(pk=prolific.pk).update(video_count=needed)  # 8: 64 > 55
    on_sqlite = connection.vendor == "sqlite"
    assert _for_you_walks_followed(me) is on_sqlite
    staff = ModeratorFactory()
    graph.follow(staff, prolific)
    assert _for_you_walks_followed(staff) is False
    assert _for_you_walks_followed(AnonymousUser()) is False
