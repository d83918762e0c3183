"""Moderating a stream's chat through the API: who may delete messages, time users
out, ban and unban them, and name moderators (owner, moderator, other user,
anonymous, staff); what a moderator may not do to the owner or another moderator."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from livestream.models import ChatBan, ChatMessage, ChatTimeout, Stream, StreamModerator
from livestream.services.chat import chat_message_post
from tests.accounts.factories import ModeratorFactory, UserFactory
from tests.conftest import error_code, validation_errors
from tests.livestream.factories import StreamFactory, StreamSessionFactory

pytestmark = pytest.mark.django_db

CALLERS = ["anonymous", "other", "moderator", "owner", "staff"]


def base(stream) -> str:
    return f"/api/v1/live/streams/{stream.pk}/"


@pytest.fixture
def world(make_auth_client):
    owner = UserFactory(username="owner")
    stream = StreamFactory(owner=owner, status=Stream.Status.LIVE)
    StreamSessionFactory(stream=stream)
    users = {
        "owner": owner,
        "other": UserFactory(username="other"),
        "moderator": UserFactory(username="mod"),
        "staff": ModeratorFactory(username="staff"),
        "troll": UserFactory(username="troll"),
    }
    StreamModerator.objects.create(stream=stream, user=users["moderator"])
    clients = {"anonymous": APIClient()} | {
        name: make_auth_client(user) for name, user in users.items()
    }
    return stream, users, clients


def refusal(response) -> tuple[int, str]:
    return response.status_code, error_code(response)


# -- who may moderate -------------------------------------------------------------------

MODERATES = {"anonymous": 401, "other": 404, "moderator": None, "owner": None, "staff": None}


@pytest.mark.parametrize("caller", CALLERS)
def test_deleting_someone_elses_message(world, caller):
    stream, users, clients = world
    message = chat_message_post(stream=stream, author=users["troll"], text="spam")

    response = clients[caller].delete(f"{base(stream)}chat/{message.pk}/")

    expected = MODERATES[caller] or 204
    assert response.status_code == expected
    message.refresh_from_db()
    if expected == 204:
        assert (message.deleted_at is not None, message.deleted_by) == (True, users[caller])
        assert clients["anonymous"].get(f"{base(stream)}chat/").json()["results"] == []
    else:
        assert message.deleted_at is None
        assert error_code(response) == ("not_found" if expected == 404 else "not_authenticated")


def test_an_author_deletes_their_own_message(world):
    stream, users, clients = world
    message = chat_message_post(stream=stream, author=users["other"], text="oops")
    response = clients["other"].delete(f"{base(stream)}chat/{message.pk}/")
    assert response.status_code == 204
    again = clients["other"].delete(f"{base(stream)}chat/{message.pk}/")
    assert refusal(again) == (404, "not_found")


@pytest.mark.parametrize("bad_id", ["nope", "00000000-0000-0000-0000-000000000000"])
def test_deleting_an_unknown_message_is_404(world, bad_id):
    stream, _, clients = world
    assert refusal(clients["owner"].delete(f"{base(stream)}chat/{bad_id}/")) == (404, "not_found")


def test_a_message_of_another_stream_is_404(world):
    stream, users, clients = world
    elsewhere = StreamFactory(status=Stream.Status.LIVE)
    StreamSessionFactory(stream=elsewhere)
    message = chat_message_post(stream=elsewhere, author=users["troll"], text="hi")
    response = clients["owner"].delete(f"{base(stream)}chat/{message.pk}/")
    assert refusal(response) == (404, "not_found")


@pytest.mark.parametrize("caller", CALLERS)
def test_timing_a_user_out(world, caller):
    stream, users, clients = world

    response = clients[caller].post(
        f"{base(stream)}chat/timeouts/", {"username": "troll", "minutes": 5}, format="json"
    )

    expected = MODERATES[caller] or 201
    assert response.status_code == expected
    if expected == 201:
        timeout = ChatTimeout.objects.get()
        assert (timeout.user, timeout.by) == (users["troll"], users[caller])
        assert abs(timeout.until - timezone.now() - timedelta(minutes=5)) < timedelta(seconds=5)
        assert response.json()["user"]["username"] == "troll"
        refused = clients["troll"].post(f"{base(stream)}chat/", {"text": "hi"}, format="json")
        assert refusal(refused) == (403, "chat_timed_out")
        assert 290 <= int(refused["Retry-After"]) <= 300
    else:
        assert not ChatTimeout.objects.exists()


@pytest.mark.parametrize("caller", CALLERS)
def test_banning_and_unbanning(world, caller):
    stream, users, clients = world

    response = clients[caller].post(
        f"{base(stream)}chat/bans/", {"username": "TROLL", "reason": "spam"}, format="json"
    )

    expected = MODERATES[caller]
    if expected is not None:
        assert response.status_code == expected
        assert not ChatBan.objects.exists()
        ChatBan.objects.create(stream=stream, user=users["troll"])
        lifted = clients[caller].delete(f"{base(stream)}chat/bans/troll/")
        assert lifted.status_code == expected
        assert ChatBan.objects.exists()
        return
    assert response.status_code == 201
    body = response.json()
    assert (body["user"]["username"], body["banned_by"]["username"], body["reason"]) == (
        "troll",
        users[caller].username,
        "spam",
    )
    refused = clients["troll"].post(f"{base(stream)}chat/", {"text": "hi"}, format="json")
    assert refusal(refused) == (403, "chat_banned")
    again = clients[caller].post(f"{base(stream)}chat/bans/", {"username": "troll"})
    assert (again.status_code, again.json()["id"]) == (200, body["id"])

    assert clients[caller].delete(f"{base(stream)}chat/bans/troll/").status_code == 204
    assert not ChatBan.objects.exists()
    assert clients[caller].delete(f"{base(stream)}chat/bans/troll/").status_code == 204
    posted = clients["troll"].post(f"{base(stream)}chat/", {"text": "sorry"}, format="json")
    assert posted.status_code == 201


@pytest.mark.parametrize("caller", CALLERS)
def test_listing_bans(world, caller):
    stream, users, clients = world
    ChatBan.objects.create(stream=stream, user=users["troll"], banned_by=users["owner"])

    response = clients[caller].get(f"{base(stream)}chat/bans/")

    expected = MODERATES[caller] or 200
    assert response.status_code == expected
    if expected == 200:
        assert [ban["user"]["username"] for ban in response.json()["results"]] == ["troll"]


def test_a_ban_is_of_one_stream(world):
    stream, users, clients = world
    ChatBan.objects.create(stream=stream, user=users["troll"])
    elsewhere = StreamFactory(owner=users["owner"], status=Stream.Status.LIVE)
    StreamSessionFactory(stream=elsewhere)
    response = clients["troll"].post(f"{base(elsewhere)}chat/", {"text": "hi"}, format="json")
    assert response.status_code == 201


# -- what a moderator may not do --------------------------------------------------------


@pytest.mark.parametrize("caller", ["moderator", "owner", "staff"])
@pytest.mark.parametrize("target", ["owner", "moderator", "self"])
def test_protected_targets(world, caller, target):
    stream, users, clients = world
    username = users[caller].username if target == "self" else users[target].username
    timeout = clients[caller].post(
        f"{base(stream)}chat/timeouts/", {"username": username, "minutes": 1}, format="json"
    )
    ban = clients[caller].post(f"{base(stream)}chat/bans/", {"username": username})
    # The owner is protected from everyone (themself included), moderators from
    # moderators (themselves included); the owner and staff may act on moderators.
    protected = (
        target == "owner" or caller == "moderator" or (caller == "owner" and target == "self")
    )
    if protected:
        assert refusal(timeout) == (403, "chat_target_protected")
        assert refusal(ban) == (403, "chat_target_protected")
        assert not ChatBan.objects.exists() and not ChatTimeout.objects.exists()
    else:
        assert (timeout.status_code, ban.status_code) == (201, 201)


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"username": "troll"}, [("minutes", "required")]),
        ({"username": "troll", "minutes": 0}, [("minutes", "min_value")]),
        ({"username": "troll", "minutes": 1441}, [("minutes", "max_value")]),
        ({"username": "troll", "minutes": "soon"}, [("minutes", "invalid")]),
        ({"minutes": 5}, [("username", "required")]),
    ],
)
def test_bad_timeouts_are_a_400(world, body, expected):
    stream, _, clients = world
    response = clients["owner"].post(f"{base(stream)}chat/timeouts/", body, format="json")
    assert response.status_code == 400
    assert validation_errors(response) == expected


def test_a_day_is_the_longest_timeout(world):
    stream, _, clients = world
    response = clients["owner"].post(
        f"{base(stream)}chat/timeouts/", {"username": "troll", "minutes": 1440}, format="json"
    )
    assert response.status_code == 201


def test_unknown_users_are_404(world):
    stream, _, clients = world
    answers = [
        clients["owner"].post(
            f"{base(stream)}chat/timeouts/", {"username": "nobody", "minutes": 1}, format="json"
        ),
        clients["owner"].post(f"{base(stream)}chat/bans/", {"username": "nobody"}),
        clients["owner"].delete(f"{base(stream)}chat/bans/nobody/"),
        clients["owner"].post(f"{base(stream)}moderators/", {"username": "nobody"}),
        clients["owner"].delete(f"{base(stream)}moderators/nobody/"),
    ]
    assert [refusal(response) for response in answers] == [(404, "not_found")] * 5


def test_a_ban_reason_over_200_characters_is_a_400(world):
    stream, _, clients = world
    response = clients["owner"].post(
        f"{base(stream)}chat/bans/", {"username": "troll", "reason": "x" * 201}, format="json"
    )
    assert validation_errors(response) == [("reason", "max_length")]


# -- moderators -------------------------------------------------------------------------

MANAGES = {"anonymous": 401, "other": 404, "moderator": 404, "owner": None, "staff": None}


@pytest.mark.parametrize("caller", CALLERS)
def test_naming_and_removing_moderators(world, caller):
    stream, users, clients = world

    named = clients[caller].post(f"{base(stream)}moderators/", {"username": "other"})
    removed = clients[caller].delete(f"{base(stream)}moderators/mod/")

    expected = MANAGES[caller]
    if expected is not None:
        assert (named.status_code, removed.status_code) == (expected, expected)
        assert set(StreamModerator.objects.values_list("user__username", flat=True)) == {"mod"}
        return
    assert named.status_code == 201
    assert named.json()["user"]["username"] == "other"
    assert removed.status_code == 204
    assert set(StreamModerator.objects.values_list("user__username", flat=True)) == {"other"}
    again = clients[caller].post(f"{base(stream)}moderators/", {"username": "other"})
    assert (again.status_code, again.json()["id"]) == (200, named.json()["id"])
    # The new moderator moderates; the old one no longer does.
    message = chat_message_post(stream=stream, author=users["troll"], text="spam")
    assert clients["moderator"].delete(f"{base(stream)}chat/{message.pk}/").status_code == 404
    assert clients["other"].delete(f"{base(stream)}chat/{message.pk}/").status_code == 204


@pytest.mark.parametrize("caller", CALLERS)
def test_listing_moderators(world, caller):
    stream, _, clients = world
    response = clients[caller].get(f"{base(stream)}moderators/")
    expected = MODERATES[caller] or 200
    assert response.status_code == expected
    if expected == 200:
        assert [item["user"]["username"] for item in response.json()["results"]] == ["mod"]


def test_the_owner_is_no_moderator_of_their_own(world):
    stream, _, clients = world
    response = clients["owner"].post(f"{base(stream)}moderators/", {"username": "owner"})
    assert refusal(response) == (400, "moderator_is_owner")


def test_a_user_the_owner_blocked_cannot_be_named(world, graph):
    stream, users, clients = world
    graph.block(users["owner"], users["other"])
    response = clients["owner"].post(f"{base(stream)}moderators/", {"username": "other"})
    assert refusal(response) == (404, "not_found")


def test_moderation_of_a_stream_the_caller_may_not_see_is_404(make_auth_client):
    stream = StreamFactory(visibility=Stream.Visibility.PRIVATE)
    moderator = UserFactory()
    StreamModerator.objects.create(stream=stream, user=moderator)
    response = make_auth_client(moderator).get(f"{base(stream)}chat/bans/")
    assert refusal(response) == (404, "not_found")


# -- query counts -----------------------------------------------------------------------


@pytest.mark.parametrize("path", ["chat/bans/", "moderators/"])
def test_the_lists_cost_the_same_queries_at_page_sizes_1_and_20(world, path):
    stream, users, clients = world
    StreamModerator.objects.all().delete()
    for _ in range(25):
        user = UserFactory()
        ChatBan.objects.create(stream=stream, user=user, banned_by=users["owner"])
        StreamModerator.objects.create(stream=stream, user=user)
    counts = []
    for size in (1, 20):
        with CaptureQueriesContext(connection) as captured:
            response = clients["staff"].get(f"{base(stream)}{path}?page_size={size}")
        assert response.status_code == 200
        assert len(response.json()["results"]) == size
        counts.append(len(captured))
    # The session, the stream, the page (staff need no moderator lookup).
    assert counts == [3, 3]


def test_the_ban_list_pages_with_cursors(world):
    stream, _, clients = world
    for _ in range(3):
        ChatBan.objects.create(stream=stream, user=UserFactory())
    first = clients["owner"].get(f"{base(stream)}chat/bans/?page_size=2").json()
    second = clients["owner"].get(first["next"]).json()
    assert len(first["results"] + second["results"]) == 3
    assert second["next"] is None


def test_deleted_messages_are_kept_for_the_record(world):
    stream, users, clients = world
    message = chat_message_post(stream=stream, author=users["troll"], text="spam")
    clients["moderator"].delete(f"{base(stream)}chat/{message.pk}/")
    kept = ChatMessage.objects.get()
    assert (kept.text, kept.deleted_by) == ("spam", users["moderator"])
