"""Watch history: one entry per video, most recent first, private to its user, and
cleared on request."""

from datetime import UTC, datetime, timedelta

import pytest
from django.urls import resolve
from rest_framework.test import APIClient

from accounts.models import User
from tests.accounts.factories import UserFactory
from tests.videos.factories import CategoryFactory, VideoFactory
from videos.models import Video, VideoView, WatchHistoryEntry
from videos.services.watching import video_view_record, video_viewer_key
from videos.views.watching import WatchHistoryView

pytestmark = pytest.mark.django_db

HISTORY = "/api/v1/users/me/history/"
V = Video.Visibility
T0 = datetime(2025, 3, 1, 10, 0, 0, tzinfo=UTC)


def watch(user: User, video: Video, seconds: float, at: datetime) -> None:
    video_view_record(
        video=video,
        viewer_key=video_viewer_key(user=user),
        user=user,
        watched_seconds=seconds,
        now=at,
    )


def history_of(client: APIClient, query: str = "") -> list[tuple[str, float]]:
    response = client.get(HISTORY + query)
    assert response.status_code == 200
    return [
        (entry["video"]["id"], entry["watched_seconds"]) for entry in response.json()["results"]
    ]


def test_users_me_history_is_this_view_not_a_profile():
    match = resolve(HISTORY)
    assert match.func.view_class is WatchHistoryView
    assert match.url_name == "user-me-history"
    # The accounts routes around it still resolve to theirs.
    assert resolve("/api/v1/users/me/").url_name == "user-me"
    assert resolve("/api/v1/users/history/").url_name == "user-detail"


def test_reporting_a_view_puts_the_video_in_the_history(auth_client, user):
    video = VideoFactory(duration_seconds=30.0)

    auth_client.post(f"/api/v1/videos/{video.pk}/views/", {"watched_seconds": 12.5})

    response = auth_client.get(HISTORY)
    assert response.status_code == 200
    body = response.json()
    assert (body["next"], body["previous"]) == (None, None)
    [entry] = body["results"]
    assert set(entry) == {"video", "watched_seconds", "last_watched_at"}
    assert entry["video"]["id"] == str(video.pk)
    assert entry["video"]["title"] == video.title
    assert entry["video"]["owner"]["username"] == video.owner.username
    assert entry["video"]["view_count"] == 1
    assert entry["watched_seconds"] == 12.5
    stored = WatchHistoryEntry.objects.get()
    assert (stored.user_id, stored.video_id) == (user.pk, video.pk)


def test_a_view_below_the_threshold_or_already_counted_still_updates_the_history(user):
    video = VideoFactory(duration_seconds=30.0)

    watch(user, video, 3, T0)
    assert WatchHistoryEntry.objects.get().watched_seconds == 3
    watch(user, video, 20, T0 + timedelta(minutes=5))  # counted
    watch(user, video, 8, T0 + timedelta(minutes=10))  # already counted this hour

    entry = WatchHistoryEntry.objects.get()
    assert (entry.watched_seconds, entry.last_watched_at) == (8, T0 + timedelta(minutes=10))
    assert VideoView.objects.count() == 1


def test_anonymous_views_leave_no_history():
    video = VideoFactory(duration_seconds=30.0)

    APIClient().post(f"/api/v1/videos/{video.pk}/views/", {"watched_seconds": 15})

    assert WatchHistoryEntry.objects.count() == 0


def test_history_is_most_recent_first_with_one_entry_per_video(auth_client, user):
    first, second, third = (VideoFactory(duration_seconds=60.0) for _ in range(3))

    watch(user, first, 10, T0)
    watch(user, second, 20, T0 + timedelta(minutes=1))
    watch(user, third, 30, T0 + timedelta(minutes=2))
    watch(user, first, 40, T0 + timedelta(minutes=3))  # moves to the top, latest seconds

    assert history_of(auth_client) == [
        (str(first.pk), 40),
        (str(third.pk), 30),
        (str(second.pk), 20),
    ]
    assert WatchHistoryEntry.objects.filter(user=user).count() == 3


def test_history_pages_follow_the_cursor(auth_client, user):
    videos = [VideoFactory(duration_seconds=60.0) for _ in range(5)]
    for minute, video in enumerate(videos):
        watch(user, video, 10, T0 + timedelta(minutes=minute))
    newest_first = [str(video.pk) for video in reversed(videos)]

    page = auth_client.get(HISTORY + "?page_size=2").json()
    seen = [entry["video"]["id"] for entry in page["results"]]
    while page["next"]:
        page = auth_client.get(page["next"]).json()
        seen += [entry["video"]["id"] for entry in page["results"]]

    assert seen == newest_first


def test_each_user_sees_only_their_own_history(make_auth_client):
    ada, bob = UserFactory(), UserFactory()
    video_a, video_b = VideoFactory(duration_seconds=30.0), VideoFactory(duration_seconds=30.0)
    watch(ada, video_a, 15, T0)
    watch(bob, video_b, 15, T0)

    assert history_of(make_auth_client(ada)) == [(str(video_a.pk), 15)]
    assert history_of(make_auth_client(bob)) == [(str(video_b.pk), 15)]


def test_history_needs_a_signed_in_user(api_client):
    for response in (api_client.get(HISTORY), api_client.delete(HISTORY)):
        assert response.status_code == 401
        assert response.json()["errors"][0]["code"] == "not_authenticated"
        assert response["WWW-Authenticate"].startswith("Bearer")


def test_a_bad_cursor_is_400(auth_client):
    response = auth_client.get(HISTORY + "?cursor=forged")
    assert response.status_code == 400
    assert response.json()["errors"][0]["code"] == "invalid_cursor"


# -- clearing ----------------------------------------------------------------------------


def test_delete_clears_the_callers_history_only(make_auth_client):
    ada, bob = UserFactory(), UserFactory()
    video = VideoFactory(duration_seconds=30.0)
    hidden = VideoFactory(duration_seconds=30.0)
    watch(ada, video, 15, T0)
    watch(ada, hidden, 15, T0)
    watch(bob, video, 15, T0)
    Video.objects.filter(pk=hidden.pk).update(visibility=V.PRIVATE)
    client = make_auth_client(ada)

    response = client.delete(HISTORY)

    assert response.status_code == 204
    assert history_of(client) == []
    assert WatchHistoryEntry.objects.filter(user=ada).count() == 0  # hidden ones too
    assert WatchHistoryEntry.objects.filter(user=bob).count() == 1
    # Counted views are not history: they stay.
    assert VideoView.objects.count() == 3
    assert Video.objects.get(pk=video.pk).view_count == 2


def test_clearing_an_empty_history_is_204(auth_client):
    assert auth_client.delete(HISTORY).status_code == 204


# -- privacy -----------------------------------------------------------------------------


def test_a_video_that_became_private_is_left_out_and_comes_back_if_public_again(auth_client, user):
    kept = VideoFactory(duration_seconds=30.0)
    hidden = VideoFactory(duration_seconds=30.0)
    watch(user, kept, 15, T0)
    watch(user, hidden, 15, T0 + timedelta(minutes=1))

    Video.objects.filter(pk=hidden.pk).update(visibility=V.PRIVATE)
    assert history_of(auth_client) == [(str(kept.pk), 15)]
    assert WatchHistoryEntry.objects.filter(user=user).count() == 2  # kept, not deleted

    Video.objects.filter(pk=hidden.pk).update(visibility=V.PUBLIC)
    assert history_of(auth_client) == [(str(hidden.pk), 15), (str(kept.pk), 15)]


@pytest.mark.parametrize(
    ("change", "shown"),
    [
        ({"visibility": V.UNLISTED}, True),  # still reachable by its id
        ({"visibility": V.FOLLOWERS}, False),
        ({"visibility": V.PRIVATE}, False),
        ({"status": Video.Status.FAILED}, False),
    ],
)
def test_history_shows_what_the_user_may_still_open(auth_client, user, change, shown):
    video = VideoFactory(duration_seconds=30.0)
    watch(user, video, 15, T0)

    Video.objects.filter(pk=video.pk).update(**change)

    assert history_of(auth_client) == ([(str(video.pk), 15)] if shown else [])


def test_videos_of_a_banned_owner_leave_the_history(auth_client, user):
    video = VideoFactory(duration_seconds=30.0)
    watch(user, video, 15, T0)

    User.objects.filter(pk=video.owner_id).update(status=User.Status.BANNED)

    assert history_of(auth_client) == []


def test_the_owner_sees_their_own_private_video_in_their_history(make_auth_client):
    owner = UserFactory()
    video = VideoFactory(owner=owner, visibility=V.PRIVATE, duration_seconds=30.0)
    watch(owner, video, 15, T0)

    assert history_of(make_auth_client(owner)) == [(str(video.pk), 15)]


def test_a_deleted_video_leaves_the_history(auth_client, user):
    video = VideoFactory(duration_seconds=30.0)
    watch(user, video, 15, T0)

    Video.objects.filter(pk=video.pk).delete()

    assert history_of(auth_client) == []
    assert WatchHistoryEntry.objects.count() == 0


# -- cost --------------------------------------------------------------------------------


@pytest.mark.parametrize("page_size", [1, 20])
def test_history_costs_the_same_queries_at_any_page_size(
    auth_client, user, django_assert_num_queries, page_size
):
    owners = [UserFactory(), UserFactory(is_private=True)]
    for n in range(25):
        video = VideoFactory(
            owner=owners[n % 2],
            visibility=[V.PUBLIC, V.UNLISTED][n % 2],
            duration_seconds=30.0,
            category=CategoryFactory(slug=f"shelf-{n % 3}"),
        )
        video.thumbnail.name = f"{video.media_folder}/thumbnail.jpg"
        video.hls_playlist = f"{video.media_folder}/hls/master.m3u8"
        video.renditions = [
            {"height": 240, "width": 320, "bitrate": 400_000, "path": f"{video.media_folder}/240p"}
        ]
        video.save(update_fields=["thumbnail", "hls_playlist", "renditions"])
        watch(user, video, 15, T0 + timedelta(minutes=n))
    # Videos of the private account are hidden from this stranger: 13 public remain.
    visible = 13

    with django_assert_num_queries(3):  # authentication, the page, then its videos
        response = auth_client.get(f"{HISTORY}?page_size={page_size}")

    results = response.json()["results"]
    assert len(results) == min(page_size, visible)
    assert all(entry["video"]["thumbnail_url"].startswith("http") for entry in results)
