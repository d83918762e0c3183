"""`notify`: who is told, grouping, preferences and the email."""

import threading
from datetime import timedelta

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core import mail
from django.db import connection
from django.utils import timezone

from accounts.models import User
from notifications.models import Notification, NotificationPreference, NotificationType
from notifications.services import GROUP_WINDOW, notification_mark_read, notify
from tests.accounts.factories import UserFactory
from tests.notifications.factories import block
from tests.videos.factories import VideoFactory

pytestmark = pytest.mark.django_db
Type = NotificationType


def like(video, actor, **kwargs):
    return notify(recipient=video.owner, actor=actor, type=Type.VIDEO_LIKE, target=video, **kwargs)


# -- who is told ---------------------------------------------------------------------


def test_a_notification_records_the_event():
    video = VideoFactory()
    ana = UserFactory(username="ana")

    notification = like(video, ana, data={"video_title": video.title})

    assert notification.recipient == video.owner
    assert notification.actor == ana
    assert notification.type == Type.VIDEO_LIKE
    assert notification.target == video
    assert notification.target_content_type == ContentType.objects.get_for_model(video)
    assert notification.data == {"video_title": video.title}
    assert notification.actor_count == 1
    assert notification.latest_actors == [{"id": str(ana.pk), "username": "ana"}]
    assert notification.read_at is None


def test_nobody_is_notified_of_their_own_action():
    video = VideoFactory()

    assert like(video, video.owner) is None
    assert Notification.objects.count() == 0


@pytest.mark.parametrize("blocker", ["recipient", "actor"])
def test_nothing_comes_from_a_blocked_user_either_way(blocker):
    video = VideoFactory()
    actor = UserFactory()
    if blocker == "recipient":
        block(video.owner, actor)
    else:
        block(actor, video.owner)

    assert like(video, actor) is None
    assert Notification.objects.count() == 0


@pytest.mark.parametrize(
    "status",
    [User.Status.SUSPENDED, User.Status.BANNED, User.Status.DEACTIVATED, User.Status.DELETED],
)
def test_nothing_goes_to_a_recipient_who_may_not_sign_in(status):
    video = VideoFactory(owner=UserFactory(status=status))

    assert like(video, UserFactory()) is None
    assert Notification.objects.count() == 0


def test_a_pending_recipient_is_notified_unless_verification_is_required(settings):
    video = VideoFactory(owner=UserFactory(status=User.Status.PENDING))
    assert like(video, UserFactory()) is not None

    settings.ACCOUNTS_REQUIRE_EMAIL_VERIFICATION = True
    assert like(VideoFactory(owner=video.owner), UserFactory()) is None


def test_system_notifications_have_no_actor():
    video = VideoFactory()

    notification = notify(
        recipient=video.owner, actor=None, type=Type.VIDEO_PROCESSED, target=video
    )

    assert notification.actor is None
    assert notification.latest_actors == []
    assert notification.actor_count == 1


def test_an_unknown_type_is_a_programming_error():
    with pytest.raises(ValueError):
        notify(recipient=UserFactory(), actor=UserFactory(), type="poke")


# -- grouping ------------------------------------------------------------------------


def test_likes_of_one_video_collapse_into_one_notification_most_recent_actor_first():
    video = VideoFactory()
    actors = [UserFactory(username=name) for name in ("ana", "bob", "cy", "dee")]

    first = like(video, actors[0])
    for actor in actors[1:]:
        grouped = like(video, actor)

    assert grouped.pk == first.pk
    assert Notification.objects.count() == 1
    grouped.refresh_from_db()
    assert grouped.actor_count == 4
    assert grouped.actor == actors[3]
    assert [item["username"] for item in grouped.latest_actors] == ["dee", "cy", "bob"]
    assert grouped.updated_at > first.updated_at


def test_the_same_actor_twice_is_counted_once_and_moves_first():
    video = VideoFactory()
    ana, bob = UserFactory(username="ana"), UserFactory(username="bob")

    like(video, ana)
    like(video, bob)
    grouped = like(video, ana)

    assert grouped.actor_count == 2
    assert [item["username"] for item in grouped.latest_actors] == ["ana", "bob"]


def test_an_actor_pushed_out_of_the_latest_three_is_still_counted_once():
    video = VideoFactory()
    a, b, c, d = (UserFactory(username=name) for name in ("a", "b", "c", "d"))

    for actor in (a, b, c, d, a):
        grouped = like(video, actor)

    assert Notification.objects.count() == 1
    assert grouped.actor_count == 4
    assert [item["username"] for item in grouped.latest_actors] == ["a", "d", "c"]


def test_a_grouped_notification_moves_to_the_top_of_the_inbox():
    owner = UserFactory()
    first, second = VideoFactory(owner=owner), VideoFactory(owner=owner)
    like(first, UserFactory())
    like(second, UserFactory())

    like(first, UserFactory())

    assert [n.target_object_id for n in Notification.objects.filter(recipient=owner)] == [
        first.pk,
        second.pk,
    ]


def test_different_targets_and_types_make_different_notifications():
    owner = UserFactory()
    first, second = VideoFactory(owner=owner), VideoFactory(owner=owner)
    ana = UserFactory()

    like(first, ana)
    like(second, ana)
    notify(recipient=owner, actor=ana, type=Type.VIDEO_COMMENT, target=first)

    assert Notification.objects.filter(recipient=owner).count() == 3


def test_new_followers_group_without_a_target():
    owner = UserFactory()
    for _ in range(3):
        notification = notify(recipient=owner, actor=UserFactory(), type=Type.NEW_FOLLOWER)

    assert Notification.objects.count() == 1
    assert notification.actor_count == 3


@pytest.mark.parametrize("type_", [Type.MENTION, Type.FOLLOW_REQUEST, Type.VIDEO_PROCESSED])
def test_types_that_ask_for_attention_one_by_one_never_group(type_):
    video = VideoFactory()
    notify(recipient=video.owner, actor=UserFactory(), type=type_, target=video)
    notify(recipient=video.owner, actor=UserFactory(), type=type_, target=video)

    assert Notification.objects.count() == 2


def test_a_group_older_than_the_window_takes_no_more_actors():
    video = VideoFactory()
    first = like(video, UserFactory())
    Notification.objects.filter(pk=first.pk).update(
        created_at=timezone.now() - GROUP_WINDOW - timedelta(seconds=1)
    )

    second = like(video, UserFactory())

    assert second.pk != first.pk
    assert second.actor_count == 1
    first.refresh_from_db()
    assert first.actor_count == 1
    assert first.group_key is None


def test_a_group_within_the_window_still_takes_actors():
    video = VideoFactory()
    first = like(video, UserFactory())
    Notification.objects.filter(pk=first.pk).update(
        created_at=timezone.now() - GROUP_WINDOW + timedelta(minutes=1)
    )

    assert like(video, UserFactory()).pk == first.pk


def test_a_read_notification_starts_a_new_group():
    video = VideoFactory()
    first = like(video, UserFactory())
    notification_mark_read(notification=first)

    second = like(video, UserFactory())

    assert second.pk != first.pk
    assert second.actor_count == 1
    assert second.read_at is None


def _at_once(count: int, work) -> None:
    barrier = threading.Barrier(count)
    errors: list[BaseException] = []

    def run(index: int) -> None:
        try:
            barrier.wait()
            work(index)
        except BaseException as error:  # reported below, in the test's thread
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(index,)) for index in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []


@pytest.mark.django_db(transaction=True)
def test_concurrent_likes_make_one_notification_with_the_exact_count():
    video = VideoFactory()
    actors = [UserFactory() for _ in range(8)]

    _at_once(len(actors), lambda index: like(video, actors[index]))

    notification = Notification.objects.get()
    assert notification.actor_count == 8
    assert len(notification.latest_actors) == 3
    assert {item["id"] for item in notification.latest_actors} <= {str(a.pk) for a in actors}


@pytest.mark.django_db(transaction=True)
def test_the_same_actor_concurrently_is_counted_once():
    video = VideoFactory()
    ana = UserFactory()

    _at_once(6, lambda index: like(video, ana))

    notification = Notification.objects.get()
    assert notification.actor_count == 1
    assert notification.latest_actors == [{"id": str(ana.pk), "username": ana.username}]


# -- preferences and email -----------------------------------------------------------


def test_in_app_off_records_nothing():
    video = VideoFactory()
    NotificationPreference.objects.create(
        user=video.owner, type=Type.VIDEO_LIKE, in_app=False, email=False
    )

    assert like(video, UserFactory()) is None
    assert Notification.objects.count() == 0


def test_in_app_off_only_for_that_type():
    video = VideoFactory()
    NotificationPreference.objects.create(user=video.owner, type=Type.VIDEO_COMMENT, in_app=False)

    assert like(video, UserFactory()) is not None


def test_an_email_goes_for_a_type_emailed_by_default_with_text_and_html(
    django_capture_on_commit_callbacks,
):
    recipient = UserFactory(email="owner@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        notify(recipient=recipient, actor=UserFactory(username="ana"), type=Type.NEW_FOLLOWER)

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["owner@example.com"]
    assert message.subject.startswith("ana started following you")
    assert "ana started following you." in message.body
    [(html, mime)] = message.alternatives
    assert mime == "text/html"
    assert "<strong>ana started following you.</strong>" in html


def test_no_email_for_likes_by_default(django_capture_on_commit_callbacks):
    video = VideoFactory()
    with django_capture_on_commit_callbacks(execute=True):
        like(video, UserFactory())

    assert mail.outbox == []


def test_email_on_for_likes_tells_the_group(django_capture_on_commit_callbacks):
    video = VideoFactory()
    NotificationPreference.objects.create(user=video.owner, type=Type.VIDEO_LIKE, email=True)
    like(video, UserFactory(username="bob"))
    like(video, UserFactory(username="cy"))

    with django_capture_on_commit_callbacks(execute=True):
        like(video, UserFactory(username="ana"))

    assert [message.subject.split(" - ")[0] for message in mail.outbox] == [
        "ana and 2 others liked your video"
    ]


def test_email_off_sends_nothing_but_the_notification_is_recorded(
    django_capture_on_commit_callbacks,
):
    recipient = UserFactory()
    NotificationPreference.objects.create(user=recipient, type=Type.NEW_FOLLOWER, email=False)
    with django_capture_on_commit_callbacks(execute=True):
        notification = notify(recipient=recipient, actor=UserFactory(), type=Type.NEW_FOLLOWER)

    assert notification is not None
    assert mail.outbox == []


def test_in_app_off_and_email_on_still_emails(django_capture_on_commit_callbacks):
    recipient = UserFactory()
    NotificationPreference.objects.create(
        user=recipient, type=Type.MENTION, in_app=False, email=True
    )
    with django_capture_on_commit_callbacks(execute=True):
        result = notify(recipient=recipient, actor=UserFactory(username="ana"), type=Type.MENTION)

    assert result is None
    assert Notification.objects.count() == 0
    assert mail.outbox[0].subject.startswith("ana mentioned you in a comment")


def test_no_email_from_a_blocked_user(django_capture_on_commit_callbacks):
    recipient, actor = UserFactory(), UserFactory()
    block(recipient, actor)
    with django_capture_on_commit_callbacks(execute=True):
        notify(recipient=recipient, actor=actor, type=Type.NEW_FOLLOWER)

    assert mail.outbox == []


def test_the_email_waits_for_the_commit(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        notify(recipient=UserFactory(), actor=UserFactory(), type=Type.NEW_FOLLOWER)

    assert mail.outbox == []
    assert len(callbacks) == 1
