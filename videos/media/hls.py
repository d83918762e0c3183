"""H.264/AAC renditions of a video in HLS: the rendition ladder, the transcoder and the
master playlist (`media_hls_write`)."""

import contextlib
import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av
import av.filter
from av.video.frame import PictureType
from av.video.reformatter import VideoReformatter

from videos.media.base import (
    MEDIA_ERRORS,
    InvalidMedia,
    MediaInfo,
    media_audio_stream,
    media_open,
    media_video_stream,
)
from videos.media.playlists import HlsPlaylistInvalid, hls_playlist_parse

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
    with media_open(source_path) as container:
        video = media_video_stream(container)
        audio = media_audio_stream(container) if info.audio_codec else None
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
