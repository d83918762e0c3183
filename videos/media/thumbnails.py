"""A video's thumbnail: a bright enough frame, scaled down, as a JPEG (`media_thumbnail_write`)."""

from pathlib import Path

import av
from PIL import Image, ImageStat

from videos.media.base import InvalidMedia, MediaInfo, media_open, media_video_stream

# Thumbnails: the first frame at one of these points of the video whose mean
# brightness (0-255) reaches the threshold; otherwise the brightest of them.
THUMBNAIL_POSITIONS = (0.1, 0.25, 0.5, 0.0, 0.75)
THUMBNAIL_MIN_BRIGHTNESS = 40
THUMBNAIL_MAX_SIDE = 1280
THUMBNAIL_JPEG_QUALITY = 85

# Frames decoded after a seek, at most, to reach the wanted time.
FRAMES_AFTER_SEEK_MAX = 600


def media_thumbnail_write(
    source_path: str | Path,
    destination_path: str | Path,
    *,
    info: MediaInfo,
    max_side: int = THUMBNAIL_MAX_SIDE,
) -> tuple[int, int]:
    """Write a JPEG of a representative frame of the video to `destination_path`, as
    displayed (rotated, square pixels) and scaled to at most `max_side` pixels a side;
    returns its (width, height).

    The frame is the first at 10%, 25%, 50%, 0% or 75% of the video whose mean
    brightness reaches `THUMBNAIL_MIN_BRIGHTNESS` (so not a black fade-in), else the
    brightest of those.
    """
    best: Image.Image | None = None
    best_brightness = -1.0
    with media_open(source_path) as container:
        video = media_video_stream(container)
        video.thread_type = "AUTO"
        for position in THUMBNAIL_POSITIONS:
            frame = _frame_at(container, video, info.duration_seconds * position)
            if frame is None:
                continue
            image = _frame_image(frame, info)
            brightness = ImageStat.Stat(image.convert("L").resize((64, 64))).mean[0]
            if brightness > best_brightness:
                best, best_brightness = image, brightness
            if brightness >= THUMBNAIL_MIN_BRIGHTNESS:
                break
    if best is None:
        raise InvalidMedia("No frame of the video can be decoded.")
    best.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
    best.save(destination_path, "JPEG", quality=THUMBNAIL_JPEG_QUALITY, optimize=True)
    return best.size


def _frame_at(
    container: av.container.InputContainer, video: av.VideoStream, seconds: float
) -> av.VideoFrame | None:
    """The first frame shown at or after `seconds` from the start (the last one when
    the video ends sooner)."""
    start = video.start_time or 0
    target_pts = start + int(seconds / video.time_base)
    container.seek(target_pts, stream=video, backward=True)
    target_time = float(target_pts * video.time_base)
    last = None
    decoded = 0
    for packet in container.demux(video):
        try:
            frames = video.decode(packet if packet.size else None)
        except av.error.InvalidDataError:
            continue
        for frame in frames:
            last = frame
            decoded += 1
            if frame.time is None or frame.time >= target_time - 1e-3:
                return frame
            if decoded >= FRAMES_AFTER_SEEK_MAX:
                return frame
    return last


def _frame_image(frame: av.VideoFrame, info: MediaInfo) -> Image.Image:
    image = frame.to_image()
    transpose = {
        90: Image.Transpose.ROTATE_90,
        180: Image.Transpose.ROTATE_180,
        -90: Image.Transpose.ROTATE_270,
    }.get(info.rotation)
    if transpose is not None:
        image = image.transpose(transpose)
    if image.size != (info.width, info.height):
        image = image.resize((info.width, info.height), Image.Resampling.BICUBIC)
    return image
