"""Live streaming app: input and output shapes.

Everyone sees a stream's shape with its `hls_url` (made from the public id, never
from the key); its owner also sees `rtmp_url`, and `stream_key` only in the answer
that creates or rotates it.
"""

from django.conf import settings
from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.serializers.users import UserPublicSerializer
from core.access import is_signed_in
from core.serializers import ModelSerializer, SlugRelatedField, StrictBooleanField
from livestream.models import SLOW_MODE_MAX_SECONDS, Stream
from livestream.playback import playback_url
from livestream.selectors.viewers import streams_viewer_count_attach
from videos.fields import TagListField
from videos.models import DESCRIPTION_MAX_LENGTH, TITLE_MAX_LENGTH, Category


def stream_hls_url(stream: Stream) -> str:
    """Where players fetch the stream's HLS playlist (`LIVE_HLS_URL_TEMPLATE`), signed
    and expiring unless the stream is public (`livestream.playback`)."""
    return playback_url(stream)


class StreamListSerializer(serializers.ListSerializer):
    """A page of streams: their viewer counts read from the cache at once."""

    def to_representation(self, data) -> list:
        streams = list(data.all() if hasattr(data, "all") else data)
        streams_viewer_count_attach(streams, timezone.now())
        return super().to_representation(streams)


class StreamSerializer(ModelSerializer):
    """A stream as anyone who may see it sees it."""

    owner = UserPublicSerializer(read_only=True)
    category = serializers.SlugRelatedField(slug_field="slug", read_only=True, allow_null=True)
    hls_url = serializers.SerializerMethodField(
        help_text="The HLS playlist, while live; signed and expiring unless the stream is public."
    )
    viewer_count = serializers.IntegerField(
        read_only=True,
        help_text="Viewers now (exact: those who heartbeated in the last 45 s); 0 unless "
        "live. `current_viewers` is the same count as last written to the database.",
    )
    peak_viewers = serializers.SerializerMethodField(
        help_text="The most viewers at once (sampled every few seconds)."
    )
    rtmp_url = serializers.SerializerMethodField(
        help_text="The owner's only (null for others): where the encoder publishes "
        "(`LIVE_RTMP_URL`), with the stream key as the stream name."
    )

    class Meta:
        model = Stream
        fields = [
            "id",
            "public_id",
            "owner",
            "title",
            "description",
            "category",
            "tags",
            "visibility",
            "status",
            "permanent",
            "save_replay",
            "scheduled_for",
            "chat_mode",
            "slow_mode_seconds",
            "current_viewers",
            "viewer_count",
            "peak_viewers",
            "chat_message_count",
            "gift_coins",
            "hls_url",
            "rtmp_url",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields
        list_serializer_class = StreamListSerializer

    def to_representation(self, stream: Stream) -> dict:
        # The owner carries the caller's follow of them, which the selectors annotate.
        stream.owner.follow_status = getattr(stream, "owner_follow_status", None)
        if not hasattr(stream, "viewer_count"):
            streams_viewer_count_attach([stream], timezone.now())
        return super().to_representation(stream)

    def get_hls_url(self, stream: Stream) -> str:
        return stream_hls_url(stream)

    @extend_schema_field(serializers.IntegerField())
    def get_peak_viewers(self, stream: Stream) -> int:
        return max(stream.peak_viewers, stream.viewer_count)

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_rtmp_url(self, stream: Stream) -> str | None:
        request = self.context.get("request")
        viewer = getattr(request, "user", None)
        return (
            settings.LIVE_RTMP_URL
            if is_signed_in(viewer) and viewer.pk == stream.owner_id
            else None
        )


class KeyedStreamSerializer(StreamSerializer):
    """The answer that creates a stream or rotates its key: the only one with the key."""

    stream_key = serializers.CharField(
        read_only=True,
        help_text="The secret the encoder publishes with. Shown only now: store it; "
        "it cannot be read again, only rotated.",
    )

    class Meta(StreamSerializer.Meta):
        fields = [*StreamSerializer.Meta.fields, "stream_key"]
        read_only_fields = fields

    def to_representation(self, stream_with_key) -> dict:
        data = super().to_representation(stream_with_key.stream)
        data["stream_key"] = stream_with_key.key
        return data


class StreamWriteSerializer(serializers.Serializer):
    """What an owner sets when creating a stream, or later (JSON)."""

    title = serializers.CharField(min_length=1, max_length=TITLE_MAX_LENGTH)
    description = serializers.CharField(
        max_length=DESCRIPTION_MAX_LENGTH, required=False, allow_blank=True
    )
    category = SlugRelatedField(
        slug_field="slug", queryset=Category.objects.all(), required=False, allow_null=True
    )
    tags = TagListField(required=False)
    visibility = serializers.ChoiceField(choices=Stream.Visibility.choices, required=False)
    save_replay = StrictBooleanField(required=False)
    scheduled_for = serializers.DateTimeField(required=False, allow_null=True)
    chat_mode = serializers.ChoiceField(choices=Stream.ChatMode.choices, required=False)
    slow_mode_seconds = serializers.IntegerField(
        min_value=0, max_value=SLOW_MODE_MAX_SECONDS, required=False
    )


class StreamCreateSerializer(StreamWriteSerializer):
    permanent = StrictBooleanField(
        required=False,
        help_text="Reusable across broadcasts (the default); false: it ends after one.",
    )


class StreamUpdateSerializer(StreamWriteSerializer):
    title = serializers.CharField(min_length=1, max_length=TITLE_MAX_LENGTH, required=False)


# The statuses the stream list filters on.
STREAM_LIST_STATUSES = [(Stream.Status.LIVE.value, Stream.Status.LIVE.label)]


class StreamListQuerySerializer(serializers.Serializer):
    status = serializers.ChoiceField(
        choices=STREAM_LIST_STATUSES,
        required=False,
        help_text="`live`: the streams live now, most viewers first. Absent: every "
        "stream, newest first.",
    )
