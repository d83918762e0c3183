"""Live streaming app: what the media servers post about recordings, and what
MediaMTX's commands post when a stream is ready and not ready any more."""

from rest_framework import serializers

from livestream.models.replays import RECORDING_PATH_MAX_LENGTH
from livestream.serializers.hooks import HookText, NginxHookSerializer


class NginxRecordDoneSerializer(NginxHookSerializer):
    """What nginx-rtmp posts (form-encoded) to `on_record_done`: the usual fields, the
    stream's name (its public id) and the finished recording's path."""

    path = HookText(
        max_length=RECORDING_PATH_MAX_LENGTH,
        help_text="The recording's absolute path, inside `LIVE_RECORDINGS_ROOT`.",
    )
    recorder = HookText(required=False, allow_blank=True, max_length=100)


class MediaMtxPathSerializer(serializers.Serializer):
    """What the generated MediaMTX configuration's `runOnReady` and `runOnNotReady`
    commands post (JSON), from MediaMTX's environment variables."""

    path = HookText(max_length=200, help_text="`MTX_PATH`: `live/<public_id>`, the public id last.")
    query = HookText(
        required=False,
        allow_blank=True,
        max_length=1000,
        help_text="`MTX_QUERY`: the publisher's query string, holding `key=<stream key>`.",
    )
    source_id = HookText(
        required=False, allow_blank=True, max_length=100, help_text="`MTX_SOURCE_ID`."
    )
    source_type = HookText(
        required=False, allow_blank=True, max_length=100, help_text="`MTX_SOURCE_TYPE`."
    )

    def validate_path(self, value: str) -> str:
        """The stream's public id: the path's last segment."""
        return value.rstrip("/").rsplit("/", 1)[-1]


class MediaMtxRecordDoneSerializer(serializers.Serializer):
    """What the generated MediaMTX configuration's `runOnRecordSegmentComplete` command
    posts (JSON), from MediaMTX's environment variables."""

    path = HookText(max_length=200, help_text="`MTX_PATH`: `live/<public_id>`, the public id last.")
    segment_path = HookText(
        max_length=RECORDING_PATH_MAX_LENGTH,
        help_text="`MTX_SEGMENT_PATH`: the finished segment's absolute path, inside "
        "`LIVE_RECORDINGS_ROOT`.",
    )

    def validate_path(self, value: str) -> str:
        """The stream's public id: the path's last segment."""
        return value.rstrip("/").rsplit("/", 1)[-1]
