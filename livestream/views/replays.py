"""The media servers' hooks for replays (a finished recording, from nginx-rtmp and
MediaMTX) and MediaMTX's going live and ending (its `runOnReady`/`runOnNotReady`
commands), authenticated as every hook is (`livestream.views.hooks`)."""

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import JSONParser
from rest_framework.request import Request
from rest_framework.response import Response

from core.openapi import because, raises
from livestream.exceptions import (
    RecordingMissing,
    RecordingNotAFile,
    RecordingOutsideRoot,
    RecordingStreamUnknown,
)
from livestream.serializers.replays import (
    MediaMtxPathSerializer,
    MediaMtxRecordDoneSerializer,
    NginxRecordDoneSerializer,
)
from livestream.services.replays import stream_publish_start_at, stream_recording_save
from livestream.services.streams import stream_publish_stop
from livestream.views.hooks import (
    HOOK_FORBIDDEN,
    HOOK_PARAMETERS,
    PUBLISH_REFUSALS,
    HookView,
    NginxHookView,
    _mediamtx_key,
)
from videos.exceptions import (
    RECORDING_TOO_LARGE,
    RECORDING_TOO_LONG,
    VIDEO_INVALID_MEDIA,
    VIDEO_TOO_MANY_PIXELS,
)


def _recording_refusals(attr: str) -> tuple:
    """What a recording hook refuses, the file's own refusals on `attr`."""
    return (
        RecordingOutsideRoot,
        RecordingMissing,
        RecordingNotAFile,
        because(RecordingStreamUnknown, "no stream is played under the name given"),
        *(
            rejection.on(attr)
            for rejection in (
                RECORDING_TOO_LARGE,
                RECORDING_TOO_LONG,
                VIDEO_TOO_MANY_PIXELS,
                VIDEO_INVALID_MEDIA,
            )
        ),
    )


RECORDING_DESCRIPTION = (
    "Only a regular file whose real path (symlinks and `..` resolved) is inside "
    "`LIVE_RECORDINGS_ROOT` is taken; anything else is refused (400) before it is read. "
    "A stream that keeps replays (`save_replay`) gets a video of its owner, processed like "
    "an upload (thumbnail, renditions, HLS), with the stream's title and visibility, "
    "linked from the broadcast as its replay; its followers are not told again. The "
    "recording of a stream that keeps no replay is deleted. Safe to repeat: the same "
    "path makes one video."
)


class NginxOnRecordDoneView(NginxHookView):
    @extend_schema(
        operation_id="live_hooks_nginx_on_record_done",
        tags=["live hooks"],
        summary="nginx-rtmp's on_record_done: a recording is finished",
        description="nginx-rtmp calls it when its recorder closes a file (`record_path`). "
        + RECORDING_DESCRIPTION,
        parameters=HOOK_PARAMETERS,
        request={"application/x-www-form-urlencoded": NginxRecordDoneSerializer},
        responses={204: None},
    )
    @raises(HOOK_FORBIDDEN, *_recording_refusals("path"))
    def post(self, request: Request) -> Response:
        serializer = NginxRecordDoneSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        stream_recording_save(name=data["name"], path=data["path"])
        return Response(status=status.HTTP_204_NO_CONTENT)


class MediaMtxHookView(HookView):
    parser_classes = [JSONParser]


def _mediamtx_schema(operation_id: str, summary: str, description: str, serializer):
    return extend_schema(
        operation_id=operation_id,
        tags=["live hooks"],
        summary=summary,
        description=description,
        parameters=HOOK_PARAMETERS,
        request={"application/json": serializer},
        responses={204: None},
    )


class MediaMtxRecordDoneView(MediaMtxHookView):
    @_mediamtx_schema(
        "live_hooks_mediamtx_record_done",
        "MediaMTX's runOnRecordSegmentComplete: a recording is finished",
        "The generated MediaMTX configuration posts `MTX_PATH` and `MTX_SEGMENT_PATH` "
        "when a recording segment is complete. " + RECORDING_DESCRIPTION,
        MediaMtxRecordDoneSerializer,
    )
    @raises(HOOK_FORBIDDEN, *_recording_refusals("segment_path"))
    def post(self, request: Request) -> Response:
        serializer = MediaMtxRecordDoneSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        try:
            stream_recording_save(name=data["path"], path=data["segment_path"])
        except ValidationError as error:
            # The video's refusals name the file `path`; here it is `segment_path`.
            raise ValidationError({"segment_path": error.detail["path"]}) from error
        return Response(status=status.HTTP_204_NO_CONTENT)


class MediaMtxReadyView(MediaMtxHookView):
    @_mediamtx_schema(
        "live_hooks_mediamtx_ready",
        "MediaMTX's runOnReady: a publisher is live",
        "The generated MediaMTX configuration posts `MTX_PATH` (`live/<public id>`), "
        "`MTX_QUERY` (holding `key=<stream key>`) and `MTX_SOURCE_ID` when a publisher's "
        "stream is ready. The stream goes live in a new session, as on nginx-rtmp's "
        "`on_publish`; the key must be this stream's. MediaMTX's authentication "
        "(`hooks/mediamtx/auth/`) has already let the publisher in.",
        MediaMtxPathSerializer,
    )
    @raises(HOOK_FORBIDDEN, *PUBLISH_REFUSALS)
    def post(self, request: Request) -> Response:
        serializer = MediaMtxPathSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        stream_publish_start_at(
            public_id=data["path"],
            key=_mediamtx_key(data),
            publisher_ref=data.get("source_id", ""),
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


class MediaMtxNotReadyView(MediaMtxHookView):
    @_mediamtx_schema(
        "live_hooks_mediamtx_not_ready",
        "MediaMTX's runOnNotReady: the publisher stopped",
        "The broadcast ends (`publisher_stopped`), as on nginx-rtmp's `on_publish_done`. "
        "Safe to repeat; a publisher whose broadcast already ended changes nothing.",
        MediaMtxPathSerializer,
    )
    @raises(HOOK_FORBIDDEN)
    def post(self, request: Request) -> Response:
        serializer = MediaMtxPathSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        stream_publish_stop(name=data["path"], publisher_ref=data.get("source_id", ""))
        return Response(status=status.HTTP_204_NO_CONTENT)
