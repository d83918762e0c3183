"""Following, follow requests for private accounts, the followers and following lists,
and the counters they keep."""

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import User
from notifications.models import Notification
from social.models import Follow
from social.services.follows import follow_create, follow_delete, follow_request_accept
from tests.accounts.factories import ModeratorFactory, UserFactory
from tests.conftest import error_one
from tests.social.factories import FollowFactory, SocialGraph

pytestmark = pytest.mark.django_db

ME_URL = "/api/v1/users/me/"
REQUESTS_URL = "/api/v1/follow-requests/"


def follow_url(username: str) -> str:
    return f"/api/v1/users/{username}/follow/"


def followers_url(username: str) -> str:
    return f"/api/v1/users/{username}/followers/"


def following_url(username: str) -> str:
    return f"/api/v1/users/{username}/following/"


def accept_url(follow_id) -> str:
    return f"{REQUESTS_URL}{follow_id}/accept/"


def reject_url(follow_id) -> str:
    return f"{REQUESTS_URL}{follow_id}/reject/"


def counts(user: User) -> tuple[int, int]:
    """(follower_count, following_count), freshly read."""
    user.refresh_from_db()
    return user.follower_count, user.following_count


def usernames(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [item["username"] for item in response.json()["results"]]


def walk(client, url: str) -> list[str]:
    seen = []
    while url:
        response = client.get(url)
        seen += usernames(response)
        url = response.json()["next"]
    return seen


def notifications_of(user: User) -> list[tuple[str, str]]:
    """(type, actor's username) of `user`'s notifications, oldest first."""
    rows = Notification.objects.filter(recipient=user).order_by("created_at")
    return [(row.type, row.actor.username) for row in rows.select_related("actor")]


@pytest.fixture
def graph() -> SocialGraph:
    return SocialGraph()


@pytest.fixture
def me():
    return UserFactory(username="me")


@pytest.fixture
def my_client(make_auth_client, me):
    return make_auth_client(me)


@pytest.fixture
def ana():
    """A public account."""
    return UserFactory(username="ana")


@pytest.fixture
def pat():
    """A private account."""
    return UserFactory(username="pat", is_private=True)


# -- following a public account --------------------------------------------------------


def test_following_a_public_account_follows_at_once(my_client, me, ana):
    response = my_client.post(follow_url("ana"))
    assert (response.status_code, response.json()) == (201, {"status": "following"})
    follow = Follow.objects.get()
    assert (follow.follower, follow.followed, follow.status) == (me, ana, "accepted")
    assert follow.accepted_at is not None
    assert counts(ana) == (1, 0)
    assert counts(me) == (0, 1)
    assert notifications_of(ana) == [("new_follower", "me")]


def test_the_username_is_found_whatever_its_case(my_client, ana):
    assert my_client.post(follow_url("ANA")).status_code == 201


def test_following_twice_answers_200_with_the_follow_and_changes_nothing(my_client, me, ana):
    my_client.post(follow_url("ana"))
    response = my_client.post(follow_url("ana"))
    assert (response.status_code, response.json()) == (200, {"status": "following"})
    assert Follow.objects.count() == 1
    assert counts(ana) == (1, 0)
    assert counts(me) == (0, 1)
    assert notifications_of(ana) == [("new_follower", "me")]


def test_following_yourself_is_refused(my_client, me):
    assert error_one(my_client.post(follow_url("ME"))) == ("cannot_follow_self", None)
    assert not Follow.objects.exists()


def test_following_an_unknown_user_is_404(my_client):
    assert error_one(my_client.post(follow_url("nobody")), 404) == ("not_found", None)


@pytest.mark.parametrize("status", [User.Status.DELETED, User.Status.BANNED])
def test_deleted_and_banned_accounts_cannot_be_followed(my_client, ana, status):
    User.objects.filter(pk=ana.pk).update(status=status)
    assert error_one(my_client.post(follow_url("ana")), 404) == ("not_found", None)
    assert not Follow.objects.exists()


@pytest.mark.parametrize("method", ["post", "delete"])
def test_following_needs_a_signed_in_user(api_client, ana, method):
    response = getattr(api_client, method)(follow_url("ana"))
    assert error_one(response, 401) == ("not_authenticated", None)


def test_follow_does_not_allow_get_or_put(my_client, ana):
    assert my_client.get(follow_url("ana")).status_code == 405
    assert my_client.put(follow_url("ana")).status_code == 405


# -- unfollowing -----------------------------------------------------------------------


def test_unfollowing_removes_the_follow_and_moves_the_counters_back(my_client, me, ana):
    my_client.post(follow_url("ana"))
    response = my_client.delete(follow_url("ana"))
    assert response.status_code == 204
    assert not Follow.objects.exists()
    assert counts(ana) == (0, 0)
    assert counts(me) == (0, 0)


def test_unfollowing_someone_not_followed_is_204_and_changes_nothing(my_client, me, ana, graph):
    graph.follow(ana, me)
    assert my_client.delete(follow_url("ana")).status_code == 204
    assert Follow.objects.count() == 1
    assert counts(me) == (1, 0)


def test_unfollowing_an_unknown_user_is_404(my_client):
    assert error_one(my_client.delete(follow_url("nobody")), 404) == ("not_found", None)


def test_a_banned_account_can_still_be_unfollowed(my_client, me, ana):
    my_client.post(follow_url("ana"))
    User.objects.filter(pk=ana.pk).update(status=User.Status.BANNED)
    assert my_client.delete(follow_url("ana")).status_code == 204
    assert counts(me) == (0, 0)


def test_following_again_after_unfollowing_works(my_client, ana):
    my_client.post(follow_url("ana"))
    my_client.delete(follow_url("ana"))
    assert my_client.post(follow_url("ana")).status_code == 201
    assert counts(ana) == (1, 0)


# -- private accounts: requests ----------------------------------------------------------


def test_following_a_private_account_asks(my_client, me, pat):
    response = my_client.post(follow_url("pat"))
    assert (response.status_code, response.json()) == (201, {"status": "requested"})
    follow = Follow.objects.get()
    assert (follow.status, follow.accepted_at) == ("pending", None)
    assert counts(pat) == (0, 0)
    assert counts(me) == (0, 0)
    assert notifications_of(pat) == [("follow_request", "me")]


def test_asking_twice_answers_200_with_the_request_and_changes_nothing(my_client, pat):
    my_client.post(follow_url("pat"))
    response = my_client.post(follow_url("pat"))
    assert (response.status_code, response.json()) == (200, {"status": "requested"})
    assert Follow.objects.get().status == "pending"
    assert notifications_of(pat) == [("follow_request", "me")]


def test_following_once_accepted_answers_200_following(my_client, pat, pending):
    follow_request_accept(user=pat, follow_id=pending.pk)
    response = my_client.post(follow_url("pat"))
    assert (response.status_code, response.json()) == (200, {"status": "following"})
    assert counts(pat) == (1, 0)


def test_withdrawing_a_request_deletes_it(my_client, pat):
    my_client.post(follow_url("pat"))
    assert my_client.delete(follow_url("pat")).status_code == 204
    assert not Follow.objects.exists()
    assert counts(pat) == (0, 0)


@pytest.fixture
def pending(me, pat, graph):
    """`me` asked to follow `pat`."""
    return graph.request(me, pat)


@pytest.fixture
def pat_client(make_auth_client, pat):
    return make_auth_client(pat)


def test_accepting_a_request_makes_the_follow(pat_client, pending, me, pat):
    response = pat_client.post(accept_url(pending.pk))
    assert response.status_code == 200
    body = response.json()
    assert (body["id"], body["status"], body["user"]["username"]) == (
        str(pending.pk),
        "accepted",
        "me",
    )
    assert body["accepted_at"] is not None
    assert counts(pat) == (1, 0)
    assert counts(me) == (0, 1)
    assert notifications_of(me) == [("follow_accepted", "pat")]


def test_accepting_twice_answers_the_same_200_and_changes_nothing(pat_client, pending, me, pat):
    first = pat_client.post(accept_url(pending.pk))
    again = pat_client.post(accept_url(pending.pk))
    assert (again.status_code, again.json()) == (200, first.json())
    assert counts(pat) == (1, 0)
    assert counts(me) == (0, 1)
    assert notifications_of(me) == [("follow_accepted", "pat")]


def test_rejecting_a_request_deletes_it(pat_client, pending, me, pat, my_client):
    assert pat_client.post(reject_url(pending.pk)).status_code == 204
    assert not Follow.objects.exists()
    assert counts(pat) == (0, 0)
    assert notifications_of(me) == []
    # The requester may ask again.
    assert my_client.post(follow_url("pat")).json() == {"status": "requested"}


def test_a_withdrawn_request_cannot_be_accepted(pat_client, pending, my_client, pat):
    my_client.delete(follow_url("pat"))
    assert error_one(pat_client.post(accept_url(pending.pk)), 404) == ("not_found", None)
    assert counts(pat) == (0, 0)


@pytest.mark.parametrize("action", [accept_url, reject_url])
@pytest.mark.parametrize("who", ["requester", "stranger", "staff"])
def test_only_the_requested_account_answers_a_request(
    make_auth_client, my_client, pending, pat, action, who
):
    client = {
        "requester": my_client,
        "stranger": make_auth_client(UserFactory()),
        "staff": make_auth_client(ModeratorFactory()),
    }[who]
    assert error_one(client.post(action(pending.pk)), 404) == ("not_found", None)
    pending.refresh_from_db()
    assert pending.status == "pending"
    assert counts(pat) == (0, 0)


@pytest.mark.parametrize("action", [accept_url, reject_url])
@pytest.mark.parametrize("bad_id", ["not-a-uuid", "00000000-0000-0000-0000-000000000000"])
def test_unknown_request_ids_are_404(pat_client, pending, action, bad_id):
    assert error_one(pat_client.post(action(bad_id)), 404) == ("not_found", None)


def test_an_accepted_follow_cannot_be_refused(make_auth_client, me, ana, graph):
    follow = graph.follow(me, ana)
    assert error_one(make_auth_client(ana).post(reject_url(follow.pk)), 404) == ("not_found", None)
    assert Follow.objects.get().status == "accepted"


def test_accepting_an_accepted_follow_answers_it_unchanged(make_auth_client, me, ana, graph):
    follow = graph.follow(me, ana)
    response = make_auth_client(ana).post(accept_url(follow.pk))
    assert (response.status_code, response.json()["status"]) == (200, "accepted")
    assert counts(ana) == (1, 0)


def test_a_refused_request_cannot_be_accepted(pat_client, pending, pat):
    assert pat_client.post(reject_url(pending.pk)).status_code == 204
    assert error_one(pat_client.post(accept_url(pending.pk)), 404) == ("not_found", None)
    assert counts(pat) == (0, 0)


@pytest.mark.parametrize("url", [REQUESTS_URL, "accept", "reject"])
def test_follow_requests_need_a_signed_in_user(api_client, pending, url):
    if url != REQUESTS_URL:
        url = (accept_url if url == "accept" else reject_url)(pending.pk)
        response = api_client.post(url)
    else:
        response = api_client.get(url)
    assert error_one(response, 401) == ("not_authenticated", None)


def test_the_request_list_shows_pending_requests_to_the_caller_newest_first(
    pat_client, pat, me, graph
):
    older = UserFactory(username="older")
    graph.request(older, pat)
    graph.request(me, pat)
    Follow.objects.filter(follower=older).update(created_at=timezone.now() - timedelta(hours=1))
    graph.follow(UserFactory(username="accepted"), pat)  # not a request any more
    graph.request(me, UserFactory(username="other_private", is_private=True))  # not to pat
    graph.follow(pat, me)  # pat follows me back
    response = pat_client.get(REQUESTS_URL)
    assert response.status_code == 200
    results = response.json()["results"]
    assert [item["user"]["username"] for item in results] == ["me", "older"]
    assert [item["status"] for item in results] == ["pending", "pending"]
    # Each requester carries the caller's own follow status of them.
    assert [item["user"]["follow_status"] for item in results] == ["following", None]
    assert [item["user"]["is_following"] for item in results] == [True, False]
    assert "email" not in results[0]["user"]


def test_the_request_list_leaves_out_banned_and_deleted_requesters(pat_client, pat, graph):
    for status in (User.Status.BANNED, User.Status.DELETED):
        graph.request(UserFactory(status=status), pat)
    assert pat_client.get(REQUESTS_URL).json()["results"] == []


# -- making an account public -------------------------------------------------------------


def test_making_the_account_public_accepts_every_pending_request(pat_client, pat, graph):
    requesters = [UserFactory(username=f"asker{n}") for n in range(3)]
    for requester in requesters:
        graph.request(requester, pat)
    response = pat_client.patch(ME_URL, {"is_private": False})
    assert response.status_code == 200
    assert (response.json()["is_private"], response.json()["follower_count"]) == (False, 3)
    assert set(Follow.objects.values_list("status", flat=True)) == {"accepted"}
    assert counts(pat) == (3, 0)
    for requester in requesters:
        assert counts(requester) == (0, 1)
        assert notifications_of(requester) == [("follow_accepted", "pat")]
    assert pat_client.get(REQUESTS_URL).json()["results"] == []


def test_changing_other_fields_of_a_private_account_accepts_nothing(pat_client, pat, pending):
    pat_client.patch(ME_URL, {"bio": "still private", "is_private": True})
    pending.refresh_from_db()
    assert pending.status == "pending"
    assert counts(pat) == (0, 0)


def test_making_an_account_private_keeps_its_followers(make_auth_client, ana, me, graph):
    graph.follow(me, ana)
    make_auth_client(ana).patch(ME_URL, {"is_private": True})
    assert Follow.objects.get().status == "accepted"
    assert counts(ana) == (1, 0)


# -- the followers and following lists ----------------------------------------------------


@pytest.fixture
def lists_world(graph, make_auth_client, me, ana, pat):
    """`me` follows `ana` and `pat`; `follower` too; `asker` asked `pat`; `blocked` was
    blocked by `ana` and `pat`."""
    follower = UserFactory(username="follower")
    asker = UserFactory(username="asker")
    blocked = UserFactory(username="blocked")
    for account in (ana, pat):
        graph.follow(me, account)
        graph.follow(follower, account)
        graph.block(account, blocked)
    graph.request(asker, pat)
    clients = {
        "anonymous": APIClient(),
        "stranger": make_auth_client(UserFactory(username="stranger")),
        "asker": make_auth_client(asker),
        "follower": make_auth_client(follower),
        "blocked": make_auth_client(blocked),
        "owner_ana": make_auth_client(ana),
        "owner_pat": make_auth_client(pat),
        "staff": make_auth_client(ModeratorFactory(username="staff")),
    }
    return clients


PUBLIC_LIST = {
    "anonymous": 401,
    "stranger": 200,
    "asker": 200,
    "follower": 200,
    "blocked": 404,
    "owner_ana": 200,
    "staff": 200,
}
PRIVATE_LIST = {
    "anonymous": 401,
    "stranger": 403,
    "asker": 403,  # a pending request is not a follow
    "follower": 200,
    "blocked": 404,
    "owner_pat": 200,
    "staff": 200,
}


@pytest.mark.parametrize("url", [followers_url, following_url])
@pytest.mark.parametrize(("viewer", "status"), list(PUBLIC_LIST.items()))
def test_a_public_accounts_lists_are_for_signed_in_users_it_did_not_block(
    lists_world, url, viewer, status
):
    response = lists_world[viewer].get(url("ana"))
    assert response.status_code == status
    if status == 200:
        expected = ["follower", "me"] if url is followers_url else []
        assert sorted(usernames(response)) == expected


@pytest.mark.parametrize("url", [followers_url, following_url])
@pytest.mark.parametrize(("viewer", "status"), list(PRIVATE_LIST.items()))
def test_a_private_accounts_lists_are_for_its_followers(lists_world, url, viewer, status):
    response = lists_world[viewer].get(url("pat"))
    assert response.status_code == status
    if status == 403:
        assert error_one(response, 403) == ("private_account", None)
    if status == 200:
        expected = ["follower", "me"] if url is followers_url else []
        assert sorted(usernames(response)) == expected


def test_following_lists_the_accounts_followed_with_accepted_follows(lists_world, me):
    assert sorted(usernames(lists_world["stranger"].get(following_url("me")))) == ["ana", "pat"]


@pytest.mark.parametrize("url", [followers_url, following_url])
@pytest.mark.parametrize("status", [User.Status.DELETED, User.Status.BANNED])
def test_lists_of_deleted_and_banned_accounts_are_404_except_to_staff(lists_world, url, status):
    User.objects.filter(username="ana").update(status=status)
    assert error_one(lists_world["stranger"].get(url("ana")), 404) == ("not_found", None)
    assert lists_world["staff"].get(url("ana")).status_code == 200


def test_lists_of_an_unknown_user_are_404(lists_world):
    assert error_one(lists_world["stranger"].get(followers_url("nobody")), 404) == (
        "not_found",
        None,
    )


def test_lists_are_newest_follow_first_and_walk_every_user_once(my_client, me, graph):
    followers = [UserFactory(username=f"fan{n}") for n in range(5)]
    for n, fan in enumerate(followers):
        graph.follow(fan, me)
        Follow.objects.filter(follower=fan).update(
            created_at=timezone.now() - timedelta(minutes=10 - n)
        )
    assert walk(my_client, followers_url("me") + "?page_size=2") == [
        "fan4",
        "fan3",
        "fan2",
        "fan1",
        "fan0",
    ]


def test_each_listed_user_carries_the_callers_follow_status(make_auth_client, me, ana, graph):
    followed = UserFactory(username="followed")
    asked = UserFactory(username="asked", is_private=True)
    other = UserFactory(username="other")
    for user in (followed, asked, other, me):
        graph.follow(user, ana)
    graph.follow(me, followed)
    graph.request(me, asked)
    body = make_auth_client(me).get(followers_url("ana")).json()["results"]
    shown = {item["username"]: (item["follow_status"], item["is_following"]) for item in body}
    assert shown == {
        "followed": ("following", True),
        "asked": ("requested", False),
        "other": (None, False),
        "me": (None, False),
    }
    assert "email" not in body[0]


def test_lists_leave_out_banned_users_and_users_blocked_with_the_caller(
    make_auth_client, me, ana, graph
):
    for name in ("shown", "banned", "blocked_by_me", "blocker_of_me"):
        graph.follow(UserFactory(username=name), ana)
    User.objects.filter(username="banned").update(status=User.Status.BANNED)
    graph.block(me, User.objects.get(username="blocked_by_me"))
    graph.block(User.objects.get(username="blocker_of_me"), me)
    assert usernames(make_auth_client(me).get(followers_url("ana"))) == ["shown"]
    staff_client = make_auth_client(ModeratorFactory())
    assert len(usernames(staff_client.get(followers_url("ana")))) == 4


@pytest.mark.parametrize("url", [followers_url, following_url])
@pytest.mark.parametrize("params", [{"cursor": "garbage"}, {"page_size": "0"}, {"page_size": "x"}])
def test_bad_list_parameters_are_400(my_client, url, params):
    response = my_client.get(url("me"), params)
    code = "invalid_cursor" if "cursor" in params else "invalid_page_size"
    assert error_one(response) == (code, next(iter(params)))


@pytest.mark.parametrize("page_size", [1, 20])
@pytest.mark.parametrize(
    ("viewer", "url", "queries"),
    [
        # authentication, the user, the page
        ("stranger", followers_url, 3),
        ("stranger", following_url, 3),
        # ... and whether the caller follows the private account
        ("follower", followers_url, 4),
        ("owner", followers_url, 3),
    ],
)
def test_lists_cost_the_same_queries_at_any_page_size(
    make_auth_client, django_assert_num_queries, graph, page_size, viewer, url, queries
):
    account = UserFactory(username="account", is_private=viewer != "stranger")
    follower = UserFactory()
    graph.follow(follower, account)
    caller = {"stranger": UserFactory(), "follower": follower, "owner": account}[viewer]
    for _ in range(25):
        fan = UserFactory()
        graph.follow(fan, account)
        graph.follow(account, fan)
        if caller != account:
            graph.follow(caller, fan)
    client = make_auth_client(caller)
    with django_assert_num_queries(queries):
        response = client.get(url("account") + f"?page_size={page_size}")
    assert len(usernames(response)) == page_size
    if viewer == "stranger":
        assert response.json()["results"][0]["follow_status"] == "following"


@pytest.mark.parametrize("page_size", [1, 20])
def test_the_request_list_costs_the_same_queries_at_any_page_size(
    pat_client, pat, graph, django_assert_num_queries, page_size
):
    for _ in range(25):
        graph.request(UserFactory(), pat)
    with django_assert_num_queries(2):  # authentication, the page
        response = pat_client.get(f"{REQUESTS_URL}?page_size={page_size}")
    assert len(response.json()["results"]) == page_size


# -- the profile and search show the caller's follow status ------------------------------------


def test_a_profile_shows_the_callers_follow_status(my_client, me, ana, pat, graph):
    assert my_client.get("/api/v1/users/ana/").json()["follow_status"] is None
    graph.follow(me, ana)
    graph.request(me, pat)
    ana_body = my_client.get("/api/v1/users/ana/").json()
    pat_body = my_client.get("/api/v1/users/pat/").json()
    assert (ana_body["follow_status"], ana_body["is_following"]) == ("following", True)
    assert (pat_body["follow_status"], pat_body["is_following"]) == ("requested", False)
    assert ana_body["follower_count"] == 1
    me_body = my_client.get(ME_URL).json()
    assert (me_body["follow_status"], me_body["is_following"], me_body["following_count"]) == (
        None,
        False,
        1,
    )


def test_search_shows_the_callers_follow_status_without_extra_queries(
    my_client, me, graph, django_assert_num_queries
):
    for n in range(5):
        graph.follow(me, UserFactory(username=f"found{n}"))
    UserFactory(username="found_not_followed")
    with django_assert_num_queries(2):  # authentication, the page
        response = my_client.get("/api/v1/users/?search=found")
    shown = {item["username"]: item["follow_status"] for item in response.json()["results"]}
    assert shown == {**{f"found{n}": "following" for n in range(5)}, "found_not_followed": None}


# -- counters under concurrency -------------------------------------------------------------


def run_at_once(functions) -> list[BaseException]:
    """Run each function in its own thread, started together; returns their errors."""
    barrier = threading.Barrier(len(functions))
    errors: list[BaseException] = []

    def run(function) -> None:
        try:
            barrier.wait()
            function()
        except BaseException as exception:
            errors.append(exception)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(function,)) for function in functions]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors


@pytest.mark.django_db(transaction=True)
def test_many_users_following_one_account_at_once_count_exactly():
    star = UserFactory()
    fans = [UserFactory() for _ in range(10)]
    errors = run_at_once(
        [lambda fan=fan: follow_create(follower=fan, followed=star) for fan in fans]
    )
    assert errors == []
    assert counts(star) == (10, 0)
    assert Follow.objects.filter(followed=star, status="accepted").count() == 10
    assert all(counts(fan) == (0, 1) for fan in fans)


@pytest.mark.django_db(transaction=True)
def test_one_user_following_twice_at_once_follows_once():
    star, fan = UserFactory(), UserFactory()
    results = []
    errors = run_at_once(
        [lambda: results.append(follow_create(follower=fan, followed=star)[1])] * 4
    )
    assert errors == []
    assert sorted(results) == [False, False, False, True]
    assert counts(star) == (1, 0)
    assert counts(fan) == (0, 1)


@pytest.mark.django_db(transaction=True)
def test_people_following_each_other_at_once_count_exactly():
    people = [UserFactory() for _ in range(6)]
    pairs = [(a, b) for a in people for b in people if a != b]
    errors = run_at_once([lambda a=a, b=b: follow_create(follower=a, followed=b) for a, b in pairs])
    assert errors == []
    assert all(counts(person) == (5, 5) for person in people)


@pytest.mark.django_db(transaction=True)
def test_follow_and_unfollow_storms_keep_the_counters_exact():
    star = UserFactory()
    fans = [UserFactory() for _ in range(6)]

    def storm(fan: User, rounds: int) -> None:
        for _ in range(rounds):
            follow_create(follower=fan, followed=star)
            follow_delete(follower=fan, followed=star)
        if rounds % 2:  # half of them end up following
            follow_create(follower=fan, followed=star)

    errors = run_at_once([lambda fan=fan, n=n: storm(fan, 3 + n % 2) for n, fan in enumerate(fans)])
    assert errors == []
    followers = Follow.objects.filter(followed=star, status="accepted").count()
    assert followers == 3
    assert counts(star) == (3, 0)
    for fan in fans:
        assert counts(fan)[1] == Follow.objects.filter(follower=fan).count()


@pytest.mark.django_db(transaction=True)
def test_accepting_requests_while_the_account_goes_public_counts_each_once(make_auth_client):
    pat = UserFactory(is_private=True)
    requests = [follow_create(follower=UserFactory(), followed=pat)[0] for _ in range(4)]
    clients = [make_auth_client(pat) for _ in range(len(requests) + 1)]
    responses = []
    errors = run_at_once(
        [
            lambda: responses.append(clients[-1].patch(ME_URL, {"is_private": False})),
            *[
                lambda client=client, request=request: responses.append(
                    client.post(accept_url(request.pk))
                )
                for client, request in zip(clients, requests, strict=False)
            ],
        ]
    )
    assert errors == []
    assert all(response.status_code in (200, 404) for response in responses)
    assert counts(pat) == (4, 0)
    assert Follow.objects.filter(status="accepted").count() == 4


def test_factories_make_rows_without_side_effects():
    follow = FollowFactory(pending=True)
    assert (follow.status, follow.accepted_at) == ("pending", None)
    assert counts(follow.followed) == (0, 0)
