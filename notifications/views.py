"""Notifications app: the signed-in user's inbox and their notification preferences."""

from drf_spectacular.utils import extend_schema, extend_schema_view
from drf_standardized_errors.openapi_validation_errors import extend_validation_errors
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response

from core.openapi import because, raises
from notifications.filters import NotificationFilter
from notifications.models import Notification
from notifications.selectors import (
    notification_get,
    notification_inbox,
    notification_unread_count,
    preference_list,
)
from notifications.serializers import (
    NotificationSerializer,
    PreferenceListSerializer,
    ReadAllSerializer,
    UnreadCountSerializer,
)
from notifications.services import (
    notification_delete,
    notification_mark_read,
    notifications_mark_all_read,
    preferences_update,
)

SIGNED_IN = "Signed-in users only (401 otherwise), about their own notifications."
NOT_FOUND = because(NotFound, "the notification does not exist or is someone else's")


@extend_schema_view(
    list=extend_schema(
        operation_id="notifications_list",
        tags=["notifications"],
        summary="The caller's notifications, most recently updated first",
        description=SIGNED_IN + " A group moves to the top when it gains an actor. "
        "Notifications from users the caller blocks or is blocked by are left out. "
        "`unread` is `true` or `false`.",
    ),
    destroy=[
        extend_schema(
            operation_id="notifications_delete",
            tags=["notifications"],
            summary="Delete a notification",
            responses={204: None},
            description=SIGNED_IN,
        ),
        raises(NOT_FOUND),
    ],
)
# PATCH of the preferences reads the whole body: the list is required there too.
@extend_validation_errors(
    ["required", "null"], field_name="preferences", actions=["preferences"], methods=["patch"]
)
@extend_validation_errors(
    ["required"], field_name="preferences.INDEX.type", actions=["preferences"], methods=["patch"]
)
@extend_validation_errors(
    ["null", "invalid"], field_name="preferences.INDEX", actions=["preferences"], methods=["patch"]
)
class NotificationViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = NotificationSerializer
    filterset_class = NotificationFilter
    ordering = ("-updated_at", "-id")
    lookup_url_kwarg = "notification_id"  # path parameters name their resource
    lookup_value_regex = "[^/]+"  # any id reaches the view, which answers 404 (JSON)
    patch_is_partial = False  # `preferences/` validates the whole body (core.openapi)
    queryset = Notification.objects.none()  # the schema's model; requests use get_queryset

    def get_queryset(self):
        return notification_inbox(user=self.request.user)

    def get_object(self) -> Notification:
        return notification_get(
            user=self.request.user, notification_id=self.kwargs["notification_id"]
        )

    def destroy(self, request: Request, notification_id: str) -> Response:
        notification_delete(notification=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        operation_id="notifications_read",
        tags=["notifications"],
        request=None,
        responses={200: NotificationSerializer},
        summary="Mark a notification read",
        description=SIGNED_IN + " Marking a read notification again keeps its first "
        "`read_at`. A read group takes no more actors: the next event starts a new one.",
    )
    @raises(NOT_FOUND)
    @action(detail=True, methods=["post"])
    def read(self, request: Request, notification_id: str) -> Response:
        notification = notification_mark_read(notification=self.get_object())
        return Response(self.get_serializer(notification).data)

    @extend_schema(
        operation_id="notifications_read_all",
        tags=["notifications"],
        request=None,
        responses={200: ReadAllSerializer},
        summary="Mark every notification read",
        description=SIGNED_IN + " `updated` is how many were unread.",
    )
    @action(detail=False, methods=["post"], url_path="read-all", filterset_class=None)
    def read_all(self, request: Request) -> Response:
        return Response({"updated": notifications_mark_all_read(user=request.user)})

    @extend_schema(
        operation_id="notifications_unread_count",
        tags=["notifications"],
        responses={200: UnreadCountSerializer},
        summary="How many notifications are unread",
        description=SIGNED_IN + " Counted as the list counts them.",
    )
    @action(
        detail=False,
        methods=["get"],
        url_path="unread-count",
        filterset_class=None,
        pagination_class=None,
    )
    def unread_count(self, request: Request) -> Response:
        return Response({"count": notification_unread_count(user=request.user)})

    @extend_schema(
        methods=["GET"],
        operation_id="notifications_preferences",
        tags=["notifications"],
        responses={200: PreferenceListSerializer},
        summary="The caller's notification preferences, one item per type",
        description=SIGNED_IN + " Without a choice of the user's, a type shows in the app, "
        "and is emailed only for `new_follower`, `follow_request`, `mention`, "
        "`comment_reply` and `video_failed`. The channels are independent: with `in_app` "
        "off and `email` on, the email still goes.",
    )
    @extend_schema(
        methods=["PATCH"],
        operation_id="notifications_preferences_update",
        tags=["notifications"],
        request=PreferenceListSerializer,
        responses={200: PreferenceListSerializer},
        summary="Change notification preferences",
        description=SIGNED_IN + " `preferences` lists partial items `{type, in_app?, "
        "email?}`, applied in order; types left out keep their setting. The answer lists "
        "every type.",
    )
    @action(
        detail=False,
        methods=["get", "patch"],
        filterset_class=None,
        pagination_class=None,
        serializer_class=PreferenceListSerializer,
    )
    def preferences(self, request: Request) -> Response:
        if request.method == "PATCH":
            serializer = PreferenceListSerializer(data=request.data)
            serializer.is_valid(raise_exception=True)
            preferences_update(user=request.user, changes=serializer.validated_data["preferences"])
        return Response({"preferences": preference_list(user=request.user)})
