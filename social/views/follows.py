"""Follows, follow requests and blocks.

Every endpoint needs a signed-in caller (the default `IsAuthenticated`), as profiles
do. A user the caller may not see (unknown, deleted, banned, or on either side of a
block with the caller) answers 404 `not_found`, as if they did not exist.

Decisions: repeating an action answers the same as the first time with the state as
it is now. Following and blocking are idempotent (201 for a new follow, request or
block; 200 with the existing one), accepting a request too (200 with the follow, also
once accepted); unfollowing, withdrawing a request and unblocking are idempotent (204
also when there was nothing to undo). A private account's followers and following are listed only to
the account itself, its accepted followers and staff; others get 403
`private_account` (the profile itself stays visible, so 404 would be a lie).
"""

from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import generics, status
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.selectors import user_get_by_username
from accounts.serializers.users import UserPublicSerializer
from core.openapi import because, raises
from core.schema import REPEATED_ACTION
from social.exceptions import CannotBlockSelf, CannotFollowSelf, PrivateAccount
from social.models import Block, Follow
from social.selectors import (
    block_list,
    follow_list_followers,
    follow_list_following,
    follow_request_get,
    follow_request_list_incoming,
    follow_user,
    user_follow_lists_get,
)
from social.serializers import BlockSerializer, FollowRequestSerializer, FollowResultSerializer
from social.services.blocks import block_create, block_delete
from social.services.follows import (
    follow_create,
    follow_delete,
    follow_request_accept,
    follow_request_reject,
)

USERNAME = OpenApiParameter(
    "username", str, OpenApiParameter.PATH, description="Whatever its case."
)
FOLLOW_REQUEST_ID = OpenApiParameter(
    "follow_id", str, OpenApiParameter.PATH, description="The request's `id`."
)
USER_NOT_FOUND = because(
    NotFound, "no such user, a deleted or banned one, or either of the two blocked the other"
)
NO_SUCH_USER = because(NotFound, "no such user")
REQUEST_NOT_FOUND = because(
    NotFound,
    "no pending request with this id to the caller: unknown, someone else's, withdrawn or "
    "already answered",
)


class UserFollowView(APIView):
    @extend_schema(
        operation_id="users_follow",
        tags=["follows"],
        parameters=[USERNAME],
        request=None,
        responses={
            201: FollowResultSerializer,
            200: OpenApiResponse(
                FollowResultSerializer,
                description="Already following or requested: the current `status`.",
            ),
        },
        summary="Follow a user, or ask to follow a private account",
        description="A public account is followed at once (`following`: the counters "
        "move and the user hears `new_follower`); a private account gets a request "
        f"(`requested`, the user hears `follow_request`) until it accepts. {REPEATED_ACTION}",
    )
    @raises(CannotFollowSelf, USER_NOT_FOUND)
    def post(self, request: Request, username: str) -> Response:
        followed = user_get_by_username(username=username)
        follow, created = follow_create(follower=request.user, followed=followed)
        result = "following" if follow.status == Follow.Status.ACCEPTED else "requested"
        return Response(
            FollowResultSerializer({"status": result}).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )

    @extend_schema(
        operation_id="users_unfollow",
        tags=["follows"],
        parameters=[USERNAME],
        request=None,
        responses={204: None},
        summary="Unfollow a user, or withdraw a request to follow them",
        description="Idempotent: 204 also when the caller neither follows nor asked to "
        "follow the user.",
    )
    @raises(NO_SUCH_USER)
    def delete(self, request: Request, username: str) -> Response:
        follow_delete(follower=request.user, followed=user_get_by_username(username=username))
        return Response(status=status.HTTP_204_NO_CONTENT)


class FollowUserListView(generics.ListAPIView):
    """A user's followers or following: the users on one `side` of their follows,
    newest follow first, each with the caller's `follow_status`."""

    serializer_class = UserPublicSerializer
    ordering = ("-created_at", "-id")
    side = ""

    def follows(self, *, user, viewer):
        raise NotImplementedError

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation
            return Follow.objects.none()
        viewer = self.request.user
        user = user_follow_lists_get(username=self.kwargs["username"], viewer=viewer)
        return self.follows(user=user, viewer=viewer)

    def list(self, request: Request, *args, **kwargs) -> Response:
        rows = self.paginate_queryset(self.get_queryset())
        users = [follow_user(row, side=self.side) for row in rows]
        return self.get_paginated_response(self.get_serializer(users, many=True).data)


LIST_RULES = (
    "Newest follow first; users the caller may not see (deleted, banned, on either side "
    "of a block with the caller) are left out, except for staff. A private account's "
    "list is shown only to the account, its accepted followers and staff. Each user "
    "carries the caller's `follow_status`."
)
LIST_ERRORS = raises(
    because(
        PrivateAccount,
        "the account is private, and the caller is not one of its accepted followers or staff",
    ),
    USER_NOT_FOUND,
)


@extend_schema_view(
    get=[
        extend_schema(
            operation_id="users_followers",
            tags=["follows"],
            parameters=[USERNAME],
            summary="A user's followers",
            description="The user's accepted followers. " + LIST_RULES,
        ),
        LIST_ERRORS,
    ]
)
class UserFollowerListView(FollowUserListView):
    side = "follower"

    def follows(self, *, user, viewer):
        return follow_list_followers(user=user, viewer=viewer)


@extend_schema_view(
    get=[
        extend_schema(
            operation_id="users_following",
            tags=["follows"],
            parameters=[USERNAME],
            summary="The accounts a user follows",
            description="The accounts that accepted the user's follow. " + LIST_RULES,
        ),
        LIST_ERRORS,
    ]
)
class UserFollowingListView(FollowUserListView):
    side = "followed"

    def follows(self, *, user, viewer):
        return follow_list_following(user=user, viewer=viewer)


@extend_schema_view(
    get=extend_schema(
        operation_id="follow_requests_list",
        tags=["follows"],
        summary="Pending requests to follow the caller",
        description="Newest first; `user` is the requester, with the caller's own "
        "`follow_status` of them.",
    )
)
class FollowRequestListView(generics.ListAPIView):
    serializer_class = FollowRequestSerializer
    ordering = ("-created_at", "-id")

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation
            return Follow.objects.none()
        return follow_request_list_incoming(user=self.request.user)


class FollowRequestAcceptView(APIView):
    @extend_schema(
        operation_id="follow_requests_accept",
        tags=["follows"],
        parameters=[FOLLOW_REQUEST_ID],
        request=None,
        responses={200: FollowRequestSerializer},
        summary="Accept a request to follow the caller",
        description="The follow becomes `accepted`, the counters move and the requester "
        "hears `follow_accepted`. Idempotent: accepting an accepted follow of the caller "
        "answers the same 200 and changes nothing.",
    )
    @raises(
        because(
            NotFound,
            "no request or follow with this id to the caller: unknown, someone else's, "
            "withdrawn or refused",
        )
    )
    def post(self, request: Request, follow_id: str) -> Response:
        follow = follow_request_accept(user=request.user, follow_id=follow_id)
        follow = follow_request_get(user=request.user, follow_id=follow.pk)
        return Response(FollowRequestSerializer(follow, context={"request": request}).data)


class FollowRequestRejectView(APIView):
    @extend_schema(
        operation_id="follow_requests_reject",
        tags=["follows"],
        parameters=[FOLLOW_REQUEST_ID],
        request=None,
        responses={204: None},
        summary="Refuse a request to follow the caller",
        description="The request is deleted; the requester is not told and may ask again.",
    )
    @raises(REQUEST_NOT_FOUND)
    def post(self, request: Request, follow_id: str) -> Response:
        follow_request_reject(user=request.user, follow_id=follow_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


class UserBlockView(APIView):
    @extend_schema(
        operation_id="users_block",
        tags=["blocks"],
        parameters=[USERNAME],
        request=None,
        responses={201: BlockSerializer, 200: BlockSerializer},
        summary="Block a user",
        description="Removes the follows and follow requests between the two, either "
        "way (the counters move back). From then on neither sees the other's profile, "
        "videos or comments (404), nor can follow or reach the other. Idempotent: 201 "
        "with the new block, 200 with the existing one.",
    )
    @raises(CannotBlockSelf, because(NotFound, "no such user, or a deleted or banned one"))
    def post(self, request: Request, username: str) -> Response:
        blocked = user_get_by_username(username=username)
        block, created = block_create(blocker=request.user, blocked=blocked)
        return Response(
            BlockSerializer(block, context={"request": request}).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )

    @extend_schema(
        operation_id="users_unblock",
        tags=["blocks"],
        parameters=[USERNAME],
        request=None,
        responses={204: None},
        summary="Unblock a user",
        description="Follows the block removed do not come back. Idempotent: 204 also "
        "when the caller had not blocked the user.",
    )
    @raises(NO_SUCH_USER)
    def delete(self, request: Request, username: str) -> Response:
        block_delete(blocker=request.user, blocked=user_get_by_username(username=username))
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema_view(
    get=extend_schema(
        operation_id="blocks_list",
        tags=["blocks"],
        summary="The users the caller blocked",
        description="Newest first.",
    )
)
class BlockListView(generics.ListAPIView):
    serializer_class = BlockSerializer
    ordering = ("-created_at", "-id")

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation
            return Block.objects.none()
        return block_list(user=self.request.user)
