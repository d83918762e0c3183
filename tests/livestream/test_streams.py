"""Streams through the API: creating, reading, editing, deleting, rotating keys, and
the lists, all under the videos' privacy rule."""

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import User
from livestream.keys import stream_key_digest
from livestream.models import Stream, StreamSession
from tests.accounts.factories import ModeratorFactory, UserFactory
from tests.conftest import error_code, validation_errors
from tests.livestream.factories import StreamFactory
from tests.videos.factories import CategoryFactory

pytestmark = pytest.mark.django_db

V = Stream.Visibility
STREAMS = "/api/v1/live/streams/"


def detail(stream) -> str:
    return f"{STREAMS}{stream.pk}/"


@pytest.fixture
def owner():
    return UserFactory(username="owner")


@pytest.fixture
def owner_client(make_auth_client, owner):
    return make_auth_client(owner)


@pytest.fixture
def world(graph, make_auth_client, owner):
    follower = UserFactory(username="follower")
    graph.follow(follower, owner)
    streams = {
        visibility: StreamFactory(owner=owner, visibility=visibility, title=visibility)
        for visibility in V.values
    }
    clients = {
        "anonymous": APIClient(),
        "other": make_auth_client(UserFactory(username="other")),
        "follower": make_auth_client(follower),
        "owner": make_auth_client(owner),
        "staff": make_auth_client(ModeratorFactory(username="staff")),
    }
    return streams, clients


ALL = set(V.values)
DETAIL = {
    "anonymous": {"public", "unlisted"},
    "other": {"public", "unlisted"},
    "follower": {"public", "unlisted", "followers"},
    "owner": ALL,
    "staff": ALL,
}
LISTED = {
    "anonymous": {"public"},
    "other": {"public"},
    "follower": {"public", "followers"},
    "owner": ALL,
    "staff": ALL,
}


# -- creating, and the key ------------------------------------------------------------


def test_creating_a_stream_shows_its_key_once_and_stores_only_its_digest(
    owner_client, owner, live_settings
):
    category = CategoryFactory(slug="music")

    response = owner_client.post(
        STREAMS,
        {
            "title": "Evening show",
            "description": "Live jazz",
            "category": "music",
            "tags": ["Jazz", "#piano"],
            "visibility": "followers",
            "chat_mode": "followers",
            "slow_mode_seconds": 5,
            "permanent": False,
        },
        format="json",
    )

    assert response.status_code == 201, response.content
    body = response.json()
    stream = Stream.objects.get(pk=body["id"])
    key = body["stream_key"]
    assert len(key) >= 32  # 24 random bytes, URL-safe
    assert stream.key_digest == stream_key_digest(key)
    assert key not in str(list(Stream.objects.values_list()))
    assert body["public_id"] == stream.public_id
    # Followers only: the playback address is signed (tests/livestream/test_viewers_playback.py).
    assert re.fullmatch(
        rf"https://cdn\.example\.com/hls/[0-9]+\.[0-9a-f]{{64}}/{stream.public_id}/index\.m3u8",
        body["hls_url"],
    )
    assert body["rtmp_url"] == "rtmp://ingest.example.com/live"
    assert (body["status"], body["permanent"], body["category"]) == ("idle", False, "music")
    assert body["tags"] == ["jazz", "piano"]
    assert body["owner"]["username"] == "owner"
    assert (stream.category, stream.visibility, stream.slow_mode_seconds) == (
        category,
        "followers",
        5,
    )


def test_the_key_is_in_no_other_answer(owner_client, owner):
    created = owner_client.post(STREAMS, {"title": "Show"}, format="json").json()
    key, url = created["stream_key"], f"{STREAMS}{created['id']}/"

    answers = [
        owner_client.get(url),
        owner_client.get(STREAMS),
        owner_client.get(f"/api/v1/live/users/{owner.username}/streams/"),
        owner_client.patch(url, {"title": "Renamed"}, format="json"),
    ]

    for response in answers:
        assert response.status_code == 200
        assert key not in response.content.decode()
        assert "stream_key" not in response.content.decode()


def test_rotating_the_key_answers_a_new_key_once(owner_client):
    created = owner_client.post(STREAMS, {"title": "Show"}, format="json").json()

    response = owner_client.post(f"{STREAMS}{created['id']}/key/rotate/")

    assert response.status_code == 200
    new_key = response.json()["stream_key"]
    assert new_key != created["stream_key"]
    stream = Stream.objects.get(pk=created["id"])
    assert stream.key_digest == stream_key_digest(new_key)
    assert response.json()["public_id"] == created["public_id"]


def test_the_hls_url_never_holds_the_key(owner_client, api_client):
    created = owner_client.post(STREAMS, {"title": "Show"}, format="json").json()
    shown = api_client.get(f"{STREAMS}{created['id']}/").json()
    assert created["stream_key"] not in shown["hls_url"]
    assert shown["rtmp_url"] is None  # the owner's only


# -- who sees what ------------------------------------------------------------------


@pytest.mark.parametrize("viewer", list(DETAIL))
@pytest.mark.parametrize("name", sorted(ALL))
def test_detail_follows_the_videos_privacy_rule(world, viewer, name):
    streams, clients = world
    response = clients[viewer].get(detail(streams[name]))
    if name in DETAIL[viewer]:
        assert response.status_code == 200
        assert response.json()["id"] == str(streams[name].pk)
    else:
        assert (response.status_code, error_code(response)) == (404, "not_found")


@pytest.mark.parametrize("viewer", list(LISTED))
def test_the_lists_follow_the_videos_privacy_rule(world, viewer):
    streams, clients = world
    names = {str(stream.pk): name for name, stream in streams.items()}
    Stream.objects.update(status=Stream.Status.LIVE)
    for url in (
        f"{STREAMS}?page_size=100",
        f"{STREAMS}?status=live&page_size=100",
        "/api/v1/live/users/owner/streams/?page_size=100",
    ):
        response = clients[viewer].get(url)
        assert response.status_code == 200
        assert {names[item["id"]] for item in response.json()["results"]} == LISTED[viewer]


def test_a_block_hides_streams_both_ways(world, graph, owner, make_auth_client):
    streams, clients = world
    blocked = UserFactory(username="blocked")
    graph.block(owner, blocked)
    client = make_auth_client(blocked)

    assert client.get(detail(streams["public"])).status_code == 404
    assert client.get(STREAMS).json()["results"] == []
    assert clients["anonymous"].get(detail(streams["public"])).status_code == 200


@pytest.mark.parametrize("status", [User.Status.SUSPENDED, User.Status.BANNED])
def test_streams_of_restricted_owners_disappear_except_for_staff(world, owner, status):
    streams, clients = world
    User.objects.filter(pk=owner.pk).update(status=status)
    assert clients["other"].get(detail(streams["public"])).status_code == 404
    assert clients["staff"].get(detail(streams["public"])).status_code == 200


@pytest.mark.parametrize(
    ("viewer", "expected"),
    [("anonymous", 401), ("other", 404), ("follower", 404), ("staff", 404), ("owner", 200)],
)
def test_only_the_owner_edits_deletes_or_rotates(world, viewer, expected):
    streams, clients = world
    stream = streams["public"]
    client = clients[viewer]
    answers = [
        client.patch(detail(stream), {"title": "Mine now"}, format="json"),
        client.post(f"{detail(stream)}key/rotate/"),
        client.delete(detail(stream)),
    ]
    assert [response.status_code for response in answers] == [
        expected,
        expected,
        204 if expected == 200 else expected,
    ]
    assert Stream.objects.filter(pk=stream.pk).exists() is (expected != 200)


def test_an_edit_changes_what_it_names(owner_client, owner):
    stream = StreamFactory(owner=owner)
    when = timezone.now() + timedelta(days=1)

    response = owner_client.patch(
        detail(stream),
        {"visibility": "private", "scheduled_for": when.isoformat(), "save_replay": True},
        format="json",
    )

    assert response.status_code == 200
    stream.refresh_from_db()
    assert (stream.visibility, stream.scheduled_for, stream.save_replay) == ("private", when, True)
    assert stream.title == response.json()["title"]


def test_deleting_a_stream_keeps_its_ended_sessions(owner_client, owner):
    stream = StreamFactory(owner=owner, status=Stream.Status.LIVE)
    StreamSession.objects.create(
        stream=stream, started_at=timezone.now(), last_callback_at=timezone.now()
    )

    assert owner_client.delete(detail(stream)).status_code == 204

    session = StreamSession.objects.get()
    assert (session.stream, session.end_reason) == (None, "deleted")


@pytest.mark.parametrize("bad_id", ["not-a-uuid", "00000000-0000-0000-0000-000000000000"])
def test_unknown_ids_are_404(owner_client, bad_id):
    assert owner_client.get(f"{STREAMS}{bad_id}/").status_code == 404
    assert owner_client.post(f"{STREAMS}{bad_id}/key/rotate/").status_code == 404


def test_an_unknown_user_is_404(api_client, db):
    response = api_client.get("/api/v1/live/users/nobody/streams/")
    assert (response.status_code, error_code(response)) == (404, "not_found")


def test_anonymous_callers_may_not_create(api_client, db):
    response = api_client.post(STREAMS, {"title": "Show"}, format="json")
    assert response.status_code == 401


# -- lists ----------------------------------------------------------------------------


def test_live_now_lists_most_viewers_first(api_client, db):
    quiet = StreamFactory(status=Stream.Status.LIVE, current_viewers=3)
    busy = StreamFactory(status=Stream.Status.LIVE, current_viewers=300)
    StreamFactory(status=Stream.Status.IDLE, current_viewers=0)
    StreamFactory(status=Stream.Status.ENDED)

    response = api_client.get(f"{STREAMS}?status=live")

    assert [item["id"] for item in response.json()["results"]] == [str(busy.pk), str(quiet.pk)]


def test_upcoming_lists_scheduled_streams_soonest_first(api_client, db):
    now = timezone.now()
    later = StreamFactory(scheduled_for=now + timedelta(days=2))
    sooner = StreamFactory(scheduled_for=now + timedelta(hours=1))
    StreamFactory(scheduled_for=now - timedelta(hours=1))  # missed
    StreamFactory(scheduled_for=None)
    StreamFactory(scheduled_for=now + timedelta(hours=3), status=Stream.Status.LIVE)
    StreamFactory(scheduled_for=now + timedelta(hours=3), visibility=V.PRIVATE)

    response = api_client.get(f"{STREAMS}upcoming/")

    assert [item["id"] for item in response.json()["results"]] == [str(sooner.pk), str(later.pk)]


def test_the_list_pages_with_cursors(api_client, db):
    streams = [StreamFactory() for _ in range(3)]
    first = api_client.get(f"{STREAMS}?page_size=2").json()
    second = api_client.get(first["next"]).json()
    ids = [item["id"] for item in first["results"] + second["results"]]
    assert sorted(ids) == sorted(str(stream.pk) for stream in streams)
    assert second["next"] is None


LISTS = [
    f"{STREAMS}?page_size={{size}}",
    f"{STREAMS}?status=live&page_size={{size}}",
    f"{STREAMS}upcoming/?page_size={{size}}",
    "/api/v1/live/users/owner/streams/?page_size={size}",
]


@pytest.mark.parametrize("url", LISTS)
@pytest.mark.parametrize(("signed_in", "queries"), [(False, 1), (True, 2)])
def test_every_list_costs_the_same_queries_at_page_sizes_1_and_20(
    owner, make_auth_client, graph, url, signed_in, queries
):
    viewer = UserFactory(username="viewer")
    graph.follow(viewer, owner)
    for number in range(25):
        StreamFactory(
            owner=owner,
            status=Stream.Status.LIVE,
            current_viewers=number,
            scheduled_for=timezone.now() + timedelta(hours=number + 1),
        )
    Stream.objects.filter(scheduled_for__isnull=False).update(status=Stream.Status.IDLE)
    if "status=live" in url:
        Stream.objects.update(status=Stream.Status.LIVE)
        queries += 1  # the viewer counts of the page's live streams, all at once
    client = make_auth_client(viewer) if signed_in else APIClient()
    if "users/" in url:
        queries += 1  # the user
    counts = []
    for size in (1, 20):
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url.format(size=size))
        assert response.status_code == 200
        assert len(response.json()["results"]) == size
        counts.append(len(captured))
    assert counts == [queries, queries]


# -- bad input ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({}, [("title", "required")]),
        ({"title": ""}, [("title", "blank")]),
        ({"title": "x" * 151}, [("title", "max_length")]),
        ({"title": "ok", "visibility": "everyone"}, [("visibility", "invalid_choice")]),
        ({"title": "ok", "chat_mode": "vips"}, [("chat_mode", "invalid_choice")]),
        ({"title": "ok", "slow_mode_seconds": -1}, [("slow_mode_seconds", "min_value")]),
        ({"title": "ok", "slow_mode_seconds": 3601}, [("slow_mode_seconds", "max_value")]),
        ({"title": "ok", "category": "nope"}, [("category", "does_not_exist")]),
        ({"title": "ok", "tags": ["not a tag!"]}, [("tags", "invalid_tag")]),
        ({"title": "ok", "scheduled_for": "soon"}, [("scheduled_for", "invalid")]),
        ({"title": "ok", "permanent": "yes"}, [("permanent", "invalid")]),
    ],
)
def test_bad_input_is_a_400_with_a_stable_code(owner_client, body, expected):
    response = owner_client.post(STREAMS, body, format="json")
    assert response.status_code == 400
    assert validation_errors(response) == expected
    assert not Stream.objects.exists()


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("status=ended", [("status", "invalid_choice")]),
        ("cursor=forged", [("cursor", "invalid_cursor")]),
        ("page_size=0", [("page_size", "invalid_page_size")]),
    ],
)
def test_bad_list_parameters_are_a_400(api_client, db, query, expected):
    response = api_client.get(f"{STREAMS}?{query}")
    assert response.status_code == 400
    assert validation_errors(response) == expected


def test_a_form_body_is_refused_as_the_schema_says_json(owner_client):
    response = owner_client.post(STREAMS, {"title": "Show"}, format="multipart")
    assert (response.status_code, error_code(response)) == (415, "unsupported_media_type")


@pytest.mark.parametrize("tags", [[None], [5], [["a"]], [{"a": 1}]])
def test_tags_that_are_not_text_are_a_400_not_a_500(make_auth_client, tags):
    # The fuzzer's finding on PostgreSQL: `{"tags": [null]}` broke the comma check.
    from tests.accounts.factories import UserFactory
    from tests.videos.factories import VideoFactory

    owner = UserFactory()
    client = make_auth_client(owner)
    video = VideoFactory(owner=owner)

    stream = client.post("/api/v1/live/streams/", {"title": "Live", "tags": tags}, format="json")
    edit = client.patch(f"/api/v1/videos/{video.pk}/", {"tags": tags}, format="json")

    for response in (stream, edit):
        assert response.status_code == 400
        assert response.json()["errors"][0]["attr"].startswith("tags")


def test_tags_in_json_are_a_list_not_a_comma_separated_string(make_auth_client):
    # The fuzzer's finding: `{"tags": "AAA"}` was taken, while the schema says an array.
    from tests.accounts.factories import UserFactory
    from tests.videos.factories import VideoFactory

    owner = UserFactory()
    client = make_auth_client(owner)
    video = VideoFactory(owner=owner)

    stream = client.post("/api/v1/live/streams/", {"title": "Live", "tags": "a,b"}, format="json")
    edit = client.patch(f"/api/v1/videos/{video.pk}/", {"tags": "a,b"}, format="json")

    for response in (stream, edit):
        assert response.status_code == 400
        assert [(error["code"], error["attr"]) for error in response.json()["errors"]] == [
            ("not_a_list", "tags")
        ]
