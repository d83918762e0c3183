"""Uploading, reading, editing and deleting a video."""

from drf_spectacular.utils import extend_schema, extend_schema_view
from drf_standardized_errors.openapi_validation_errors import extend_validation_errors
from rest_framework import mixins, status, viewsets
from rest_framework.exceptions import NotFound, PermissionDenied, Throttled
from rest_framework.parsers import JSONParser, MultiPartParser
from rest_framework.permissions import IsAuthenticatedOrReadOnly
from rest_framework.request import Request
from rest_framework.response import Response

from core.openapi import because, raises
from core.throttling import UploadRateThrottle
from videos.exceptions import (
    VIDEO_INVALID_MEDIA,
    VIDEO_TOO_LARGE,
    VIDEO_TOO_LONG,
    VIDEO_TOO_MANY_PIXELS,
)
from videos.filters import VideoFilter, video_list_ordering
from videos.models import Video
from videos.permissions import IsOwnerOrStaffToDelete
from videos.selectors import access_video, video_feed_recent, video_list_listed
from videos.serializers import VideoSerializer, VideoUpdateSerializer, VideoUploadSerializer
from videos.services.videos import video_delete, video_update, video_upload

NOT_FOUND = because(NotFound, "the video does not exist or the caller may not see it")
# The list's query parameters that neither filter it nor change its ordering.
_UNFILTERED = frozenset({"page_size", "cursor"})


# The tag filter's count limit, raised by its form field, which drf-standardized-errors
# does not find (the upload's `tags` declare theirs: videos.fields.TagListField).
@extend_validation_errors(["max_length"], field_name="tag", actions=["list"])
@extend_schema_view(
    list=extend_schema(
        operation_id="videos_list",
        tags=["videos"],
        summary="Search and filter the ready videos the caller may see",
        description="Anyone, signed in or not. Ready videos the privacy rule lists for "
        "the caller (public ones; followers-only ones of accounts they follow; their own "
        "of any visibility; never others' unlisted or private ones), filtered by every "
        "parameter given, ordered by `ordering` then id: "
        + ". The parameters' codes are the 400 response's (`category`: no category has "
        "that slug; `language`: not a BCP 47 tag).",
    ),
    retrieve=[
        extend_schema(operation_id="videos_retrieve", tags=["videos"], summary="A video"),
        raises(NOT_FOUND),
    ],
    create=[
        extend_schema(
            operation_id="videos_upload",
            tags=["videos"],
            summary="Upload a video",
            request={"multipart/form-data": VideoUploadSerializer},
            responses={201: VideoSerializer},
            description="Checks the file (its work bounded by the file's size: only the first "
            "frame is decoded), stores it and queues processing: the answer comes at once, "
            "with status `processing`. Throttled per account (`THROTTLE_UPLOAD_RATE`), with "
            "`Retry-After`. `tags` may be repeated fields or one comma-separated value; "
            "hashtags in the description are added.",
        ),
        raises(
            VIDEO_TOO_LARGE,
            VIDEO_TOO_LONG,
            because(VIDEO_TOO_MANY_PIXELS, "frames over `VIDEO_MAX_PIXELS` or 8192 pixels a side"),
            VIDEO_INVALID_MEDIA,
            Throttled,
        ),
    ],
    partial_update=[
        extend_schema(
            operation_id="videos_update",
            tags=["videos"],
            summary="Edit a video (its owner)",
            request=VideoUpdateSerializer,
            responses={200: VideoSerializer},
        ),
        raises(because(PermissionDenied, "anyone but the owner"), NOT_FOUND),
    ],
    destroy=[
        extend_schema(
            operation_id="videos_delete",
            tags=["videos"],
            summary="Delete a video (its owner or staff)",
            responses={204: None},
            description="Its files are removed once the deletion is committed.",
        ),
        raises(because(PermissionDenied, "others who can see it"), NOT_FOUND),
    ],
)
class VideoViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = VideoSerializer
    permission_classes = [IsAuthenticatedOrReadOnly, IsOwnerOrStaffToDelete]
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    lookup_url_kwarg = "video_id"  # path parameters name their resource (`{video_id}`)
    lookup_value_regex = "[^/]+"  # any id reaches the view, which answers 404 (JSON)
    filterset_class = VideoFilter  # the list's query parameters (videos/filters.py)

    @property
    def ordering(self) -> tuple[str, ...]:
        """The list's `ordering` parameter, which `VideoFilter` has validated."""
        request = getattr(self, "request", None)
        return video_list_ordering(request.query_params.get("ordering") if request else None)

    def get_parsers(self):
        # Only the upload carries a file; every other body is JSON.
        # (DRF reads the parsers before it sets `action`; schema generation sets it.)
        action = getattr(self, "action", None)
        if (action or self.action_map.get(self.request.method.lower())) == "create":
            return [MultiPartParser()]
        return [JSONParser()]

    def get_throttles(self):
        throttles = super().get_throttles()
        if self.action == "create":
            throttles.append(UploadRateThrottle())
        return throttles

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation
            return Video.objects.none()
        return video_list_listed(viewer=self.request.user)

    def list(self, request: Request, *args, **kwargs) -> Response:
        # Without filters or another ordering, the page's query is compiled once per
        # kind of viewer and page (`video_feed_recent`, `core.compiled`): building it
        # with the ORM took most of the request.
        if request.query_params.keys() <= _UNFILTERED:
            page = self.paginate_queryset(video_feed_recent(viewer=request.user))
            return self.get_paginated_response(self.get_serializer(page, many=True).data)
        return super().list(request, *args, **kwargs)

    def get_object(self) -> Video:
        video = access_video(viewer=self.request.user, video_id=self.kwargs["video_id"])
        self.check_object_permissions(self.request, video)
        return video

    def create(self, request: Request, *args, **kwargs) -> Response:
        serializer = VideoUploadSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        video = video_upload(owner=request.user, upload=data.pop("file"), **data)
        video = access_video(viewer=request.user, video_id=video.pk)
        return Response(self.get_serializer(video).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request: Request, *args, **kwargs) -> Response:
        video = self.get_object()
        serializer = VideoUpdateSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        video = video_update(video=video, **serializer.validated_data)
        return Response(self.get_serializer(video).data)

    def update(self, request: Request, *args, **kwargs) -> Response:
        if not kwargs.get("partial"):
            return self.http_method_not_allowed(request, *args, **kwargs)
        return self.partial_update(request, *args, **kwargs)

    def perform_destroy(self, video: Video) -> None:
        video_delete(video=video)
