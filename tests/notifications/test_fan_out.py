"""New videos told to followers: a task, batched, whose publisher's cost is constant."""

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core import mail

from accounts.models import User
from notifications.models import Notification, NotificationPreference, NotificationType
from notifications.services import notification_fan_out, notify_followers_of_new_video
from notifications.tasks import notification_fan_out_task
from social.models import Follow
from tests.accounts.factories import UserFactory
from tests.notifications.factories import block, follow
from tests.videos.factories import VideoFactory

pytestmark = pytest.mark.django_db
NEW_VIDEO = NotificationType.NEW_VIDEO_FROM_FOLLOWING


def creator_with_followers(count: int) -> tuple[User, list[User]]:
    creator = UserFactory()
    followers = [UserFactory() for _ in range(count)]
    for follower in followers:
        follow(follower, creator)
    return creator, followers


def recipients(video) -> set:
    return set(
        Notification.objects.filter(type=NEW_VIDEO, target_object_id=video.pk).values_list(
            "recipient_id", flat=True
        )
    )


def fan_out(video, **kwargs) -> int:
    return notification_fan_out(
        actor_id=str(video.owner_id),
        type=NEW_VIDEO,
        target_content_type_id=ContentType.objects.get_for_model(video).pk,
        target_object_id=str(video.pk),
        data={"video_title": video.title},
        **kwargs,
    )


@pytest.mark.parametrize("follower_count", [5, 50])
def test_publishing_costs_the_same_queries_whatever_the_follower_count(
    django_assert_num_queries, django_capture_on_commit_callbacks, follower_count
):
    creator, _ = creator_with_followers(follower_count)
    video = VideoFactory(owner=creator)
    ContentType.objects.get_for_model(video)  # looked up once per process, then cached

    with (
        django_capture_on_commit_callbacks(execute=False) as callbacks,
        django_assert_num_queries(0),
    ):
        notify_followers_of_new_video(owner=creator, target=video)

    assert len(callbacks) == 1  # the fan-out task, queued for the commit
    assert Notification.objects.count() == 0


def test_the_queued_task_notifies_every_follower(django_capture_on_commit_callbacks):
    creator, followers = creator_with_followers(3)
    video = VideoFactory(owner=creator, title="Trip")

    with django_capture_on_commit_callbacks(execute=True):
        notify_followers_of_new_video(owner=creator, target=video, data={"video_title": "Trip"})

    assert recipients(video) == {f.pk for f in followers}
    notification = Notification.objects.filter(type=NEW_VIDEO).first()
    assert notification.actor == creator
    assert notification.target == video
    assert notification.data == {"video_title": "Trip"}
    assert notification.latest_actors == [{"id": str(creator.pk), "username": creator.username}]


def test_the_task_walks_followers_in_batches():
    creator, followers = creator_with_followers(7)
    video = VideoFactory(owner=creator)

    assert fan_out(video, batch_size=3) == 7
    assert recipients(video) == {f.pk for f in followers}


def test_the_task_costs_the_same_queries_per_batch(django_assert_num_queries):
    creator, _ = creator_with_followers(6)
    video = VideoFactory(owner=creator)
    fan_out(VideoFactory(owner=creator))  # warm the content type cache

    # The actor; per batch of 3: the followers, then in a savepoint the insert and the
    # email preferences; the empty last batch.
    with django_assert_num_queries(1 + 2 * 5 + 1):
        fan_out(video, batch_size=3)


def test_the_task_honours_preferences_blocks_and_account_status():
    creator, (told, muted, blocked, blocking, banned) = creator_with_followers(5)
    NotificationPreference.objects.create(user=muted, type=NEW_VIDEO, in_app=False)
    block(creator, blocked)
    block(blocking, creator)
    User.objects.filter(pk=banned.pk).update(status=User.Status.BANNED)
    stranger = UserFactory()
    video = VideoFactory(owner=creator)

    assert fan_out(video, batch_size=2) == 1
    assert recipients(video) == {told.pk}
    assert not Notification.objects.filter(recipient=stranger).exists()


def test_pending_follows_are_not_told():
    creator = UserFactory()
    requester = UserFactory()
    Follow.objects.create(follower=requester, followed=creator, status=Follow.Status.PENDING)
    video = VideoFactory(owner=creator)

    assert fan_out(video) == 0


def test_running_the_task_twice_tells_nobody_twice():
    creator, _ = creator_with_followers(3)
    video = VideoFactory(owner=creator)

    fan_out(video)
    assert fan_out(video) == 0
    assert Notification.objects.filter(type=NEW_VIDEO).count() == 3


def test_followers_who_chose_email_get_one(django_capture_on_commit_callbacks):
    creator, (emailed, _quiet) = creator_with_followers(2)
    NotificationPreference.objects.create(user=emailed, type=NEW_VIDEO, email=True)
    video = VideoFactory(owner=creator)

    with django_capture_on_commit_callbacks(execute=True):
        fan_out(video)

    assert [message.to for message in mail.outbox] == [[emailed.email]]
    assert mail.outbox[0].subject.startswith(f"{creator.username} posted a new video")


def test_a_deleted_creator_tells_nobody():
    creator, _ = creator_with_followers(2)
    video = VideoFactory(owner=creator)
    arguments = {
        "actor_id": str(creator.pk),
        "type": str(NEW_VIDEO),
        "target_content_type_id": 1,
        "target_object_id": str(video.pk),
    }
    creator.delete()

    assert notification_fan_out_task.apply(kwargs=arguments).get() == 0
