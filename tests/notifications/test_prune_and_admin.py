"""`manage.py prune_notifications` and the admin pages."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from notifications.models import Notification, NotificationPreference, NotificationType
from notifications.services import notification_mark_read, notify
from tests.accounts.factories import UserFactory

pytestmark = pytest.mark.django_db
Type = NotificationType


def notification_aged(*, days: float = 0, hours: float = 0, read: bool = False) -> Notification:
    notification = notify(recipient=UserFactory(), actor=UserFactory(), type=Type.MENTION)
    if read:
        notification_mark_read(notification=notification)
    moment = timezone.now() - timedelta(days=days, hours=hours)
    Notification.objects.filter(pk=notification.pk).update(created_at=moment, updated_at=moment)
    return notification


def prune(*args) -> str:
    out = StringIO()
    call_command("prune_notifications", *args, stdout=out)
    return out.getvalue()


def test_prune_deletes_read_and_unread_notifications_older_than_the_age():
    old_unread = notification_aged(days=91)
    old_read = notification_aged(days=100, read=True)
    recent = notification_aged(days=89)

    output = prune("--older-than", "90d", "--batch-size", "1")

    assert "Deleted 2 notification(s) older than 90d." in output
    assert set(Notification.objects.values_list("pk", flat=True)) == {recent.pk}
    assert not Notification.objects.filter(pk__in=[old_unread.pk, old_read.pk]).exists()
    assert "Deleted 0 notification(s)" in prune("--older-than", "90d")


def test_prune_in_hours_and_by_default_90_days():
    notification_aged(hours=13)
    kept = notification_aged(hours=11)

    assert "Deleted 1 " in prune("--older-than", "12h")
    assert "Deleted 0 " in prune()
    assert list(Notification.objects.values_list("pk", flat=True)) == [kept.pk]


def test_a_group_updated_recently_is_kept():
    notification = notification_aged(days=100)
    Notification.objects.filter(pk=notification.pk).update(updated_at=timezone.now())

    assert "Deleted 0 " in prune("--older-than", "30d")


@pytest.mark.parametrize("value", ["0h", "0d", "00h"])
def test_an_age_of_zero_deletes_every_notification(value):
    notification_aged(days=3)
    notification_aged(hours=0)

    assert f"Deleted 2 notification(s) older than {value}." in prune("--older-than", value)
    assert not Notification.objects.exists()


@pytest.mark.parametrize("value", ["90", "d", "-3d", "-0h", "3w", "1.5d", ""])
def test_prune_refuses_a_bad_age(value):
    with pytest.raises(CommandError, match="--older-than"):
        prune("--older-than", value)


def test_the_admin_pages_load(admin_client):
    notification = notify(recipient=UserFactory(), actor=UserFactory(), type=Type.MENTION)
    notify(recipient=UserFactory(), actor=None, type=Type.VIDEO_FAILED)
    NotificationPreference.objects.create(user=notification.recipient, type=Type.MENTION)
    username = notification.recipient.username

    urls = [
        reverse("admin:notifications_notification_changelist"),
        reverse("admin:notifications_notification_changelist") + "?type=mention&read=no",
        reverse("admin:notifications_notification_changelist") + "?read=yes",
        reverse("admin:notifications_notification_changelist") + f"?q={username}",
        reverse("admin:notifications_notification_change", args=[notification.pk]),
        reverse("admin:notifications_notificationpreference_changelist"),
        reverse("admin:notifications_notificationpreference_add"),
    ]
    for url in urls:
        assert admin_client.get(url).status_code == 200, url


def test_the_admin_searches_by_recipient_username(admin_client):
    notification = notify(
        recipient=UserFactory(username="zoe"), actor=UserFactory(), type=Type.MENTION
    )
    notify(recipient=UserFactory(username="yan"), actor=UserFactory(), type=Type.MENTION)

    response = admin_client.get(
        reverse("admin:notifications_notification_changelist"), {"q": "zoe"}
    )

    assert list(response.context["cl"].result_list) == [notification]


def test_a_pruned_group_counts_as_one_notification():
    video_owner, fans = UserFactory(), [UserFactory() for _ in range(3)]
    for fan in fans:
        notify(recipient=video_owner, actor=fan, type=Type.NEW_FOLLOWER, target=video_owner)
    moment = timezone.now() - timedelta(days=100)
    Notification.objects.update(created_at=moment, updated_at=moment)

    assert "Deleted 1 notification(s)" in prune("--older-than", "90d")
