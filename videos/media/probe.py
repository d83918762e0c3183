"""Probing an upload: is it a complete, decodable video within the limits, and what is
it (`media_probe`)."""

import math
import os
from dataclasses import dataclass
from pathlib import Path

import av

from videos.media.base import (
    MAX_DIMENSION,
    MAX_PIXELS,
    MEDIA_ERRORS,
    SUPPORTED_CONTAINERS_TEXT,
    InvalidMedia,
    MediaFrameTooLarge,
    MediaInfo,
    MediaTooLong,
    media_audio_stream,
    media_open,
    media_video_stream,
)

# The upload check decodes at most this many video packets (from the first keyframe,
# for the first frame); everything else it checks by reading packets, not decoding.
PROBE_DECODE_PACKETS_MAX = 16

# Codecs whose packets may legitimately be all zero bytes (a black raw frame).
UNCOMPRESSED_CODECS = ("rawvideo",)

# The file extension a source is stored under, by the demuxer that read it.
CONTAINER_EXTENSIONS = {
    "avi": "avi",
    "mpegts": "ts",
    "mpeg": "mpg",
    "flv": "flv",
    "asf": "wmv",
    "ogg": "ogv",
}
WEBM_VIDEO_CODECS = ("vp8", "vp9", "av1")
WEBM_AUDIO_CODECS = ("vorbis", "opus")

# A file whose packets end this much before its stated duration is truncated.
TRUNCATION_TOLERANCE_SECONDS = 0.5
TRUNCATION_TOLERANCE_RATIO = 0.01


def media_probe(
    path: str | Path,
    *,
    max_duration_seconds: float | None = None,
    max_pixels: int = MAX_PIXELS,
) -> MediaInfo:
    """Check that `path` is a complete, decodable video and describe it.

    Opens the file with an allow-list of containers, requires a video stream (cover
    art does not count) whose declared frame size is within `MAX_DIMENSION` a side and
    `max_pixels` (else `MediaFrameTooLarge`, before anything is decoded), demuxes every
    packet (reading, not decoding: work in proportion to the file's size) to check the
    data reaches the stated duration with no cut or blank packet, and decodes the
    first video frame, at most `PROBE_DECODE_PACKETS_MAX` packets. Raises
    `InvalidMedia` for anything that is not such a video, and `MediaTooLong` when it
    lasts more than `max_duration_seconds` (checked from the header first, before
    reading it all).
    """
    try:
        if os.path.getsize(path) == 0:
            raise InvalidMedia("The file is empty.")
        container = media_open(path)
    except MEDIA_ERRORS as error:
        raise InvalidMedia(
            f"The file is not a video we can read: it is damaged or not in a supported "
            f"format ({SUPPORTED_CONTAINERS_TEXT})."
        ) from error
    try:
        with container:
            return _container_probe(
                container, max_duration_seconds=max_duration_seconds, max_pixels=max_pixels
            )
    except MEDIA_ERRORS as error:
        raise InvalidMedia(
            "The video cannot be decoded: the file is damaged or truncated."
        ) from error


def _header_duration(container: av.container.InputContainer, video: av.VideoStream) -> float | None:
    """The duration the file states, in seconds, if it states one."""
    if container.duration is not None and container.duration > 0:
        return container.duration / av.time_base
    if video.duration and video.time_base:
        return float(video.duration * video.time_base)
    return None


@dataclass
class _PacketScan:
    first_frame: av.VideoFrame | None = None
    start_seconds: float | None = None
    end_seconds: float | None = None
    is_cut: bool = False
    packets_decoded: int = 0
    has_keyframe: bool = False


def _packets_scan(container: av.container.InputContainer, video: av.VideoStream) -> _PacketScan:
    """Read every packet of the file once: where the data starts and ends, whether a
    packet was cut short or holds nothing but zero bytes (data never written: a
    broken copy, a preallocated file); decode the first frame, from the first
    keyframe on, at most `PROBE_DECODE_PACKETS_MAX` packets.

    Hours of video are hundreds of thousands of packets: timestamps are kept per
    stream in its own integer units and turned into seconds once, at the end.
    """
    scan = _PacketScan()
    first: dict[int, int] = {}  # stream index -> smallest timestamp
    last: dict[int, int] = {}  # stream index -> largest timestamp + duration
    video_index = video.index
    may_be_blank = video.codec_context.name in UNCOMPRESSED_CODECS
    for packet in container.demux():
        if packet.size == 0:  # the flush packet at the end of a stream
            continue
        if packet.is_corrupt:
            scan.is_cut = True
        index = packet.stream_index
        timestamp = packet.pts
        if timestamp is None:
            timestamp = packet.dts
        if timestamp is not None:
            if index not in first or timestamp < first[index]:
                first[index] = timestamp
            end = timestamp + (packet.duration or 0)
            if index not in last or end > last[index]:
                last[index] = end
        if index != video_index:
            continue
        if not may_be_blank and bytes(packet).count(0) == packet.size:
            scan.is_cut = True
        scan.has_keyframe = scan.has_keyframe or packet.is_keyframe
        # Packets before the first keyframe need references the file does not hold.
        if scan.first_frame is None and scan.has_keyframe:
            _first_frame_decode(scan, video, packet)
    if scan.first_frame is None and not scan.has_keyframe:
        # A container that flags no keyframe: try the first packets as they come.
        container.seek(0)
        for packet in container.demux(video):
            if scan.first_frame is not None or scan.packets_decoded >= PROBE_DECODE_PACKETS_MAX:
                break
            if packet.size:
                _first_frame_decode(scan, video, packet)
    if scan.first_frame is None and scan.packets_decoded:
        frames = video.decode(None)  # what the decoder still holds
        scan.first_frame = frames[0] if frames else None
    time_bases = {stream.index: stream.time_base for stream in container.streams}
    starts = [
        float(value * time_bases[index]) for index, value in first.items() if time_bases[index]
    ]
    ends = [float(value * time_bases[index]) for index, value in last.items() if time_bases[index]]
    scan.start_seconds = min(starts, default=None)
    scan.end_seconds = max(ends, default=None)
    return scan


def _first_frame_decode(scan: _PacketScan, video: av.VideoStream, packet: av.Packet) -> None:
    """Decode `packet` towards the first frame, within the probe's decoding budget."""
    if scan.packets_decoded >= PROBE_DECODE_PACKETS_MAX:
        return
    scan.packets_decoded += 1
    try:
        frames = video.decode(packet)
    except av.error.InvalidDataError:
        return  # a damaged leading packet: the next ones may decode
    if frames:
        scan.first_frame = frames[0]


def _declared_size_check(video: av.VideoStream, *, max_pixels: int) -> None:
    """Refuse a stream whose declared frame size is over the limits (nothing decoded)."""
    width, height = video.codec_context.width, video.codec_context.height
    if max(width, height) > MAX_DIMENSION or width * height > max_pixels:
        raise MediaFrameTooLarge(width=width, height=height, max_pixels=max_pixels)


def _container_extension(
    container: av.container.InputContainer, video: av.VideoStream, audio: av.AudioStream | None
) -> str:
    """The file extension of what the file is (not what its name says)."""
    demuxer = container.format.name.split(",")[0]
    if demuxer == "mov":
        brand = (container.metadata.get("major_brand") or "").strip()
        return "mov" if brand == "qt" else "mp4"
    if demuxer == "matroska":
        is_webm = video.codec_context.name in WEBM_VIDEO_CODECS and (
            audio is None or audio.codec_context.name in WEBM_AUDIO_CODECS
        )
        return "webm" if is_webm else "mkv"
    return CONTAINER_EXTENSIONS.get(demuxer, "bin")


def _display_size(frame: av.VideoFrame, video: av.VideoStream, rotation: int) -> tuple[int, int]:
    width, height = frame.width, frame.height
    aspect = video.sample_aspect_ratio or video.codec_context.sample_aspect_ratio
    if aspect and aspect > 0 and aspect != 1:
        width = max(1, round(width * aspect))
    if rotation % 180:
        width, height = height, width
    return width, height


def _frame_rate(video: av.VideoStream) -> float | None:
    rate = video.average_rate or video.guessed_rate
    if not rate or rate <= 0:
        return None
    return round(float(rate), 3)


def _frame_rotation(frame: av.VideoFrame) -> int:
    """The display rotation, counterclockwise, rounded to a quarter turn in -90..180."""
    quarter = round((frame.rotation or 0) / 90) % 4
    return {0: 0, 1: 90, 2: 180, 3: -90}[quarter]


def _container_probe(
    container: av.container.InputContainer, *, max_duration_seconds: float | None, max_pixels: int
) -> MediaInfo:
    video = media_video_stream(container)
    _declared_size_check(video, max_pixels=max_pixels)
    audio = media_audio_stream(container)
    stated = _header_duration(container, video)
    if max_duration_seconds is not None and stated is not None and stated > max_duration_seconds:
        raise MediaTooLong(duration_seconds=stated, max_duration_seconds=max_duration_seconds)
    scan = _packets_scan(container, video)
    if scan.first_frame is None:
        raise InvalidMedia("The video stream has no frame that can be decoded.")
    truncated = InvalidMedia("The file is truncated or damaged: part of the video is missing.")
    if scan.is_cut or scan.end_seconds is None:
        raise truncated
    start = container.start_time / av.time_base if container.start_time is not None else None
    if start is None:
        start = scan.start_seconds or 0.0
    read = scan.end_seconds - start
    if stated is not None:
        tolerance = max(TRUNCATION_TOLERANCE_SECONDS, stated * TRUNCATION_TOLERANCE_RATIO)
        if read < stated - tolerance:
            raise truncated
    duration = stated if stated is not None else read
    if not duration or duration <= 0 or not math.isfinite(duration):
        raise InvalidMedia("The video's duration cannot be read.")
    if max_duration_seconds is not None and duration > max_duration_seconds:
        raise MediaTooLong(duration_seconds=duration, max_duration_seconds=max_duration_seconds)
    rotation = _frame_rotation(scan.first_frame)
    width, height = _display_size(scan.first_frame, video, rotation)
    if max(width, height) > MAX_DIMENSION or width * height > max_pixels:
        raise MediaFrameTooLarge(width=width, height=height, max_pixels=max_pixels)
    return MediaInfo(
        duration_seconds=round(duration, 3),
        width=width,
        height=height,
        video_codec=video.codec_context.name,
        audio_codec=audio.codec_context.name if audio is not None else None,
        frame_rate=_frame_rate(video),
        format_name=container.format.name,
        rotation=rotation,
        extension=_container_extension(container, video, audio),
    )
