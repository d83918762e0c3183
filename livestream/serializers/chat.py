"""Live streaming app: the chat's input and output shapes (views/chat.py).

A message's `cursor` is opaque: a client polls with the `next_cursor` it was given
(or a message's `cursor`) as `after`, never with a value it made up.
"""

from rest_framework import serializers

from accounts.serializers.users import UserPublicSerializer
from core.serializers import ModelSerializer
from livestream.exceptions import INVALID_CHAT_CURSOR
from livestream.models import (
    CHAT_BAN_REASON_MAX_LENGTH,
    CHAT_MESSAGE_MAX_LENGTH,
    ChatBan,
    ChatMessage,
    ChatTimeout,
    StreamModerator,
)
from livestream.selectors.chat import CHAT_PAGE_MAX
from livestream.services.chat import CHAT_TIMEOUT_MAX_MINUTES

# Long enough for any sequence (a bigint has 19 digits).
CHAT_CURSOR_MAX_LENGTH = 20


class ChatMessageSerializer(ModelSerializer):
    author = UserPublicSerializer(read_only=True, allow_null=True)
    cursor = serializers.CharField(
        read_only=True, help_text="Opaque: poll with it as `after` for what follows."
    )

    class Meta:
        model = ChatMessage
        fields = ["id", "author", "kind", "text", "created_at", "cursor"]
        read_only_fields = fields


class ChatPageSerializer(serializers.Serializer):
    results = ChatMessageSerializer(many=True, source="messages")
    next_cursor = serializers.CharField(help_text="Send it as `after` on the next poll (opaque).")


class ChatListQuerySerializer(serializers.Serializer):
    after = serializers.CharField(
        required=False,
        max_length=CHAT_CURSOR_MAX_LENGTH,
        help_text="A `next_cursor` (or a message's `cursor`): only newer messages. "
        "Absent: the newest ones.",
    )
    limit = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=CHAT_PAGE_MAX,
        default=CHAT_PAGE_MAX,
        help_text=f"At most this many messages (1 to {CHAT_PAGE_MAX}).",
    )

    def validate_after(self, value: str) -> int:
        if not (value.isascii() and value.isdigit()):
            raise serializers.ValidationError(INVALID_CHAT_CURSOR.detail())
        return int(value)


class ChatMessageCreateSerializer(serializers.Serializer):
    text = serializers.CharField(
        max_length=CHAT_MESSAGE_MAX_LENGTH,
        help_text=f"1-{CHAT_MESSAGE_MAX_LENGTH} characters once trimmed.",
    )


class ChatUsernameSerializer(serializers.Serializer):
    # No length limit: a name no account can have is an unknown user (404).
    username = serializers.CharField(help_text="The user's username, whatever its case.")


class ChatTimeoutCreateSerializer(ChatUsernameSerializer):
    minutes = serializers.IntegerField(
        min_value=1,
        max_value=CHAT_TIMEOUT_MAX_MINUTES,
        help_text=f"1 to {CHAT_TIMEOUT_MAX_MINUTES} (a day).",
    )


class ChatBanCreateSerializer(ChatUsernameSerializer):
    reason = serializers.CharField(
        max_length=CHAT_BAN_REASON_MAX_LENGTH, required=False, allow_blank=True, default=""
    )


class StreamModeratorSerializer(ModelSerializer):
    user = UserPublicSerializer(read_only=True)

    class Meta:
        model = StreamModerator
        fields = ["id", "user", "created_at"]
        read_only_fields = fields


class ChatTimeoutSerializer(ModelSerializer):
    user = UserPublicSerializer(read_only=True)

    class Meta:
        model = ChatTimeout
        fields = ["id", "user", "until", "created_at"]
        read_only_fields = fields


class ChatBanSerializer(ModelSerializer):
    user = UserPublicSerializer(read_only=True)
    banned_by = UserPublicSerializer(read_only=True, allow_null=True)

    class Meta:
        model = ChatBan
        fields = ["id", "user", "banned_by", "reason", "created_at"]
        read_only_fields = fields
