"""A stream's chat: polling and posting messages, and its moderation.

Whoever may see the stream reads its chat (anonymous callers too, for public streams);
signed-in users post, refused with the stable codes of `livestream.exceptions`. The
owner, the moderators the owner names, and staff moderate: delete messages, time users
out, ban and unban them; the owner and staff name the moderators. As with the owner's
operations on a stream (`views/streams.py`, `NOT_OWNER`), anyone else gets 404, as if
the stream were not theirs; what a moderator may not do to the owner or another
moderator is a 403 (`chat_target_protected`).
"""

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, status
from rest_framework.exceptions import NotFound
from rest_framework.permissions import IsAuthenticated, IsAuthenticatedOrReadOnly
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import User
from accounts.selectors import access_user, user_get_by_username
from core.openapi import because, raises
from livestream.exceptions import (
    INVALID_CHAT_CURSOR,
    ChatBanned,
    ChatBlocked,
    ChatClosed,
    ChatFollowersOnly,
    ChatRateLimited,
    ChatSlowMode,
    ChatSubscribersOnly,
    ChatTargetProtected,
    ChatTimedOut,
    ModeratorIsOwner,
)
from livestream.models import ChatBan, StreamModerator
from livestream.selectors.chat import (
    access_chat_message,
    access_stream_moderated,
    chat_ban_list,
    chat_message_page,
    stream_moderator_list,
    stream_user_moderates,
)
from livestream.selectors.streams import access_stream
from livestream.serializers.chat import (
    ChatBanCreateSerializer,
    ChatBanSerializer,
    ChatListQuerySerializer,
    ChatMessageCreateSerializer,
    ChatMessageSerializer,
    ChatPageSerializer,
    ChatTimeoutCreateSerializer,
    ChatTimeoutSerializer,
    ChatUsernameSerializer,
    StreamModeratorSerializer,
)
from livestream.services.chat import (
    chat_ban_create,
    chat_ban_delete,
    chat_message_delete,
    chat_message_post,
    chat_timeout_create,
    stream_moderator_add,
    stream_moderator_remove,
)

NOT_FOUND = because(NotFound, "the stream does not exist or the caller may not see it")
NOT_MODERATOR = because(
    NotFound, "the stream does not exist, or the caller neither owns nor moderates it"
)
NOT_MANAGER = because(NotFound, "the stream does not exist or is not the caller's")
NO_SUCH_USER = because(NotFound, "no such stream the caller moderates, or no such user")
USERNAME = OpenApiParameter(
    "username", str, OpenApiParameter.PATH, description="Whatever its case."
)
TAGS = ["live"]


def _target(username: str) -> User:
    """The user a moderator names, whatever their status (a ban holds for anyone)."""
    return user_get_by_username(username=username)


class StreamChatView(generics.GenericAPIView):
    serializer_class = ChatMessageSerializer
    pagination_class = None  # the chat's own cursor (`after`, `next_cursor`)
    permission_classes = [IsAuthenticatedOrReadOnly]

    def get_throttles(self):
        # Players poll every 1-2 s and an up-to-date poll reads one stream row: a
        # throttle's own cache read and write would cost more than the poll it guards.
        # Posting stays throttled (and rate-limited per user in the chat's rules).
        if self.request.method == "GET":
            return []
        return super().get_throttles()

    @extend_schema(
        operation_id="live_chat_list",
        tags=TAGS,
        summary="Poll a stream's chat",
        parameters=[ChatListQuerySerializer],
        responses={200: ChatPageSerializer},
        description="Anyone who may see the stream. Up to `limit` (default 100) messages "
        "newer than `after`, oldest first, and `next_cursor` to poll with next (every 1-2 "
        "s); without `after`, the newest ones. A poll with nothing new reads no message "
        "at all. Deleted messages, and those of users the caller may not see (suspended, "
        "banned, or on either side of a block with the caller), are left out.",
    )
    @raises(ChatListQuerySerializer, NOT_FOUND, INVALID_CHAT_CURSOR)
    def get(self, request: Request, stream_id: str) -> Response:
        query = ChatListQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        stream = access_stream(viewer=request.user, stream_id=stream_id)
        page = chat_message_page(stream=stream, viewer=request.user, **query.validated_data)
        return Response(ChatPageSerializer(page, context={"request": request}).data)

    @extend_schema(
        operation_id="live_chat_post",
        tags=TAGS,
        summary="Post in a stream's chat",
        request=ChatMessageCreateSerializer,
        responses={201: ChatMessageSerializer},
        description="Signed-in users who may see the stream, while it is live and for "
        "`LIVE_CHAT_OPEN_AFTER_END_SECONDS` (10 minutes) after its broadcast ends. The "
        "stream's owner, its moderators and staff are exempt from the chat mode and slow "
        "mode. `slow_mode`, `chat_rate_limited` and `chat_timed_out` come with "
        "`Retry-After` (seconds).",
    )
    @raises(
        NOT_FOUND,
        ChatClosed,
        ChatBlocked,
        ChatBanned,
        ChatTimedOut,
        ChatFollowersOnly,
        ChatSubscribersOnly,
        ChatSlowMode,
        ChatRateLimited,
    )
    def post(self, request: Request, stream_id: str) -> Response:
        body = ChatMessageCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        stream = access_stream(viewer=request.user, stream_id=stream_id)
        message = chat_message_post(
            stream=stream, author=request.user, text=body.validated_data["text"]
        )
        return Response(ChatMessageSerializer(message).data, status=status.HTTP_201_CREATED)


class StreamChatMessageView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="live_chat_delete",
        tags=TAGS,
        summary="Delete a chat message (its author, or a moderator)",
        responses={204: None},
        description="The stream's owner, its moderators and staff delete any message; "
        "an author their own. The message is no longer shown to anyone.",
    )
    @raises(
        because(
            NotFound,
            "the stream or the message does not exist (or was deleted), or the caller "
            "may neither moderate the stream nor wrote the message",
        )
    )
    def delete(self, request: Request, stream_id: str, message_id: str) -> Response:
        stream = access_stream(viewer=request.user, stream_id=stream_id)
        message = access_chat_message(stream=stream, message_id=message_id)
        if message.author_id != request.user.pk and not stream_user_moderates(
            stream=stream, user=request.user
        ):
            raise NotFound()
        chat_message_delete(message=message, by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class StreamChatTimeoutView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="live_chat_timeouts_create",
        tags=TAGS,
        summary="Time a user out of a stream's chat (a moderator)",
        request=ChatTimeoutCreateSerializer,
        responses={201: ChatTimeoutSerializer},
        description="The user may not post for `minutes` from now (`chat_timed_out`).",
    )
    @raises(NO_SUCH_USER, ChatTargetProtected)
    def post(self, request: Request, stream_id: str) -> Response:
        body = ChatTimeoutCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        stream = access_stream_moderated(viewer=request.user, stream_id=stream_id)
        timeout = chat_timeout_create(
            stream=stream,
            moderator=request.user,
            target=_target(body.validated_data["username"]),
            minutes=body.validated_data["minutes"],
        )
        return Response(ChatTimeoutSerializer(timeout).data, status=status.HTTP_201_CREATED)


class StreamChatBanListView(generics.ListAPIView):
    serializer_class = ChatBanSerializer
    permission_classes = [IsAuthenticated]
    ordering = ("-created_at",)

    def get_queryset(self) -> QuerySet[ChatBan]:
        if getattr(self, "swagger_fake_view", False):  # schema generation
            return ChatBan.objects.none()
        stream = access_stream_moderated(
            viewer=self.request.user, stream_id=self.kwargs["stream_id"]
        )
        return chat_ban_list(stream=stream)

    @extend_schema(
        operation_id="live_chat_bans_list",
        tags=TAGS,
        summary="A stream's chat bans, newest first (a moderator)",
    )
    @raises(NOT_MODERATOR)
    def get(self, request: Request, *args, **kwargs) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(
        operation_id="live_chat_bans_create",
        tags=TAGS,
        summary="Ban a user from a stream's chat (a moderator)",
        request=ChatBanCreateSerializer,
        responses={201: ChatBanSerializer, 200: ChatBanSerializer},
        description="Until unbanned, the user may not post (`chat_banned`). Banning "
        "again answers 200 with the standing ban.",
    )
    @raises(NO_SUCH_USER, ChatTargetProtected)
    def post(self, request: Request, stream_id: str) -> Response:
        body = ChatBanCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        stream = access_stream_moderated(viewer=request.user, stream_id=stream_id)
        ban, created = chat_ban_create(
            stream=stream,
            moderator=request.user,
            target=_target(body.validated_data["username"]),
            reason=body.validated_data["reason"],
        )
        return Response(
            ChatBanSerializer(ban).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )


class StreamChatBanView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="live_chat_bans_delete",
        tags=TAGS,
        summary="Lift a user's chat ban (a moderator)",
        parameters=[USERNAME],
        responses={204: None},
        description="Answers 204 whether or not the user was banned.",
    )
    @raises(NO_SUCH_USER)
    def delete(self, request: Request, stream_id: str, username: str) -> Response:
        stream = access_stream_moderated(viewer=request.user, stream_id=stream_id)
        chat_ban_delete(stream=stream, target=_target(username))
        return Response(status=status.HTTP_204_NO_CONTENT)


class StreamModeratorListView(generics.ListAPIView):
    serializer_class = StreamModeratorSerializer
    permission_classes = [IsAuthenticated]
    ordering = ("-created_at",)

    def get_queryset(self) -> QuerySet[StreamModerator]:
        if getattr(self, "swagger_fake_view", False):  # schema generation
            return StreamModerator.objects.none()
        stream = access_stream_moderated(
            viewer=self.request.user, stream_id=self.kwargs["stream_id"]
        )
        return stream_moderator_list(stream=stream)

    @extend_schema(
        operation_id="live_moderators_list",
        tags=TAGS,
        summary="A stream's moderators, newest first (its owner and moderators)",
    )
    @raises(NOT_MODERATOR)
    def get(self, request: Request, *args, **kwargs) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(
        operation_id="live_moderators_create",
        tags=TAGS,
        summary="Name a moderator of a stream's chat (its owner)",
        request=ChatUsernameSerializer,
        responses={201: StreamModeratorSerializer, 200: StreamModeratorSerializer},
        description="Naming the same user again answers 200 with them.",
    )
    @raises(
        because(
            NotFound,
            "the stream does not exist or is not the caller's, or no such user (or one "
            "the caller may not see)",
        ),
        ModeratorIsOwner,
    )
    def post(self, request: Request, stream_id: str) -> Response:
        body = ChatUsernameSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        stream = access_stream_moderated(viewer=request.user, stream_id=stream_id, managing=True)
        user = access_user(viewer=request.user, username=body.validated_data["username"])
        added = stream_moderator_add(stream=stream, user=user)
        return Response(
            StreamModeratorSerializer(added.moderator).data,
            status=status.HTTP_201_CREATED if added.created else status.HTTP_200_OK,
        )


class StreamModeratorView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="live_moderators_delete",
        tags=TAGS,
        summary="A user no longer moderates a stream's chat (its owner)",
        parameters=[USERNAME],
        responses={204: None},
        description="Answers 204 whether or not the user was a moderator.",
    )
    @raises(because(NotFound, "the stream does not exist or is not the caller's, or no such user"))
    def delete(self, request: Request, stream_id: str, username: str) -> Response:
        stream = access_stream_moderated(viewer=request.user, stream_id=stream_id, managing=True)
        stream_moderator_remove(stream=stream, user=_target(username))
        return Response(status=status.HTTP_204_NO_CONTENT)
