"""The media server's hooks: nginx-rtmp's notify callbacks (form-encoded) and
MediaMTX's external authentication (JSON).

Each is authenticated by `LIVE_HOOK_SECRET`, given as the `secret` query parameter
(how both servers' callback URLs carry it) or the `X-Hook-Secret` header, compared in
constant time, and, when `LIVE_HOOK_ALLOWED_IPS` is set, by the caller's address. They
carry no user and are never throttled: a media server speaks for many publishers.
"""

import hmac
from urllib.parse import parse_qs

from django.conf import settings
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.parsers import FormParser, JSONParser
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.selectors import user_can_act
from core.openapi import because, raises
from core.requests import client_ip_in
from livestream.exceptions import (
    HookForbidden,
    MediaAuthRefused,
    PublishRefused,
    StreamAlreadyLive,
    StreamEnded,
    StreamKeyUnknown,
    StreamNotPublishing,
    StreamOwnerRestricted,
)
from livestream.models import Stream
from livestream.playback import playback_query_allows
from livestream.selectors.streams import (
    stream_get_by_key,
    stream_get_by_public_id,
    stream_live_watchable,
)
from livestream.serializers.hooks import MediaMtxAuthSerializer, NginxHookSerializer
from livestream.services.streams import (
    stream_publish_check,
    stream_publish_start,
    stream_publish_stop,
    stream_publish_update,
)

SECRET_HEADER = "X-Hook-Secret"
HOOK_PARAMETERS = [
    OpenApiParameter(
        "secret",
        OpenApiTypes.STR,
        OpenApiParameter.QUERY,
        description="`LIVE_HOOK_SECRET` (or give it in the `X-Hook-Secret` header).",
    ),
    OpenApiParameter(
        SECRET_HEADER,
        OpenApiTypes.STR,
        OpenApiParameter.HEADER,
        description="`LIVE_HOOK_SECRET` (or give it as the `secret` query parameter).",
    ),
]
HOOK_FORBIDDEN = because(
    HookForbidden,
    "`LIVE_HOOK_SECRET` is unset, or the secret is missing or wrong, or the caller's "
    "address is not in `LIVE_HOOK_ALLOWED_IPS`",
)
PUBLISH_REFUSALS = (StreamKeyUnknown, StreamOwnerRestricted, StreamAlreadyLive, StreamEnded)


def hook_caller_check(request: Request) -> None:
    """Refuse (`hook_forbidden`) a caller without the hook secret or, when
    `LIVE_HOOK_ALLOWED_IPS` is set, from another address."""
    expected = settings.LIVE_HOOK_SECRET
    given = request.query_params.get("secret") or request.headers.get(SECRET_HEADER) or ""
    if not expected or not hmac.compare_digest(given.encode(), expected.encode()):
        raise HookForbidden()
    allowed = settings.LIVE_HOOK_ALLOWED_IPS
    if allowed and not client_ip_in(request, allowed):
        raise HookForbidden()


class HookView(APIView):
    authentication_classes = []
    permission_classes = [AllowAny]
    throttle_classes = []

    def initial(self, request: Request, *args, **kwargs) -> None:
        super().initial(request, *args, **kwargs)
        # A method the hook does not answer is HTTP's 405, whoever asks.
        if getattr(self, request.method.lower(), None) is not None:
            hook_caller_check(request)


class NginxHookView(HookView):
    parser_classes = [FormParser]

    def hook_data(self, request: Request) -> dict:
        serializer = NginxHookSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data


def _nginx_schema(operation_id: str, summary: str, description: str, responses: dict):
    return extend_schema(
        operation_id=operation_id,
        tags=["live hooks"],
        summary=summary,
        description=description,
        parameters=HOOK_PARAMETERS,
        request={"application/x-www-form-urlencoded": NginxHookSerializer},
        responses=responses,
    )


class NginxOnPublishView(NginxHookView):
    @_nginx_schema(
        "live_hooks_nginx_on_publish",
        "nginx-rtmp's on_publish: may this key publish?",
        "nginx-rtmp calls it when an encoder publishes to `<app>/<stream key>`. Allowed: "
        "the stream goes live in a new session, and the answer is a redirect whose "
        "`Location` is the stream's public id, which nginx-rtmp takes as the stream's "
        "new name (so HLS is written under the public id, never under the key). Refused "
        "(403): nginx-rtmp drops the publisher.",
        {
            302: OpenApiResponse(
                description="Allowed; `Location` holds the stream's public id (the new name)."
            )
        },
    )
    @raises(HOOK_FORBIDDEN, *PUBLISH_REFUSALS)
    def post(self, request: Request) -> Response:
        data = self.hook_data(request)
        stream = stream_publish_start(key=data["name"], publisher_ref=data.get("clientid", ""))
        return Response(status=status.HTTP_302_FOUND, headers={"Location": stream.public_id})


class NginxOnPublishDoneView(NginxHookView):
    @_nginx_schema(
        "live_hooks_nginx_on_publish_done",
        "nginx-rtmp's on_publish_done: the publisher stopped",
        "The broadcast ends (`publisher_stopped`): a permanent stream goes back to idle, a "
        "one-off stream ends. Safe to repeat; a publisher whose broadcast already ended "
        "(its key rotated, say) changes nothing.",
        {204: None},
    )
    @raises(HOOK_FORBIDDEN)
    def post(self, request: Request) -> Response:
        data = self.hook_data(request)
        stream_publish_stop(name=data["name"], publisher_ref=data.get("clientid", ""))
        return Response(status=status.HTTP_204_NO_CONTENT)


class NginxOnUpdateView(NginxHookView):
    @_nginx_schema(
        "live_hooks_nginx_on_update",
        "nginx-rtmp's on_update: may this publisher go on?",
        "Called every `notify_update_timeout` while publishing. 204: go on. A refusal "
        "makes nginx-rtmp cut the publisher: its stream was ended, deleted or its key "
        "rotated meanwhile (`stream_not_publishing`), or its owner was restricted "
        "(`owner_restricted`, which ends the broadcast).",
        {204: None},
    )
    @raises(
        HOOK_FORBIDDEN,
        StreamNotPublishing,
        because(StreamOwnerRestricted, "the owner was suspended, banned or deleted"),
    )
    def post(self, request: Request) -> Response:
        data = self.hook_data(request)
        stream_publish_update(name=data["name"], publisher_ref=data.get("clientid", ""))
        return Response(status=status.HTTP_204_NO_CONTENT)


def _mediamtx_key(data: dict) -> str:
    """The stream key a MediaMTX publisher gave: `?key=` in its query, else its
    password."""
    keys = parse_qs(data.get("query") or "").get("key")
    return keys[0] if keys else data.get("password") or ""


class MediaMtxAuthView(HookView):
    parser_classes = [JSONParser]

    @extend_schema(
        operation_id="live_hooks_mediamtx_auth",
        tags=["live hooks"],
        summary="MediaMTX's external authentication",
        description="MediaMTX asks before every publish and read (`authHTTPAddress`). "
        "`publish` of path `<app>/<public id>` with `key=<stream key>` in the query (or "
        "the key as password) is allowed (200) when that key's stream is this one and may "
        "go live; `read` of a live stream is allowed when it is public and anyone may "
        "watch it, or when the reader's query holds the stream's playback signature "
        "(`expires` and `token`, as in its `hls_url`) or a viewer token "
        "(`viewer_token=`, from `watch/`). Anything else is 401, which MediaMTX takes "
        "as a refusal.",
        parameters=HOOK_PARAMETERS,
        request={"application/json": MediaMtxAuthSerializer},
        responses={200: None},
    )
    @raises(HOOK_FORBIDDEN, MediaAuthRefused)
    def post(self, request: Request) -> Response:
        serializer = MediaMtxAuthSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        public_id = data["path"].rstrip("/").rsplit("/", 1)[-1]
        if data["action"] == "publish":
            stream = stream_get_by_key(key=_mediamtx_key(data))
            try:
                stream_publish_check(stream=stream)
            except PublishRefused as error:
                raise MediaAuthRefused() from error
            if stream.public_id != public_id:
                raise MediaAuthRefused()
            return Response(status=status.HTTP_200_OK)
        if data["action"] == "read" and _mediamtx_read_allowed(public_id, data.get("query", "")):
            return Response(status=status.HTTP_200_OK)
        raise MediaAuthRefused()


def _mediamtx_read_allowed(public_id: str, query: str) -> bool:
    """A read of a live stream: a public one that anyone may watch, or another whose
    playback signature (`expires` and `token`, from its `hls_url`) or viewer token
    (`viewer_token`) is in the reader's query (`livestream.playback`)."""
    stream = stream_get_by_public_id(public_id=public_id)
    if stream is None or stream.status != Stream.Status.LIVE:
        return False
    if stream.visibility == Stream.Visibility.PUBLIC:
        return stream_live_watchable(viewer=None, public_id=public_id)
    return user_can_act(stream.owner) and playback_query_allows(stream=stream, query=query)
