"""Media files with PyAV (FFmpeg's libraries): probing uploads, thumbnails, H.264/AAC
renditions in HLS, and reading HLS playlists.

Pure functions on local paths: no models, no storage. Anything wrong with the *input*
raises `InvalidMedia` (or `MediaTooLong`) with a sentence a person can read; anything
else that escapes is a bug or an environment problem (disk full, ...).
"""

import contextlib
import math
import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av
import av.filter
from av.video.frame import PictureType
from av.video.reformatter import VideoReformatter
from PIL import Image, ImageStat

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

# Renditions: (the shorter side in pixels, the video bitrate cap in bits per second).
# Every rung not above the source is made; a source smaller than the first rung gets
# one rendition at its own size.
RENDITION_LADDER = (
    (240, 400_000),
    (360, 800_000),
    (480, 1_400_000),
    (720, 2_800_000),
    (1080, 5_000_000),
)
AUDIO_BITRATE = 128_000
MAX_FRAME_RATE = 60
X264_PRESET = "veryfast"
X264_CRF = 23
HLS_SEGMENT_SECONDS = 4.0
HLS_PLAYLIST_NAME = "index.m3u8"
HLS_MASTER_PLAYLIST_NAME = "master.m3u8"
HLS_SEGMENT_PATTERN = "segment_%05d.ts"
# MPEG-TS counts time in 90 kHz ticks; encoding in that time base keeps source
# timestamps (variable frame rates included) exact.
VIDEO_TIME_BASE = Fraction(1, 90_000)
# Decoding errors tolerated while transcoding (a damaged frame here and there).
DECODE_ERRORS_ALLOWED = 25

# Thumbnails: the first frame at one of these points of the video whose mean
# brightness (0-255) reaches the threshold; otherwise the brightest of them.
THUMBNAIL_POSITIONS = (0.1, 0.25, 0.5, 0.0, 0.75)
THUMBNAIL_MIN_BRIGHTNESS = 40
THUMBNAIL_MAX_SIDE = 1280
THUMBNAIL_JPEG_QUALITY = 85
# Frames decoded after a seek, at most, to reach the wanted time.
FRAMES_AFTER_SEEK_MAX = 600


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


class HlsPlaylistInvalid(ValueError):
    """Text that is not a well-formed HLS playlist of the kind expected."""


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


@dataclass(frozen=True)
class RenditionSize:
    """One rung of the ladder for a given source: `label` is the shorter side ("480p")."""

    label: str
    width: int
    height: int
    video_bitrate: int


@dataclass(frozen=True)
class HlsVariant:
    """A rendition as written: `playlist` and `files` are relative to the output folder;
    `bandwidth` is the peak segment bitrate and `average_bandwidth` the mean, in bits
    per second, as the master playlist states them."""

    label: str
    width: int
    height: int
    bandwidth: int
    average_bandwidth: int
    codecs: str
    playlist: str
    files: tuple[str, ...]


@dataclass(frozen=True)
class HlsOutput:
    """Everything `media_hls_write` wrote, relative to its output folder."""

    master_playlist: str
    variants: tuple[HlsVariant, ...]

    @property
    def files(self) -> tuple[str, ...]:
        """Every file, segments first and the master playlist last (the order to
        publish them in, so a playlist never names a file that is not there yet)."""
        segments = [name for variant in self.variants for name in variant.files]
        playlists = [variant.playlist for variant in self.variants]
        return (*segments, *playlists, self.master_playlist)


@dataclass(frozen=True)
class HlsSegment:
    uri: str
    duration_seconds: float


@dataclass(frozen=True)
class HlsStreamEntry:
    uri: str
    attributes: dict[str, str]


@dataclass(frozen=True)
class HlsPlaylist:
    """A parsed playlist: a master playlist has `variants`, a media playlist
    `segments`, a target duration and (when complete) `is_ended`."""

    is_master: bool
    target_duration: int | None = None
    segments: tuple[HlsSegment, ...] = ()
    variants: tuple[HlsStreamEntry, ...] = ()
    is_ended: bool = False


def duration_text(seconds: float) -> str:
    """`seconds` as people write durations: "0:42", "12:05", "3:00:00" (tenths of a
    second shown when there are any: "0:00.5")."""
    tenths = max(0, math.ceil(round(seconds * 10, 6)))
    whole, tenth = divmod(tenths, 10)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    text = f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"
    return f"{text}.{tenth}" if tenth else text


# --- Probing ------------------------------------------------------------------------


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
        container = _input_open(path)
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


def _input_open(path: str | Path) -> av.container.InputContainer:
    return av.open(str(path), "r", options=dict(INPUT_OPTIONS))


def _video_stream(container: av.container.InputContainer) -> av.VideoStream:
    """The first real video stream (not a cover picture), or `InvalidMedia`; its
    decoder refuses frames of more than `DECODER_MAX_PIXELS`."""
    for stream in container.streams.video:
        if not stream.disposition & (
            av.stream.Disposition.attached_pic | av.stream.Disposition.still_image
        ):
            stream.codec_context.options = {"max_pixels": str(DECODER_MAX_PIXELS)}
            return stream
    raise InvalidMedia("The file has no video stream (is it an audio file?).")


def _audio_stream(container: av.container.InputContainer) -> av.AudioStream | None:
    return container.streams.audio[0] if container.streams.audio else None


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
    video = _video_stream(container)
    _declared_size_check(video, max_pixels=max_pixels)
    audio = _audio_stream(container)
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


# --- Thumbnails ---------------------------------------------------------------------


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
    with _input_open(source_path) as container:
        video = _video_stream(container)
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


# --- Renditions and HLS ---------------------------------------------------------------


def _even(value: float) -> int:
    return max(2, 2 * round(value / 2))


def media_rendition_sizes(width: int, height: int) -> list[RenditionSize]:
    """The renditions to make of a `width`x`height` video (as displayed): each rung of
    `RENDITION_LADDER` whose size (its shorter side) is not above the source's, or one
    at the source's own size when it is smaller than every rung. Sides are even (as
    H.264 in 4:2:0 needs) and keep the source's aspect ratio."""
    short, long_ = min(width, height), max(width, height)
    rungs = [(size, bitrate) for size, bitrate in RENDITION_LADDER if size <= short]
    if not rungs:
        first_size, first_bitrate = RENDITION_LADDER[0]
        size = _even(short) if short >= 2 else 2
        rungs = [(size, max(100_000, round(first_bitrate * (size / first_size) ** 2)))]
    sizes = []
    for size, bitrate in rungs:
        other = _even(size * long_ / short)
        rendition_width, rendition_height = (other, size) if width >= height else (size, other)
        sizes.append(RenditionSize(f"{size}p", rendition_width, rendition_height, bitrate))
    return sizes


def media_hls_write(
    source_path: str | Path,
    output_dir: str | Path,
    *,
    info: MediaInfo,
    segment_seconds: float = HLS_SEGMENT_SECONDS,
    on_progress: Callable[[float], None] | None = None,
) -> HlsOutput:
    """Transcode the video into H.264 (+ AAC when it has sound) renditions, each an HLS
    variant in `<label>/index.m3u8` with MPEG-TS segments of about `segment_seconds`,
    and a master playlist `master.m3u8` over them, all under `output_dir`.

    The source is decoded once and every rendition is encoded from the same frames,
    upright (the recorded rotation applied) and at no more than `MAX_FRAME_RATE`.
    Every segment starts with a keyframe. `on_progress(seconds)` is called with the
    position reached, for heartbeats. Each playlist is read back and checked before
    this returns.
    """
    output_dir = Path(output_dir)
    sizes = media_rendition_sizes(info.width, info.height)
    with _input_open(source_path) as container:
        video = _video_stream(container)
        audio = _audio_stream(container) if info.audio_codec else None
        video.thread_type = "AUTO"
        transcoder = _Transcoder(
            container=container,
            video=video,
            audio=audio,
            info=info,
            writers=[
                _RenditionWriter(
                    output_dir / size.label,
                    size=size,
                    frame_rate=_output_frame_rate(info),
                    audio=audio,
                    segment_seconds=segment_seconds,
                )
                for size in sizes
            ],
            segment_seconds=segment_seconds,
            on_progress=on_progress,
        )
        variants = transcoder.run()
    master = _master_playlist_text(variants)
    (output_dir / HLS_MASTER_PLAYLIST_NAME).write_text(master)
    hls_playlist_parse(master, master=True)
    return HlsOutput(master_playlist=HLS_MASTER_PLAYLIST_NAME, variants=tuple(variants))


def _output_frame_rate(info: MediaInfo) -> Fraction:
    rate = info.frame_rate or 30
    return Fraction(min(rate, MAX_FRAME_RATE)).limit_denominator(1001)


def _audio_output_format(audio: av.AudioStream) -> tuple[int, str]:
    rate = 44_100 if audio.codec_context.sample_rate == 44_100 else 48_000
    layout = "mono" if audio.codec_context.channels == 1 else "stereo"
    return rate, layout


class _RenditionWriter:
    """One HLS variant being written: an H.264 encoder, an AAC encoder, the muxer."""

    def __init__(
        self,
        directory: Path,
        *,
        size: RenditionSize,
        frame_rate: Fraction,
        audio: av.AudioStream | None,
        segment_seconds: float,
    ) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        self.directory = directory
        self.size = size
        self.container = av.open(
            str(directory / HLS_PLAYLIST_NAME),
            "w",
            format="hls",
            options={
                "hls_time": f"{segment_seconds:g}",
                "hls_playlist_type": "vod",
                "hls_segment_type": "mpegts",
                "hls_segment_filename": str(directory / HLS_SEGMENT_PATTERN),
                "hls_flags": "independent_segments",
            },
        )
        self.video = self.container.add_stream(
            "libx264",
            rate=frame_rate,
            options={
                "preset": X264_PRESET,
                "crf": str(X264_CRF),
                "profile": "high",
                "maxrate": str(size.video_bitrate),
                "bufsize": str(size.video_bitrate * 2),
                "forced-idr": "1",
            },
        )
        self.video.width = size.width
        self.video.height = size.height
        self.video.pix_fmt = "yuv420p"
        self.video.codec_context.time_base = VIDEO_TIME_BASE
        self.reformatter = VideoReformatter()
        self.audio = None
        if audio is not None:
            rate, layout = _audio_output_format(audio)
            self.audio = self.container.add_stream("aac", rate=rate, layout=layout)
            self.audio.bit_rate = AUDIO_BITRATE
        self.sequence_parameters: bytes | None = None
        self.first_video_packet_seen = False

    def write_video(self, frame: av.VideoFrame, *, pts: int, is_keyframe: bool) -> None:
        scaled = self.reformatter.reformat(
            frame, self.size.width, self.size.height, "yuv420p", interpolation="AREA"
        )
        scaled.pts = pts
        scaled.time_base = VIDEO_TIME_BASE
        # A decoded frame keeps its source picture type, which x264 would obey.
        scaled.pict_type = PictureType.I if is_keyframe else PictureType.NONE
        self._mux(self.video.encode(scaled))

    def write_audio(self, frame: av.AudioFrame) -> None:
        self._mux(self.audio.encode(frame))

    def _mux(self, packets: list[av.Packet]) -> None:
        if not self.first_video_packet_seen:
            for packet in packets:
                if packet.stream is self.video:
                    self.sequence_parameters = _h264_sps(bytes(packet))
                    self.first_video_packet_seen = True
                    break
        self.container.mux(packets)

    def finish(self) -> HlsVariant:
        self._mux(self.video.encode(None))
        if self.audio is not None:
            self._mux(self.audio.encode(None))
        self.container.close()
        return self._variant()

    def abandon(self) -> None:
        with contextlib.suppress(*MEDIA_ERRORS):  # the output is discarded anyway
            self.container.close()

    def _variant(self) -> HlsVariant:
        playlist = hls_playlist_parse((self.directory / HLS_PLAYLIST_NAME).read_text())
        if not playlist.segments or not playlist.is_ended:
            raise HlsPlaylistInvalid(
                f"The {self.size.label} playlist has no complete segment list."
            )
        peak = 0.0
        total_bits = 0
        total_seconds = 0.0
        files = []
        for segment in playlist.segments:
            path = self.directory / segment.uri
            if "/" in segment.uri or not path.is_file():
                raise HlsPlaylistInvalid(f"The {self.size.label} playlist names a missing segment.")
            bits = path.stat().st_size * 8
            seconds = max(segment.duration_seconds, 1e-3)
            peak = max(peak, bits / seconds)
            total_bits += bits
            total_seconds += seconds
            files.append(f"{self.size.label}/{segment.uri}")
        # The muxer asks for global headers, so x264 puts the SPS in the extradata.
        extradata = self.video.codec_context.extradata
        codecs = _avc1_codec(
            (_h264_sps(bytes(extradata)) if extradata else None) or self.sequence_parameters
        )
        if self.audio is not None:
            codecs += ",mp4a.40.2"  # AAC-LC
        return HlsVariant(
            label=self.size.label,
            width=self.size.width,
            height=self.size.height,
            bandwidth=math.ceil(peak),
            average_bandwidth=math.ceil(total_bits / total_seconds),
            codecs=codecs,
            playlist=f"{self.size.label}/{HLS_PLAYLIST_NAME}",
            files=tuple(files),
        )


class _Transcoder:
    """Decodes the source once and feeds every rendition writer."""

    def __init__(
        self,
        *,
        container: av.container.InputContainer,
        video: av.VideoStream,
        audio: av.AudioStream | None,
        info: MediaInfo,
        writers: list[_RenditionWriter],
        segment_seconds: float,
        on_progress: Callable[[float], None] | None,
    ) -> None:
        self.container = container
        self.video = video
        self.audio = audio
        self.info = info
        self.writers = writers
        self.segment_seconds = segment_seconds
        self.on_progress = on_progress
        start = container.start_time
        self.origin = start / av.time_base if start is not None else 0.0
        self.rotator: av.filter.Graph | None = None
        self.last_pts: int | None = None
        self.next_keyframe_seconds = 0.0
        self.min_frame_ticks = int(0.9 / MAX_FRAME_RATE / VIDEO_TIME_BASE)
        self.frames_written = 0
        self.resampler = None
        self.audio_time_base = None
        self.audio_pts: int | None = None
        if audio is not None:
            rate, layout = _audio_output_format(audio)
            self.resampler = av.AudioResampler(
                format="fltp", layout=layout, rate=rate, frame_size=1024
            )
            self.audio_time_base = Fraction(1, rate)

    def run(self) -> list[HlsVariant]:
        try:
            self._decode_all()
            if self.frames_written == 0:
                raise InvalidMedia("No frame of the video can be decoded.")
            return [writer.finish() for writer in self.writers]
        except BaseException:
            for writer in self.writers:
                writer.abandon()
            raise

    def _decode_all(self) -> None:
        streams = [self.video] if self.audio is None else [self.video, self.audio]
        errors = 0
        for packet in self.container.demux(*streams):
            try:
                frames = packet.decode()
            except av.FFmpegError as error:  # the input's fault: a damaged packet
                errors += 1
                if errors > DECODE_ERRORS_ALLOWED and errors > self.frames_written // 100:
                    raise InvalidMedia("Too much of the video cannot be decoded.") from error
                continue
            for frame in frames:
                if isinstance(frame, av.VideoFrame):
                    self._video_frame(frame)
                else:
                    self._audio_frames(self.resampler.resample(frame), source=frame)
        if self.rotator is not None:
            self.rotator.push(None)
            self._rotated_frames_drain()
        if self.resampler is not None:
            self._audio_frames(self.resampler.resample(None), source=None)

    def _video_frame(self, frame: av.VideoFrame) -> None:
        if self.info.rotation == 0:
            self._video_frame_write(frame)
            return
        if self.rotator is None:
            self.rotator = self._rotator_make(frame)
        self.rotator.push(frame)
        self._rotated_frames_drain()

    def _rotator_make(self, frame: av.VideoFrame) -> av.filter.Graph:
        graph = av.filter.Graph()
        source = graph.add_buffer(
            width=frame.width, height=frame.height, format=frame.format, time_base=frame.time_base
        )
        if self.info.rotation == 180:
            steps = [graph.add("hflip"), graph.add("vflip")]
        else:
            steps = [graph.add("transpose", "cclock" if self.info.rotation == 90 else "clock")]
        graph.link_nodes(source, *steps, graph.add("buffersink"))
        graph.configure()
        return graph

    def _rotated_frames_drain(self) -> None:
        while True:
            try:
                frame = self.rotator.pull()
            except (av.error.BlockingIOError, av.error.EOFError):
                return
            self._video_frame_write(frame)

    def _video_frame_write(self, frame: av.VideoFrame) -> None:
        if frame.time is not None:
            seconds = frame.time - self.origin
        elif self.last_pts is not None:
            seconds = float((self.last_pts + self.min_frame_ticks) * VIDEO_TIME_BASE)
        else:
            seconds = 0.0
        pts = round(seconds / VIDEO_TIME_BASE)
        # Out-of-order or duplicate timestamps, and frames beyond the frame-rate cap.
        if self.last_pts is not None and pts - self.last_pts < self.min_frame_ticks:
            return
        self.last_pts = pts
        is_keyframe = seconds >= self.next_keyframe_seconds - 1e-6
        if is_keyframe:
            while self.next_keyframe_seconds <= seconds + 1e-6:
                self.next_keyframe_seconds += self.segment_seconds
        for writer in self.writers:
            writer.write_video(frame, pts=pts, is_keyframe=is_keyframe)
        self.frames_written += 1
        if self.on_progress is not None:
            self.on_progress(seconds)

    def _audio_frames(self, frames: list[av.AudioFrame], *, source: av.AudioFrame | None) -> None:
        if self.audio_pts is None:
            if source is None or not frames:
                return
            offset = (source.time - self.origin) if source.time is not None else 0.0
            self.audio_pts = max(0, round(offset / self.audio_time_base))
        for frame in frames:
            frame.pts = self.audio_pts
            frame.time_base = self.audio_time_base
            self.audio_pts += frame.samples
            for writer in self.writers:
                writer.write_audio(frame)


def _h264_sps(data: bytes) -> bytes | None:
    """The sequence parameter set NAL unit of an Annex B H.264 packet, if it has one."""
    for match in re.finditer(b"\x00\x00\x01", data):
        start = match.end()
        if start < len(data) and data[start] & 0x1F == 7:
            return data[start : start + 4]
    return None


def _avc1_codec(sps: bytes | None) -> str:
    """The RFC 6381 codec string of an H.264 stream: profile, constraints, level."""
    if sps is None or len(sps) < 4:
        return "avc1.640028"  # High profile, level 4.0: what x264 makes of our ladder
    return f"avc1.{sps[1]:02x}{sps[2]:02x}{sps[3]:02x}"


def _master_playlist_text(variants: list[HlsVariant]) -> str:
    lines = ["#EXTM3U", "#EXT-X-VERSION:3", "#EXT-X-INDEPENDENT-SEGMENTS"]
    for variant in variants:
        lines.append(
            f"#EXT-X-STREAM-INF:BANDWIDTH={variant.bandwidth},"
            f"AVERAGE-BANDWIDTH={variant.average_bandwidth},"
            f"RESOLUTION={variant.width}x{variant.height},"
            f'CODECS="{variant.codecs}"'
        )
        lines.append(variant.playlist)
    return "\n".join(lines) + "\n"


# --- Reading playlists ----------------------------------------------------------------

_ATTRIBUTE = re.compile(r'([A-Z0-9-]+)=("[^"]*"|[^",]*)')


def hls_attributes_parse(text: str) -> dict[str, str]:
    """The attribute list of an HLS tag (`BANDWIDTH=1,CODECS="a,b"`), quotes removed."""
    return {name: value.strip('"') for name, value in _ATTRIBUTE.findall(text)}


def hls_playlist_parse(text: str, *, master: bool | None = None) -> HlsPlaylist:
    """Parse an HLS playlist (RFC 8216), checking what players rely on: `#EXTM3U`
    first; in a master playlist, each `#EXT-X-STREAM-INF` has a BANDWIDTH and a URI
    line; in a media playlist, `#EXT-X-TARGETDURATION` is present, each `#EXTINF`
    has a duration no longer than it (rounded) and a URI line. `master` (when given)
    says which kind is expected. Raises `HlsPlaylistInvalid`."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if not lines or lines[0] != "#EXTM3U":
        raise HlsPlaylistInvalid("A playlist must start with #EXTM3U.")
    is_master = any(line.startswith("#EXT-X-STREAM-INF:") for line in lines)
    if master is not None and master != is_master:
        kind = "master" if master else "media"
        raise HlsPlaylistInvalid(f"Expected a {kind} playlist.")
    target_duration = None
    segments: list[HlsSegment] = []
    variants: list[HlsStreamEntry] = []
    pending_duration: float | None = None
    pending_attributes: dict[str, str] | None = None
    is_ended = False
    for line in lines[1:]:
        if line.startswith("#"):
            if line.startswith("#EXT-X-TARGETDURATION:"):
                target_duration = _number(line.split(":", 1)[1], int)
            elif line.startswith("#EXTINF:"):
                pending_duration = _number(line.split(":", 1)[1].split(",", 1)[0], float)
            elif line.startswith("#EXT-X-STREAM-INF:"):
                pending_attributes = hls_attributes_parse(line.split(":", 1)[1])
                if "BANDWIDTH" not in pending_attributes:
                    raise HlsPlaylistInvalid("#EXT-X-STREAM-INF needs a BANDWIDTH.")
            elif line == "#EXT-X-ENDLIST":
                is_ended = True
            continue
        if is_master:
            if pending_attributes is None:
                raise HlsPlaylistInvalid(f"{line!r} follows no #EXT-X-STREAM-INF.")
            variants.append(HlsStreamEntry(uri=line, attributes=pending_attributes))
            pending_attributes = None
        else:
            if pending_duration is None:
                raise HlsPlaylistInvalid(f"{line!r} follows no #EXTINF.")
            segments.append(HlsSegment(uri=line, duration_seconds=pending_duration))
            pending_duration = None
    if is_master:
        if not variants or pending_attributes is not None:
            raise HlsPlaylistInvalid("A master playlist needs a URI after each stream.")
    else:
        if target_duration is None:
            raise HlsPlaylistInvalid("A media playlist needs #EXT-X-TARGETDURATION.")
        if pending_duration is not None:
            raise HlsPlaylistInvalid("The last #EXTINF has no URI.")
        for segment in segments:
            if round(segment.duration_seconds) > target_duration:
                raise HlsPlaylistInvalid("A segment is longer than the target duration.")
    return HlsPlaylist(
        is_master=is_master,
        target_duration=target_duration,
        segments=tuple(segments),
        variants=tuple(variants),
        is_ended=is_ended,
    )


def _number(text: str, kind: type) -> float:
    try:
        value = kind(text.strip())
    except ValueError as error:
        raise HlsPlaylistInvalid(f"{text!r} is not a number.") from error
    if value < 0 or not math.isfinite(value):
        raise HlsPlaylistInvalid(f"{text!r} is not a duration.")
    return value
