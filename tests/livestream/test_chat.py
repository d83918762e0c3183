"""A stream's chat through the API: polling with cursors, who reads what, and posting
with every refusal."""

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import User
from livestream.models import ChatBan, ChatMessage, ChatTimeout, Stream, StreamModerator
from livestream.selectors.chat import chat_message_page
from livestream.services.chat import chat_message_post, chat_system_message_post
from payments.services.subscriptions import subscription_create
from tests.accounts.factories import ModeratorFactory, UserFactory
from tests.conftest import error_code, validation_errors
from tests.livestream.factories import StreamFactory, StreamSessionFactory
from tests.payments.factories import CreatorFactory, CreatorTierFactory, wallet_fund
from tests.threads import at_once

pytestmark = pytest.mark.django_db


def chat_url(stream) -> str:
    return f"/api/v1/live/streams/{stream.pk}/chat/"


@pytest.fixture
def owner():
    return UserFactory(username="owner")


@pytest.fixture
def stream(owner):
    """A public stream, live."""
    stream = StreamFactory(owner=owner, status=Stream.Status.LIVE)
    StreamSessionFactory(stream=stream)
    return stream


@pytest.fixture
def viewer():
    return UserFactory(username="viewer")


@pytest.fixture
def viewer_client(make_auth_client, viewer):
    return make_auth_client(viewer)


def post(stream, author, text: str, **kwargs) -> ChatMessage:
    return chat_message_post(stream=stream, author=author, text=text, **kwargs)


def texts(response) -> list[str]:
    return [item["text"] for item in response.json()["results"]]


# -- polling ----------------------------------------------------------------------------


def test_the_first_poll_answers_the_newest_messages_oldest_first(api_client, stream, viewer):
    for number in range(3):
        post(stream, UserFactory(), f"hello {number}")

    response = api_client.get(chat_url(stream))

    assert response.status_code == 200
    body = response.json()
    assert texts(response) == ["hello 0", "hello 1", "hello 2"]
    assert body["next_cursor"] == body["results"][-1]["cursor"]
    first = body["results"][0]
    assert set(first) == {"id", "author", "kind", "text", "created_at", "cursor"}
    assert first["kind"] == "user"
    assert set(first["author"]) >= {"id", "username", "display_name"}
    assert "email" not in first["author"]


def test_without_after_the_poll_answers_only_the_newest_100(api_client, stream, viewer):
    for number in range(105):
        chat_system_message_post(stream=stream, text=f"notice {number}")

    response = api_client.get(chat_url(stream))

    assert texts(response) == [f"notice {number}" for number in range(5, 105)]


def test_polling_from_the_cursor_answers_only_what_is_newer(api_client, stream, viewer):
    post(stream, viewer, "one")
    cursor = api_client.get(chat_url(stream)).json()["next_cursor"]
    post(stream, viewer, "two")
    post(stream, viewer, "three")

    response = api_client.get(chat_url(stream), {"after": cursor})

    assert texts(response) == ["two", "three"]
    again = api_client.get(chat_url(stream), {"after": response.json()["next_cursor"]})
    assert again.json() == {"results": [], "next_cursor": response.json()["next_cursor"]}


def test_a_long_backlog_is_read_in_pages_without_skipping(api_client, stream):
    for number in range(7):
        chat_system_message_post(stream=stream, text=str(number))
    seen, cursor = [], "0"
    for _ in range(4):
        body = api_client.get(chat_url(stream), {"after": cursor, "limit": 3}).json()
        seen += [item["text"] for item in body["results"]]
        cursor = body["next_cursor"]
    assert seen == [str(number) for number in range(7)]


def test_a_message_committed_after_a_poll_is_never_skipped(api_client, stream, viewer):
    # The cursor is the stream's sequence, taken under its row lock and committed with
    # the message: whatever a poll saw, what commits next has a larger cursor.
    post(stream, viewer, "first")
    cursor = api_client.get(chat_url(stream)).json()["next_cursor"]
    late = chat_system_message_post(stream=stream, text="late")
    assert int(late.cursor) > int(cursor)
    assert texts(api_client.get(chat_url(stream), {"after": cursor})) == ["late"]


def test_the_sequence_is_the_stream_count_of_messages(stream, viewer):
    messages = [post(stream, viewer, "a"), chat_system_message_post(stream=stream, text="b")]
    stream.refresh_from_db()
    assert [message.sequence for message in messages] == [1, 2]
    assert stream.chat_message_count == 2


def test_deleted_messages_are_never_answered(api_client, stream, viewer):
    kept = post(stream, viewer, "kept")
    gone = post(stream, viewer, "gone")
    ChatMessage.objects.filter(pk=gone.pk).update(deleted_at=timezone.now())

    assert texts(api_client.get(chat_url(stream))) == ["kept"]
    assert texts(api_client.get(chat_url(stream), {"after": kept.cursor})) == []


def test_a_cursor_moves_past_messages_the_caller_may_not_read(viewer_client, stream, viewer, graph):
    troll = UserFactory(username="troll")
    graph.block(viewer, troll)
    cursor = viewer_client.get(chat_url(stream)).json()["next_cursor"]
    post(stream, troll, "hidden")

    body = viewer_client.get(chat_url(stream), {"after": cursor}).json()

    assert body["results"] == []
    assert int(body["next_cursor"]) == 1  # the next poll reads no message


@pytest.mark.parametrize("blocker", ["viewer", "author"])
def test_a_block_either_way_hides_the_messages(
    make_auth_client, stream, viewer, graph, api_client, blocker
):
    author = UserFactory(username="author")
    post(stream, author, "from author")
    post(stream, viewer, "from viewer")
    if blocker == "viewer":
        graph.block(viewer, author)
    else:
        graph.block(author, viewer)

    assert texts(make_auth_client(viewer).get(chat_url(stream))) == ["from viewer"]
    assert texts(make_auth_client(author).get(chat_url(stream))) == ["from author"]
    assert texts(api_client.get(chat_url(stream))) == ["from author", "from viewer"]


def test_messages_of_banned_accounts_disappear(api_client, stream, viewer):
    post(stream, viewer, "spam")
    chat_system_message_post(stream=stream, text="notice")
    User.objects.filter(pk=viewer.pk).update(status=User.Status.BANNED)

    body = api_client.get(chat_url(stream)).json()

    assert [(item["text"], item["author"]) for item in body["results"]] == [("notice", None)]


@pytest.mark.parametrize(
    ("visibility", "caller", "expected"),
    [
        ("public", "anonymous", 200),
        ("public", "other", 200),
        ("private", "anonymous", 404),
        ("private", "other", 404),
        ("private", "owner", 200),
        ("private", "staff", 200),
        ("followers", "follower", 200),
        ("followers", "other", 404),
    ],
)
def test_who_reads_the_chat_is_who_sees_the_stream(
    owner, make_auth_client, graph, visibility, caller, expected
):
    stream = StreamFactory(owner=owner, visibility=visibility)
    follower = UserFactory()
    graph.follow(follower, owner)
    clients = {
        "anonymous": APIClient(),
        "other": make_auth_client(UserFactory()),
        "owner": make_auth_client(owner),
        "staff": make_auth_client(ModeratorFactory()),
        "follower": make_auth_client(follower),
    }
    response = clients[caller].get(chat_url(stream))
    assert response.status_code == expected
    if expected == 404:
        assert error_code(response) == "not_found"


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"after": "abc"}, [("after", "invalid_cursor")]),
        ({"after": "-1"}, [("after", "invalid_cursor")]),
        ({"after": "١٢"}, [("after", "invalid_cursor")]),  # Arabic-Indic digits
        ({"after": "9" * 21}, [("after", "max_length")]),
        ({"limit": "0"}, [("limit", "min_value")]),
        ({"limit": "101"}, [("limit", "max_value")]),
        ({"limit": "x"}, [("limit", "invalid")]),
    ],
)
def test_bad_poll_parameters_are_a_400(api_client, stream, query, expected):
    response = api_client.get(chat_url(stream), query)
    assert response.status_code == 400
    assert validation_errors(response) == expected


@pytest.mark.parametrize("bad_id", ["nope", "00000000-0000-0000-0000-000000000000"])
def test_an_unknown_stream_is_404(api_client, db, bad_id):
    response = api_client.get(f"/api/v1/live/streams/{bad_id}/chat/")
    assert (response.status_code, error_code(response)) == (404, "not_found")


# -- query counts -----------------------------------------------------------------------


@pytest.mark.parametrize(("signed_in", "base"), [(False, 1), (True, 2)])
def test_a_poll_costs_the_same_queries_at_1_and_50_messages(
    stream, make_auth_client, viewer, graph, signed_in, base
):
    client = make_auth_client(viewer) if signed_in else APIClient()
    graph.block(viewer, UserFactory())
    authors = [UserFactory() for _ in range(5)]
    for number in range(50):
        post(stream, authors[number % 5], f"m{number}")
    counts = []
    for limit in (1, 50):
        with CaptureQueriesContext(connection) as captured:
            response = client.get(chat_url(stream), {"after": "0", "limit": limit})
        assert len(response.json()["results"]) == limit
        counts.append(len(captured))
    assert counts == [base + 1, base + 1]  # the stream, then the messages


@pytest.mark.parametrize(("signed_in", "base"), [(False, 1), (True, 2)])
def test_an_empty_poll_reads_no_message(
    stream, make_auth_client, viewer, django_assert_num_queries, signed_in, base
):
    client = make_auth_client(viewer) if signed_in else APIClient()
    post(stream, viewer, "hello")
    cursor = client.get(chat_url(stream)).json()["next_cursor"]

    with CaptureQueriesContext(connection) as captured:
        response = client.get(chat_url(stream), {"after": cursor})

    assert response.json() == {"results": [], "next_cursor": cursor}
    assert len(captured) == base  # the stream alone (and the caller's session)
    assert not any("livestream_chatmessage" in query["sql"] for query in captured)


# -- posting ----------------------------------------------------------------------------


def test_posting_counts_and_answers_the_message(viewer_client, stream, viewer):
    response = viewer_client.post(chat_url(stream), {"text": "  hi there  "}, format="json")

    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["text"], body["kind"]) == ("hi there", "user")
    assert body["author"]["username"] == "viewer"
    message = ChatMessage.objects.get()
    assert (message.session, message.sequence, body["cursor"]) == (
        stream.sessions.get(),
        1,
        "1",
    )
    stream.refresh_from_db()
    assert stream.chat_message_count == 1


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({}, [("text", "required")]),
        ({"text": ""}, [("text", "blank")]),
        ({"text": "   "}, [("text", "blank")]),
        ({"text": "x" * 501}, [("text", "max_length")]),
        ({"text": "a\x00b"}, [("text", "null_characters_not_allowed")]),
        ({"text": 5}, [("text", "invalid")]),
    ],
)
def test_bad_text_is_a_400(viewer_client, stream, body, expected):
    response = viewer_client.post(chat_url(stream), body, format="json")
    assert response.status_code == 400
    assert validation_errors(response) == expected
    assert not ChatMessage.objects.exists()


def test_500_characters_are_taken(viewer_client, stream):
    response = viewer_client.post(chat_url(stream), {"text": "x" * 500}, format="json")
    assert response.status_code == 201


def test_anonymous_callers_may_not_post(api_client, stream):
    response = api_client.post(chat_url(stream), {"text": "hi"}, format="json")
    assert (response.status_code, error_code(response)) == (401, "not_authenticated")


def test_a_stream_the_caller_may_not_see_is_404(viewer_client, owner):
    stream = StreamFactory(owner=owner, visibility=Stream.Visibility.PRIVATE)
    response = viewer_client.post(chat_url(stream), {"text": "hi"}, format="json")
    assert (response.status_code, error_code(response)) == (404, "not_found")


def refusal(response) -> tuple[int, str]:
    return response.status_code, error_code(response)


def test_an_idle_stream_that_never_went_live_is_closed(viewer_client, owner):
    stream = StreamFactory(owner=owner)
    assert refusal(viewer_client.post(chat_url(stream), {"text": "hi"})) == (403, "chat_closed")


def test_the_chat_stays_open_10_minutes_after_the_broadcast(stream, viewer):
    session = stream.sessions.get()
    ended = timezone.now()
    session.ended_at = ended
    session.save()
    Stream.objects.filter(pk=stream.pk).update(status=Stream.Status.IDLE)

    message = post(stream, viewer, "gg", now=ended + timedelta(minutes=9, seconds=59))
    assert message.session == session
    with pytest.raises(Exception) as refused:
        post(stream, viewer, "late", now=ended + timedelta(minutes=10, seconds=1))
    assert refused.value.default_code == "chat_closed"


def test_closed_through_the_api(viewer_client, stream):
    stream.sessions.update(ended_at=timezone.now() - timedelta(minutes=11))
    Stream.objects.filter(pk=stream.pk).update(status=Stream.Status.IDLE)
    assert refusal(viewer_client.post(chat_url(stream), {"text": "hi"})) == (403, "chat_closed")


def test_a_banned_user_is_refused(viewer_client, stream, viewer, owner):
    ChatBan.objects.create(stream=stream, user=viewer, banned_by=owner)
    assert refusal(viewer_client.post(chat_url(stream), {"text": "hi"})) == (403, "chat_banned")


def test_a_timed_out_user_is_refused_until_the_timeout_ends(viewer_client, stream, viewer):
    ChatTimeout.objects.create(
        stream=stream, user=viewer, until=timezone.now() + timedelta(seconds=90)
    )
    response = viewer_client.post(chat_url(stream), {"text": "hi"})
    assert refusal(response) == (403, "chat_timed_out")
    assert 89 <= int(response["Retry-After"]) <= 90
    assert post(stream, viewer, "back", now=timezone.now() + timedelta(seconds=91))


def test_an_ended_timeout_does_not_refuse(viewer_client, stream, viewer):
    ChatTimeout.objects.create(stream=stream, user=viewer, until=timezone.now())
    assert viewer_client.post(chat_url(stream), {"text": "hi"}).status_code == 201


def test_a_block_between_the_author_and_the_owner_refuses(make_auth_client, stream, owner, graph):
    # The owner's block hides the stream from the blocked user (404); staff still see
    # it, and are refused like anyone the owner blocked.
    staff = ModeratorFactory(username="staff")
    graph.block(owner, staff)
    response = make_auth_client(staff).post(chat_url(stream), {"text": "hi"})
    assert refusal(response) == (403, "blocked")


def test_the_service_refuses_a_blocked_author_either_way(stream, owner, viewer, graph):
    graph.block(viewer, owner)
    with pytest.raises(Exception) as refused:
        post(stream, viewer, "hi")
    assert refused.value.default_code == "blocked"


@pytest.mark.parametrize("caller", ["stranger", "follower", "owner", "moderator", "staff"])
def test_followers_only_chat(make_auth_client, stream, owner, graph, caller):
    Stream.objects.filter(pk=stream.pk).update(chat_mode=Stream.ChatMode.FOLLOWERS)
    user = ModeratorFactory() if caller == "staff" else owner if caller == "owner" else None
    user = user or UserFactory()
    if caller == "follower":
        graph.follow(user, owner)
    if caller == "moderator":
        StreamModerator.objects.create(stream=stream, user=user)

    response = make_auth_client(user).post(chat_url(stream), {"text": "hi"})

    if caller == "stranger":
        assert refusal(response) == (403, "chat_followers_only")
    else:
        assert response.status_code == 201


@pytest.mark.parametrize("caller", ["stranger", "follower", "subscriber", "moderator"])
def test_subscribers_only_chat(make_auth_client, graph, caller):
    owner = CreatorFactory()
    stream = StreamFactory(owner=owner, status=Stream.Status.LIVE)
    StreamSessionFactory(stream=stream)
    Stream.objects.filter(pk=stream.pk).update(chat_mode=Stream.ChatMode.SUBSCRIBERS)
    user = UserFactory()
    if caller == "follower":
        graph.follow(user, owner)
    if caller == "subscriber":
        tier = CreatorTierFactory(creator=owner, price=100)
        wallet_fund(user, tier.price)
        subscription_create(subscriber=user, tier=tier)
    if caller == "moderator":
        StreamModerator.objects.create(stream=stream, user=user)

    response = make_auth_client(user).post(chat_url(stream), {"text": "hi"})

    if caller in ("stranger", "follower"):
        assert refusal(response) == (403, "chat_subscribers_only")
    else:
        assert response.status_code == 201, response.content


def test_slow_mode_refuses_until_its_seconds_pass(viewer_client, stream, viewer):
    Stream.objects.filter(pk=stream.pk).update(slow_mode_seconds=30)
    assert viewer_client.post(chat_url(stream), {"text": "one"}).status_code == 201

    response = viewer_client.post(chat_url(stream), {"text": "two"})

    assert refusal(response) == (429, "slow_mode")
    assert 29 <= int(response["Retry-After"]) <= 30
    assert post(stream, viewer, "three", now=timezone.now() + timedelta(seconds=31))


def test_slow_mode_is_per_author(make_auth_client, stream):
    Stream.objects.filter(pk=stream.pk).update(slow_mode_seconds=30)
    for _ in range(2):
        response = make_auth_client(UserFactory()).post(chat_url(stream), {"text": "hi"})
        assert response.status_code == 201


@pytest.mark.parametrize("caller", ["owner", "moderator", "staff"])
def test_slow_mode_spares_the_owner_moderators_and_staff(make_auth_client, stream, owner, caller):
    Stream.objects.filter(pk=stream.pk).update(slow_mode_seconds=30)
    user = {"owner": owner, "staff": ModeratorFactory()}.get(caller) or UserFactory()
    if caller == "moderator":
        StreamModerator.objects.create(stream=stream, user=user)
    client = make_auth_client(user)
    for text in ("one", "two", "three"):
        assert client.post(chat_url(stream), {"text": text}).status_code == 201


def test_the_rate_limit_refuses_the_21st_message_in_30_seconds(
    viewer_client, stream, viewer, owner, settings
):
    for number in range(20):
        post(stream, viewer, str(number))

    response = viewer_client.post(chat_url(stream), {"text": "one too many"})

    assert refusal(response) == (429, "chat_rate_limited")
    assert 1 <= int(response["Retry-After"]) <= 30
    assert post(stream, viewer, "later", now=timezone.now() + timedelta(seconds=31))


def test_the_rate_limit_spares_no_one_and_counts_per_stream(stream, owner):
    for number in range(20):
        post(stream, owner, str(number))
    with pytest.raises(Exception) as refused:
        post(stream, owner, "more")
    assert refused.value.default_code == "chat_rate_limited"
    other = StreamFactory(owner=owner, status=Stream.Status.LIVE)
    StreamSessionFactory(stream=other)
    assert post(other, owner, "elsewhere")


def test_system_messages_skip_the_refusals_and_share_the_sequence(stream, viewer):
    Stream.objects.filter(pk=stream.pk).update(
        slow_mode_seconds=60, chat_mode=Stream.ChatMode.SUBSCRIBERS
    )
    first = chat_system_message_post(stream=stream, text="Welcome")
    gifts = [
        chat_system_message_post(
            stream=stream, text="sent a rose", kind=ChatMessage.Kind.GIFT, author=viewer
        )
        for _ in range(25)
    ]
    stream.refresh_from_db()
    assert [first.sequence, gifts[-1].sequence] == [1, 26]
    assert stream.chat_message_count == 26
    assert (gifts[0].kind, gifts[0].author, first.author) == ("gift", viewer, None)
    assert first.session == stream.sessions.get()


# -- concurrency ------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_concurrent_posts_get_distinct_rising_sequences_and_a_poller_skips_none():
    stream = StreamFactory(status=Stream.Status.LIVE)
    StreamSessionFactory(stream=stream)
    authors = [UserFactory() for _ in range(6)]
    seen: list[int] = []
    done = threading.Event()

    def poll() -> None:
        cursor = None
        while True:
            finished = done.is_set()
            fresh = Stream.objects.get(pk=stream.pk)
            page = chat_message_page(stream=fresh, viewer=None, after=cursor, limit=4)
            seen.extend(message.sequence for message in page.messages)
            cursor = int(page.next_cursor)
            if finished and not page.messages:
                return

    def write(author) -> None:
        for number in range(5):
            post(stream, author, str(number))

    poller = threading.Thread(target=lambda: (poll(), connection.close()))
    poller.start()
    results = at_once([lambda author=author: write(author) for author in authors])
    done.set()
    poller.join()

    assert results == [None] * 6
    assert sorted(ChatMessage.objects.values_list("sequence", flat=True)) == list(range(1, 31))
    assert Stream.objects.get(pk=stream.pk).chat_message_count == 30
    assert seen == list(range(1, 31))


@pytest.mark.django_db(transaction=True)
def test_slow_mode_holds_for_concurrent_posts_of_one_author():
    stream = StreamFactory(status=Stream.Status.LIVE, slow_mode_seconds=60)
    StreamSessionFactory(stream=stream)
    author = UserFactory()

    results = at_once(
        [lambda number=number: post(stream, author, str(number)) for number in range(5)],
        exceptions_as_results=True,
    )

    assert sum(isinstance(result, ChatMessage) for result in results) == 1
    assert sorted(type(result).__name__ for result in results) == [
        "ChatMessage",
        *["ChatSlowMode"] * 4,
    ]
