"""Live streaming app: the shapes of watching a stream and heartbeating."""

from rest_framework import serializers


class WatchSerializer(serializers.Serializer):
    """What a player needs to play a live stream and be counted."""

    hls_url = serializers.CharField(
        help_text="The HLS playlist: signed and expiring unless the stream is public."
    )
    viewer_token = serializers.CharField(
        help_text="Send it to `heartbeat/` every `heartbeat_seconds`; when it expires "
        "(`viewer_token_expired`), ask `watch/` again."
    )
    heartbeat_seconds = serializers.IntegerField(
        help_text="How often to heartbeat: a viewer stops counting "
        "`LIVE_VIEWER_TIMEOUT_SECONDS` (45) after its last."
    )
    viewer_count = serializers.IntegerField(help_text="The stream's viewers now, this one too.")


class HeartbeatSerializer(serializers.Serializer):
    viewer_token = serializers.CharField(max_length=1000, help_text="What `watch/` gave.")


class HeartbeatAnswerSerializer(serializers.Serializer):
    viewer_count = serializers.IntegerField(help_text="The stream's viewers now.")
    heartbeat_seconds = serializers.IntegerField(help_text="When to heartbeat again.")
