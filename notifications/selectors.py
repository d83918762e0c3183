"""Notifications app: reads, with their joins and annotations.

A user's inbox leaves out notifications whose actor they block or are blocked by now
(blocks made after the notification hide it too).
"""

from django.db.models import Q, QuerySet
from rest_framework.exceptions import NotFound

from accounts.models import User
from core.access import uuid_or_404
from core.relations import relations
from notifications.models import Notification, NotificationPreference, NotificationType


def notification_inbox(*, user: User) -> QuerySet[Notification]:
    """`user`'s notifications, with the actor and target type joined."""
    return (
        Notification.objects.filter(recipient=user)
        .exclude(Q(actor__isnull=False) & Q(actor_id__in=relations().blocked_user_ids(user)))
        .select_related("actor", "target_content_type")
    )


def notification_unread_count(*, user: User) -> int:
    return notification_inbox(user=user).filter(read_at__isnull=True).count()


def notification_get(*, user: User, notification_id: str) -> Notification:
    """`user`'s notification `notification_id`; 404 (`not_found`) for anyone else's,
    or none."""
    notification = notification_inbox(user=user).filter(pk=uuid_or_404(notification_id)).first()
    if notification is None:
        raise NotFound()
    return notification


def preference_list(*, user: User) -> list[dict]:
    """`{type, in_app, email}` for every type, in the type's order: the user's rows,
    else the defaults."""
    chosen = {
        row["type"]: row
        for row in NotificationPreference.objects.filter(user=user).values(
            "type", "in_app", "email"
        )
    }
    return [
        chosen.get(type_)
        or {
            "type": type_,
            "in_app": NotificationType.default_in_app(type_),
            "email": NotificationType.default_email(type_),
        }
        for type_ in NotificationType.values
    ]
