"""Followers told about streams: `live_started` once per broadcast and `stream_reminder`
once per schedule, only to the followers who may see the stream, as their preferences
say; and the creator's `gift_received`."""

from datetime import timedelta
from io import StringIO

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command
from django.utils import timezone

from accounts.models import User
from core.tasks import task_by_name
from livestream.models import Stream, StreamReminder, StreamSession
from livestream.services.gifts import gift_send
from livestream.services.notices import stream_live_announce, stream_reminders_send
from livestream.services.streams import stream_publish_stop, stream_update
from notifications.models import Notification, NotificationPreference, NotificationType
from payments.services.subscriptions import subscription_create
from tests.accounts.factories import UserFactory
from tests.livestream.factories import GiftFactory, StreamFactory
from tests.payments.factories import CreatorFactory, CreatorTierFactory, wallet_fund

pytestmark = pytest.mark.django_db

LIVE = NotificationType.LIVE_STARTED
REMINDER = NotificationType.STREAM_REMINDER
NOW = timezone.now().replace(microsecond=0)


@pytest.fixture
def owner(db):
    return CreatorFactory(username="owner")


@pytest.fixture
def followers(graph, owner):
    ana, bob = UserFactory(username="ana"), UserFactory(username="bob")
    graph.follow(ana, owner)
    graph.follow(bob, owner)
    UserFactory(username="stranger")
    return ana, bob


def told(type: str) -> list[str]:
    return sorted(
        Notification.objects.filter(type=type).values_list("recipient__username", flat=True)
    )


@pytest.fixture
def go_live(media_server, django_capture_on_commit_callbacks):
    """Publish `key` through the nginx hook, running what its commit queues."""

    def publish(key: str):
        with django_capture_on_commit_callbacks(execute=True):
            return media_server.publish(key)

    return publish


# -- live_started -----------------------------------------------------------------------


def test_going_live_tells_the_followers_once_per_broadcast(
    owner, followers, go_live, media_server, make_auth_client, django_capture_on_commit_callbacks
):
    stream = StreamFactory(owner=owner, key="the-key", title="Evening show")

    assert go_live("the-key").status_code == 302
    assert told(LIVE) == ["ana", "bob"]
    session = StreamSession.objects.get(stream=stream)
    notification = Notification.objects.filter(type=LIVE).first()
    assert (notification.actor, notification.target) == (owner, session)
    assert notification.data == {"stream_id": str(stream.pk), "stream_title": "Evening show"}
    inbox = make_auth_client(followers[0]).get("/api/v1/notifications/").json()["results"]
    assert inbox[0]["text"] == "owner is live: Evening show"
    assert inbox[0]["target"] == {"type": "streamsession", "id": str(session.pk)}

    # A retried publish while live is refused; announcing the session again tells nobody.
    assert go_live("the-key").status_code == 403
    with django_capture_on_commit_callbacks(execute=True):
        stream_live_announce(stream=stream, session=session)
    assert told(LIVE) == ["ana", "bob"]

    # The next broadcast is news again.
    media_server.publish_done(stream.public_id)
    go_live("the-key")
    assert told(LIVE) == ["ana", "ana", "bob", "bob"]


def test_followers_who_turned_live_started_off_are_not_told(owner, followers, go_live):
    NotificationPreference.objects.create(user=followers[0], type=LIVE, in_app=False)
    StreamFactory(owner=owner, key="the-key")

    go_live("the-key")

    assert told(LIVE) == ["bob"]


def test_followers_who_block_or_are_blocked_are_not_told(graph, owner, followers, go_live):
    graph.block(owner, followers[0])
    StreamFactory(owner=owner, key="the-key")

    go_live("the-key")

    assert told(LIVE) == ["bob"]


@pytest.mark.parametrize(
    ("visibility", "expected"),
    [
        ("public", ["ana", "bob"]),
        ("followers", ["ana", "bob"]),
        ("subscribers", ["bob"]),  # bob subscribes; the subscriber who does not follow: no
        ("unlisted", []),
        ("private", []),
    ],
)
def test_only_followers_who_may_see_the_stream_are_told(
    owner, followers, go_live, visibility, expected
):
    tier = CreatorTierFactory(creator=owner, price=10)
    for fan in (followers[1], UserFactory(username="subscriber")):
        wallet_fund(fan, 10)
        subscription_create(subscriber=fan, tier=tier)
    StreamFactory(owner=owner, key="the-key", visibility=visibility)

    go_live("the-key")

    assert told(LIVE) == expected


# -- stream_reminder --------------------------------------------------------------------


def remind(now, django_capture_on_commit_callbacks) -> int:
    with django_capture_on_commit_callbacks(execute=True):
        return stream_reminders_send(now=now)


def test_followers_are_reminded_ten_minutes_before_and_once(
    owner, followers, make_auth_client, django_capture_on_commit_callbacks
):
    stream = StreamFactory(owner=owner, title="Show", scheduled_for=NOW + timedelta(minutes=15))

    assert remind(NOW, django_capture_on_commit_callbacks) == 0  # 15 minutes ahead: not yet
    assert remind(NOW + timedelta(minutes=5), django_capture_on_commit_callbacks) == 1
    assert told(REMINDER) == ["ana", "bob"]
    reminder = StreamReminder.objects.get()
    assert (reminder.stream, reminder.scheduled_for) == (stream, stream.scheduled_for)
    notification = Notification.objects.filter(type=REMINDER).first()
    assert notification.target == reminder
    assert notification.data["stream_id"] == str(stream.pk)
    inbox = make_auth_client(followers[0]).get("/api/v1/notifications/").json()["results"]
    assert inbox[0]["text"] == "owner goes live in 10 minutes: Show"

    # Reruns, a minute apart or at once, remind nobody again.
    assert remind(NOW + timedelta(minutes=6), django_capture_on_commit_callbacks) == 0
    assert remind(NOW + timedelta(minutes=6), django_capture_on_commit_callbacks) == 0
    assert told(REMINDER) == ["ana", "bob"]


def test_a_moved_schedule_is_reminded_again(owner, followers, django_capture_on_commit_callbacks):
    stream = StreamFactory(owner=owner, scheduled_for=NOW + timedelta(minutes=5))
    remind(NOW, django_capture_on_commit_callbacks)

    stream_update(stream=stream, scheduled_for=NOW + timedelta(hours=1))
    assert remind(NOW + timedelta(minutes=30), django_capture_on_commit_callbacks) == 0
    assert remind(NOW + timedelta(minutes=52), django_capture_on_commit_callbacks) == 1

    assert told(REMINDER) == ["ana", "ana", "bob", "bob"]
    assert StreamReminder.objects.filter(stream=stream).count() == 2


@pytest.mark.parametrize(
    ("change", "visibility"),
    [
        ({"scheduled_for": NOW - timedelta(minutes=1)}, "public"),  # already past
        ({"scheduled_for": None}, "public"),
        ({"status": Stream.Status.LIVE}, "public"),
        ({"status": Stream.Status.ENDED}, "public"),
        ({}, "private"),
        ({}, "unlisted"),
        ({"owner_status": "suspended"}, "public"),
    ],
)
def test_streams_not_due_or_not_for_followers_remind_nobody(
    owner, followers, django_capture_on_commit_callbacks, change, visibility
):
    if change.get("owner_status"):
        User.objects.filter(pk=owner.pk).update(status=change["owner_status"])
    change = {name: value for name, value in change.items() if name != "owner_status"}
    StreamFactory(
        owner=owner,
        visibility=visibility,
        **{"scheduled_for": NOW + timedelta(minutes=5), **change},
    )

    remind(NOW, django_capture_on_commit_callbacks)

    assert told(REMINDER) == []


def test_followers_who_turned_reminders_off_are_not_reminded(
    owner, followers, django_capture_on_commit_callbacks
):
    NotificationPreference.objects.create(user=followers[1], type=REMINDER, in_app=False)
    StreamFactory(owner=owner, scheduled_for=NOW + timedelta(minutes=5))

    remind(NOW, django_capture_on_commit_callbacks)

    assert told(REMINDER) == ["ana"]


def test_the_command_and_the_periodic_task_send_the_due_reminders(
    owner, followers, django_capture_on_commit_callbacks
):
    StreamFactory(owner=owner, scheduled_for=timezone.now() + timedelta(minutes=5))
    out = StringIO()

    with django_capture_on_commit_callbacks(execute=True):
        call_command("send_stream_reminders", stdout=out)
    call_command("send_stream_reminders", stdout=out)

    assert out.getvalue().splitlines() == [
        "Stream reminders: 1 stream(s) due.",
        "Stream reminders: 0 stream(s) due.",
    ]
    assert told(REMINDER) == ["ana", "bob"]
    schedule = django_settings.CELERY_BEAT_SCHEDULE["livestream-reminders-send"]
    assert schedule["schedule"] == timedelta(minutes=1)
    task_by_name(schedule["task"]).apply()  # runs; nothing is due any more
    assert told(REMINDER) == ["ana", "bob"]


# -- gift_received ----------------------------------------------------------------------


def test_a_creator_who_turned_gift_received_off_is_not_told(owner, go_live):
    NotificationPreference.objects.create(user=owner, type="gift_received", in_app=False)
    stream = StreamFactory(owner=owner, key="the-key")
    go_live("the-key")
    viewer = UserFactory()
    wallet_fund(viewer, 10)

    gift_send(sender=viewer, stream_id=stream.pk, gift_id=GiftFactory(coins=10).pk, quantity=1)

    assert not Notification.objects.filter(recipient=owner).exists()


def test_the_session_ends_and_gifts_keep_their_notification(owner, go_live, media_server):
    stream = StreamFactory(owner=owner, key="the-key")
    go_live("the-key")
    viewer = UserFactory()
    wallet_fund(viewer, 10)
    gift_send(sender=viewer, stream_id=stream.pk, gift_id=GiftFactory(coins=10).pk, quantity=1)

    assert stream_publish_stop(name=stream.public_id)

    notification = Notification.objects.get(recipient=owner)
    assert (notification.type, notification.target) == ("gift_received", stream)
