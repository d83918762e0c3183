"""Live streaming app: reads for replays: the broadcast a recording belongs to, and
the recordings already handed over."""

from livestream.models import Stream, StreamRecording, StreamSession


def stream_session_latest(*, stream: Stream) -> StreamSession | None:
    """The stream's broadcast under way or, if none, its last one (a recording is
    handed over as its broadcast ends, just before or just after)."""
    return StreamSession.objects.filter(stream=stream).order_by("-started_at").first()


def stream_recording_get(*, path: str) -> StreamRecording | None:
    """The recording handed over earlier from `path` (resolved), video joined, or None."""
    return StreamRecording.objects.select_related("video").filter(path=path).first()
