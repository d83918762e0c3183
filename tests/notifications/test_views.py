"""The notification endpoints: the inbox, reading, deleting and preferences."""

import pytest
from django.urls import reverse

from notifications.models import Notification, NotificationPreference, NotificationType
from notifications.services import notification_mark_read, notify
from tests.accounts.factories import ModeratorFactory, UserFactory
from tests.notifications.factories import block
from tests.videos.factories import VideoFactory

pytestmark = pytest.mark.django_db
Type = NotificationType
LIST_URL = reverse("notification-list")
UNREAD_COUNT_URL = reverse("notification-unread-count")
READ_ALL_URL = reverse("notification-read-all")
PREFERENCES_URL = reverse("notification-preferences")


def detail_url(notification) -> str:
    return reverse("notification-detail", args=[notification.pk])


def read_url(notification) -> str:
    return reverse("notification-read", args=[notification.pk])


def like(video, actor):
    return notify(recipient=video.owner, actor=actor, type=Type.VIDEO_LIKE, target=video)


@pytest.fixture
def owner(db):
    return UserFactory(username="owner")


@pytest.fixture
def owner_client(make_auth_client, owner):
    return make_auth_client(owner)


@pytest.fixture
def liked(owner):
    """A notification of `owner`'s: ana and bob liked their video."""
    video = VideoFactory(owner=owner)
    like(video, UserFactory(username="bob"))
    return like(video, UserFactory(username="ana"))


# -- the list ------------------------------------------------------------------------


def test_the_list_shows_each_notification(owner_client, liked):
    response = owner_client.get(LIST_URL)

    assert response.status_code == 200
    [item] = response.json()["results"]
    ana = liked.actor
    assert item == {
        "id": str(liked.pk),
        "type": "video_like",
        "actor": item["actor"] | {"id": str(ana.pk), "username": "ana"},
        "actor_count": 2,
        "latest_actors": [
            {"id": str(ana.pk), "username": "ana"},
            {"id": liked.latest_actors[1]["id"], "username": "bob"},
        ],
        "target": {"type": "video", "id": str(liked.target_object_id)},
        "data": {},
        "text": "ana and 1 other liked your video",
        "read": False,
        "read_at": None,
        "created_at": item["created_at"],
        "updated_at": item["updated_at"],
    }
    assert "email" not in item["actor"]  # public fields only


def test_a_system_notification_has_no_actor(owner_client, owner):
    video = VideoFactory(owner=owner, title="Trip")
    notify(
        recipient=owner,
        actor=None,
        type=Type.VIDEO_FAILED,
        target=video,
        data={"video_title": "Trip"},
    )

    [item] = owner_client.get(LIST_URL).json()["results"]

    assert item["actor"] is None
    assert item["latest_actors"] == []
    assert item["text"] == 'Your video "Trip" could not be processed'


def test_the_list_is_newest_first_and_paginates(owner_client, owner):
    made = [notify(recipient=owner, actor=UserFactory(), type=Type.MENTION) for _ in range(3)]

    first = owner_client.get(LIST_URL, {"page_size": 2}).json()
    second = owner_client.get(first["next"]).json()

    ids = [item["id"] for item in first["results"] + second["results"]]
    assert ids == [str(n.pk) for n in reversed(made)]
    assert second["next"] is None


def test_the_list_shows_only_the_callers_notifications(make_auth_client, liked):
    stranger_client = make_auth_client(UserFactory())

    assert stranger_client.get(LIST_URL).json()["results"] == []


def test_the_list_leaves_out_notifications_from_users_blocked_since(owner_client, owner, liked):
    block(owner, liked.actor)

    assert owner_client.get(LIST_URL).json()["results"] == []
    assert owner_client.get(UNREAD_COUNT_URL).json() == {"count": 0}


def test_the_list_filters_unread_and_type(owner_client, owner, liked):
    mention = notify(recipient=owner, actor=UserFactory(), type=Type.MENTION)
    notification_mark_read(notification=mention)

    def ids(**params):
        return [item["id"] for item in owner_client.get(LIST_URL, params).json()["results"]]

    assert ids(unread="true") == [str(liked.pk)]
    assert ids(unread="false") == [str(mention.pk)]
    assert ids(type="mention") == [str(mention.pk)]
    assert ids(type="video_like", unread="false") == []


@pytest.mark.parametrize(
    ("params", "attr"),
    [({"unread": "maybe"}, "unread"), ({"type": "poke"}, "type")],
)
def test_bad_filters_answer_400_invalid_choice(owner_client, params, attr):
    response = owner_client.get(LIST_URL, params)

    assert response.status_code == 400
    assert response.json()["errors"][0]["code"] == "invalid_choice"
    assert response.json()["errors"][0]["attr"] == attr


@pytest.mark.parametrize(
    ("params", "code"),
    [({"cursor": "x"}, "invalid_cursor"), ({"page_size": "0"}, "invalid_page_size")],
)
def test_bad_pagination_answers_400(owner_client, params, code):
    response = owner_client.get(LIST_URL, params)

    assert response.status_code == 400
    assert response.json()["errors"][0]["code"] == code


@pytest.mark.parametrize("page_size", [1, 20])
def test_the_list_costs_the_same_queries_at_any_page_size(
    owner_client, owner, django_assert_num_queries, page_size
):
    for _ in range(25):
        video = VideoFactory(owner=owner)
        like(video, UserFactory())
        like(video, UserFactory())
    notify(recipient=owner, actor=None, type=Type.VIDEO_PROCESSED, target=video)

    with django_assert_num_queries(2):  # the session and its user, the page
        response = owner_client.get(LIST_URL, {"page_size": page_size})

    assert len(response.json()["results"]) == page_size


# -- unread count, read, read all ----------------------------------------------------


def test_unread_count(owner_client, owner, liked):
    notify(recipient=owner, actor=UserFactory(), type=Type.MENTION)
    notification_mark_read(notification=liked)

    response = owner_client.get(UNREAD_COUNT_URL)

    assert response.status_code == 200
    assert response.json() == {"count": 1}


def test_reading_a_notification(owner_client, liked):
    response = owner_client.post(read_url(liked))

    assert response.status_code == 200
    assert response.json()["id"] == str(liked.pk)
    assert response.json()["read"] is True
    liked.refresh_from_db()
    assert response.json()["read_at"] is not None
    assert liked.read_at is not None


def test_reading_twice_keeps_the_first_time(owner_client, liked):
    first = owner_client.post(read_url(liked)).json()["read_at"]

    assert owner_client.post(read_url(liked)).json()["read_at"] == first


def test_reading_does_not_move_the_notification(owner_client, owner, liked):
    later = notify(recipient=owner, actor=UserFactory(), type=Type.MENTION)

    owner_client.post(read_url(liked))

    ids = [item["id"] for item in owner_client.get(LIST_URL).json()["results"]]
    assert ids == [str(later.pk), str(liked.pk)]


def test_read_all(owner_client, owner, liked, make_auth_client):
    notify(recipient=owner, actor=UserFactory(), type=Type.MENTION)
    others = notify(recipient=UserFactory(), actor=UserFactory(), type=Type.MENTION)

    response = owner_client.post(READ_ALL_URL)

    assert response.status_code == 200
    assert response.json() == {"updated": 2}
    assert owner_client.get(UNREAD_COUNT_URL).json() == {"count": 0}
    assert owner_client.post(READ_ALL_URL).json() == {"updated": 0}
    others.refresh_from_db()
    assert others.read_at is None


def test_deleting_a_notification(owner_client, liked):
    response = owner_client.delete(detail_url(liked))

    assert response.status_code == 204
    assert not Notification.objects.filter(pk=liked.pk).exists()


# -- permission matrix ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("get", LIST_URL),
        ("get", UNREAD_COUNT_URL),
        ("post", READ_ALL_URL),
        ("get", PREFERENCES_URL),
        ("patch", PREFERENCES_URL),
        ("post", "read"),
        ("delete", "detail"),
    ],
)
def test_anonymous_callers_get_401(api_client, liked, method, url):
    url = {"read": read_url(liked), "detail": detail_url(liked)}.get(url, url)

    assert getattr(api_client, method)(url).status_code == 401


@pytest.mark.parametrize("caller", ["stranger", "actor", "staff"])
@pytest.mark.parametrize("method", ["read", "delete"])
def test_someone_elses_notification_is_404(make_auth_client, liked, caller, method):
    user = {"stranger": UserFactory(), "actor": liked.actor, "staff": ModeratorFactory()}[caller]
    client = make_auth_client(user)

    if method == "read":
        response = client.post(read_url(liked))
    else:
        response = client.delete(detail_url(liked))

    assert response.status_code == 404
    assert response.json()["errors"][0]["code"] == "not_found"
    liked.refresh_from_db()
    assert liked.read_at is None


def test_a_notification_from_a_blocked_user_is_404(owner_client, owner, liked):
    block(liked.actor, owner)

    assert owner_client.post(read_url(liked)).status_code == 404


@pytest.mark.parametrize("pk", ["not-a-uuid", "3f2b8c1e-8d4a-4c55-9a0e-5b7f1d2c6e90"])
def test_an_unknown_notification_is_404(owner_client, pk):
    assert owner_client.post(reverse("notification-read", args=[pk])).status_code == 404
    assert owner_client.delete(reverse("notification-detail", args=[pk])).status_code == 404


# -- preferences ---------------------------------------------------------------------


def test_preferences_default_for_every_type(owner_client):
    response = owner_client.get(PREFERENCES_URL)

    assert response.status_code == 200
    emailed = {
        "new_follower",
        "follow_request",
        "mention",
        "comment_reply",
        "video_failed",
        "tip_received",
        "new_subscriber",
        "subscription_past_due",
        "subscription_expired",
        "subscription_ended",
        "payout_paid",
        "payout_rejected",
        "ad_creative_reviewed",
    }
    assert response.json() == {
        "preferences": [
            {"type": type_, "in_app": True, "email": type_ in emailed}
            for type_ in NotificationType.values
        ]
    }


def test_patching_preferences_changes_only_what_is_given(owner_client, owner):
    response = owner_client.patch(
        PREFERENCES_URL,
        {
            "preferences": [
                {"type": "video_like", "email": True},
                {"type": "mention", "in_app": False},
            ]
        },
    )

    assert response.status_code == 200
    by_type = {item["type"]: item for item in response.json()["preferences"]}
    assert by_type["video_like"] == {"type": "video_like", "in_app": True, "email": True}
    assert by_type["mention"] == {"type": "mention", "in_app": False, "email": True}
    assert by_type["comment_like"] == {"type": "comment_like", "in_app": True, "email": False}
    assert owner_client.get(PREFERENCES_URL).json() == response.json()

    owner_client.patch(PREFERENCES_URL, {"preferences": [{"type": "mention", "email": False}]})
    assert NotificationPreference.objects.get(user=owner, type="mention").in_app is False


def test_preferences_are_per_user(owner_client, make_auth_client):
    owner_client.patch(PREFERENCES_URL, {"preferences": [{"type": "mention", "in_app": False}]})

    other = make_auth_client(UserFactory()).get(PREFERENCES_URL).json()["preferences"]
    assert {"type": "mention", "in_app": True, "email": True} in other


@pytest.mark.parametrize(
    ("body", "code", "attr"),
    [
        (
            {"preferences": [{"type": "poke", "email": True}]},
            "invalid_choice",
            "preferences.0.type",
        ),
        ({"preferences": [{"email": True}]}, "required", "preferences.0.type"),
        (
            {"preferences": [{"type": "mention", "email": "sometimes"}]},
            "invalid",
            "preferences.0.email",
        ),
        ({"preferences": []}, "empty", "preferences.non_field_errors"),
        ({"preferences": {"type": "mention"}}, "not_a_list", "preferences.non_field_errors"),
        ({}, "required", "preferences"),
    ],
)
def test_bad_preferences_answer_400(owner_client, owner, body, code, attr):
    response = owner_client.patch(PREFERENCES_URL, body)

    assert response.status_code == 400
    assert response.json()["errors"][0]["code"] == code
    assert response.json()["errors"][0]["attr"] == attr
    assert NotificationPreference.objects.filter(user=owner).count() == 0
