"""Watching a live stream (`watch/`, then `heartbeat/` every `heartbeat_seconds`) and the
check nginx makes before serving a file of a stream's HLS (`playback/auth/`).

Whoever may see a stream may watch it (the videos' privacy rule, `access_stream`:
anonymous callers too, for streams anyone sees); the others get 404, as if it did not
exist. A heartbeat carries its viewer token, which names the stream, the broadcast and
the viewer, so it needs no other check.
"""

from django.conf import settings
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.exceptions import NotFound
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.access import uuid_or_404
from core.openapi import because, raises
from livestream.exceptions import (
    INVALID_VIEWER_TOKEN,
    VIEWER_TOKEN_EXPIRED,
    PlaybackForbidden,
    StreamNotLive,
)
from livestream.playback import playback_signature_check
from livestream.selectors.streams import access_stream
from livestream.serializers.viewers import (
    HeartbeatAnswerSerializer,
    HeartbeatSerializer,
    WatchSerializer,
)
from livestream.services.viewers import stream_heartbeat, stream_watch

NOT_FOUND = because(NotFound, "the stream does not exist or the caller may not see it")
ORIGINAL_URI_HEADER = "X-Original-URI"


class StreamWatchView(APIView):
    permission_classes = [AllowAny]

    @extend_schema(
        operation_id="live_streams_watch",
        tags=["live"],
        summary="Watch a live stream",
        description="Anyone who may see the stream, signed in or not. Answers where to "
        "play it (`hls_url`: signed and expiring unless the stream is public) and a "
        "viewer token to send to `heartbeat/` every `heartbeat_seconds`; the caller "
        "counts among the stream's viewers from now until 45 s after its last "
        "heartbeat. A signed-in user counts once, however many players they open.",
        request=None,
        responses={200: WatchSerializer},
    )
    @raises(NOT_FOUND, StreamNotLive)
    def post(self, request: Request, stream_id: str) -> Response:
        stream = access_stream(viewer=request.user, stream_id=stream_id)
        watch = stream_watch(stream=stream, viewer=request.user, now=timezone.now())
        return Response(WatchSerializer(watch).data)


class StreamHeartbeatView(APIView):
    permission_classes = [AllowAny]
    # A heartbeat is bound to its signed viewer token and only moves that viewer's
    # expiry (one presence write, the same for one heartbeat or a thousand): a
    # throttle's cache read and write would cost more than what it guards. `watch/`,
    # which hands out tokens, stays throttled.
    throttle_classes: list = []

    @extend_schema(
        operation_id="live_streams_heartbeat",
        tags=["live"],
        summary="Still watching",
        description="Send the viewer token `watch/` gave, every `heartbeat_seconds` "
        "(15): the viewer counts until 45 s after its last heartbeat. A token given to "
        "a signed-in user is theirs only. Answers the stream's viewer count as last "
        "written (at most `LIVE_VIEWER_FLUSH_SECONDS`, 15 s, old). Not throttled: a "
        "heartbeat only moves its own viewer's expiry.",
        request=HeartbeatSerializer,
        responses={200: HeartbeatAnswerSerializer},
    )
    @raises(
        because(NotFound, "the stream id is not a valid id"),
        because(
            INVALID_VIEWER_TOKEN,
            "the token is forged or malformed, or was given for another stream or to "
            "another signed-in user",
        ),
        VIEWER_TOKEN_EXPIRED,
        because(StreamNotLive, "the broadcast the token was given for has ended"),
    )
    def post(self, request: Request, stream_id: str) -> Response:
        pk = uuid_or_404(stream_id)
        serializer = HeartbeatSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        count = stream_heartbeat(
            stream_id=pk,
            viewer_token=serializer.validated_data["viewer_token"],
            viewer=request.user,
            now=timezone.now(),
        )
        answer = {"viewer_count": count, "heartbeat_seconds": settings.LIVE_HEARTBEAT_SECONDS}
        return Response(HeartbeatAnswerSerializer(answer).data)


class PlaybackAuthView(APIView):
    """nginx's `auth_request` target for the HLS files (see `livestream.playback` for
    the configuration): like the media server's hooks, it carries no user and is never
    throttled (nginx asks once per file a player fetches)."""

    authentication_classes = []
    permission_classes = [AllowAny]
    throttle_classes = []

    @extend_schema(
        operation_id="live_playback_auth",
        tags=["live hooks"],
        summary="May nginx serve this HLS file? (nginx's auth_request)",
        description="nginx asks before serving a file of a stream's HLS, passing the "
        "request's URI in `X-Original-URI` (`proxy_set_header X-Original-URI "
        "$request_uri;`). 204: serve it: a public stream's file "
        "(`/hls/<public id>/<file>`, signed or not), or another stream's under the "
        "folder of a valid, unexpired signature of that stream, as in its `hls_url` "
        "(`/hls/<expires>.<signature>/<public id>/<file>`). 403: refuse.",
        parameters=[
            OpenApiParameter(
                ORIGINAL_URI_HEADER,
                OpenApiTypes.STR,
                OpenApiParameter.HEADER,
                description="The URI nginx was asked for, as requested (`$request_uri`).",
            )
        ],
        responses={204: OpenApiResponse(description="Allowed: nginx serves the file.")},
    )
    @raises(
        because(
            PlaybackForbidden,
            "the URI names no stream, is not of that form (`..`, percent-encoded or "
            "extra folders), or names a stream that is not public without a valid, "
            "unexpired signature of it",
        )
    )
    def get(self, request: Request) -> Response:
        uri = request.headers.get(ORIGINAL_URI_HEADER, "")
        if not playback_signature_check(uri, now=timezone.now()):
            raise PlaybackForbidden()
        return Response(status=status.HTTP_204_NO_CONTENT)
