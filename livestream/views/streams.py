"""Creating, listing, reading, editing and deleting streams, and rotating their keys.

Lists go through the videos' privacy rule (`livestream.selectors`), are
cursor-paginated on an ordering that ends with the primary key, and cost the same
number of queries whatever the page size. Only the owner edits, deletes or rotates:
for anyone else those answer 404, as if the stream did not exist.
"""

from dataclasses import replace

from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import generics, mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.parsers import JSONParser
from rest_framework.permissions import IsAuthenticatedOrReadOnly
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.selectors import access_user
from core.openapi import because, raises
from livestream.models import Stream
from livestream.selectors.streams import (
    access_stream,
    stream_list_for_owner,
    stream_list_live,
    stream_list_upcoming,
    stream_queryset_visible,
)
from livestream.serializers.streams import (
    KeyedStreamSerializer,
    StreamCreateSerializer,
    StreamListQuerySerializer,
    StreamSerializer,
    StreamUpdateSerializer,
)
from livestream.services.streams import (
    stream_create,
    stream_delete,
    stream_key_rotate,
    stream_update,
)

NOT_FOUND = because(NotFound, "the stream does not exist or the caller may not see it")
NOT_OWNER = because(NotFound, "the stream does not exist or is not the caller's")
WITH_KEY = (
    "The answer is the only one that holds `stream_key`: the encoder publishes to "
    "`rtmp_url` with it as the stream name."
)


@extend_schema_view(
    list=[
        extend_schema(
            operation_id="live_streams_list",
            tags=["live"],
            summary="Streams the caller may see",
            parameters=[StreamListQuerySerializer],
            description="Anyone, signed in or not. Streams the privacy rule lists for the "
            "caller (the videos' rule: public ones; followers-only ones of accounts they "
            "follow; subscribers-only ones of creators they subscribe to; their own of any "
            "visibility; never others' unlisted or private ones). With `status=live`, the "
            "streams live now, most viewers first; otherwise every stream, newest first.",
        ),
        raises(StreamListQuerySerializer),
    ],
    retrieve=[
        extend_schema(operation_id="live_streams_retrieve", tags=["live"], summary="A stream"),
        raises(NOT_FOUND),
    ],
    create=extend_schema(
        operation_id="live_streams_create",
        tags=["live"],
        summary="Create a stream",
        request=StreamCreateSerializer,
        responses={201: KeyedStreamSerializer},
        description=f"The stream starts idle. {WITH_KEY}",
    ),
    partial_update=[
        extend_schema(
            operation_id="live_streams_update",
            tags=["live"],
            summary="Edit a stream (its owner)",
            request=StreamUpdateSerializer,
            responses={200: StreamSerializer},
        ),
        raises(NOT_OWNER),
    ],
    destroy=[
        extend_schema(
            operation_id="live_streams_delete",
            tags=["live"],
            summary="Delete a stream (its owner)",
            responses={204: None},
            description="Its key stops working; a broadcast under way ends (`deleted`) and "
            "the media server's next `on-update` cuts the publisher.",
        ),
        raises(NOT_OWNER),
    ],
    upcoming=extend_schema(
        operation_id="live_streams_upcoming",
        tags=["live"],
        summary="Scheduled streams, soonest first",
        responses={200: StreamSerializer(many=True)},
        description="Anyone, signed in or not. Idle streams scheduled from now on that the "
        "privacy rule lists for the caller, soonest first.",
    ),
    key_rotate=[
        extend_schema(
            operation_id="live_streams_key_rotate",
            tags=["live"],
            summary="Give a stream a new key (its owner)",
            request=None,
            responses={200: KeyedStreamSerializer},
            description="The old key stops working at once; a broadcast under way on it "
            f"ends (`key_rotated`). {WITH_KEY}",
        ),
        raises(NOT_OWNER),
    ],
)
class StreamViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = StreamSerializer
    permission_classes = [IsAuthenticatedOrReadOnly]
    parser_classes = [JSONParser]
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    lookup_url_kwarg = "stream_id"  # path parameters name their resource (`{stream_id}`)
    lookup_value_regex = "[^/]+"  # any id reaches the view, which answers 404 (JSON)

    @property
    def ordering(self) -> tuple[str, ...]:
        if getattr(self, "action", None) == "upcoming":
            return ("scheduled_for",)
        if getattr(self, "live_only", False):
            return ("-current_viewers",)
        return ("-created_at",)

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation
            return Stream.objects.none()
        viewer = self.request.user
        if self.action == "upcoming":
            return stream_list_upcoming(viewer=viewer, now=timezone.now())
        query = StreamListQuerySerializer(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        self.live_only = query.validated_data.get("status") == Stream.Status.LIVE
        if self.live_only:
            return stream_list_live(viewer=viewer)
        return stream_queryset_visible(viewer=viewer)

    def get_object(self) -> Stream:
        return access_stream(
            viewer=self.request.user,
            stream_id=self.kwargs["stream_id"],
            owner_only=self.action != "retrieve",
        )

    def _stream_read_back(self, stream: Stream) -> Stream:
        """The stream as the selectors give it (the owner's follow status annotated)."""
        return access_stream(viewer=self.request.user, stream_id=stream.pk)

    def create(self, request: Request, *args, **kwargs) -> Response:
        serializer = StreamCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        created = stream_create(owner=request.user, **serializer.validated_data)
        stream = self._stream_read_back(created.stream)
        data = KeyedStreamSerializer(
            replace(created, stream=stream), context=self.get_serializer_context()
        ).data
        return Response(data, status=status.HTTP_201_CREATED)

    def partial_update(self, request: Request, *args, **kwargs) -> Response:
        stream = self.get_object()
        serializer = StreamUpdateSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        stream = stream_update(stream=stream, **serializer.validated_data)
        return Response(self.get_serializer(self._stream_read_back(stream)).data)

    def update(self, request: Request, *args, **kwargs) -> Response:
        if not kwargs.get("partial"):
            return self.http_method_not_allowed(request, *args, **kwargs)
        return self.partial_update(request, *args, **kwargs)

    def perform_destroy(self, stream: Stream) -> None:
        stream_delete(stream=stream)

    @action(detail=False, methods=["get"])
    def upcoming(self, request: Request) -> Response:
        return self.list(request)

    @action(detail=True, methods=["post"], url_path="key/rotate", url_name="key-rotate")
    def key_rotate(self, request: Request, stream_id: str) -> Response:
        rotated = stream_key_rotate(stream=self.get_object())
        stream = self._stream_read_back(rotated.stream)
        data = KeyedStreamSerializer(
            replace(rotated, stream=stream), context=self.get_serializer_context()
        ).data
        return Response(data)


@extend_schema_view(
    get=[
        extend_schema(
            operation_id="users_streams_list",
            tags=["live"],
            parameters=[
                OpenApiParameter(
                    "username", str, OpenApiParameter.PATH, description="Whatever its case."
                )
            ],
            summary="A user's streams, newest first",
            description="Anyone, signed in or not. The user's streams the privacy rule "
            "lists for the caller; the user themself sees all of theirs.",
        ),
        raises(
            because(
                NotFound,
                "no such user; or the user is suspended, banned, deactivated or deleted and "
                "the caller is neither staff nor that user; or one of them blocked the other",
            )
        ),
    ]
)
class UserStreamListView(generics.ListAPIView):
    serializer_class = StreamSerializer
    permission_classes = [IsAuthenticatedOrReadOnly]
    ordering = ("-created_at",)

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation
            return Stream.objects.none()
        viewer = self.request.user
        owner = access_user(viewer=viewer, username=self.kwargs["username"])
        return stream_list_for_owner(owner=owner, viewer=viewer)
