"""Live streaming app: live streams, their stream keys and their broadcasts (sessions)."""

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q

from core.fields import PortableArrayField
from core.models import BaseModel
from videos.models import (
    DESCRIPTION_MAX_LENGTH,
    TAG_MAX_LENGTH,
    TAGS_MAX_COUNT,
    TITLE_MAX_LENGTH,
    Category,
    Video,
)

SLOW_MODE_MAX_SECONDS = 3600


def stream_public_id_new() -> str:
    """The id a stream is played under (HLS folder, playback URL): 72 random bits,
    URL-safe. Public by design; the stream key is the secret."""
    return secrets.token_urlsafe(9)


class Stream(BaseModel):
    """A creator's live channel: what it is, who may watch it, and whether it is live.

    A permanent stream keeps its key across broadcasts and returns to `idle` after
    each; a one-off stream ends for good after its broadcast. The stream key itself
    is never stored: `key_digest` is its keyed HMAC-SHA256 (`livestream.keys`).
    """

    # Exactly the videos' meanings, decided by the videos' rule (videos.selectors).
    Visibility = Video.Visibility

    class Status(models.TextChoices):
        IDLE = "idle"
        LIVE = "live"
        ENDED = "ended"

    class ChatMode(models.TextChoices):
        OPEN = "open"
        FOLLOWERS = "followers"
        SUBSCRIBERS = "subscribers"

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="streams"
    )
    title = models.CharField(max_length=TITLE_MAX_LENGTH)
    description = models.TextField(max_length=DESCRIPTION_MAX_LENGTH, blank=True)
    category = models.ForeignKey(
        Category, null=True, blank=True, on_delete=models.SET_NULL, related_name="streams"
    )
    tags = PortableArrayField(
        models.CharField(max_length=TAG_MAX_LENGTH), size=TAGS_MAX_COUNT, default=list, blank=True
    )
    visibility = models.CharField(
        max_length=12, choices=Visibility.choices, default=Visibility.PUBLIC
    )
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.IDLE)
    permanent = models.BooleanField(
        default=True, help_text="Reusable across broadcasts; otherwise it ends after one."
    )
    save_replay = models.BooleanField(default=False)
    scheduled_for = models.DateTimeField(null=True, blank=True)
    chat_mode = models.CharField(max_length=12, choices=ChatMode.choices, default=ChatMode.OPEN)
    slow_mode_seconds = models.PositiveIntegerField(default=0)
    current_viewers = models.PositiveIntegerField(default=0)
    peak_viewers = models.PositiveIntegerField(default=0)
    chat_message_count = models.PositiveBigIntegerField(default=0)
    gift_coins = models.PositiveBigIntegerField(default=0)
    public_id = models.CharField(
        max_length=16, unique=True, default=stream_public_id_new, editable=False
    )
    key_digest = models.CharField(
        max_length=64, unique=True, editable=False, help_text="HMAC-SHA256 of the stream key."
    )
    key_rotated_at = models.DateTimeField()
    # When the viewer counts last reached `current_viewers` and `peak_viewers`
    # (livestream.services.viewers: at most every LIVE_VIEWER_FLUSH_SECONDS).
    viewers_flushed_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        indexes = [
            # Live now, most viewers first (the primary key breaks ties).
            models.Index(
                fields=["-current_viewers", "-id"],
                name="livestream_live_viewers",
                condition=Q(status="live"),
            ),
            # Upcoming: idle streams with a schedule, soonest first.
            models.Index(
                fields=["scheduled_for", "id"],
                name="livestream_upcoming",
                condition=Q(status="idle", scheduled_for__isnull=False),
            ),
            models.Index(fields=["owner", "-created_at", "-id"], name="livestream_owner_recent"),
            models.Index(fields=["-created_at", "-id"], name="livestream_recent"),
        ]

    def __str__(self) -> str:
        return self.title


class StreamSession(BaseModel):
    """One broadcast of a stream, from the publisher's start to its end."""

    class EndReason(models.TextChoices):
        PUBLISHER_STOPPED = "publisher_stopped"
        KEY_ROTATED = "key_rotated"
        OWNER_RESTRICTED = "owner_restricted"
        STALE = "stale"
        STAFF_ENDED = "staff_ended"
        DELETED = "deleted"

    # Kept when the stream is deleted (its end reason says so).
    stream = models.ForeignKey(
        Stream, null=True, on_delete=models.SET_NULL, related_name="sessions"
    )
    started_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)
    end_reason = models.CharField(max_length=20, choices=EndReason.choices, blank=True)
    publisher_ref = models.CharField(
        max_length=100,
        blank=True,
        help_text="The media server's id of the publishing client (nginx-rtmp's clientid).",
    )
    last_callback_at = models.DateTimeField(
        help_text="The media server's last word about this broadcast."
    )
    peak_viewers = models.PositiveIntegerField(default=0)
    unique_viewers = models.PositiveIntegerField(default=0)
    gift_coins = models.PositiveBigIntegerField(default=0)
    replay_video = models.ForeignKey(
        Video, null=True, blank=True, on_delete=models.SET_NULL, related_name="stream_sessions"
    )

    class Meta:
        constraints = [
            # At most one broadcast of a stream at a time.
            models.UniqueConstraint(
                fields=["stream"],
                condition=Q(ended_at__isnull=True),
                name="livestream_one_open_session",
            )
        ]
        indexes = [models.Index(fields=["stream", "-started_at"], name="livestream_session_recent")]

    def __str__(self) -> str:
        return f"{self.stream_id}: {self.started_at:%Y-%m-%d %H:%M}"
