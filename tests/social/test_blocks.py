"""Blocking: the endpoints, and what a block does everywhere else, both ways."""

import pytest
from django.utils import timezone

from accounts.models import User
from social.models import Block, Follow
from tests.accounts.factories import ModeratorFactory, UserFactory
from tests.conftest import error_one
from tests.social.factories import BlockFactory, SocialGraph
from tests.videos.factories import VideoFactory
from videos.models import Video

pytestmark = pytest.mark.django_db

BLOCKS_URL = "/api/v1/blocks/"


def block_url(username: str) -> str:
    return f"/api/v1/users/{username}/block/"


def counts(user: User) -> tuple[int, int]:
    user.refresh_from_db()
    return user.follower_count, user.following_count


@pytest.fixture
def graph() -> SocialGraph:
    return SocialGraph()


@pytest.fixture
def me():
    return UserFactory(username="mia")


@pytest.fixture
def my_client(make_auth_client, me):
    return make_auth_client(me)


@pytest.fixture
def troll():
    return UserFactory(username="troll")


@pytest.fixture
def troll_client(make_auth_client, troll):
    return make_auth_client(troll)


# -- the endpoints ---------------------------------------------------------------------


def test_blocking_answers_201_with_the_block(my_client, me, troll):
    response = my_client.post(block_url("TROLL"))
    assert response.status_code == 201
    block = Block.objects.get()
    assert (block.blocker, block.blocked) == (me, troll)
    body = response.json()
    assert (body["id"], body["user"]["username"]) == (str(block.pk), "troll")
    assert "email" not in body["user"]


def test_blocking_twice_is_one_block(my_client, troll):
    first = my_client.post(block_url("troll")).json()
    response = my_client.post(block_url("troll"))
    assert (response.status_code, response.json()["id"]) == (200, first["id"])
    assert Block.objects.count() == 1


def test_blocking_yourself_is_refused(my_client):
    assert error_one(my_client.post(block_url("mia"))) == ("cannot_block_self", None)
    assert not Block.objects.exists()


def test_blocking_an_unknown_user_is_404(my_client):
    assert error_one(my_client.post(block_url("nobody")), 404) == ("not_found", None)


@pytest.mark.parametrize("status", [User.Status.DELETED, User.Status.BANNED])
def test_deleted_and_banned_accounts_cannot_be_blocked(my_client, troll, status):
    User.objects.filter(pk=troll.pk).update(status=status)
    assert error_one(my_client.post(block_url("troll")), 404) == ("not_found", None)


def test_a_user_who_blocked_you_can_be_blocked_back(my_client, me, troll, graph):
    graph.block(troll, me)
    assert my_client.post(block_url("troll")).status_code == 201
    assert Block.objects.count() == 2


def test_unblocking_removes_only_the_callers_block(my_client, me, troll, graph):
    graph.block(me, troll)
    graph.block(troll, me)
    assert my_client.delete(block_url("troll")).status_code == 204
    assert list(Block.objects.values_list("blocker__username", flat=True)) == ["troll"]


def test_unblocking_someone_not_blocked_is_204(my_client, troll):
    assert my_client.delete(block_url("troll")).status_code == 204


def test_unblocking_an_unknown_user_is_404(my_client):
    assert error_one(my_client.delete(block_url("nobody")), 404) == ("not_found", None)


@pytest.mark.parametrize(
    ("method", "url"),
    [("post", block_url("troll")), ("delete", block_url("troll")), ("get", BLOCKS_URL)],
)
def test_blocks_need_a_signed_in_user(api_client, troll, method, url):
    assert error_one(getattr(api_client, method)(url), 401) == ("not_authenticated", None)


def test_the_block_list_shows_the_callers_blocks_newest_first(my_client, me, troll, graph):
    older = UserFactory(username="older")
    graph.block(me, older)
    graph.block(me, troll)
    Block.objects.filter(blocked=older).update(created_at=timezone.now().replace(year=2020))
    graph.block(troll, me)  # not the caller's
    graph.block(UserFactory(), older)  # not the caller's
    results = my_client.get(BLOCKS_URL).json()["results"]
    assert [item["user"]["username"] for item in results] == ["troll", "older"]


def test_the_block_list_refuses_a_bad_cursor(my_client):
    assert error_one(my_client.get(BLOCKS_URL, {"cursor": "x"})) == ("invalid_cursor", "cursor")


@pytest.mark.parametrize("page_size", [1, 20])
def test_the_block_list_costs_the_same_queries_at_any_page_size(
    my_client, me, django_assert_num_queries, page_size
):
    for _ in range(25):
        BlockFactory(blocker=me)
    with django_assert_num_queries(2):  # authentication, the page
        response = my_client.get(f"{BLOCKS_URL}?page_size={page_size}")
    assert len(response.json()["results"]) == page_size


# -- side effects, both ways -----------------------------------------------------------------


@pytest.fixture(params=["me_blocks_troll", "troll_blocks_me"])
def blocked_pair(request, me, troll, graph):
    """A block between `me` and `troll`, made by either."""
    if request.param == "me_blocks_troll":
        graph.block(me, troll)
    else:
        graph.block(troll, me)
    return me, troll


def test_a_block_removes_follows_both_ways_and_moves_the_counters(my_client, me, troll, graph):
    bystander = UserFactory()
    graph.follow(me, troll)
    graph.follow(troll, me)
    graph.follow(bystander, me)
    graph.follow(bystander, troll)
    assert my_client.post(block_url("troll")).status_code == 201
    assert not Follow.objects.filter(follower__in=[me, troll], followed__in=[me, troll]).exists()
    assert counts(me) == (1, 0)
    assert counts(troll) == (1, 0)
    assert counts(bystander) == (0, 2)


def test_a_block_removes_pending_requests_both_ways(make_auth_client, me, troll, graph):
    User.objects.filter(pk__in=[me.pk, troll.pk]).update(is_private=True)
    graph.request(me, troll)
    graph.request(troll, me)
    make_auth_client(troll).post(block_url("mia"))
    assert not Follow.objects.exists()
    assert counts(me) == counts(troll) == (0, 0)


def test_a_block_refuses_follows_both_ways(blocked_pair, my_client, troll_client):
    assert error_one(my_client.post("/api/v1/users/troll/follow/"), 404) == ("not_found", None)
    assert error_one(troll_client.post("/api/v1/users/mia/follow/"), 404) == ("not_found", None)
    assert not Follow.objects.exists()


def test_a_block_hides_profiles_both_ways(blocked_pair, my_client, troll_client, make_auth_client):
    assert error_one(my_client.get("/api/v1/users/troll/"), 404) == ("not_found", None)
    assert error_one(troll_client.get("/api/v1/users/mia/"), 404) == ("not_found", None)
    staff_client = make_auth_client(ModeratorFactory())
    assert staff_client.get("/api/v1/users/troll/").status_code == 200
    assert make_auth_client(UserFactory()).get("/api/v1/users/troll/").status_code == 200


def test_a_block_hides_users_from_search_both_ways(blocked_pair, my_client, troll_client):
    assert my_client.get("/api/v1/users/?search=troll").json()["results"] == []
    assert troll_client.get("/api/v1/users/?search=mia").json()["results"] == []


def test_a_block_hides_follow_lists_both_ways(blocked_pair, my_client, troll_client):
    for client, username in ((my_client, "troll"), (troll_client, "mia")):
        for kind in ("followers", "following"):
            response = client.get(f"/api/v1/users/{username}/{kind}/")
            assert error_one(response, 404) == ("not_found", None)


def test_a_block_hides_videos_both_ways(blocked_pair, my_client, troll_client, me, troll):
    mine = VideoFactory(owner=me)
    theirs = VideoFactory(owner=troll)
    for client, video in ((my_client, theirs), (troll_client, mine)):
        assert client.get(f"/api/v1/videos/{video.pk}/").status_code == 404
        listed = client.get("/api/v1/videos/").json()["results"]
        assert str(video.pk) not in {item["id"] for item in listed}
        profile = client.get(f"/api/v1/users/{video.owner.username}/videos/")
        assert profile.status_code == 404
    # Their own videos stay visible to each.
    assert my_client.get(f"/api/v1/videos/{mine.pk}/").status_code == 200


def test_unblocking_shows_the_profile_again_without_the_old_follows(my_client, me, troll, graph):
    graph.follow(me, troll)
    my_client.post(block_url("troll"))
    my_client.delete(block_url("troll"))
    body = my_client.get("/api/v1/users/troll/").json()
    assert (body["follow_status"], body["follower_count"]) == (None, 0)
    assert my_client.post("/api/v1/users/troll/follow/").status_code == 201


def test_a_followers_only_video_is_hidden_once_the_follow_is_blocked_away(
    make_auth_client, me, troll, graph, my_client
):
    video = VideoFactory(owner=troll, visibility=Video.Visibility.FOLLOWERS)
    graph.follow(me, troll)
    assert my_client.get(f"/api/v1/videos/{video.pk}/").status_code == 200
    graph.block(troll, me)
    graph.unblock(troll, me)
    assert my_client.get(f"/api/v1/videos/{video.pk}/").status_code == 404
