"""The media server's hooks: what nginx-rtmp and MediaMTX post."""

from rest_framework import serializers


class HookText(serializers.CharField):
    """Text a media server sends, taken as sent: not trimmed, so its length is the one
    the schema states (a trimmed field takes over-long text padded with spaces)."""

    def __init__(self, **kwargs) -> None:
        super().__init__(trim_whitespace=False, **kwargs)


class NginxHookSerializer(serializers.Serializer):
    """What nginx-rtmp posts (form-encoded) to its `on_publish`, `on_publish_done` and
    `on_update` callbacks; fields it sends that are not listed are ignored."""

    call = HookText(required=False, allow_blank=True, max_length=32)
    name = HookText(
        max_length=200,
        help_text="The stream name: the stream key on publish; the public id afterwards.",
    )
    app = HookText(required=False, allow_blank=True, max_length=200)
    addr = HookText(required=False, allow_blank=True, max_length=100)
    clientid = HookText(required=False, allow_blank=True, max_length=100)


class MediaMtxAuthSerializer(serializers.Serializer):
    """What MediaMTX posts (JSON) to its external authentication URL; fields it sends
    that are not listed are ignored."""

    action = HookText(max_length=32, help_text="`publish`, `read`, ...")
    path = HookText(
        max_length=200,
        allow_blank=True,
        help_text="`live/<public_id>`: the stream's public id is its last segment.",
    )
    query = HookText(
        required=False,
        allow_blank=True,
        max_length=1000,
        help_text="The client's query string: a publisher's holds `key=<stream key>`; a "
        "reader's, the playback signature (`expires`, `token`) or `viewer_token`.",
    )
    ip = HookText(required=False, allow_blank=True, max_length=100)
    protocol = HookText(required=False, allow_blank=True, max_length=32)
    id = HookText(required=False, allow_blank=True, allow_null=True, max_length=100)
    user = HookText(required=False, allow_blank=True, max_length=200)
    password = HookText(required=False, allow_blank=True, max_length=200)
