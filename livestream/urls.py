"""Live streaming app: API routes, mounted under /api/v1/live/."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from livestream.views import hooks, replays, streams

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
    path(
        "hooks/nginx/on-record-done/",
        replays.NginxOnRecordDoneView.as_view(),
        name="live-nginx-record-done",
    ),
    path(
        "hooks/mediamtx/record-done/",
        replays.MediaMtxRecordDoneView.as_view(),
        name="live-mediamtx-record-done",
    ),
    path("hooks/mediamtx/ready/", replays.MediaMtxReadyView.as_view(), name="live-mediamtx-ready"),
    path(
        "hooks/mediamtx/not-ready/",
        replays.MediaMtxNotReadyView.as_view(),
        name="live-mediamtx-not-ready",
    ),
    *router.urls,
]
