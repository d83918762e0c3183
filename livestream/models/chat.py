"""Live streaming app: a stream's chat, and its moderation (moderators, bans, timeouts).

Each message of a stream carries `sequence`, the stream's `chat_message_count` once
the message is counted: taken under the stream's row lock and committed with the
message, so sequences of a stream rise in the order messages commit, and a poller that
has seen sequence N never meets a message committed later with a smaller one. Its
string form is the chat's opaque cursor. Moderation deletes softly: a deleted message
keeps its sequence and is shown to nobody.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q

from core.models import BaseModel
from livestream.models.streams import Stream, StreamSession

CHAT_MESSAGE_MAX_LENGTH = 500
CHAT_BAN_REASON_MAX_LENGTH = 200


class ChatMessage(BaseModel):
    """One message of a stream's chat: a viewer's (`user`), the platform's (`system`),
    or a gift's announcement (`gift`, by the gifter)."""

    class Kind(models.TextChoices):
        USER = "user"
        SYSTEM = "system"
        GIFT = "gift"

    stream = models.ForeignKey(Stream, on_delete=models.CASCADE, related_name="chat_messages")
    session = models.ForeignKey(
        StreamSession,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="chat_messages",
        help_text="The broadcast it was posted during (none after the end).",
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="chat_messages",
        help_text="None for the platform's own messages.",
    )
    kind = models.CharField(max_length=8, choices=Kind.choices, default=Kind.USER)
    text = models.CharField(max_length=CHAT_MESSAGE_MAX_LENGTH)
    sequence = models.PositiveBigIntegerField(
        editable=False, help_text="Rises with each message of the stream: the chat's cursor."
    )
    deleted_at = models.DateTimeField(null=True, blank=True)
    deleted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        constraints = [
            # The poll's index too: `WHERE stream = ? AND sequence > ? ORDER BY sequence`.
            models.UniqueConstraint(
                fields=["stream", "sequence"], name="livestream_chat_sequence_once"
            )
        ]
        indexes = [
            # An author's recent messages in a stream: slow mode and the rate limit.
            models.Index(
                fields=["stream", "author", "-created_at"],
                name="livestream_chat_author_recent",
                condition=Q(kind="user"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.stream_id} #{self.sequence}"

    @property
    def cursor(self) -> str:
        return str(self.sequence)


class StreamModerator(BaseModel):
    """A user the stream's owner named to moderate its chat."""

    stream = models.ForeignKey(Stream, on_delete=models.CASCADE, related_name="moderators")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="stream_moderations"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["stream", "user"], name="livestream_moderator_once")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} moderates {self.stream_id}"


class ChatBan(BaseModel):
    """A user banned from a stream's chat until unbanned (`created_at`: since when)."""

    stream = models.ForeignKey(Stream, on_delete=models.CASCADE, related_name="chat_bans")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="stream_chat_bans"
    )
    banned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    reason = models.CharField(max_length=CHAT_BAN_REASON_MAX_LENGTH, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["stream", "user"], name="livestream_chat_ban_once")
        ]
        indexes = [
            models.Index(fields=["stream", "-created_at", "-id"], name="livestream_chat_ban_recent")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} banned from {self.stream_id}"


class ChatTimeout(BaseModel):
    """A user kept from posting in a stream's chat `until` a moment."""

    stream = models.ForeignKey(Stream, on_delete=models.CASCADE, related_name="chat_timeouts")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="stream_chat_timeouts"
    )
    until = models.DateTimeField()
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        indexes = [
            models.Index(fields=["stream", "user", "-until"], name="livestream_chat_timeout_user")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} timed out of {self.stream_id} until {self.until:%H:%M}"
