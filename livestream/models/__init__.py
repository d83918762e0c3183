"""Live streaming app: data and invariants, one module per area."""

from livestream.models.chat import (
    CHAT_BAN_REASON_MAX_LENGTH,
    CHAT_MESSAGE_MAX_LENGTH,
    ChatBan,
    ChatMessage,
    ChatTimeout,
    StreamModerator,
)
from livestream.models.gifts import (
    GIFT_MESSAGE_MAX_LENGTH,
    GIFT_QUANTITY_MAX,
    Gift,
    GiftSent,
    SessionGifter,
)
from livestream.models.reminders import StreamReminder
from livestream.models.replays import StreamRecording
from livestream.models.streams import (
    SLOW_MODE_MAX_SECONDS,
    Stream,
    StreamSession,
    stream_public_id_new,
)
from livestream.models.viewers import ViewerPresence

__all__ = [
    "CHAT_BAN_REASON_MAX_LENGTH",
    "CHAT_MESSAGE_MAX_LENGTH",
    "GIFT_MESSAGE_MAX_LENGTH",
    "GIFT_QUANTITY_MAX",
    "SLOW_MODE_MAX_SECONDS",
    "ChatBan",
    "ChatMessage",
    "ChatTimeout",
    "Gift",
    "GiftSent",
    "SessionGifter",
    "Stream",
    "StreamModerator",
    "StreamRecording",
    "StreamReminder",
    "StreamSession",
    "ViewerPresence",
    "stream_public_id_new",
]
