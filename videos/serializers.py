"""Videos app: input and output shapes."""

import re

from django.conf import settings
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.serializers.users import UserPublicSerializer
from core.serializers import FormInputMixin, ModelSerializer, SlugRelatedField, StrictBooleanField
from videos.fields import TagListField
from videos.models import (
    DESCRIPTION_MAX_LENGTH,
    TITLE_MAX_LENGTH,
    Category,
    Video,
)
from videos.signed_urls import video_file_url

LANGUAGE_PATTERN = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*\Z")


class CategorySerializer(ModelSerializer):
    class Meta:
        model = Category
        fields = ["slug", "name"]
        read_only_fields = fields


class RenditionSerializer(serializers.Serializer):
    height = serializers.IntegerField()
    width = serializers.IntegerField()
    bitrate = serializers.IntegerField(help_text="Bits per second.")
    url = serializers.URLField()


class VideoSerializer(ModelSerializer):
    """A video as the API shows it; media URLs are absolute (and signed where the
    video is not public)."""

    owner = UserPublicSerializer(read_only=True)
    category = CategorySerializer(read_only=True, allow_null=True)
    thumbnail_url = serializers.SerializerMethodField()
    hls_url = serializers.SerializerMethodField()
    renditions = serializers.SerializerMethodField()
    is_liked = serializers.SerializerMethodField(help_text="Whether the caller liked it.")
    is_bookmarked = serializers.SerializerMethodField(help_text="Whether the caller bookmarked it.")

    class Meta:
        model = Video
        fields = [
            "id",
            "owner",
            "title",
            "description",
            "status",
            "processing_error",
            "visibility",
            "tags",
            "category",
            "language",
            "allow_comments",
            "duration_seconds",
            "width",
            "height",
            "thumbnail_url",
            "hls_url",
            "renditions",
            "view_count",
            "like_count",
            "comment_count",
            "share_count",
            "is_liked",
            "is_bookmarked",
            "created_at",
            "published_at",
        ]
        read_only_fields = fields

    def to_representation(self, video: Video) -> dict:
        # The owner carries the caller's follow of them: `owner_follow_status`, which
        # `videos.selectors` annotate (null on a video loaded some other way).
        video.owner.follow_status = getattr(video, "owner_follow_status", None)
        return super().to_representation(video)

    def _url(self, video: Video, name: str) -> str | None:
        return video_file_url(request=self.context.get("request"), video=video, name=name)

    @extend_schema_field(serializers.URLField(allow_null=True))
    def get_thumbnail_url(self, video: Video) -> str | None:
        return self._url(video, video.thumbnail.name if video.thumbnail else "")

    @extend_schema_field(serializers.URLField(allow_null=True))
    def get_hls_url(self, video: Video) -> str | None:
        return self._url(video, video.hls_playlist)

    # Annotated by `videos.selectors.video_queryset_visible`; a video loaded some other
    # way (e.g. just uploaded) shows false until it is read back through a selector.
    def get_is_liked(self, video: Video) -> bool:
        return bool(getattr(video, "is_liked", False))

    def get_is_bookmarked(self, video: Video) -> bool:
        return bool(getattr(video, "is_bookmarked", False))

    @extend_schema_field(RenditionSerializer(many=True))
    def get_renditions(self, video: Video) -> list[dict]:
        return [
            {
                "height": rendition["height"],
                "width": rendition["width"],
                "bitrate": rendition["bitrate"],
                "url": self._url(video, rendition["path"]),
            }
            for rendition in video.renditions
        ]


def language_validate(value: str) -> str:
    if value and not LANGUAGE_PATTERN.match(value):
        raise serializers.ValidationError(
            "Use a BCP 47 language tag such as en or pt-BR.", code="invalid"
        )
    return value


class VideoWriteFields(FormInputMixin, serializers.Serializer):
    """The fields an owner sets, at upload or later (multipart, form or JSON)."""

    title = serializers.CharField(min_length=1, max_length=TITLE_MAX_LENGTH)
    description = serializers.CharField(
        max_length=DESCRIPTION_MAX_LENGTH, required=False, allow_blank=True
    )
    visibility = serializers.ChoiceField(choices=Video.Visibility.choices, required=False)
    tags = TagListField(required=False)
    category = SlugRelatedField(
        slug_field="slug", queryset=Category.objects.all(), required=False, allow_null=True
    )
    language = serializers.CharField(
        max_length=16, required=False, allow_blank=True, validators=[language_validate]
    )
    allow_comments = StrictBooleanField(required=False)


class VideoUploadSerializer(VideoWriteFields):
    file = serializers.FileField(
        help_text=f"The video file (at most {settings.VIDEO_MAX_UPLOAD_MB} MB).",
        allow_empty_file=False,
    )


class VideoUpdateSerializer(VideoWriteFields):
    title = serializers.CharField(min_length=1, max_length=TITLE_MAX_LENGTH, required=False)
