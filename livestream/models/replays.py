"""Live streaming app: replays: the recordings a media server wrote of a broadcast, each
made a video of the stream's owner once, whatever number of times the server says so."""

from django.db import models

from core.models import BaseModel
from livestream.models.streams import Stream, StreamSession
from videos.models import Video

RECORDING_PATH_MAX_LENGTH = 1024


class StreamRecording(BaseModel):
    """A recording the media server handed over (`on_record_done`, MediaMTX's segment
    hook), by its resolved path inside `LIVE_RECORDINGS_ROOT`: the unique path makes a
    repeated call find the video the first one made. `video` is empty when the stream
    did not keep replays (the file was deleted) or the video was deleted since."""

    stream = models.ForeignKey(
        Stream, null=True, on_delete=models.SET_NULL, related_name="recordings"
    )
    session = models.ForeignKey(
        StreamSession, null=True, blank=True, on_delete=models.SET_NULL, related_name="recordings"
    )
    path = models.CharField(max_length=RECORDING_PATH_MAX_LENGTH, unique=True)
    video = models.ForeignKey(
        Video, null=True, blank=True, on_delete=models.SET_NULL, related_name="stream_recordings"
    )

    def __str__(self) -> str:
        return self.path
