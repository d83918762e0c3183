"""Live streaming app: data and invariants, one module per area."""

from livestream.models.replays import StreamRecording
from livestream.models.streams import (
    SLOW_MODE_MAX_SECONDS,
    Stream,
    StreamSession,
    stream_public_id_new,
)

__all__ = [
    "SLOW_MODE_MAX_SECONDS",
    "Stream",
    "StreamRecording",
    "StreamSession",
    "stream_public_id_new",
]
