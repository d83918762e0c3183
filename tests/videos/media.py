"""Tiny real media files for tests, generated with PyAV (no binary fixtures in the repo).

Every frame is a bright, moving pattern of colour bands (never black), so thumbnails
can be checked for content; audio is a quiet sine tone.
"""

import math
import sys
from array import array
from collections.abc import Iterator
from contextlib import contextmanager
from fractions import Fraction
from pathlib import Path

import av
from PIL import Image

# Bright colours for the bands of a frame (RGB); the pattern scrolls one band a second.
BAND_COLOURS = [
    (230, 60, 60),
    (60, 200, 90),
    (70, 110, 230),
    (240, 210, 60),
    (200, 90, 210),
    (80, 210, 220),
]
AUDIO_SAMPLE_RATE = 44100
AUDIO_FRAME_SAMPLES = 1024

CONTAINER_FORMATS = {
    "mp4": "mp4",
    "mov": "mov",
    "mkv": "matroska",
    "webm": "webm",
    "avi": "avi",
    "flv": "flv",
}


def frame_pattern_bytes(width: int, height: int, index: int, *, pattern: str = "bands") -> bytes:
    """RGB24 bytes of frame `index`. "bands": bright horizontal colour bands (red on
    top) that scroll down a little every frame; "black": a black frame."""
    if pattern == "black":
        return bytes(width * height * 3)
    band_height = max(1, height // len(BAND_COLOURS))
    rows = []
    for y in range(height):
        colour = BAND_COLOURS[((y + index * 2) // band_height) % len(BAND_COLOURS)]
        rows.append(bytes(colour) * width)
    return b"".join(rows)


def audio_tone_frame(samples: int, start: int, *, rate: int = AUDIO_SAMPLE_RATE) -> av.AudioFrame:
    """A mono s16 frame of a 440 Hz tone starting at sample `start`."""
    tone = array(
        "h",
        (int(8000 * math.sin(2 * math.pi * 440 * (start + i) / rate)) for i in range(samples)),
    )
    frame = av.AudioFrame(format="s16", layout="mono", samples=samples)
    frame.planes[0].update(tone.tobytes())
    frame.sample_rate = rate
    frame.pts = start
    frame.time_base = Fraction(1, rate)
    return frame


def make_video(
    path: str | Path,
    *,
    seconds: float = 1.0,
    width: int = 160,
    height: int = 120,
    fps: int = 10,
    audio: bool = True,
    container: str = "mp4",
    codec: str = "h264",
    pattern: str = "bands",
    dark_frames: int = 0,
    rotation: int = 0,
    faststart: bool = False,
) -> Path:
    """Write a real video of `seconds` at `width`x`height` and `fps` to `path`.

    `codec` is "h264" (libx264), "mpeg4", "vp8" or "vp9"; `container` is "mp4", "mov",
    "mkv" or "webm" (whose sound is Opus; AAC elsewhere). `pattern` is "bands" or
    "black" (see `frame_pattern_bytes`); `dark_frames` black frames come first (a
    fade-in, for the thumbnail's choice); `rotation` (degrees counterclockwise) is
    written as the stream's display matrix, as phones do; `faststart` puts the MP4
    index first (so a file cut short still opens).
    """
    path = Path(path)
    encoder = {
        "h264": "libx264",
        "mpeg4": "mpeg4",
        "vp8": "libvpx",
        "vp9": "libvpx-vp9",
        "mjpeg": "mjpeg",
    }[codec]
    options = {"movflags": "+faststart"} if faststart else {}
    with av.open(str(path), "w", format=CONTAINER_FORMATS[container], options=options) as output:
        video_stream = output.add_stream(encoder, rate=fps)
        video_stream.width = width
        video_stream.height = height
        video_stream.pix_fmt = "yuv420p"
        if codec == "h264":
            video_stream.options = {"preset": "ultrafast"}
        if rotation:
            video_stream.set_display_rotation(rotation)
        audio_stream = None
        if audio:
            audio_codec = "libopus" if container == "webm" else "aac"
            audio_stream = output.add_stream(audio_codec, rate=AUDIO_SAMPLE_RATE, layout="mono")
            if container == "webm":
                audio_stream.rate = 48000  # Opus runs at 48 kHz; PyAV resamples
        audio_samples = int(seconds * AUDIO_SAMPLE_RATE)
        audio_written = 0
        frame_count = max(1, round(seconds * fps))
        for index in range(frame_count):
            frame_pattern = "black" if index < dark_frames else pattern
            image = Image.frombytes(
                "RGB",
                (width, height),
                frame_pattern_bytes(width, height, index, pattern=frame_pattern),
            )
            frame = av.VideoFrame.from_image(image).reformat(format="yuv420p")
            frame.pts = index
            frame.time_base = Fraction(1, fps)
            output.mux(video_stream.encode(frame))
            # Sound up to the end of this frame, so the streams are interleaved.
            audio_until = min(audio_samples, int((index + 1) / fps * AUDIO_SAMPLE_RATE))
            while audio_stream is not None and audio_written < audio_until:
                samples = min(AUDIO_FRAME_SAMPLES, audio_until - audio_written)
                output.mux(audio_stream.encode(audio_tone_frame(samples, audio_written)))
                audio_written += samples
        output.mux(video_stream.encode(None))
        if audio_stream is not None:
            output.mux(audio_stream.encode(None))
    return path


def make_audio_only(path: str | Path, *, seconds: float = 1.0) -> Path:
    """An AAC tone in an MP4 (.m4a-like) container: a real file with no video stream."""
    path = Path(path)
    with av.open(str(path), "w", format="mp4") as output:
        stream = output.add_stream("aac", rate=AUDIO_SAMPLE_RATE, layout="mono")
        total = int(seconds * AUDIO_SAMPLE_RATE)
        for start in range(0, total, AUDIO_FRAME_SAMPLES):
            samples = min(AUDIO_FRAME_SAMPLES, total - start)
            output.mux(stream.encode(audio_tone_frame(samples, start)))
        output.mux(stream.encode(None))
    return path


def make_truncated(source: str | Path, path: str | Path, *, keep: float = 0.6) -> Path:
    """A copy of `source` with its tail cut off: the first `keep` fraction of its bytes."""
    data = Path(source).read_bytes()
    path = Path(path)
    path.write_bytes(data[: int(len(data) * keep)])
    return path


def make_text_file(path: str | Path) -> Path:
    """Plain text under a video's name."""
    path = Path(path)
    path.write_text("This is not a video, whatever its name says.\n" * 50)
    return path


def make_png(path: str | Path, *, width: int = 160, height: int = 120) -> Path:
    """A still PNG image (FFmpeg opens images as one-frame videos)."""
    path = Path(path)
    Image.new("RGB", (width, height), (200, 80, 80)).save(path, "PNG")
    return path


def make_empty_file(path: str | Path) -> Path:
    path = Path(path)
    path.write_bytes(b"")
    return path


def make_mjpeg(path: str | Path, *, width: int, height: int, frames: int = 1) -> Path:
    """Motion JPEG in AVI of flat grey frames: cheap to write at sizes no other codec
    here takes (the MJPEG header declares the frame size)."""
    path = Path(path)
    with av.open(str(path), "w", format="avi") as output:
        stream = output.add_stream("mjpeg", rate=1)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuvj420p"
        for index in range(frames):
            frame = av.VideoFrame(width, height, "yuvj420p")
            for plane in frame.planes:
                plane.update(bytes([128]) * plane.buffer_size)
            frame.pts = index
            output.mux(stream.encode(frame))
        output.mux(stream.encode(None))
    return path


@contextmanager
def decoding_counted() -> Iterator[list[str]]:
    """Counts the packets PyAV decodes in this thread meanwhile: the list gets the name
    of each decoding call (`VideoStream.decode`, `Packet.decode`, ...) as it is made."""
    calls: list[str] = []

    def profile(frame, event, function) -> None:
        if event == "c_call" and getattr(function, "__name__", "") == "decode":
            calls.append(function.__qualname__)

    previous = sys.getprofile()
    sys.setprofile(profile)
    try:
        yield calls
    finally:
        sys.setprofile(previous)
