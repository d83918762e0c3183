"""Recording views of a video, and the signed-in user's watch history."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import generics, serializers, status
from rest_framework.exceptions import NotFound
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.access import is_signed_in
from core.openapi import because, raises
from core.requests import client_ip
from core.serializers import ModelSerializer
from videos.exceptions import WATCHED_SECONDS_NEGATIVE, WATCHED_SECONDS_TOO_MANY
from videos.models import WatchHistoryEntry
from videos.selectors import access_video, watch_history_list
from videos.serializers import VideoSerializer
from videos.services.watching import (
    CLIENT_KEY_MAX_LENGTH,
    WATCHED_SECONDS_MAX,
    video_view_record,
    video_viewer_key,
    watch_history_clear,
)


class StrictFloatField(serializers.FloatField):
    """A number: JSON `true`/`false` are not 1 and 0 here (`invalid`)."""

    def to_internal_value(self, data):
        if isinstance(data, bool):
            self.fail("invalid")
        return super().to_internal_value(data)


class ViewRecordSerializer(serializers.Serializer):
    watched_seconds = StrictFloatField(
        min_value=0,
        max_value=WATCHED_SECONDS_MAX,
        help_text="Seconds of the video played in this viewing. At most the video's "
        "duration plus a minute (24 hours when the duration is unknown).",
    )


class ClientKeySerializer(serializers.Serializer):
    """The `X-Client-Key` header, read as a field."""

    client_key = serializers.CharField(
        max_length=CLIENT_KEY_MAX_LENGTH, required=False, allow_blank=True, default=""
    )


class ViewRecordedSerializer(serializers.Serializer):
    counted = serializers.BooleanField(
        help_text="Whether this report added a view (false below the threshold, or "
        "when this viewer's view of the video was already counted this hour)."
    )
    view_count = serializers.IntegerField(help_text="The video's view count after it.")


class WatchHistoryEntrySerializer(ModelSerializer):
    video = VideoSerializer(read_only=True)

    class Meta:
        model = WatchHistoryEntry
        fields = ["video", "watched_seconds", "last_watched_at"]
        read_only_fields = fields


class VideoViewRecordView(APIView):
    permission_classes = [AllowAny]

    @extend_schema(
        operation_id="videos_views_record",
        tags=["videos"],
        request=ViewRecordSerializer,
        responses={200: ViewRecordedSerializer},
        parameters=[
            OpenApiParameter(
                "X-Client-Key",
                OpenApiTypes.STR,
                OpenApiParameter.HEADER,
                required=False,
                description="An anonymous client's stable random id (at most "
                f"{CLIENT_KEY_MAX_LENGTH} characters), kept by the app across requests.",
            )
        ],
        summary="Report that the caller watched a video",
        description="Anyone who may see the video, signed in or not. Always 200: "
        "`counted` says whether this report added a view. A view counts when the video "
        "is ready, `watched_seconds` is at least min(10, duration / 2) seconds (10 when "
        "the duration is unknown), and this viewer has no counted view of the video in "
        "the current hour (UTC). The viewer is the signed-in user, or else the "
        "`X-Client-Key` header together with the client's address. A signed-in "
        "caller's history entry for the video moves to the top and keeps this "
        "report's `watched_seconds`, counted or not. The `X-Client-Key` header's codes "
        "are on `client_key`.",
    )
    @raises(
        WATCHED_SECONDS_NEGATIVE,
        WATCHED_SECONDS_TOO_MANY,
        ClientKeySerializer,
        because(NotFound, "no such video or the caller may not see it"),
    )
    def post(self, request: Request, video_id: str) -> Response:
        video = access_video(viewer=request.user, video_id=video_id, annotated=False)
        body = ViewRecordSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        header = ClientKeySerializer(data={"client_key": request.headers.get("X-Client-Key", "")})
        header.is_valid(raise_exception=True)
        user = request.user if is_signed_in(request.user) else None
        recorded = video_view_record(
            video=video,
            viewer_key=video_viewer_key(
                user=user,
                client_key=header.validated_data["client_key"],
                client_address=client_ip(request) or "",
            ),
            user=user,
            watched_seconds=body.validated_data["watched_seconds"],
        )
        return Response(ViewRecordedSerializer(recorded).data)


@extend_schema_view(
    get=extend_schema(
        operation_id="users_me_history_list",
        tags=["users"],
        summary="The current user's watch history, most recently watched first",
        description="One entry per video, moved to the top each time the video is "
        "watched. Entries whose video the user may no longer see (made private, its "
        "owner banned, ...) are left out of the list but kept: they show again if the "
        "video becomes visible.",
    )
)
class WatchHistoryView(generics.ListAPIView):
    serializer_class = WatchHistoryEntrySerializer
    ordering = ("-last_watched_at",)

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation
            return WatchHistoryEntry.objects.none()
        return watch_history_list(user=self.request.user)

    @extend_schema(
        operation_id="users_me_history_clear",
        tags=["users"],
        request=None,
        responses={204: None},
        summary="Clear the current user's watch history",
        description="Deletes every entry, hidden ones included; counted views stay.",
    )
    def delete(self, request: Request) -> Response:
        watch_history_clear(user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)
