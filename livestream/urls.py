"""Live streaming app: API routes, mounted under /api/v1/live/."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from livestream.views import chat, gifts, hooks, replays, streams, viewers

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
    # Viewers (views/viewers.py)
    path("streams/<str:stream_id>/watch/", viewers.StreamWatchView.as_view(), name="live-watch"),
    path(
        "streams/<str:stream_id>/heartbeat/",
        viewers.StreamHeartbeatView.as_view(),
        name="live-heartbeat",
    ),
    path("playback/auth/", viewers.PlaybackAuthView.as_view(), name="live-playback-auth"),
    *router.urls,
    # Chat (views/chat.py): the fixed paths before `chat/<message_id>/`.
    path("streams/<str:stream_id>/chat/", chat.StreamChatView.as_view(), name="live-chat"),
    path(
        "streams/<str:stream_id>/chat/timeouts/",
        chat.StreamChatTimeoutView.as_view(),
        name="live-chat-timeouts",
    ),
    path(
        "streams/<str:stream_id>/chat/bans/",
        chat.StreamChatBanListView.as_view(),
        name="live-chat-bans",
    ),
    path(
        "streams/<str:stream_id>/chat/bans/<username:username>/",
        chat.StreamChatBanView.as_view(),
        name="live-chat-ban",
    ),
    path(
        "streams/<str:stream_id>/chat/<str:message_id>/",
        chat.StreamChatMessageView.as_view(),
        name="live-chat-message",
    ),
    path(
        "streams/<str:stream_id>/moderators/",
        chat.StreamModeratorListView.as_view(),
        name="live-moderators",
    ),
    path(
        "streams/<str:stream_id>/moderators/<username:username>/",
        chat.StreamModeratorView.as_view(),
        name="live-moderator",
    ),
]
