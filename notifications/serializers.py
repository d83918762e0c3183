"""Notifications app: the API's representations and inputs."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.serializers.users import UserPublicSerializer
from core.serializers import ModelSerializer, StrictBooleanField
from notifications.models import Notification, NotificationType
from notifications.texts import notification_text


class ActorReferenceSerializer(serializers.Serializer):
    id = serializers.UUIDField(read_only=True)
    username = serializers.CharField(read_only=True)


class TargetReferenceSerializer(serializers.Serializer):
    type = serializers.CharField(read_only=True, help_text='The kind of object, e.g. "video".')
    id = serializers.UUIDField(read_only=True)


class NotificationSerializer(ModelSerializer):
    """A notification; `actor` is the latest actor (null for the system's own),
    `latest_actors` up to three, most recent first, as they were named then."""

    actor = UserPublicSerializer(read_only=True, allow_null=True)
    latest_actors = ActorReferenceSerializer(many=True, read_only=True)
    target = serializers.SerializerMethodField()
    text = serializers.SerializerMethodField()
    read = serializers.SerializerMethodField()

    class Meta:
        model = Notification
        fields = [
            "id",
            "type",
            "actor",
            "actor_count",
            "latest_actors",
            "target",
            "data",
            "text",
            "read",
            "read_at",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    @extend_schema_field(TargetReferenceSerializer(allow_null=True))
    def get_target(self, notification: Notification) -> dict | None:
        if notification.target_content_type_id is None:
            return None
        return {
            "type": notification.target_content_type.model,
            "id": str(notification.target_object_id),
        }

    def get_text(self, notification: Notification) -> str:
        return notification_text(
            type=notification.type,
            actor_username=notification.actor.username if notification.actor else None,
            actor_count=notification.actor_count,
            data=notification.data,
        )

    def get_read(self, notification: Notification) -> bool:
        return notification.read_at is not None


class UnreadCountSerializer(serializers.Serializer):
    count = serializers.IntegerField(read_only=True)


class ReadAllSerializer(serializers.Serializer):
    updated = serializers.IntegerField(read_only=True)


class PreferenceSerializer(serializers.Serializer):
    """One type's channels; in a PATCH, `in_app` and `email` may each be left out."""

    type = serializers.ChoiceField(choices=NotificationType.choices)
    in_app = StrictBooleanField(required=False)
    email = StrictBooleanField(required=False)


class PreferenceListSerializer(serializers.Serializer):
    preferences = PreferenceSerializer(many=True, allow_empty=False)
