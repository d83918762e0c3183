"""Watching and heartbeating through the API: who may watch which stream, the viewer
token's refusals, the counts on the stream's shape and rows, stale streams, and the
admin's end action in the moderation log."""

import re
from datetime import timedelta
from io import StringIO

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import ModerationAction
from config.celery import app as celery_app
from livestream.models import Stream, StreamSession, ViewerPresence
from livestream.services.streams import (
    stream_create,
    stream_end,
    stream_publish_start,
    streams_end_stale,
)
from livestream.services.viewers import stream_heartbeat, stream_viewers_flush, stream_watch
from livestream.tasks import stream_viewers_flush_task, streams_end_stale_task
from tests.accounts.factories import ModeratorFactory, UserFactory
from tests.conftest import error_code, error_one

pytestmark = pytest.mark.django_db

V = Stream.Visibility
STREAMS = "/api/v1/live/streams/"


def watch_url(stream) -> str:
    return f"{STREAMS}{stream.pk}/watch/"


def heartbeat_url(stream) -> str:
    return f"{STREAMS}{stream.pk}/heartbeat/"


def live_stream(owner, visibility=V.PUBLIC, title="Show") -> Stream:
    created = stream_create(owner=owner, title=title, visibility=visibility)
    return stream_publish_start(key=created.key)


@pytest.fixture
def owner():
    return UserFactory(username="owner")


@pytest.fixture
def callers(graph, make_auth_client, owner):
    follower = UserFactory(username="follower")
    graph.follow(follower, owner)
    return {
        "anonymous": APIClient(),
        "other": make_auth_client(UserFactory(username="other")),
        "follower": make_auth_client(follower),
        "owner": make_auth_client(owner),
        "staff": make_auth_client(ModeratorFactory(username="staff")),
    }


def watch(client, stream) -> dict:
    response = client.post(watch_url(stream))
    assert response.status_code == 200, response.content
    return response.json()


# -- who may watch --------------------------------------------------------------------

WATCHERS = {
    V.PUBLIC: {"anonymous", "other", "follower", "owner", "staff"},
    V.UNLISTED: {"anonymous", "other", "follower", "owner", "staff"},
    V.FOLLOWERS: {"follower", "owner", "staff"},
    V.PRIVATE: {"owner", "staff"},
}


@pytest.mark.parametrize("visibility", list(WATCHERS))
@pytest.mark.parametrize("caller", ["anonymous", "other", "follower", "owner", "staff"])
def test_who_may_watch_follows_the_videos_privacy_rule(callers, owner, visibility, caller):
    stream = live_stream(owner, visibility)

    response = callers[caller].post(watch_url(stream))

    if caller in WATCHERS[visibility]:
        assert response.status_code == 200, response.content
        assert response.json()["viewer_count"] == 1
    else:
        assert (response.status_code, error_code(response)) == (404, "not_found")


@pytest.mark.parametrize("caller", ["anonymous", "other", "follower", "owner", "staff"])
def test_each_caller_heartbeats_with_its_own_token(callers, owner, caller):
    stream = live_stream(owner, V.FOLLOWERS if caller != "anonymous" else V.PUBLIC)
    token = watch(callers[caller], stream)["viewer_token"] if caller != "other" else None
    if token is None:  # another user does not see a followers-only stream
        assert callers[caller].post(watch_url(stream)).status_code == 404
        return

    response = callers[caller].post(heartbeat_url(stream), {"viewer_token": token})

    assert response.status_code == 200, response.content
    assert response.json() == {"viewer_count": 1, "heartbeat_seconds": 15}


def test_the_watch_answer(callers, owner):
    public = live_stream(owner, V.PUBLIC, title="Public")
    followers = live_stream(owner, V.FOLLOWERS, title="Followers")

    open_answer = watch(callers["anonymous"], public)
    signed_answer = watch(callers["follower"], followers)

    assert open_answer["hls_url"] == f"https://cdn.example.com/hls/{public.public_id}/index.m3u8"
    assert re.fullmatch(
        rf"https://cdn\.example\.com/hls/[0-9]+\.[0-9a-f]{{64}}/{followers.public_id}/index\.m3u8",
        signed_answer["hls_url"],
    )
    assert (open_answer["heartbeat_seconds"], open_answer["viewer_count"]) == (15, 1)
    assert set(open_answer) == {"hls_url", "viewer_token", "heartbeat_seconds", "viewer_count"}


def test_a_stream_that_is_not_live_cannot_be_watched(callers, owner):
    created = stream_create(owner=owner, title="Later")

    response = callers["owner"].post(watch_url(created.stream))

    assert (response.status_code, error_code(response)) == (409, "stream_not_live")


@pytest.mark.parametrize("bad_id", ["nope", "00000000-0000-0000-0000-000000000000"])
def test_unknown_streams_are_404(api_client, bad_id):
    response = api_client.post(f"{STREAMS}{bad_id}/watch/")
    assert (response.status_code, error_code(response)) == (404, "not_found")
    response = api_client.post(f"{STREAMS}{bad_id}/heartbeat/", {"viewer_token": "x"})
    assert response.status_code == (404 if bad_id == "nope" else 400)


def test_a_signed_in_viewer_counts_once_on_every_device(make_auth_client, owner):
    stream = live_stream(owner)
    viewer = UserFactory()
    first, second = make_auth_client(viewer), make_auth_client(viewer)

    watch(first, stream)
    answer = watch(second, stream)

    assert answer["viewer_count"] == 1
    assert watch(APIClient(), stream)["viewer_count"] == 2


# -- the viewer token's refusals ------------------------------------------------------


def test_a_forged_or_malformed_token_is_refused(api_client, owner):
    stream = live_stream(owner)
    token = watch(api_client, stream)["viewer_token"]
    forged = token[:-3] + ("aaa" if not token.endswith("aaa") else "bbb")

    for bad in (forged, "x", "a:b:c", token + "x"):
        response = api_client.post(heartbeat_url(stream), {"viewer_token": bad})
        assert error_one(response) == ("invalid_viewer_token", "viewer_token")


def test_a_token_for_another_stream_is_refused(api_client, owner):
    stream, other = live_stream(owner, title="A"), live_stream(owner, title="B")
    token = watch(api_client, other)["viewer_token"]

    response = api_client.post(heartbeat_url(stream), {"viewer_token": token})

    assert error_one(response) == ("invalid_viewer_token", "viewer_token")


def test_a_signed_in_viewers_token_is_theirs_only(make_auth_client, api_client, owner):
    stream = live_stream(owner)
    token = watch(make_auth_client(UserFactory()), stream)["viewer_token"]

    for thief in (make_auth_client(UserFactory()), api_client):
        response = thief.post(heartbeat_url(stream), {"viewer_token": token})
        assert error_one(response) == ("invalid_viewer_token", "viewer_token")


def test_an_anonymous_token_still_works_after_signing_in(make_auth_client, api_client, owner):
    stream = live_stream(owner)
    token = watch(api_client, stream)["viewer_token"]

    response = make_auth_client(UserFactory()).post(heartbeat_url(stream), {"viewer_token": token})

    assert response.status_code == 200


def test_an_expired_token_is_refused(api_client, owner, settings):
    stream = live_stream(owner)
    settings.LIVE_VIEWER_TOKEN_SECONDS = 60
    now = timezone.now()
    watched = stream_watch(stream=stream, viewer=None, now=now)
    assert stream_heartbeat(
        stream_id=stream.pk, viewer_token=watched.viewer_token, viewer=None, now=now
    )
    settings.LIVE_VIEWER_TOKEN_SECONDS = -1
    token = watch(api_client, stream)["viewer_token"]

    response = api_client.post(heartbeat_url(stream), {"viewer_token": token})

    assert error_one(response) == ("viewer_token_expired", "viewer_token")


def test_a_token_of_an_ended_broadcast_is_refused(api_client, owner):
    stream = live_stream(owner)
    token = watch(api_client, stream)["viewer_token"]
    stream_end(stream=stream, reason=StreamSession.EndReason.STAFF_ENDED)

    response = api_client.post(heartbeat_url(stream), {"viewer_token": token})

    assert (response.status_code, error_code(response)) == (409, "stream_not_live")


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({}, ("required", "viewer_token")),
        ({"viewer_token": ""}, ("blank", "viewer_token")),
        ({"viewer_token": ["a"]}, ("invalid", "viewer_token")),
        ({"viewer_token": "x" * 1001}, ("max_length", "viewer_token")),
    ],
)
def test_bad_heartbeat_bodies_are_a_400(api_client, owner, body, expected):
    stream = live_stream(owner)
    assert error_one(api_client.post(heartbeat_url(stream), body, format="json")) == expected


# -- counts on the stream and its rows ------------------------------------------------


def test_the_stream_shows_its_viewers_and_peak(api_client, owner):
    stream = live_stream(owner)
    idle = stream_create(owner=owner, title="Idle").stream
    for _ in range(3):
        watch(APIClient(), stream)

    detail = api_client.get(f"{STREAMS}{stream.pk}/").json()
    listed = {item["id"]: item for item in api_client.get(STREAMS).json()["results"]}

    assert (detail["viewer_count"], detail["peak_viewers"]) == (3, 3)
    assert listed[str(stream.pk)]["viewer_count"] == 3
    assert (listed[str(idle.pk)]["viewer_count"], listed[str(idle.pk)]["peak_viewers"]) == (0, 0)


def test_counts_reach_the_rows_at_most_once_a_period_and_at_the_end(owner, settings):
    settings.LIVE_VIEWER_FLUSH_SECONDS = 15
    stream = live_stream(owner)
    start = timezone.now().replace(microsecond=0)
    start -= timedelta(seconds=start.second % 15)  # a flush period's start
    watched = [stream_watch(stream=stream, viewer=None, now=start) for _ in range(2)]
    stream.refresh_from_db()
    # The first watch flushed (1 viewer then); the second, in the same period, did not.
    assert (stream.current_viewers, stream.peak_viewers) == (1, 1)

    stream_heartbeat(
        stream_id=stream.pk,
        viewer_token=watched[0].viewer_token,
        viewer=None,
        now=start + timedelta(seconds=15),
    )
    stream.refresh_from_db()
    session = StreamSession.objects.get(stream=stream)
    assert (stream.current_viewers, stream.peak_viewers) == (2, 2)
    assert (session.peak_viewers, session.unique_viewers) == (2, 2)

    stream_watch(stream=stream, viewer=None, now=start + timedelta(seconds=16))
    stream_end(
        stream=stream,
        reason=StreamSession.EndReason.STAFF_ENDED,
        now=start + timedelta(seconds=17),
    )
    stream.refresh_from_db()
    session.refresh_from_db()
    assert (stream.current_viewers, stream.peak_viewers) == (0, 3)
    assert (session.peak_viewers, session.unique_viewers) == (3, 3)


def test_the_flush_task_lets_counts_decay_and_beat_runs_it(owner):
    stream = live_stream(owner)
    watch(APIClient(), stream)
    Stream.objects.filter(pk=stream.pk).update(current_viewers=7)
    stream_viewers_flush_task.delay()
    assert Stream.objects.get(pk=stream.pk).current_viewers == 1

    entry = settings.CELERY_BEAT_SCHEDULE["livestream-viewers-flush"]
    assert entry["task"] == stream_viewers_flush_task.name
    assert entry["task"] == "livestream.tasks.stream_viewers_flush_task"
    assert entry["task"] in celery_app.tasks
    assert entry["schedule"] == timedelta(seconds=30)


# -- stale streams --------------------------------------------------------------------


def test_stale_streams_end_and_the_command_is_safe_to_rerun(owner):
    stale, fresh = live_stream(owner, title="Stale"), live_stream(owner, title="Fresh")
    long_ago = timezone.now() - timedelta(seconds=121)
    StreamSession.objects.filter(stream=stale).update(last_callback_at=long_ago)
    StreamSession.objects.filter(stream=fresh).update(
        last_callback_at=timezone.now() - timedelta(seconds=100)
    )

    first, second = StringIO(), StringIO()
    call_command("end_stale_streams", stdout=first)
    call_command("end_stale_streams", stdout=second)

    assert "Stale live streams: 1 found, 1 ended." in first.getvalue()
    assert "Stale live streams: 0 found, 0 ended." in second.getvalue()
    assert Stream.objects.get(pk=stale.pk).status == Stream.Status.IDLE
    assert Stream.objects.get(pk=fresh.pk).status == Stream.Status.LIVE
    session = StreamSession.objects.get(stream=stale)
    assert (session.end_reason, session.ended_at is not None) == ("stale", True)


def test_the_stale_limit_is_a_setting(owner, settings):
    settings.LIVE_STALE_SECONDS = 30
    stream = live_stream(owner)
    now = timezone.now() + timedelta(seconds=31)
    assert streams_end_stale(now=now - timedelta(seconds=2)).ended == 0
    assert streams_end_stale(now=now).ended == 1
    assert Stream.objects.get(pk=stream.pk).status == Stream.Status.IDLE


def test_the_stale_task_ends_stale_streams_and_beat_runs_it(owner):
    stream = live_stream(owner)
    StreamSession.objects.filter(stream=stream).update(
        last_callback_at=timezone.now() - timedelta(hours=1)
    )

    streams_end_stale_task.delay()

    assert Stream.objects.get(pk=stream.pk).status == Stream.Status.IDLE
    entry = settings.CELERY_BEAT_SCHEDULE["livestream-streams-end-stale"]
    assert entry["task"] == streams_end_stale_task.name
    assert entry["task"] == "livestream.tasks.streams_end_stale_task"
    assert entry["task"] in celery_app.tasks
    assert entry["schedule"] == timedelta(minutes=1)


# -- the admin's end action -----------------------------------------------------------


def test_ending_a_stream_in_the_admin_is_in_the_moderation_log(admin_client, admin_user, owner):
    stream = live_stream(owner, title="Loud show")
    idle = stream_create(owner=owner, title="Idle").stream

    response = admin_client.post(
        "/admin/livestream/stream/",
        {"action": "end_streams", "_selected_action": [stream.pk, idle.pk]},
        follow=True,
    )

    assert response.status_code == 200
    action = ModerationAction.objects.get()
    assert (action.actor, action.target, action.action) == (admin_user, owner, "end_stream")
    assert action.reason == f'Ended the live stream "Loud show" ({stream.public_id}).'
    log = admin_client.get("/admin/accounts/moderationaction/")
    assert log.status_code == 200


def test_a_heartbeat_reads_its_broadcast_and_writes_its_presence_and_nothing_else(
    api_client, owner, settings
):
    settings.LIVE_VIEWER_FLUSH_SECONDS = 3600  # no flush due in this test's hour
    stream = live_stream(owner)
    token = watch(api_client, stream)["viewer_token"]

    with CaptureQueriesContext(connection) as captured:
        response = api_client.post(heartbeat_url(stream), {"viewer_token": token})

    assert response.status_code == 200
    statements = [
        query["sql"] for query in captured if query["sql"] not in ("BEGIN", "BEGIN IMMEDIATE")
    ]
    statements = [sql for sql in statements if sql != "COMMIT"]
    assert len(statements) == 2
    assert statements[0].startswith("SELECT") and "livestream_streamsession" in statements[0]
    assert statements[1].startswith("INSERT INTO") and "livestream_viewerpresence" in statements[1]


def test_an_on_update_callback_keeps_a_stream_from_going_stale(owner, media_server):
    stream = live_stream(owner)
    StreamSession.objects.filter(stream=stream).update(
        last_callback_at=timezone.now() - timedelta(hours=1)
    )

    assert media_server.update(stream.public_id).status_code == 204

    assert streams_end_stale().ended == 0
    assert Stream.objects.get(pk=stream.pk).status == Stream.Status.LIVE


def test_a_flush_drops_expired_presence_without_beat(api_client, owner):
    stream = live_stream(owner)
    watch(api_client, stream)
    session = StreamSession.objects.get(stream=stream)
    ViewerPresence.objects.create(
        group="v:" + stream.pk.hex, member="gone", expires_at=timezone.now() - timedelta(seconds=1)
    )

    stream_viewers_flush(stream_id=stream.pk, session_id=session.pk)

    assert list(ViewerPresence.objects.filter(member="gone")) == []
    assert ViewerPresence.objects.filter(group="v:" + stream.pk.hex).count() == 1
