"""Counted views: the threshold, once per viewer per hour, anonymous viewers, bad
input, and concurrent counting."""

import threading
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from rest_framework.test import APIClient

from tests.accounts.factories import ModeratorFactory, UserFactory
from tests.conftest import error_status_attr
from tests.videos.factories import VideoFactory
from videos.models import Video, VideoView, WatchHistoryEntry
from videos.services.watching import (
    ViewRecorded,
    video_view_record,
    video_viewer_key,
)

V = Video.Visibility


def views_url(video) -> str:
    return f"/api/v1/videos/{video.pk}/views/"


def report(client: APIClient, video, watched_seconds, **headers):
    return client.post(views_url(video), {"watched_seconds": watched_seconds}, **headers)


# -- the threshold -----------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("duration", "watched", "counted"),
    [
        (30.0, 9.9, False),  # min(10, 15) = 10
        (30.0, 10, True),
        (30.0, 30, True),
        (4.0, 1.9, False),  # min(10, 2) = 2
        (4.0, 2, True),
        (19.0, 9.4, False),  # min(10, 9.5) = 9.5
        (19.0, 9.5, True),
        (None, 9.99, False),  # unknown duration: 10
        (None, 10, True),
        (30.0, 0, False),
    ],
)
def test_a_view_counts_from_min_of_ten_seconds_and_half_the_duration(
    auth_client, duration, watched, counted
):
    video = VideoFactory(duration_seconds=duration)

    response = report(auth_client, video, watched)

    assert response.status_code == 200
    assert response.json() == {"counted": counted, "view_count": int(counted)}
    video.refresh_from_db()
    assert video.view_count == int(counted)
    assert VideoView.objects.filter(video=video).count() == int(counted)


@pytest.mark.django_db
def test_a_counted_view_is_recorded_with_its_viewer_and_hour(auth_client, user):
    video = VideoFactory(duration_seconds=30.0)

    report(auth_client, video, 12.5)

    view = VideoView.objects.get()
    assert (view.video_id, view.viewer_id, view.viewer_key, view.watched_seconds) == (
        video.pk,
        user.pk,
        str(user.pk),
        12.5,
    )
    assert (view.hour.minute, view.hour.second, view.hour.microsecond) == (0, 0, 0)
    assert view.hour <= view.created_at < view.hour + timedelta(hours=1)


# -- once per viewer per hour ------------------------------------------------------------


@pytest.mark.django_db
def test_the_same_user_counts_once_within_the_hour(auth_client):
    video = VideoFactory(duration_seconds=30.0)

    first = report(auth_client, video, 15)
    second = report(auth_client, video, 30)

    assert (first.status_code, first.json()) == (200, {"counted": True, "view_count": 1})
    assert (second.status_code, second.json()) == (200, {"counted": False, "view_count": 1})
    assert VideoView.objects.count() == 1
    assert Video.objects.get(pk=video.pk).view_count == 1


@pytest.mark.django_db
def test_different_users_count_separately(make_auth_client):
    video = VideoFactory(duration_seconds=30.0)

    report(make_auth_client(UserFactory()), video, 15)
    response = report(make_auth_client(UserFactory()), video, 15)

    assert response.json() == {"counted": True, "view_count": 2}


@pytest.mark.django_db
def test_a_view_in_a_new_clock_hour_counts_again():
    video = VideoFactory(duration_seconds=30.0)
    viewer = UserFactory()
    key = video_viewer_key(user=viewer)

    def record(at: datetime) -> ViewRecorded:
        return video_view_record(
            video=video, viewer_key=key, user=viewer, watched_seconds=15, now=at
        )

    assert record(datetime(2025, 3, 1, 10, 0, 0, tzinfo=UTC)) == ViewRecorded(True, 1)
    assert record(datetime(2025, 3, 1, 10, 59, 59, tzinfo=UTC)) == ViewRecorded(False, 1)
    assert record(datetime(2025, 3, 1, 11, 0, 0, tzinfo=UTC)) == ViewRecorded(True, 2)
    assert record(datetime(2025, 3, 1, 11, 30, 0, tzinfo=UTC)) == ViewRecorded(False, 2)
    assert record(datetime(2025, 3, 1, 13, 5, 0, tzinfo=UTC)) == ViewRecorded(True, 3)
    assert sorted(view.hour.hour for view in VideoView.objects.all()) == [10, 11, 13]


@pytest.mark.django_db
def test_a_short_report_does_not_use_up_the_hour(auth_client):
    video = VideoFactory(duration_seconds=30.0)

    short = report(auth_client, video, 3)
    long = report(auth_client, video, 20)

    assert short.json() == {"counted": False, "view_count": 0}
    assert long.json() == {"counted": True, "view_count": 1}


@pytest.mark.django_db
def test_views_of_a_video_that_is_not_ready_are_not_counted(make_auth_client):
    owner = UserFactory()
    video = VideoFactory(
        owner=owner, status=Video.Status.PROCESSING, duration_seconds=None, published_at=None
    )

    response = report(make_auth_client(owner), video, 20)

    assert (response.status_code, response.json()) == (200, {"counted": False, "view_count": 0})
    assert VideoView.objects.count() == 0
    assert WatchHistoryEntry.objects.count() == 0


# -- anonymous viewers -------------------------------------------------------------------


@pytest.mark.django_db
def test_anonymous_views_are_deduplicated_by_client_key_and_address():
    video = VideoFactory(duration_seconds=30.0)
    client = APIClient()

    first = report(client, video, 15, HTTP_X_CLIENT_KEY="phone-1", REMOTE_ADDR="198.51.100.1")
    again = report(client, video, 15, HTTP_X_CLIENT_KEY="phone-1", REMOTE_ADDR="198.51.100.1")
    other_key = report(client, video, 15, HTTP_X_CLIENT_KEY="phone-2", REMOTE_ADDR="198.51.100.1")
    other_address = report(
        client, video, 15, HTTP_X_CLIENT_KEY="phone-1", REMOTE_ADDR="198.51.100.2"
    )
    no_key = report(client, video, 15, REMOTE_ADDR="198.51.100.1")
    no_key_again = report(client, video, 15, REMOTE_ADDR="198.51.100.1")

    assert [r.json()["counted"] for r in (first, again, other_key, other_address)] == [
        True,
        False,
        True,
        True,
    ]
    assert [no_key.json()["counted"], no_key_again.json()["counted"]] == [True, False]
    assert no_key_again.json()["view_count"] == 4
    assert VideoView.objects.filter(viewer__isnull=True).count() == 4


@pytest.mark.django_db
def test_an_anonymous_viewer_key_is_a_keyed_digest_that_names_no_address(settings):
    key = video_viewer_key(user=None, client_key="phone-1", client_address="198.51.100.1")

    assert len(key) == 64 and int(key, 16) >= 0
    assert "198.51.100.1" not in key
    assert key == video_viewer_key(user=None, client_key="phone-1", client_address="198.51.100.1")
    settings.SECRET_KEY = "another-secret-" + "y" * 40
    assert key != video_viewer_key(user=None, client_key="phone-1", client_address="198.51.100.1")


@pytest.mark.django_db
def test_a_signed_in_viewer_is_their_id_whatever_the_client_key(auth_client, user):
    video = VideoFactory(duration_seconds=30.0)

    first = report(auth_client, video, 15, HTTP_X_CLIENT_KEY="a", REMOTE_ADDR="198.51.100.1")
    second = report(auth_client, video, 15, HTTP_X_CLIENT_KEY="b", REMOTE_ADDR="198.51.100.2")

    assert [first.json()["counted"], second.json()["counted"]] == [True, False]
    assert VideoView.objects.get().viewer_key == str(user.pk)


# -- who may report ----------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("visibility", [V.PRIVATE, V.FOLLOWERS])
def test_a_video_the_caller_may_not_see_is_404(make_auth_client, visibility):
    video = VideoFactory(visibility=visibility, duration_seconds=30.0)

    for client in (APIClient(), make_auth_client(UserFactory())):
        response = report(client, video, 15)
        assert error_status_attr(response) == (404, "not_found", None)
    assert Video.objects.get(pk=video.pk).view_count == 0
    assert VideoView.objects.count() == 0


@pytest.mark.django_db
def test_an_unlisted_video_can_be_viewed_by_anyone_with_its_id():
    video = VideoFactory(visibility=V.UNLISTED, duration_seconds=30.0)

    response = report(APIClient(), video, 15)

    assert (response.status_code, response.json()) == (200, {"counted": True, "view_count": 1})


@pytest.mark.django_db
@pytest.mark.parametrize("video_id", ["not-a-uuid", "00000000-0000-0000-0000-000000000000"])
def test_unknown_videos_are_404(api_client, video_id):
    response = api_client.post(f"/api/v1/videos/{video_id}/views/", {"watched_seconds": 15})
    assert error_status_attr(response) == (404, "not_found", None)


@pytest.mark.django_db
def test_the_owner_and_staff_may_report_views_of_a_private_video(make_auth_client):
    owner = UserFactory()
    video = VideoFactory(owner=owner, visibility=V.PRIVATE, duration_seconds=30.0)

    assert report(make_auth_client(owner), video, 15).json() == {"counted": True, "view_count": 1}
    staff_response = report(make_auth_client(ModeratorFactory()), video, 15)
    assert staff_response.json() == {"counted": True, "view_count": 2}


# -- bad input ---------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({}, "required"),
        ({"watched_seconds": None}, "null"),
        ({"watched_seconds": "twelve"}, "invalid"),
        ({"watched_seconds": True}, "invalid"),
        ({"watched_seconds": [12]}, "invalid"),
        ({"watched_seconds": {"s": 12}}, "invalid"),
        ({"watched_seconds": "1e400"}, "invalid"),  # infinite
        ({"watched_seconds": "nan"}, "invalid"),
        ({"watched_seconds": -0.5}, "min_value"),
        ({"watched_seconds": 24 * 3600 + 1}, "max_value"),
    ],
)
def test_bad_bodies_are_400(auth_client, body, code):
    video = VideoFactory(duration_seconds=None)

    response = auth_client.post(views_url(video), body, format="json")

    assert error_status_attr(response) == (400, code, "watched_seconds")
    assert VideoView.objects.count() == 0
    assert WatchHistoryEntry.objects.count() == 0


@pytest.mark.django_db
def test_watched_seconds_may_exceed_the_duration_by_a_minute_only(auth_client):
    video = VideoFactory(duration_seconds=12.0)

    too_long = report(auth_client, video, 72.5)
    just_right = report(auth_client, video, 72)

    assert error_status_attr(too_long) == (400, "max_value", "watched_seconds")
    assert just_right.json() == {"counted": True, "view_count": 1}


@pytest.mark.django_db
def test_a_body_that_is_not_json_or_not_an_object_is_400(auth_client):
    video = VideoFactory(duration_seconds=30.0)

    not_json = auth_client.post(
        views_url(video), '{"watched_seconds": NaN}', content_type="application/json"
    )
    a_list = auth_client.post(views_url(video), [15], format="json")

    assert error_status_attr(not_json)[:2] == (400, "parse_error")
    assert error_status_attr(a_list) == (400, "invalid", "non_field_errors")


@pytest.mark.django_db
def test_a_client_key_over_64_characters_is_400(api_client):
    video = VideoFactory(duration_seconds=30.0)

    response = report(api_client, video, 15, HTTP_X_CLIENT_KEY="k" * 65)
    fits = report(api_client, video, 15, HTTP_X_CLIENT_KEY="k" * 64)

    assert error_status_attr(response) == (400, "max_length", "client_key")
    assert fits.json() == {"counted": True, "view_count": 1}


@pytest.mark.django_db
def test_reports_are_json_only_as_the_schema_says(auth_client):
    video = VideoFactory(duration_seconds=30.0)

    response = auth_client.post(views_url(video), {"watched_seconds": "15"}, format="multipart")

    assert error_status_attr(response) == (415, "unsupported_media_type", None)


# -- concurrency -------------------------------------------------------------------------


def _record_at_once(video: Video, viewer_keys: list[str], user=None) -> list[bool]:
    """Record one view per key (by `user`, or anonymous), all threads released
    together; returns whether each was counted."""
    barrier = threading.Barrier(len(viewer_keys))
    outcomes: list[bool] = []
    errors: list[BaseException] = []

    def watch(key: str) -> None:
        try:
            barrier.wait()
            outcomes.append(
                video_view_record(
                    video=video, viewer_key=key, user=user, watched_seconds=15
                ).counted
            )
        except BaseException as error:  # reported below, in the test's thread
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=watch, args=(key,)) for key in viewer_keys]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    return outcomes


@pytest.mark.django_db(transaction=True)
def test_concurrent_views_of_different_viewers_are_all_counted():
    video = VideoFactory(duration_seconds=30.0)
    viewers = 8

    outcomes = _record_at_once(video, [f"viewer-{n}" for n in range(viewers)])

    assert outcomes == [True] * viewers
    assert Video.objects.get(pk=video.pk).view_count == viewers
    assert VideoView.objects.filter(video=video).count() == viewers


@pytest.mark.django_db(transaction=True)
def test_concurrent_views_of_one_viewer_count_once():
    video = VideoFactory(duration_seconds=30.0)

    outcomes = _record_at_once(video, ["the-same-viewer"] * 6)

    assert sorted(outcomes) == [False] * 5 + [True]
    assert Video.objects.get(pk=video.pk).view_count == 1
    assert VideoView.objects.filter(video=video).count() == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_views_of_one_user_make_one_history_entry():
    video = VideoFactory(duration_seconds=30.0)
    viewer = UserFactory()

    outcomes = _record_at_once(video, [video_viewer_key(user=viewer)] * 6, user=viewer)

    assert sorted(outcomes) == [False] * 5 + [True]
    assert WatchHistoryEntry.objects.filter(user=viewer, video=video).count() == 1
    assert Video.objects.get(pk=video.pk).view_count == 1


# -- statements --------------------------------------------------------------------------
# The same count on both databases: inside a test's transaction, the service's own is a
# SAVEPOINT and its RELEASE.


@pytest.mark.django_db
def test_an_anonymous_counted_view_costs_six_statements(django_assert_num_queries):
    video = VideoFactory(duration_seconds=30.0)

    # the video if they may see it; SAVEPOINT, the view (inserted unless counted this
    # hour), the count (moved and read back), the hour's activity; RELEASE
    with django_assert_num_queries(6):
        response = report(APIClient(), video, 30, HTTP_X_CLIENT_KEY="a-client")

    assert response.json() == {"counted": True, "view_count": 1}


def test_a_signed_in_counted_view_costs_eight_statements(auth_client, django_assert_num_queries):
    video = VideoFactory(duration_seconds=30.0)

    # authentication, the video if they may see it; SAVEPOINT, the view, the count,
    # the hour's activity, the history entry (inserted or updated in one upsert);
    # RELEASE
    with django_assert_num_queries(8):
        response = report(auth_client, video, 30)

    assert response.json() == {"counted": True, "view_count": 1}


def test_a_view_counted_already_this_hour_costs_seven_statements(
    auth_client, user, django_assert_num_queries
):
    video = VideoFactory(duration_seconds=30.0)
    report(auth_client, video, 30)

    # authentication, the video if they may see it; SAVEPOINT, the view (skipped:
    # counted this hour), the history entry, the count; RELEASE
    with django_assert_num_queries(7):
        response = report(auth_client, video, 25)

    assert response.json() == {"counted": False, "view_count": 1}
    assert WatchHistoryEntry.objects.get(user=user, video=video).watched_seconds == 25
