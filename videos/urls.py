"""Videos app: API routes, mounted under /api/v1/."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from videos.views import feeds, videos, watching

router = SimpleRouter()
router.register("videos", videos.VideoViewSet, basename="video")

urlpatterns = [
    # Discovery and feeds (views/feeds.py)
    path(
        "users/<username:username>/videos/", feeds.UserVideoListView.as_view(), name="user-videos"
    ),
    path("feed/following/", feeds.FollowingFeedView.as_view(), name="feed-following"),
    path("feed/trending/", feeds.TrendingFeedView.as_view(), name="feed-trending"),
    path("feed/for-you/", feeds.ForYouFeedView.as_view(), name="feed-for-you"),
    path("categories/", feeds.CategoryListView.as_view(), name="category-list"),
    path("tags/trending/", feeds.TrendingTagListView.as_view(), name="tag-trending"),
    # Views and watch history (views/watching.py)
    path(
        "videos/<str:video_id>/views/",
        watching.VideoViewRecordView.as_view(),
        name="video-views-record",
    ),
    path("users/me/history/", watching.WatchHistoryView.as_view(), name="user-me-history"),
    *router.urls,
]
