"""The media server's hooks: what nginx-rtmp and MediaMTX post."""

from rest_framework import serializers


class NginxHookSerializer(serializers.Serializer):
    """What nginx-rtmp posts (form-encoded) to its `on_publish`, `on_publish_done` and
    `on_update` callbacks; fields it sends that are not listed are ignored."""

    call = serializers.CharField(required=False, allow_blank=True, max_length=32)
    name = serializers.CharField(
        max_length=200,
        help_text="The stream name: the stream key on publish; the public id afterwards.",
    )
    app = serializers.CharField(required=False, allow_blank=True, max_length=200)
    addr = serializers.CharField(required=False, allow_blank=True, max_length=100)
    clientid = serializers.CharField(required=False, allow_blank=True, max_length=100)


class MediaMtxAuthSerializer(serializers.Serializer):
    """What MediaMTX posts (JSON) to its external authentication URL; fields it sends
    that are not listed are ignored."""

    action = serializers.CharField(max_length=32, help_text="`publish`, `read`, ...")
    path = serializers.CharField(
        max_length=200,
        allow_blank=True,
        help_text="`live/<public_id>`: the stream's public id is its last segment.",
    )
    query = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=1000,
        help_text="The client's query string: a publisher's holds `key=<stream key>`; a "
        "reader's, the playback signature (`expires`, `token`) or `viewer_token`.",
    )
    ip = serializers.CharField(required=False, allow_blank=True, max_length=100)
    protocol = serializers.CharField(required=False, allow_blank=True, max_length=32)
    id = serializers.CharField(required=False, allow_blank=True, allow_null=True, max_length=100)
    user = serializers.CharField(required=False, allow_blank=True, max_length=200)
    password = serializers.CharField(required=False, allow_blank=True, max_length=200)
