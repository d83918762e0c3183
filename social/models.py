"""Social app: follows, blocks, likes, comments, bookmarks, shares and abuse reports."""

from django.conf import settings
from django.db import models
from django.db.models import Q

from core.models import BaseModel
from videos.models import Video

User = settings.AUTH_USER_MODEL
COMMENT_MAX_LENGTH = 2000


class Follow(BaseModel):
    """`follower` follows `followed`; a request (`pending`) until a private account
    accepts it. Counters on the users count accepted follows only."""

    class Status(models.TextChoices):
        PENDING = "pending"
        ACCEPTED = "accepted"

    follower = models.ForeignKey(User, on_delete=models.CASCADE, related_name="following_set")
    followed = models.ForeignKey(User, on_delete=models.CASCADE, related_name="follower_set")
    status = models.CharField(max_length=10, choices=Status.choices)
    accepted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["follower", "followed"], name="social_follow_once"),
            models.CheckConstraint(
                condition=~Q(follower=models.F("followed")), name="social_follow_not_self"
            ),
        ]
        indexes = [
            models.Index(
                fields=["followed", "status", "-created_at", "-id"], name="social_followers"
            ),
            models.Index(
                fields=["follower", "status", "-created_at", "-id"], name="social_following"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.follower} -> {self.followed} ({self.status})"


class Block(BaseModel):
    """`blocker` blocked `blocked`: neither sees nor reaches the other."""

    blocker = models.ForeignKey(User, on_delete=models.CASCADE, related_name="blocks_made")
    blocked = models.ForeignKey(User, on_delete=models.CASCADE, related_name="blocks_received")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["blocker", "blocked"], name="social_block_once"),
            models.CheckConstraint(
                condition=~Q(blocker=models.F("blocked")), name="social_block_not_self"
            ),
        ]
        indexes = [
            models.Index(fields=["blocker", "-created_at", "-id"], name="social_blocks_made"),
            models.Index(fields=["blocked"], name="social_blocks_received"),
        ]

    def __str__(self) -> str:
        return f"{self.blocker} blocked {self.blocked}"


class VideoLike(BaseModel):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="video_likes")
    video = models.ForeignKey(Video, on_delete=models.CASCADE, related_name="likes")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "video"], name="social_video_like_once")
        ]
        indexes = [models.Index(fields=["video", "-created_at", "-id"], name="social_video_likers")]


# How a video's comments may be listed: each ordering is served by an index of `Comment`.
COMMENT_ORDERINGS = {
    "newest": ("-created_at", "-id"),  # index social_comments_new
    "top": ("-like_count", "-id"),  # index social_comments_top
}


class Comment(BaseModel):
    """A comment on a video. Threads are one level deep: a reply's `parent` is always a
    top-level comment. A deleted comment keeps its row (and its thread) as "deleted"."""

    video = models.ForeignKey(Video, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(User, on_delete=models.CASCADE, related_name="comments")
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="replies"
    )
    text = models.TextField(max_length=COMMENT_MAX_LENGTH)
    mentioned_users = models.ManyToManyField(User, blank=True, related_name="mentions")
    like_count = models.PositiveIntegerField(default=0)
    reply_count = models.PositiveIntegerField(default=0)
    is_pinned = models.BooleanField(default=False)
    is_hidden = models.BooleanField(default=False, help_text="Hidden by staff.")
    edited_at = models.DateTimeField(null=True, blank=True)
    deleted_at = models.DateTimeField(null=True, blank=True)
    deleted_text = models.TextField(
        blank=True,
        default="",
        help_text="The text when it was deleted: evidence for staff reviewing reports, "
        "never shown by the public API.",
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["video"], condition=Q(is_pinned=True), name="social_one_pinned_comment"
            )
        ]
        indexes = [
            models.Index(
                fields=["video", "-created_at", "-id"],
                name="social_comments_new",
                condition=Q(parent__isnull=True),
            ),
            models.Index(
                fields=["video", "-like_count", "-id"],
                name="social_comments_top",
                condition=Q(parent__isnull=True),
            ),
            models.Index(fields=["parent", "created_at", "id"], name="social_comment_replies"),
        ]

    def __str__(self) -> str:
        return self.text[:50]


class CommentLike(BaseModel):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="comment_likes")
    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, related_name="likes")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "comment"], name="social_comment_like_once")
        ]


class Bookmark(BaseModel):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="bookmarks")
    video = models.ForeignKey(Video, on_delete=models.CASCADE, related_name="bookmarks")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "video"], name="social_bookmark_once")
        ]
        indexes = [models.Index(fields=["user", "-created_at", "-id"], name="social_bookmarks")]


# Where a video is shared to; stored on the `Share` row ("" when the client does not say).
SHARE_CHANNELS = ("link", "email", "twitter", "facebook", "whatsapp", "telegram", "reddit", "other")


class Share(BaseModel):
    """One time a video was shared (counted on the video), and where to."""

    user = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="shares"
    )
    video = models.ForeignKey(Video, on_delete=models.CASCADE, related_name="shares")
    channel = models.CharField(max_length=30, blank=True)


class Report(BaseModel):
    """An abuse report. One open report per reporter and target."""

    class TargetType(models.TextChoices):
        VIDEO = "video"
        COMMENT = "comment"
        USER = "user"

    class Reason(models.TextChoices):
        SPAM = "spam"
        HARASSMENT = "harassment"
        HATE = "hate"
        VIOLENCE = "violence"
        SEXUAL = "sexual"
        CHILD_SAFETY = "child_safety"
        MISINFORMATION = "misinformation"
        COPYRIGHT = "copyright"
        SELF_HARM = "self_harm"
        OTHER = "other"

    class Status(models.TextChoices):
        OPEN = "open"
        DISMISSED = "dismissed"
        ACTIONED = "actioned"

    reporter = models.ForeignKey(User, on_delete=models.CASCADE, related_name="reports_made")
    target_type = models.CharField(max_length=10, choices=TargetType.choices)
    target_id = models.UUIDField()
    reason = models.CharField(max_length=20, choices=Reason.choices)
    details = models.TextField(max_length=2000, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    reviewed_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="reports_reviewed"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    resolution = models.CharField(max_length=500, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["reporter", "target_type", "target_id"],
                condition=Q(status="open"),
                name="social_one_open_report",
            )
        ]
        indexes = [
            models.Index(fields=["status", "-created_at", "-id"], name="social_report_queue"),
            models.Index(fields=["target_type", "target_id"], name="social_report_target"),
        ]

    def __str__(self) -> str:
        return f"{self.reason} report on {self.target_type} {self.target_id}"
