"""Likes, bookmarks and shares of videos.

Everything follows the video: a video the caller may not see (the privacy rule of
`videos.selectors`, blocks either way with its owner included), or one that is not
ready, answers 404 `not_found`, as if it did not exist.

Decisions: liking and bookmarking are idempotent, 201 when they add something and 200
when it was already there (the same body); undoing them is idempotent too (204 also
when there was nothing to undo). A video's likers are listed to anyone who may see
the video, as its like count is: liking is public. Sharing needs no sign-in (links
are shared by anyone who can see the video), and is throttled per client
(`THROTTLE_SHARE_RATE`).
"""

from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import generics, status
from rest_framework.exceptions import NotFound
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.serializers.users import UserPublicSerializer
from core.openapi import because, raises
from core.throttling import ScopedRateThrottle
from social.models import SHARE_CHANNELS, Bookmark, VideoLike
from social.selectors import access_video_engage, bookmark_list, follow_user, video_like_list
from social.serializers import (
    BookmarkResultSerializer,
    ShareCreateSerializer,
    ShareResultSerializer,
    VideoLikeResultSerializer,
)
from social.services.engagement import (
    video_bookmark,
    video_like,
    video_share,
    video_unbookmark,
    video_unlike,
)
from videos.serializers import VideoSerializer

VIDEO_ID = OpenApiParameter("video_id", str, OpenApiParameter.PATH, description="The video.")
VIDEO_NOT_FOUND = because(
    NotFound,
    "no such video, one that is not ready, or one the caller may not see, e.g. when the "
    "caller and its owner blocked one another",
)


class VideoLikeView(APIView):
    @extend_schema(
        operation_id="videos_like",
        tags=["likes"],
        parameters=[VIDEO_ID],
        request=None,
        responses={201: VideoLikeResultSerializer, 200: VideoLikeResultSerializer},
        summary="Like a video",
        description="Idempotent: liking twice is one like. 201 when this added the "
        "like (the owner hears `video_like`, grouped per video), 200 when the caller "
        "already liked it.",
    )
    @raises(VIDEO_NOT_FOUND)
    def post(self, request: Request, video_id: str) -> Response:
        video = access_video_engage(viewer=request.user, video_id=video_id)
        result = video_like(video=video, user=request.user)
        body = VideoLikeResultSerializer({"liked": True, "like_count": result.like_count})
        return Response(
            body.data, status=status.HTTP_201_CREATED if result.created else status.HTTP_200_OK
        )

    @extend_schema(
        operation_id="videos_unlike",
        tags=["likes"],
        parameters=[VIDEO_ID],
        request=None,
        responses={204: None},
        summary="Take back a like of a video",
        description="Idempotent: 204 also when the caller did not like it. Nobody is notified.",
    )
    @raises(VIDEO_NOT_FOUND)
    def delete(self, request: Request, video_id: str) -> Response:
        video = access_video_engage(viewer=request.user, video_id=video_id)
        video_unlike(video=video, user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema_view(
    get=[
        extend_schema(
            operation_id="videos_likes_list",
            tags=["likes"],
            parameters=[VIDEO_ID],
            summary="The users who liked a video, latest like first",
            description="Anyone who may see the video, signed in or not (likes are public, "
            "as the count is). Users the caller may not see (deleted, banned, on either "
            "side of a block with the caller) are left out, except for staff. Each user "
            "carries the caller's `follow_status`.",
        ),
        raises(VIDEO_NOT_FOUND),
    ]
)
class VideoLikeListView(generics.ListAPIView):
    permission_classes = [AllowAny]
    serializer_class = UserPublicSerializer
    ordering = ("-created_at", "-id")

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation
            return VideoLike.objects.none()
        viewer = self.request.user
        video = access_video_engage(viewer=viewer, video_id=self.kwargs["video_id"])
        return video_like_list(video=video, viewer=viewer)

    def list(self, request: Request, *args, **kwargs) -> Response:
        rows = self.paginate_queryset(self.get_queryset())
        users = [follow_user(row, side="user") for row in rows]
        return self.get_paginated_response(self.get_serializer(users, many=True).data)


class VideoBookmarkView(APIView):
    @extend_schema(
        operation_id="videos_bookmark",
        tags=["bookmarks"],
        parameters=[VIDEO_ID],
        request=None,
        responses={201: BookmarkResultSerializer, 200: BookmarkResultSerializer},
        summary="Bookmark a video",
        description="Idempotent: 201 when this added the bookmark, 200 when it was already there.",
    )
    @raises(VIDEO_NOT_FOUND)
    def post(self, request: Request, video_id: str) -> Response:
        video = access_video_engage(viewer=request.user, video_id=video_id)
        created = video_bookmark(video=video, user=request.user)
        return Response(
            BookmarkResultSerializer({"bookmarked": True}).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )

    @extend_schema(
        operation_id="videos_unbookmark",
        tags=["bookmarks"],
        parameters=[VIDEO_ID],
        request=None,
        responses={204: None},
        summary="Remove a bookmark",
        description="Idempotent: 204 also when the video was not bookmarked.",
    )
    @raises(VIDEO_NOT_FOUND)
    def delete(self, request: Request, video_id: str) -> Response:
        video = access_video_engage(viewer=request.user, video_id=video_id)
        video_unbookmark(video=video, user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema_view(
    get=extend_schema(
        operation_id="bookmarks_list",
        tags=["bookmarks"],
        summary="The caller's bookmarked videos, latest bookmark first",
        description="Each video as the videos endpoints show it. Bookmarks of videos the "
        "caller may no longer see (made private, owner banned, a block, ...) are left "
        "out but kept: they show again if the video becomes visible.",
    )
)
class BookmarkListView(generics.ListAPIView):
    serializer_class = VideoSerializer
    ordering = ("-created_at", "-id")

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation
            return Bookmark.objects.none()
        return bookmark_list(user=self.request.user)

    def list(self, request: Request, *args, **kwargs) -> Response:
        rows = self.paginate_queryset(self.get_queryset())
        videos = [row.video for row in rows if row.video is not None]
        return self.get_paginated_response(self.get_serializer(videos, many=True).data)


class VideoShareView(APIView):
    permission_classes = [AllowAny]
    throttle_classes = [*APIView.throttle_classes, ScopedRateThrottle]
    throttle_scope = "share"

    @extend_schema(
        operation_id="videos_share",
        tags=["shares"],
        parameters=[VIDEO_ID],
        request=ShareCreateSerializer,
        responses={201: ShareResultSerializer},
        summary="Share a video: record the share and get its address",
        description="Anyone who may see the video, signed in or not. Each call records "
        "a share and adds one to `share_count`; `share_url` is the video's address in "
        "the web app. `channel` (optional): "
        + ", ".join(f"`{channel}`" for channel in SHARE_CHANNELS)
        + ". Throttled per client (the account, else the address): `throttled` (429).",
    )
    @raises(VIDEO_NOT_FOUND)
    def post(self, request: Request, video_id: str) -> Response:
        video = access_video_engage(viewer=request.user, video_id=video_id)
        body = ShareCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        result = video_share(
            video=video, user=request.user, channel=body.validated_data.get("channel", "")
        )
        return Response(
            ShareResultSerializer(
                {"share_url": result.share_url, "share_count": result.share_count}
            ).data,
            status=status.HTTP_201_CREATED,
        )
