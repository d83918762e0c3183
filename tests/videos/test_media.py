"""The media functions on real files: probing, thumbnails, renditions, HLS playlists."""

from pathlib import Path

import av
import pytest
from PIL import Image, ImageStat

from tests.videos.media import decoding_counted, make_mjpeg, make_video
from videos.media.base import (
    MAX_DIMENSION,
    InvalidMedia,
    MediaFrameTooLarge,
    MediaInfo,
    MediaTooLong,
    duration_text,
)
from videos.media.hls import RenditionSize, media_hls_write, media_rendition_sizes
from videos.media.playlists import HlsPlaylistInvalid, hls_attributes_parse, hls_playlist_parse
from videos.media.probe import PROBE_DECODE_PACKETS_MAX, media_probe
from videos.media.thumbnails import media_thumbnail_write

MP4 = "mov,mp4,m4a,3gp,3g2,mj2"
NOT_READABLE = (
    "The file is not a video we can read: it is damaged or not in a supported format "
    "(MP4, MOV, WebM, MKV, AVI, MPEG, FLV, WMV or OGG)."
)
TRUNCATED = "The file is truncated or damaged: part of the video is missing."


def brightness(image: Image.Image) -> float:
    return ImageStat.Stat(image.convert("L")).mean[0]


# -- probing -------------------------------------------------------------------------


def test_probe_describes_an_h264_mp4_with_sound(video_small):
    assert media_probe(str(video_small)) == MediaInfo(
        duration_seconds=1.0,
        width=160,
        height=120,
        video_codec="h264",
        audio_codec="aac",
        frame_rate=10.0,
        format_name=MP4,
        rotation=0,
    )


def test_probe_describes_a_video_without_sound(video_silent):
    info = media_probe(str(video_silent))
    assert (info.video_codec, info.audio_codec, info.duration_seconds) == ("h264", None, 1.0)


def test_probe_reads_mpeg4_part_2(video_mpeg4):
    info = media_probe(str(video_mpeg4))
    assert (info.video_codec, info.audio_codec, info.width, info.height) == (
        "mpeg4",
        "aac",
        160,
        120,
    )


def test_probe_reads_webm(video_webm):
    info = media_probe(str(video_webm))
    assert (info.format_name, info.video_codec, info.audio_codec) == (
        "matroska,webm",
        "vp8",
        "opus",
    )
    assert (info.width, info.height, info.frame_rate) == (160, 120, 10.0)
    assert info.duration_seconds == pytest.approx(1.0, abs=0.05)


def test_probe_reads_an_mp4_with_its_index_first(video_faststart):
    assert media_probe(str(video_faststart)).duration_seconds == 1.0


def test_probe_gives_the_size_as_displayed_for_a_rotated_video(video_rotated):
    info = media_probe(str(video_rotated))
    assert (info.width, info.height, info.rotation) == (120, 160, 90)


def test_probe_accepts_a_video_as_long_as_the_limit(video_small):
    assert media_probe(str(video_small), max_duration_seconds=1.0).duration_seconds == 1.0


def test_probe_refuses_a_video_longer_than_the_limit(video_small):
    with pytest.raises(MediaTooLong) as caught:
        media_probe(str(video_small), max_duration_seconds=0.5)
    assert str(caught.value) == "The video lasts 0:01; the limit is 0:00.5."
    assert (caught.value.duration_seconds, caught.value.max_duration_seconds) == (1.0, 0.5)


@pytest.mark.parametrize(
    ("sample", "message"),
    [
        pytest.param(sample, message, id=sample)
        for sample, message in [
            ("text_file", NOT_READABLE),
            ("png_image", NOT_READABLE),
            ("empty_file", "The file is empty."),
            ("audio_only", "The file has no video stream (is it an audio file?)."),
            ("video_truncated", NOT_READABLE),
            ("video_truncated_faststart", TRUNCATED),
            ("video_truncated_webm", TRUNCATED),
        ]
    ],
)
def test_probe_refuses_what_is_not_a_whole_video(request, sample, message):
    path = request.getfixturevalue(sample)
    with pytest.raises(InvalidMedia) as caught:
        media_probe(str(path))
    assert str(caught.value) == message


def test_probe_refuses_a_missing_file(tmp_path):
    with pytest.raises(InvalidMedia) as caught:
        media_probe(str(tmp_path / "nothing-here.mp4"))
    assert str(caught.value) == NOT_READABLE


@pytest.mark.parametrize(
    "content",
    [
        # A playlist or a concat list would make FFmpeg read other files of the server.
        "#EXTM3U\n#EXT-X-TARGETDURATION:1\n#EXTINF:1.0,\n{path}\n#EXT-X-ENDLIST\n",
        "ffconcat version 1.0\nfile '{path}'\n",
    ],
    ids=["hls-playlist", "concat-list"],
)
def test_probe_refuses_files_that_name_other_files(tmp_path, video_small, content):
    upload = tmp_path / "upload.mp4"
    upload.write_text(content.format(path=video_small))
    with pytest.raises(InvalidMedia) as caught:
        media_probe(str(upload))
    assert str(caught.value) == NOT_READABLE


def test_probe_refuses_a_file_whose_last_part_is_garbage(tmp_path, video_faststart):
    """The index is whole and promises data the file does not hold: the tail was
    overwritten (a broken copy), so the last frames cannot be decoded."""
    data = bytearray(video_faststart.read_bytes())
    data[len(data) // 2 :] = bytes(len(data) - len(data) // 2)
    damaged = tmp_path / "damaged.mp4"
    damaged.write_bytes(bytes(data))
    with pytest.raises(InvalidMedia) as caught:
        media_probe(str(damaged))
    assert str(caught.value) == TRUNCATED


def test_probe_decodes_a_bounded_number_of_packets_whatever_the_frame_count(tmp_path):
    """A small 1080p file with one keyframe: decoding its last group of pictures meant
    decoding every frame; the check decodes the first frame and reads the rest."""
    path = make_video(tmp_path / "hd.mp4", width=1920, height=1080, seconds=6, fps=10, audio=False)
    with av.open(str(path)) as container:
        packets = [packet for packet in container.demux(video=0) if packet.size]
    assert (len(packets), sum(packet.is_keyframe for packet in packets)) == (60, 1)
    with decoding_counted() as decoded:
        info = media_probe(str(path))
    assert (info.width, info.height) == (1920, 1080)
    assert 1 <= len(decoded) <= PROBE_DECODE_PACKETS_MAX + 1  # + the decoder's flush


def test_probe_refuses_frames_over_the_pixel_limit_before_decoding(video_small):
    with decoding_counted() as decoded, pytest.raises(MediaFrameTooLarge) as caught:
        media_probe(str(video_small), max_pixels=160 * 120 - 1)
    assert decoded == []
    assert (caught.value.width, caught.value.height) == (160, 120)
    assert str(caught.value) == (
        "The video is 160x120 pixels; at most 8192 pixels a side and 19,199 pixels a frame "
        "are accepted."
    )


def test_probe_refuses_a_frame_wider_than_the_limit_before_decoding(tmp_path):
    path = make_mjpeg(tmp_path / "wide.avi", width=MAX_DIMENSION + 8, height=16)
    with decoding_counted() as decoded, pytest.raises(MediaFrameTooLarge) as caught:
        media_probe(str(path))
    assert decoded == []
    assert (caught.value.width, caught.value.height) == (MAX_DIMENSION + 8, 16)


def test_probe_accepts_frames_as_large_as_the_limits(tmp_path, video_small):
    assert media_probe(str(video_small), max_pixels=160 * 120).width == 160
    path = make_mjpeg(tmp_path / "wide.avi", width=MAX_DIMENSION, height=16, frames=2)
    assert media_probe(str(path)).width == MAX_DIMENSION


@pytest.mark.parametrize(
    ("container", "codec", "extension"),
    [
        ("mp4", "h264", "mp4"),
        ("mov", "h264", "mov"),
        ("webm", "vp8", "webm"),
        ("mkv", "h264", "mkv"),
        ("avi", "mpeg4", "avi"),
    ],
)
def test_probe_names_the_container_it_read(tmp_path, container, codec, extension):
    path = make_video(tmp_path / "clip.bin", container=container, codec=codec, audio=False)
    assert media_probe(str(path)).extension == extension


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (0.5, "0:00.5"),
        (1, "0:01"),
        (42, "0:42"),
        (725, "12:05"),
        (10800, "3:00:00"),
        (3.01, "0:03.1"),
    ],
)
def test_duration_text(seconds, text):
    assert duration_text(seconds) == text


# -- rendition sizes ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("width", "height", "expected"),
    [
        (160, 120, [("120p", 160, 120)]),
        (161, 121, [("120p", 160, 120)]),
        (250, 250, [("240p", 240, 240)]),
        (640, 480, [("240p", 320, 240), ("360p", 480, 360), ("480p", 640, 480)]),
        (
            1280,
            720,
            [("240p", 426, 240), ("360p", 640, 360), ("480p", 854, 480), ("720p", 1280, 720)],
        ),
        (
            3840,
            2160,
            [
                ("240p", 426, 240),
                ("360p", 640, 360),
                ("480p", 854, 480),
                ("720p", 1280, 720),
                ("1080p", 1920, 1080),
            ],
        ),
        # Portrait: the ladder follows the shorter side, as players label it.
        (
            720,
            1280,
            [("240p", 240, 426), ("360p", 360, 640), ("480p", 480, 854), ("720p", 720, 1280)],
        ),
    ],
)
def test_rendition_sizes_are_the_ladder_up_to_the_source(width, height, expected):
    sizes = media_rendition_sizes(width, height)
    assert [(size.label, size.width, size.height) for size in sizes] == expected


def test_rendition_bitrates_grow_with_the_size():
    sizes = media_rendition_sizes(1920, 1080)
    assert [size.video_bitrate for size in sizes] == [
        400_000,
        800_000,
        1_400_000,
        2_800_000,
        5_000_000,
    ]
    assert media_rendition_sizes(160, 120) == [RenditionSize("120p", 160, 120, 100_000)]


# -- thumbnails --------------------------------------------------------------------------


def test_thumbnail_is_a_jpeg_of_the_video_size(tmp_path, video_small):
    destination = tmp_path / "thumbnail.jpg"
    size = media_thumbnail_write(video_small, destination, info=media_probe(str(video_small)))
    with Image.open(destination) as image:
        assert (image.format, image.size, size) == ("JPEG", (160, 120), (160, 120))
        assert brightness(image) > 80


def test_thumbnail_skips_a_black_fade_in(tmp_path, video_dark_start):
    destination = tmp_path / "thumbnail.jpg"
    media_thumbnail_write(video_dark_start, destination, info=media_probe(str(video_dark_start)))
    with Image.open(destination) as image:
        assert brightness(image) > 80


def test_thumbnail_of_a_black_video_is_still_written(tmp_path, video_black):
    destination = tmp_path / "thumbnail.jpg"
    media_thumbnail_write(video_black, destination, info=media_probe(str(video_black)))
    with Image.open(destination) as image:
        assert image.size == (160, 120)
        assert brightness(image) < 5


def test_thumbnail_is_upright_for_a_rotated_video(tmp_path, video_rotated):
    destination = tmp_path / "thumbnail.jpg"
    size = media_thumbnail_write(video_rotated, destination, info=media_probe(str(video_rotated)))
    assert size == (120, 160)
    with Image.open(destination) as image:
        # The red band on top of the recorded frames is on the left once turned.
        red, green, blue = image.convert("RGB").getpixel((3, 80))
        assert red > 180 and green < 110 and blue < 110


def test_thumbnail_is_scaled_down_to_the_largest_side(tmp_path, video_vga):
    destination = tmp_path / "thumbnail.jpg"
    size = media_thumbnail_write(
        video_vga, destination, info=media_probe(str(video_vga)), max_side=320
    )
    assert size == (320, 240)
    with Image.open(destination) as image:
        assert image.size == (320, 240)


# -- renditions and HLS --------------------------------------------------------------------


def decoded_frames(path: Path) -> list[av.VideoFrame]:
    with av.open(str(path)) as container:
        return list(container.decode(video=0))


def test_hls_of_a_small_video_is_one_rendition_at_its_size(tmp_path, video_small):
    output = media_hls_write(video_small, tmp_path, info=media_probe(str(video_small)))
    assert output.master_playlist == "master.m3u8"
    [variant] = output.variants
    assert (variant.label, variant.width, variant.height) == ("120p", 160, 120)
    assert variant.playlist == "120p/index.m3u8"
    assert variant.files == ("120p/segment_00000.ts",)
    assert variant.codecs.startswith("avc1.64") and variant.codecs.endswith(",mp4a.40.2")
    assert variant.bandwidth >= variant.average_bandwidth > 0
    assert output.files == ("120p/segment_00000.ts", "120p/index.m3u8", "master.m3u8")
    assert sorted(str(path.relative_to(tmp_path)) for path in tmp_path.rglob("*.*")) == sorted(
        output.files
    )

    master = hls_playlist_parse((tmp_path / "master.m3u8").read_text(), master=True)
    [entry] = master.variants
    assert entry.uri == "120p/index.m3u8"
    assert entry.attributes == {
        "BANDWIDTH": str(variant.bandwidth),
        "AVERAGE-BANDWIDTH": str(variant.average_bandwidth),
        "RESOLUTION": "160x120",
        "CODECS": variant.codecs,
    }
    playlist = hls_playlist_parse((tmp_path / "120p/index.m3u8").read_text(), master=False)
    assert playlist.is_ended and playlist.target_duration == 1
    assert [segment.uri for segment in playlist.segments] == ["segment_00000.ts"]
    assert playlist.segments[0].duration_seconds == pytest.approx(1.0, abs=0.01)

    with av.open(str(tmp_path / "120p/segment_00000.ts")) as container:
        assert [stream.type for stream in container.streams] == ["video", "audio"]
        assert (
            container.streams.video[0].codec_context.name,
            container.streams.audio[0].codec_context.name,
        ) == ("h264", "aac")
    frames = decoded_frames(tmp_path / "120p/segment_00000.ts")
    assert len(frames) == 10
    assert {(frame.width, frame.height) for frame in frames} == {(160, 120)}


def test_hls_of_a_silent_video_has_no_sound_track(tmp_path, video_silent):
    output = media_hls_write(video_silent, tmp_path, info=media_probe(str(video_silent)))
    assert "mp4a" not in output.variants[0].codecs
    with av.open(str(tmp_path / "120p/segment_00000.ts")) as container:
        assert [stream.type for stream in container.streams] == ["video"]


def test_hls_makes_every_rung_up_to_the_source(tmp_path, video_vga):
    output = media_hls_write(video_vga, tmp_path, info=media_probe(str(video_vga)))
    assert [(v.label, v.width, v.height) for v in output.variants] == [
        ("240p", 320, 240),
        ("360p", 480, 360),
        ("480p", 640, 480),
    ]
    master = hls_playlist_parse((tmp_path / "master.m3u8").read_text(), master=True)
    assert [(entry.uri, entry.attributes["RESOLUTION"]) for entry in master.variants] == [
        ("240p/index.m3u8", "320x240"),
        ("360p/index.m3u8", "480x360"),
        ("480p/index.m3u8", "640x480"),
    ]
    for variant in output.variants:
        frames = decoded_frames(tmp_path / variant.files[0])
        assert {(frame.width, frame.height) for frame in frames} == {
            (variant.width, variant.height)
        }


def test_hls_segments_start_with_a_keyframe_at_each_boundary(tmp_path, video_two_seconds):
    output = media_hls_write(
        video_two_seconds,
        tmp_path,
        info=media_probe(str(video_two_seconds)),
        segment_seconds=0.5,
    )
    playlist = hls_playlist_parse((tmp_path / "120p/index.m3u8").read_text())
    assert [segment.uri for segment in playlist.segments] == [
        f"segment_0000{index}.ts" for index in range(4)
    ]
    assert [segment.duration_seconds for segment in playlist.segments] == pytest.approx(
        [0.5, 0.5, 0.5, 0.5], abs=0.01
    )
    assert output.variants[0].files == tuple(f"120p/{s.uri}" for s in playlist.segments)
    for segment in playlist.segments:
        frames = decoded_frames(tmp_path / "120p" / segment.uri)
        assert len(frames) == 5
        assert frames[0].key_frame


def test_hls_of_a_rotated_video_is_upright(tmp_path, video_rotated):
    output = media_hls_write(video_rotated, tmp_path, info=media_probe(str(video_rotated)))
    [variant] = output.variants
    assert (variant.width, variant.height) == (120, 160)
    frame = decoded_frames(tmp_path / variant.files[0])[0]
    assert (frame.width, frame.height) == (120, 160)
    red, green, blue = frame.to_image().getpixel((3, 80))
    assert red > 180 and green < 110 and blue < 110


def test_hls_caps_the_frame_rate(tmp_path, video_high_frame_rate):
    media_hls_write(video_high_frame_rate, tmp_path, info=media_probe(str(video_high_frame_rate)))
    frames = decoded_frames(tmp_path / "120p/segment_00000.ts")
    assert len(frames) == 30  # 0.5 s at 60 fps, from 60 frames at 120 fps


def test_hls_reports_progress(tmp_path, video_small):
    positions = []
    media_hls_write(
        video_small, tmp_path, info=media_probe(str(video_small)), on_progress=positions.append
    )
    assert positions == pytest.approx([index / 10 for index in range(10)])


# -- reading playlists ---------------------------------------------------------------------


def test_playlist_attributes_keep_quoted_commas():
    assert hls_attributes_parse('BANDWIDTH=1000,CODECS="avc1.64001e,mp4a.40.2",RESOLUTION=1x2') == {
        "BANDWIDTH": "1000",
        "CODECS": "avc1.64001e,mp4a.40.2",
        "RESOLUTION": "1x2",
    }


@pytest.mark.parametrize(
    ("text", "master", "message"),
    [
        ("", None, "A playlist must start with #EXTM3U."),
        ("#EXTINF:1,\na.ts\n", None, "A playlist must start with #EXTM3U."),
        ("#EXTM3U\n#EXTINF:1,\na.ts\n", None, "A media playlist needs #EXT-X-TARGETDURATION."),
        ("#EXTM3U\n#EXT-X-TARGETDURATION:1\na.ts\n", None, "'a.ts' follows no #EXTINF."),
        ("#EXTM3U\n#EXT-X-TARGETDURATION:1\n#EXTINF:1,\n", None, "The last #EXTINF has no URI."),
        (
            "#EXTM3U\n#EXT-X-TARGETDURATION:1\n#EXTINF:3,\na.ts\n",
            None,
            "A segment is longer than the target duration.",
        ),
        ("#EXTM3U\n#EXT-X-TARGETDURATION:x\n", None, "'x' is not a number."),
        (
            "#EXTM3U\n#EXT-X-STREAM-INF:RESOLUTION=1x1\na.m3u8\n",
            None,
            "#EXT-X-STREAM-INF needs a BANDWIDTH.",
        ),
        (
            "#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1\n",
            None,
            "A master playlist needs a URI after each stream.",
        ),
        ("#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1\na.m3u8\n", False, "Expected a media playlist."),
        ("#EXTM3U\n#EXT-X-TARGETDURATION:1\n", True, "Expected a master playlist."),
    ],
)
def test_malformed_playlists_are_refused(text, master, message):
    with pytest.raises(HlsPlaylistInvalid) as caught:
        hls_playlist_parse(text, master=master)
    assert str(caught.value) == message
