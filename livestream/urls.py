"""Live streaming app: API routes, mounted under /api/v1/live/."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from livestream.views import gifts, hooks, streams

router = SimpleRouter()
router.register("streams", streams.StreamViewSet, basename="live-stream")

urlpatterns = [
    path(
        "users/<username:username>/streams/",
        streams.UserStreamListView.as_view(),
        name="live-user-streams",
    ),
    path("hooks/nginx/on-publish/", hooks.NginxOnPublishView.as_view(), name="live-nginx-publish"),
    path(
        "hooks/nginx/on-publish-done/",
        hooks.NginxOnPublishDoneView.as_view(),
        name="live-nginx-publish-done",
    ),
    path("hooks/nginx/on-update/", hooks.NginxOnUpdateView.as_view(), name="live-nginx-update"),
    path("hooks/mediamtx/auth/", hooks.MediaMtxAuthView.as_view(), name="live-mediamtx-auth"),
    path("gifts/", gifts.GiftListView.as_view(), name="live-gifts"),
    path(
        "streams/<str:stream_id>/gifts/",
        gifts.StreamGiftCreateView.as_view(),
        name="live-stream-gifts",
    ),
    path(
        "streams/<str:stream_id>/gifters/",
        gifts.StreamGifterListView.as_view(),
        name="live-stream-gifters",
    ),
    *router.urls,
]
