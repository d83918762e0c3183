"""Social app: API routes, mounted under /api/v1/."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from social.views import comments, engagement, follows

router = SimpleRouter()

urlpatterns = [
    # Follows and blocks (views/follows.py)
    path("users/<username:username>/follow/", follows.UserFollowView.as_view(), name="user-follow"),
    path(
        "users/<username:username>/followers/",
        follows.UserFollowerListView.as_view(),
        name="user-followers",
    ),
    path(
        "users/<username:username>/following/",
        follows.UserFollowingListView.as_view(),
        name="user-following",
    ),
    path("follow-requests/", follows.FollowRequestListView.as_view(), name="follow-request-list"),
    path(
        "follow-requests/<str:follow_id>/accept/",
        follows.FollowRequestAcceptView.as_view(),
        name="follow-request-accept",
    ),
    path(
        "follow-requests/<str:follow_id>/reject/",
        follows.FollowRequestRejectView.as_view(),
        name="follow-request-reject",
    ),
    path("users/<username:username>/block/", follows.UserBlockView.as_view(), name="user-block"),
    path("blocks/", follows.BlockListView.as_view(), name="block-list"),
    # Likes, bookmarks and shares (views/engagement.py)
    path("videos/<str:video_id>/like/", engagement.VideoLikeView.as_view(), name="video-like"),
    path(
        "videos/<str:video_id>/likes/", engagement.VideoLikeListView.as_view(), name="video-likes"
    ),
    path(
        "videos/<str:video_id>/bookmark/",
        engagement.VideoBookmarkView.as_view(),
        name="video-bookmark",
    ),
    path("bookmarks/", engagement.BookmarkListView.as_view(), name="bookmark-list"),
    path("videos/<str:video_id>/share/", engagement.VideoShareView.as_view(), name="video-share"),
    # Comments and reports (views/comments.py)
    path(
        "videos/<str:video_id>/comments/",
        comments.VideoCommentListView.as_view(),
        name="video-comments",
    ),
    path(
        "comments/<str:comment_id>/replies/",
        comments.CommentReplyListView.as_view(),
        name="comment-replies",
    ),
    path("comments/<str:comment_id>/", comments.CommentDetailView.as_view(), name="comment-detail"),
    path("comments/<str:comment_id>/pin/", comments.CommentPinView.as_view(), name="comment-pin"),
    path(
        "comments/<str:comment_id>/like/", comments.CommentLikeView.as_view(), name="comment-like"
    ),
    path("reports/", comments.ReportListView.as_view(), name="report-list"),
    *router.urls,
]
