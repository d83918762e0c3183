"""Notifications app: what a user is told about, and how they want to be told.

A `Notification` is one line in a user's inbox. Repeated events of one type on one
target ("ana and 4 others liked your video") collapse into one open group: the row
whose `group_key` is set. A recipient has at most one open group per key (a partial
unique constraint), so concurrent events cannot open two; reading the notification, or
the grouping window passing, closes the group (`group_key` becomes NULL) and the next
event opens a new one.

`NotificationPreference` holds a user's choice per type; without a row the defaults of
`NotificationType.default_in_app` / `default_email` apply.
"""

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q

from core.models import BaseModel


class NotificationType(models.TextChoices):
    NEW_FOLLOWER = "new_follower"
    FOLLOW_REQUEST = "follow_request"
    FOLLOW_ACCEPTED = "follow_accepted"
    VIDEO_LIKE = "video_like"
    VIDEO_COMMENT = "video_comment"
    COMMENT_REPLY = "comment_reply"
    COMMENT_LIKE = "comment_like"
    MENTION = "mention"
    NEW_VIDEO_FROM_FOLLOWING = "new_video_from_following"
    VIDEO_PROCESSED = "video_processed"
    VIDEO_FAILED = "video_failed"
    TIP_RECEIVED = "tip_received"
    NEW_SUBSCRIBER = "new_subscriber"
    SUBSCRIPTION_RENEWED = "subscription_renewed"
    SUBSCRIPTION_PAST_DUE = "subscription_past_due"
    SUBSCRIPTION_EXPIRED = "subscription_expired"
    SUBSCRIPTION_ENDED = "subscription_ended"  # by a block, the unused part refunded
    PAYOUT_PAID = "payout_paid"
    PAYOUT_REJECTED = "payout_rejected"
    # Live streams: `data` carries "stream_id" and "stream_title".
    LIVE_STARTED = "live_started"
    STREAM_REMINDER = "stream_reminder"
    GIFT_RECEIVED = "gift_received"
    # Ads: `data` carries "headline", "campaign", "decision" (approved or rejected) and,
    # for a rejection, "reason".
    AD_CREATIVE_REVIEWED = "ad_creative_reviewed"

    @classmethod
    def default_in_app(cls, type_: str) -> bool:
        """Every type shows in the app unless the user turned it off."""
        return True

    @classmethod
    def default_email(cls, type_: str) -> bool:
        """Email goes only for what asks for attention; likes and new videos stay quiet."""
        return type_ in EMAIL_BY_DEFAULT


# Types emailed when the user has not chosen otherwise.
EMAIL_BY_DEFAULT = frozenset(
    {
        NotificationType.NEW_FOLLOWER,
        NotificationType.FOLLOW_REQUEST,
        NotificationType.MENTION,
        NotificationType.COMMENT_REPLY,
        NotificationType.VIDEO_FAILED,
        NotificationType.TIP_RECEIVED,
        NotificationType.NEW_SUBSCRIBER,
        NotificationType.SUBSCRIPTION_PAST_DUE,
        NotificationType.SUBSCRIPTION_EXPIRED,
        NotificationType.SUBSCRIPTION_ENDED,
        NotificationType.PAYOUT_PAID,
        NotificationType.PAYOUT_REJECTED,
        NotificationType.AD_CREATIVE_REVIEWED,
    }
)

# Types whose repeated events on one target collapse into one notification.
GROUPED_TYPES = frozenset(
    {
        NotificationType.NEW_FOLLOWER,
        NotificationType.VIDEO_LIKE,
        NotificationType.VIDEO_COMMENT,
        NotificationType.COMMENT_REPLY,
        NotificationType.COMMENT_LIKE,
        NotificationType.GIFT_RECEIVED,
    }
)

LATEST_ACTORS_MAX = 3


class Notification(BaseModel):
    """One line in `recipient`'s inbox; `updated_at` moves when a group gains an actor.

    `latest_actors` is a snapshot of up to three `{"id", "username"}` objects, the most
    recent first; `actor` is the most recent actor (NULL for system notifications).
    """

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    type = models.CharField(max_length=40, choices=NotificationType.choices)
    target_content_type = models.ForeignKey(
        ContentType, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    # Every primary key in the project is a UUID.
    target_object_id = models.UUIDField(null=True, blank=True)
    target = GenericForeignKey("target_content_type", "target_object_id")
    data = models.JSONField(default=dict, blank=True)
    actor_count = models.PositiveIntegerField(default=1)
    latest_actors = models.JSONField(default=list, blank=True)
    read_at = models.DateTimeField(null=True, blank=True)
    # Set while the group is open to more events; NULL once closed (read or expired).
    group_key = models.CharField(  # noqa: DJ001 - NULL, not "", keeps closed groups out of the unique constraint
        max_length=120, null=True, blank=True, editable=False
    )

    class Meta:
        ordering = ["-updated_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "group_key"],
                condition=Q(group_key__isnull=False),
                name="notifications_one_open_group",
            ),
        ]
        indexes = [
            models.Index(fields=["recipient", "-updated_at", "-id"], name="notifications_inbox"),
            models.Index(
                fields=["recipient", "-updated_at", "-id"],
                condition=Q(read_at__isnull=True),
                name="notifications_inbox_unread",
            ),
            models.Index(
                fields=["recipient", "type", "-updated_at", "-id"],
                name="notifications_inbox_type",
            ),
            models.Index(fields=["updated_at", "id"], name="notifications_age"),
            models.Index(
                fields=["target_content_type", "target_object_id"],
                name="notifications_target",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.type} for {self.recipient_id}"

    @property
    def is_read(self) -> bool:
        return self.read_at is not None


class NotificationGroupActor(BaseModel):
    """An actor of a notification group, once however many times they acted:
    `Notification.actor_count` is the number of these rows (kept beside the three
    `latest_actors`, so someone pushed out of those is still known)."""

    notification = models.ForeignKey(
        Notification, on_delete=models.CASCADE, related_name="group_actors"
    )
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["notification", "actor"], name="notifications_group_actor_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.actor_id} in {self.notification_id}"


class NotificationPreference(BaseModel):
    """`user`'s choice for one type; absent rows mean the type's defaults."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notification_preferences",
    )
    type = models.CharField(max_length=40, choices=NotificationType.choices)
    in_app = models.BooleanField(default=True)
    email = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "type"], name="notifications_pref_unique"),
        ]
        indexes = [
            models.Index(fields=["type", "in_app"], name="notifications_pref_type"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.type}"
