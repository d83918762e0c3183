"""Live streaming app: API routes, mounted under /api/v1/live/."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from livestream.views import hooks, streams, viewers

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
    # Viewers (views/viewers.py)
    path("streams/<str:stream_id>/watch/", viewers.StreamWatchView.as_view(), name="live-watch"),
    path(
        "streams/<str:stream_id>/heartbeat/",
        viewers.StreamHeartbeatView.as_view(),
        name="live-heartbeat",
    ),
    path("playback/auth/", viewers.PlaybackAuthView.as_view(), name="live-playback-auth"),
    *router.urls,
]
