"""Live streaming app: data and invariants, one module per area."""

from livestream.models.gifts import (
    GIFT_MESSAGE_MAX_LENGTH,
    GIFT_QUANTITY_MAX,
    Gift,
    GiftSent,
    SessionGifter,
)
from livestream.models.reminders import StreamReminder
from livestream.models.streams import (
    SLOW_MODE_MAX_SECONDS,
    Stream,
    StreamSession,
    stream_public_id_new,
)

__all__ = [
    "GIFT_MESSAGE_MAX_LENGTH",
    "GIFT_QUANTITY_MAX",
    "SLOW_MODE_MAX_SECONDS",
    "Gift",
    "GiftSent",
    "SessionGifter",
    "Stream",
    "StreamReminder",
    "StreamSession",
    "stream_public_id_new",
]
