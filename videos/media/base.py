"""What the media modules share: opening an upload with the allow-listed demuxers, its
streams, the errors, and what probing found (`MediaInfo`)."""

import math
from dataclasses import dataclass
from pathlib import Path

import av

# Containers we read. Opening a file lets FFmpeg pick a demuxer by content, and some
# demuxers read *other* files or URLs named inside the upload (HLS playlists, concat
# lists), or take a text file or an image for a "video". Only these demuxers may open
# an upload (FFmpeg matches each name against the demuxer's alias list: "mov" covers
# MP4, MOV, M4V and 3GP; "matroska" covers MKV and WebM; "asf" is WMV).
SUPPORTED_DEMUXERS = ("mov", "matroska", "avi", "mpegts", "mpeg", "flv", "asf", "ogg")
SUPPORTED_CONTAINERS_TEXT = "MP4, MOV, WebM, MKV, AVI, MPEG, FLV, WMV or OGG"
INPUT_OPTIONS = {
    "format_whitelist": ",".join(SUPPORTED_DEMUXERS),
    "protocol_whitelist": "file",
}

# Errors PyAV and the OS raise on bad input; all become `InvalidMedia`.
MEDIA_ERRORS = (av.FFmpegError, OSError, ValueError, EOFError, ArithmeticError, IndexError)

# Frames larger than this on either side are refused (8K is 7680x4320), and so are
# frames of more pixels than the caller allows (`media_probe(max_pixels=)`): checked on
# the size the stream declares, before anything is decoded. Decoders refuse frames of
# more than DECODER_MAX_PIXELS whatever a stream declares (FFmpeg's `max_pixels`), so a
# frame that grows mid-stream cannot take a worker's memory either.
MAX_DIMENSION = 8192
MAX_PIXELS = 8192 * 4320  # DCI 8K
DECODER_MAX_PIXELS = MAX_DIMENSION * MAX_DIMENSION


class InvalidMedia(Exception):
    """The file is not a video that can be processed; `str(error)` says why, for people."""


class MediaFrameTooLarge(InvalidMedia):
    """The video's frames are larger than allowed (on a side, or in pixels)."""

    def __init__(self, *, width: int, height: int, max_pixels: int) -> None:
        self.width = width
        self.height = height
        self.max_pixels = max_pixels
        super().__init__(
            f"The video is {width}x{height} pixels; at most {MAX_DIMENSION} pixels a side "
            f"and {max_pixels:,} pixels a frame are accepted."
        )


class MediaTooLong(Exception):
    """The video lasts longer than allowed."""

    def __init__(self, *, duration_seconds: float, max_duration_seconds: float) -> None:
        self.duration_seconds = duration_seconds
        self.max_duration_seconds = max_duration_seconds
        super().__init__(
            f"The video lasts {duration_text(duration_seconds)}; "
            f"the limit is {duration_text(max_duration_seconds)}."
        )


@dataclass(frozen=True)
class MediaInfo:
    """What probing found. `width` and `height` are as displayed: after the rotation
    phones record (`rotation`, degrees counterclockwise) and non-square pixels."""

    duration_seconds: float
    width: int
    height: int
    video_codec: str
    audio_codec: str | None
    frame_rate: float | None
    format_name: str
    rotation: int = 0
    extension: str = "mp4"  # of the container, as a source file is named: "webm"


def duration_text(seconds: float) -> str:
    """`seconds` as people write durations: "0:42", "12:05", "3:00:00" (tenths of a
    second shown when there are any: "0:00.5")."""
    tenths = max(0, math.ceil(round(seconds * 10, 6)))
    whole, tenth = divmod(tenths, 10)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    text = f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"
    return f"{text}.{tenth}" if tenth else text


def media_open(path: str | Path) -> av.container.InputContainer:
    return av.open(str(path), "r", options=dict(INPUT_OPTIONS))


def media_video_stream(container: av.container.InputContainer) -> av.VideoStream:
    """The first real video stream (not a cover picture), or `InvalidMedia`; its
    decoder refuses frames of more than `DECODER_MAX_PIXELS`."""
    for stream in container.streams.video:
        if not stream.disposition & (
            av.stream.Disposition.attached_pic | av.stream.Disposition.still_image
        ):
            stream.codec_context.options = {"max_pixels": str(DECODER_MAX_PIXELS)}
            return stream
    raise InvalidMedia("The file has no video stream (is it an audio file?).")


def media_audio_stream(container: av.container.InputContainer) -> av.AudioStream | None:
    return container.streams.audio[0] if container.streams.audio else None
