"""Comments on videos (threads, likes, pins) and abuse reports.

Reading comments needs no sign-in; writing does. Everything about a comment follows
its video: a comment on a video the caller may not see answers 404 `not_found`, as do
comments the caller may not see (hidden by staff, by a user on either side of a block
with them, or deleted).

Decisions: the pinned comment comes first on the first page of a video's comments
(the page asked for without a cursor) and is left out of the pages that follow, so
the cursor walks the other comments only. Comments cannot be posted on a video with
comments off (403 `comments_disabled`); those already there stay readable. The
action endpoints (`like`, `pin`, both POST and DELETE) answer 200 with the comment as
it is now. A report's target that does not exist or that the reporter may not see
answers 400 `invalid_target` on `target_id` (it is a body field, not a URL).
"""

from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import generics, status
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.permissions import IsAuthenticated, IsAuthenticatedOrReadOnly
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.permissions import IsModerator
from core.openapi import because, raises
from social.exceptions import (
    INVALID_PARENT,
    INVALID_TARGET,
    CannotPinReply,
    CannotReportOwn,
    CommentsDisabled,
    EditWindowClosed,
)
from social.models import COMMENT_ORDERINGS, Comment, Report
from social.selectors import (
    REPLY_ORDERING,
    access_comment,
    comment_as_posted,
    comment_list_for_video,
    comment_list_replies,
    report_list_for_review,
)
from social.serializers import (
    CommentCreateSerializer,
    CommentListQuerySerializer,
    CommentSerializer,
    CommentUpdateSerializer,
    ReportCreateSerializer,
    ReportListQuerySerializer,
    ReportReviewSerializer,
    ReportSerializer,
)
from social.services.comments import (
    EDIT_WINDOW,
    MENTIONS_MAX,
    comment_create,
    comment_delete,
    comment_like,
    comment_pin,
    comment_unlike,
    comment_unpin,
    comment_update,
)
from social.services.reports import report_create
from videos.selectors import access_video

VIDEO_ID = OpenApiParameter("video_id", str, OpenApiParameter.PATH, description="The video.")
COMMENT_ID = OpenApiParameter("comment_id", str, OpenApiParameter.PATH, description="The comment.")
VIDEO_NOT_FOUND = because(NotFound, "no such video, or the caller may not see it")
COMMENT_NOT_FOUND = because(
    NotFound,
    "no such comment, a deleted one, or one the caller may not see: on a video they may "
    "not see, hidden by staff, or by someone on either side of a block with them",
)
NOT_THE_VIDEO_OWNER = because(PermissionDenied, "not the video's owner")


def _comment_response(request: Request, comment: Comment, *, code: int = 200) -> Response:
    """The comment as the caller sees it now, annotated (read again after a write)."""
    comment = access_comment(viewer=request.user, comment_id=comment.pk)
    return Response(CommentSerializer(comment, context={"request": request}).data, status=code)


class VideoCommentListView(generics.GenericAPIView):
    queryset = Comment.objects.none()  # the selectors give the rows; this names the model
    permission_classes = [IsAuthenticatedOrReadOnly]
    serializer_class = CommentSerializer
    ordering = COMMENT_ORDERINGS["newest"]

    @extend_schema(
        operation_id="videos_comments_list",
        tags=["comments"],
        parameters=[
            VIDEO_ID,
            OpenApiParameter(
                "ordering",
                str,
                enum=list(COMMENT_ORDERINGS),
                description="`newest` (the default) or `top` (most liked first).",
            ),
        ],
        responses={200: CommentSerializer(many=True)},
        summary="A video's top-level comments",
        description="Anyone who may see the video. Newest first, or most liked first "
        "with `ordering=top` (ties by id). The pinned comment comes first on the first "
        "page (asked for without a cursor) and not on later ones. A deleted comment shows "
        "(as `deleted`, without author or text) while it has replies; comments hidden by "
        "staff, and those of users on either side of a block with the caller, are left "
        "out.",
    )
    @raises(CommentListQuerySerializer, VIDEO_NOT_FOUND)
    def get(self, request: Request, video_id: str) -> Response:
        video = access_video(viewer=request.user, video_id=video_id, annotated=False)
        query = CommentListQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        self.ordering = COMMENT_ORDERINGS[query.validated_data["ordering"]]
        comments = comment_list_for_video(video=video, viewer=request.user)
        page = self.paginate_queryset(comments.filter(is_pinned=False))
        if not self.paginator.has_cursor:
            page = [*comments.filter(is_pinned=True)[:1], *page]
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @extend_schema(
        operation_id="videos_comments_create",
        tags=["comments"],
        parameters=[VIDEO_ID],
        request=CommentCreateSerializer,
        responses={201: CommentSerializer},
        summary="Comment on a video, or reply to a comment",
        description="Signed in, on a video the caller may see. With `parent`, a reply: "
        "threads are one level deep, so a reply to a reply joins the same thread (its "
        "`parent` is the top-level comment) and mentions the author it answers. "
        f"`@username` mentions (the first {MENTIONS_MAX} distinct ones) are linked to "
        "accounts that may see the video and have no block with the caller; others stay "
        "text. The video's owner hears `video_comment` (top-level comments), the "
        "thread's author `comment_reply`, each linked user `mention`.",
    )
    @raises(
        because(
            INVALID_PARENT,
            "no such comment on this video, or deleted, hidden or not visible to the caller",
        ),
        because(CommentsDisabled, "the owner turned comments off"),
        VIDEO_NOT_FOUND,
    )
    def post(self, request: Request, video_id: str) -> Response:
        video = access_video(viewer=request.user, video_id=video_id, annotated=False)
        body = CommentCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        comment = comment_create(
            author=request.user,
            video=video,
            text=body.validated_data["text"],
            parent_id=body.validated_data.get("parent"),
        )
        comment = comment_as_posted(comment=comment)
        posted = CommentSerializer(comment, context={"request": request})
        return Response(posted.data, status=status.HTTP_201_CREATED)


@extend_schema_view(
    get=[
        extend_schema(
            operation_id="comments_replies_list",
            tags=["comments"],
            parameters=[COMMENT_ID],
            summary="The replies in a comment's thread, oldest first",
            description="Anyone who may see the comment; a deleted comment's thread stays "
            "readable. A reply has no replies of its own (an empty list). Replies hidden "
            "by staff or by users on either side of a block with the caller are left out.",
        ),
        raises(COMMENT_NOT_FOUND),
    ]
)
class CommentReplyListView(generics.ListAPIView):
    permission_classes = [IsAuthenticatedOrReadOnly]
    serializer_class = CommentSerializer
    ordering = REPLY_ORDERING

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation
            return Comment.objects.none()
        viewer = self.request.user
        thread = access_comment(
            viewer=viewer, comment_id=self.kwargs["comment_id"], deleted=True, annotated=False
        )
        return comment_list_replies(comment=thread, viewer=viewer)


class CommentDetailView(APIView):
    permission_classes = [IsAuthenticatedOrReadOnly]
    patch_is_partial = False  # an edit sends the whole text (core.openapi)

    @extend_schema(
        operation_id="comments_retrieve",
        tags=["comments"],
        parameters=[COMMENT_ID],
        responses={200: CommentSerializer},
        summary="A comment",
    )
    @raises(COMMENT_NOT_FOUND)
    def get(self, request: Request, comment_id: str) -> Response:
        return _comment_response(
            request, access_comment(viewer=request.user, comment_id=comment_id)
        )

    @extend_schema(
        operation_id="comments_update",
        tags=["comments"],
        parameters=[COMMENT_ID],
        request=CommentUpdateSerializer,
        responses={200: CommentSerializer},
        summary="Edit one's own comment",
        description="Its author only, within "
        f"{int(EDIT_WINDOW.total_seconds() // 3600)} hours of posting it; it then shows "
        "as `edited` with `edited_at`. Mentions are read again; users mentioned for the "
        "first time hear `mention`.",
    )
    @raises(
        because(PermissionDenied, "not the author"),
        because(EditWindowClosed, "too late"),
        COMMENT_NOT_FOUND,
    )
    def patch(self, request: Request, comment_id: str) -> Response:
        comment = access_comment(viewer=request.user, comment_id=comment_id, annotated=False)
        body = CommentUpdateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        comment = comment_update(
            comment=comment, editor=request.user, text=body.validated_data["text"]
        )
        return _comment_response(request, comment)

    @extend_schema(
        operation_id="comments_delete",
        tags=["comments"],
        parameters=[COMMENT_ID],
        request=None,
        responses={204: None},
        summary="Delete a comment (its author, the video's owner or staff)",
        description="The comment stops counting and shows as deleted, without its text "
        "(kept for staff reviewing reports on it); a top-level comment with replies keeps "
        "its thread. Idempotent: deleting a deleted comment answers 204 again to those who "
        "may delete it.",
    )
    @raises(
        because(PermissionDenied, "not its author, the video's owner or staff"),
        COMMENT_NOT_FOUND,
    )
    def delete(self, request: Request, comment_id: str) -> Response:
        comment = access_comment(
            viewer=request.user, comment_id=comment_id, deleted=True, annotated=False
        )
        comment_delete(comment=comment, actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class CommentPinView(APIView):
    @extend_schema(
        operation_id="comments_pin",
        tags=["comments"],
        parameters=[COMMENT_ID],
        request=None,
        responses={200: CommentSerializer},
        summary="Pin a comment on one's own video",
        description="The video's owner only; top-level comments only. A video has one "
        "pinned comment: pinning another unpins the previous one.",
    )
    @raises(NOT_THE_VIDEO_OWNER, CannotPinReply, COMMENT_NOT_FOUND)
    def post(self, request: Request, comment_id: str) -> Response:
        comment = access_comment(viewer=request.user, comment_id=comment_id, annotated=False)
        return _comment_response(request, comment_pin(comment=comment, actor=request.user))

    @extend_schema(
        operation_id="comments_unpin",
        tags=["comments"],
        parameters=[COMMENT_ID],
        request=None,
        responses={200: CommentSerializer},
        summary="Unpin a comment",
        description="The video's owner only; idempotent.",
    )
    @raises(NOT_THE_VIDEO_OWNER, COMMENT_NOT_FOUND)
    def delete(self, request: Request, comment_id: str) -> Response:
        comment = access_comment(viewer=request.user, comment_id=comment_id, annotated=False)
        return _comment_response(request, comment_unpin(comment=comment, actor=request.user))


class CommentLikeView(APIView):
    @extend_schema(
        operation_id="comments_like",
        tags=["comments"],
        parameters=[COMMENT_ID],
        request=None,
        responses={200: CommentSerializer},
        summary="Like a comment",
        description="Idempotent: liking twice is one like. The author hears `comment_like`.",
    )
    @raises(COMMENT_NOT_FOUND)
    def post(self, request: Request, comment_id: str) -> Response:
        comment = access_comment(viewer=request.user, comment_id=comment_id, annotated=False)
        comment_like(comment=comment, user=request.user)
        return _comment_response(request, comment)

    @extend_schema(
        operation_id="comments_unlike",
        tags=["comments"],
        parameters=[COMMENT_ID],
        request=None,
        responses={200: CommentSerializer},
        summary="Take back a like of a comment",
        description="Idempotent.",
    )
    @raises(COMMENT_NOT_FOUND)
    def delete(self, request: Request, comment_id: str) -> Response:
        comment = access_comment(viewer=request.user, comment_id=comment_id, annotated=False)
        comment_unlike(comment=comment, user=request.user)
        return _comment_response(request, comment)


class ReportListView(generics.GenericAPIView):
    queryset = Report.objects.none()  # the selectors give the rows; this names the model
    serializer_class = ReportReviewSerializer
    ordering = ("-created_at", "-id")

    def get_permissions(self):
        if self.request is not None and self.request.method == "GET":
            return [IsModerator()]
        return [IsAuthenticated()]

    @extend_schema(
        operation_id="reports_list",
        tags=["reports"],
        parameters=[
            OpenApiParameter(
                "status",
                str,
                enum=list(Report.Status.values),
                description="`open` (the default: the review queue), `dismissed` or `actioned`.",
            )
        ],
        responses={200: ReportReviewSerializer(many=True)},
        summary="Reports for staff review, newest first",
        description="Moderators and admins only. Each report comes with its reporter and a "
        "summary of its target (`exists` is false once the target is deleted).",
    )
    @raises(ReportListQuerySerializer, because(PermissionDenied, "not staff"))
    def get(self, request: Request) -> Response:
        query = ReportListQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        page = self.paginate_queryset(report_list_for_review(status=query.validated_data["status"]))
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @extend_schema(
        operation_id="reports_create",
        tags=["reports"],
        request=ReportCreateSerializer,
        responses={201: ReportSerializer, 200: ReportSerializer},
        summary="Report a video, a comment or an account",
        description="Signed in. Videos and comments must be ones the caller may see; "
        "accounts can be reported whatever blocks stand between them. Staff review "
        "reports in the admin. Idempotent: while the caller's report on the target is "
        "open, reporting it again answers 200 with that report as filed (201 for a new "
        "one).",
    )
    @raises(
        because(INVALID_TARGET, "nothing of `target_type` with this id that the caller may see"),
        because(CannotReportOwn, "oneself or one's own content"),
    )
    def post(self, request: Request) -> Response:
        body = ReportCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        report, created = report_create(reporter=request.user, **body.validated_data)
        return Response(
            ReportSerializer(report).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )
