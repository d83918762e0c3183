"""Videos app: videos and their categories, counted views, activity by hour and watch
history."""

import secrets

from django.conf import settings
from django.db import models
from django.db.models import ExpressionWrapper, F, Q
from django.db.models.expressions import RawSQL

from core.fields import PortableArrayField
from core.indexes import PostgresGinIndex
from core.models import BaseModel, MetadataMixin
from core.search import search_document

TAG_MAX_LENGTH = 50
TAGS_MAX_COUNT = 20
TITLE_MAX_LENGTH = 150
DESCRIPTION_MAX_LENGTH = 5000
# What a search looks through: the search index below and the search selector share it.
SEARCH_TEXT_FIELDS = ("title", "description")
SEARCH_ARRAY_FIELD = "tags"


def media_key_new() -> str:
    """The random folder a video's files live in: unguessable, never reused."""
    return secrets.token_hex(16)


def video_source_path(video: "Video", filename: str) -> str:
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    if not extension.isalnum() or len(extension) > 8:
        extension = "bin"
    return f"videos/{video.media_key}/source.{extension}"


class Category(models.Model):
    """A shelf videos are put on, managed in the admin."""

    slug = models.SlugField(max_length=50, unique=True)
    name = models.CharField(max_length=100)
    position = models.PositiveSmallIntegerField(default=0, help_text="Lower comes first.")

    class Meta:
        ordering = ["position", "name"]
        verbose_name_plural = "categories"

    def __str__(self) -> str:
        return self.name


# What a video of a creator the viewer follows adds to its trending score in the
# viewer's for-you list (`videos.selectors.video_list_for_you`).
FOR_YOU_FOLLOWED_BOOST = 1.0


def followed_score() -> ExpressionWrapper:
    """A video's trending score plus `FOR_YOU_FOLLOWED_BOOST`: its for-you score where
    its creator is followed and no tag boosts it, as the index
    `videos_ready_followed_score` holds it. The boost is written into the SQL (not a
    parameter), as in the index, so that SQLite matches the index's expression."""
    boost = RawSQL(repr(FOR_YOU_FOLLOWED_BOOST), (), output_field=models.FloatField())  # noqa: S611
    return ExpressionWrapper(F("trending_score") + boost, output_field=models.FloatField())


class Video(BaseModel, MetadataMixin):
    """An uploaded video and everything processing made of it."""

    class Status(models.TextChoices):
        UPLOADED = "uploaded"
        PROCESSING = "processing"
        READY = "ready"
        FAILED = "failed"

    class Visibility(models.TextChoices):
        PUBLIC = "public"  # anyone, listed
        UNLISTED = "unlisted"  # anyone with the id, never listed
        FOLLOWERS = "followers"  # the owner's accepted followers
        SUBSCRIBERS = "subscribers"  # the owner's active paying subscribers (payments)
        PRIVATE = "private"  # the owner only

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="videos"
    )
    title = models.CharField(max_length=TITLE_MAX_LENGTH)
    description = models.TextField(max_length=DESCRIPTION_MAX_LENGTH, blank=True)
    media_key = models.CharField(max_length=32, unique=True, default=media_key_new, editable=False)
    source_file = models.FileField(upload_to=video_source_path, max_length=300)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.UPLOADED)
    processing_error = models.TextField(blank=True)
    visibility = models.CharField(
        max_length=12, choices=Visibility.choices, default=Visibility.PUBLIC
    )
    tags = PortableArrayField(
        models.CharField(max_length=TAG_MAX_LENGTH), size=TAGS_MAX_COUNT, default=list, blank=True
    )
    category = models.ForeignKey(
        Category, null=True, blank=True, on_delete=models.SET_NULL, related_name="videos"
    )
    language = models.CharField(max_length=16, blank=True, help_text="A BCP 47 tag, e.g. en.")
    allow_comments = models.BooleanField(default=True)
    duration_seconds = models.FloatField(null=True, blank=True)
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    thumbnail = models.ImageField(max_length=300, blank=True)
    renditions = models.JSONField(default=list, blank=True)
    hls_playlist = models.CharField(
        max_length=300, blank=True, help_text="The storage name of the HLS master playlist."
    )
    view_count = models.PositiveBigIntegerField(default=0)
    like_count = models.PositiveBigIntegerField(default=0)
    comment_count = models.PositiveBigIntegerField(default=0)
    share_count = models.PositiveBigIntegerField(default=0)
    trending_score = models.FloatField(default=0)
    published_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        # Feeds read ready, public videos in one order each; these partial indexes hold
        # exactly those rows, in that order (the primary key breaks ties).
        indexes = [
            models.Index(
                fields=["-published_at", "-id"],
                name="videos_public_recent",
                condition=Q(status="ready", visibility="public"),
            ),
            models.Index(
                fields=["-trending_score", "-id"],
                name="videos_public_trending",
                condition=Q(status="ready", visibility="public"),
            ),
            # For-you's subscribers-only videos of creators the viewer subscribes to
            # and does not follow, by owner, in their score's order (the trending one).
            models.Index(
                fields=["owner", "-trending_score", "-id"],
                name="videos_subscribers_trending",
                condition=Q(status="ready", visibility="subscribers"),
            ),
            # For-you's order of the videos of creators the viewer follows: their
            # trending score plus the boost (`videos.selectors._for_you_parts`).
            models.Index(
                followed_score().desc(),
                F("id").desc(),
                name="videos_ready_followed_score",
                condition=Q(status="ready"),
            ),
            models.Index(
                fields=["-view_count", "-id"],
                name="videos_public_most_viewed",
                condition=Q(status="ready", visibility="public"),
            ),
            models.Index(
                fields=["-like_count", "-id"],
                name="videos_public_most_liked",
                condition=Q(status="ready", visibility="public"),
            ),
            # Every ready video, newest first: signed-in lists add the viewer's own and
            # followers-only videos to the public ones (an OR the partial index above
            # cannot serve), and scan this in order instead of sorting the table.
            models.Index(
                fields=["-published_at", "-id"],
                name="videos_ready_recent",
                condition=Q(status="ready"),
            ),
            # A profile's videos and the following feed: by owner, newest first.
            models.Index(fields=["owner", "-published_at", "-id"], name="videos_owner_recent"),
            models.Index(fields=["owner", "-created_at", "-id"], name="videos_owner_created"),
            models.Index(
                fields=["category", "-published_at", "-id"], name="videos_category_recent"
            ),
            models.Index(fields=["status"], name="videos_status"),
            PostgresGinIndex(fields=["tags"], name="videos_tags_gin"),
            # Full-text search (PostgreSQL only; SQLite scans, see core.search).
            PostgresGinIndex(
                search_document(*SEARCH_TEXT_FIELDS, array_field=SEARCH_ARRAY_FIELD),
                name="videos_search_gin",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def media_folder(self) -> str:
        return f"videos/{self.media_key}"


class VideoView(BaseModel):
    """A counted view: at most one per viewer, per video, per hour."""

    video = models.ForeignKey(Video, on_delete=models.CASCADE, related_name="counted_views")
    viewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="counted_views",
    )
    viewer_key = models.CharField(
        max_length=64, help_text="The user's id, or a digest of an anonymous client."
    )
    hour = models.DateTimeField(help_text="The start of the hour the view was counted in.")
    watched_seconds = models.FloatField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["video", "viewer_key", "hour"], name="videos_view_once_per_hour"
            )
        ]
        indexes = [models.Index(fields=["video", "created_at"], name="videos_view_recent")]


class VideoActivity(models.Model):
    """What happened to a video in one clock hour (UTC): counted views, likes, comments
    and shares, net of those taken back. Trending reads the buckets of its window
    (`videos.services.trending`); `videos.services.activity` writes them, one statement
    per event, and prunes them once they are older than every window."""

    id = models.BigAutoField(primary_key=True)
    # No index of its own: the unique constraint below starts with it.
    video = models.ForeignKey(
        Video, on_delete=models.CASCADE, related_name="activity", db_index=False
    )
    hour = models.DateTimeField(help_text="The start of the hour (UTC) the bucket counts.")
    views = models.PositiveIntegerField(default=0)
    likes = models.PositiveIntegerField(default=0)
    comments = models.PositiveIntegerField(default=0)
    shares = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name_plural = "video activity"
        constraints = [
            # The upsert's conflict target; also a video's buckets in order of time.
            models.UniqueConstraint(fields=["video", "hour"], name="videos_activity_once_per_hour")
        ]
        # The buckets of a window, and the old ones to prune.
        indexes = [models.Index(fields=["hour"], name="videos_activity_hour")]

    def __str__(self) -> str:
        return f"{self.video_id} at {self.hour:%Y-%m-%d %H:00}"


class WatchHistoryEntry(BaseModel):
    """What a signed-in user watched: one row per video, moved up on each watch."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="watch_history"
    )
    video = models.ForeignKey(Video, on_delete=models.CASCADE, related_name="watch_history")
    watched_seconds = models.FloatField(default=0)
    last_watched_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "video"], name="videos_history_once")
        ]
        indexes = [
            models.Index(fields=["user", "-last_watched_at", "-id"], name="videos_history_recent")
        ]
        verbose_name_plural = "watch history entries"
