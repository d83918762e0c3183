"""Social app: input and output shapes.

Each section belongs to one part of the app; append new sections at the end.
"""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.models import User
from accounts.serializers.users import UserPublicSerializer
from core.relations import FOLLOW_STATUSES
from core.serializers import ModelSerializer
from social.models import (
    COMMENT_MAX_LENGTH,
    COMMENT_ORDERINGS,
    SHARE_CHANNELS,
    Block,
    Comment,
    Follow,
    Report,
)
from social.selectors import follow_user

# -- Follows and blocks (views/follows.py) ---------------------------------------------


class FollowResultSerializer(serializers.Serializer):
    status = serializers.ChoiceField(
        choices=FOLLOW_STATUSES,
        help_text="`following` for a public account; `requested` for a private one, "
        "until it accepts.",
    )


class FollowRequestSerializer(ModelSerializer):
    """A request to follow the caller, with the requester as `user` (and the
    caller's own follow status of them)."""

    user = serializers.SerializerMethodField()

    class Meta:
        model = Follow
        fields = ["id", "user", "status", "created_at", "accepted_at"]
        read_only_fields = fields

    @extend_schema_field(UserPublicSerializer)
    def get_user(self, follow: Follow) -> dict:
        return UserPublicSerializer(follow_user(follow, side="follower"), context=self.context).data


class BlockSerializer(ModelSerializer):
    """A block the caller made, with the blocked user as `user`."""

    user = UserPublicSerializer(source="blocked", read_only=True)

    class Meta:
        model = Block
        fields = ["id", "user", "created_at"]
        read_only_fields = fields


# -- Comments and reports (views/comments.py) --------------------------------------------

REPORT_TARGET_TEXT_MAX = 200  # how much of a reported comment the review list shows


class CommentMentionSerializer(ModelSerializer):
    class Meta:
        model = User
        fields = ["id", "username"]
        read_only_fields = fields


class CommentSerializer(ModelSerializer):
    """A comment as the API shows it. A deleted comment that still holds a thread shows
    as `deleted: true` with no author, an empty text and no mentions."""

    author = UserPublicSerializer(read_only=True, allow_null=True)
    mentions = CommentMentionSerializer(source="mentioned_users", many=True, read_only=True)
    is_liked = serializers.SerializerMethodField(help_text="Whether the caller liked it.")
    edited = serializers.SerializerMethodField()
    deleted = serializers.SerializerMethodField()

    class Meta:
        model = Comment
        fields = [
            "id",
            "video",
            "parent",
            "author",
            "text",
            "mentions",
            "like_count",
            "reply_count",
            "is_pinned",
            "is_liked",
            "edited",
            "edited_at",
            "deleted",
            "created_at",
        ]
        read_only_fields = fields
        extra_kwargs = {
            "parent": {"help_text": "The thread's top-level comment; null for one."},
            "reply_count": {"help_text": "Replies that are neither deleted nor hidden."},
        }

    def get_is_liked(self, comment: Comment) -> bool:
        return bool(getattr(comment, "is_liked", False))

    def get_edited(self, comment: Comment) -> bool:
        return comment.edited_at is not None

    def get_deleted(self, comment: Comment) -> bool:
        return comment.deleted_at is not None

    def to_representation(self, comment: Comment) -> dict:
        data = super().to_representation(comment)
        if comment.deleted_at is not None:
            data.update(author=None, text="", mentions=[])
        return data


class CommentCreateSerializer(serializers.Serializer):
    text = serializers.CharField(
        max_length=COMMENT_MAX_LENGTH,
        help_text=f"1-{COMMENT_MAX_LENGTH} characters once trimmed; `@username` mentions "
        "are linked.",
    )
    parent = serializers.UUIDField(
        required=False,
        allow_null=True,
        help_text="The comment to reply to. A reply to a reply joins the same thread and "
        "mentions its author.",
    )


class CommentUpdateSerializer(serializers.Serializer):
    text = serializers.CharField(
        max_length=COMMENT_MAX_LENGTH,
        help_text=f"1-{COMMENT_MAX_LENGTH} characters once trimmed.",
    )


class CommentListQuerySerializer(serializers.Serializer):
    ordering = serializers.ChoiceField(
        choices=list(COMMENT_ORDERINGS), required=False, default="newest"
    )


class ReportCreateSerializer(serializers.Serializer):
    target_type = serializers.ChoiceField(choices=Report.TargetType.choices)
    target_id = serializers.UUIDField()
    reason = serializers.ChoiceField(choices=Report.Reason.choices)
    details = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class ReportSerializer(ModelSerializer):
    """A report as its reporter sees it."""

    class Meta:
        model = Report
        fields = ["id", "target_type", "target_id", "reason", "details", "status", "created_at"]
        read_only_fields = fields


class ReportTargetSerializer(serializers.Serializer):
    exists = serializers.BooleanField(help_text="False when the target was deleted since.")
    username = serializers.CharField(
        allow_null=True, help_text="The video's owner, the comment's author, or the account."
    )
    title = serializers.CharField(allow_null=True, help_text="A video's title.")
    text = serializers.CharField(
        allow_null=True,
        help_text=f"A comment's text (its first {REPORT_TARGET_TEXT_MAX} characters).",
    )
    video_id = serializers.UUIDField(allow_null=True, help_text="The video, or the comment's.")


class ReportReviewSerializer(ReportSerializer):
    """A report as staff review it, with its target summarised (from the annotations of
    `social.selectors.report_list_for_review`)."""

    reporter = UserPublicSerializer(read_only=True)
    reviewed_by = UserPublicSerializer(read_only=True, allow_null=True)
    target = serializers.SerializerMethodField()

    class Meta(ReportSerializer.Meta):
        fields = [
            *ReportSerializer.Meta.fields,
            "reporter",
            "target",
            "reviewed_by",
            "reviewed_at",
            "resolution",
        ]
        read_only_fields = fields

    @extend_schema_field(ReportTargetSerializer)
    def get_target(self, report: Report) -> dict:
        username = getattr(report, "target_username", None)
        text = getattr(report, "target_comment_text", None)
        video_id = getattr(report, "target_video_id", None)
        return {
            "exists": username is not None,
            "username": username,
            "title": getattr(report, "target_video_title", None),
            "text": text[:REPORT_TARGET_TEXT_MAX] if text is not None else None,
            "video_id": str(video_id) if video_id is not None else None,
        }


class ReportListQuerySerializer(serializers.Serializer):
    status = serializers.ChoiceField(
        choices=Report.Status.choices, required=False, default=Report.Status.OPEN
    )


# -- Likes, bookmarks and shares (views/engagement.py) -----------------------------------


class VideoLikeResultSerializer(serializers.Serializer):
    liked = serializers.BooleanField(help_text="Always true: the caller likes the video.")
    like_count = serializers.IntegerField(help_text="The video's like count after it.")


class BookmarkResultSerializer(serializers.Serializer):
    bookmarked = serializers.BooleanField(help_text="Always true: the video is bookmarked.")


class ShareCreateSerializer(serializers.Serializer):
    channel = serializers.ChoiceField(
        choices=SHARE_CHANNELS,
        required=False,
        help_text="Where the video is shared to; recorded with the share. Omitted: unknown.",
    )


class ShareResultSerializer(serializers.Serializer):
    share_url = serializers.URLField(help_text="The video's absolute address, to share.")
    share_count = serializers.IntegerField(help_text="The video's share count after it.")
