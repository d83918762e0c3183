"""Fixtures for the videos tests: real media files, generated once per test session,
and a storage in a temporary folder."""

from pathlib import Path

import pytest

from tests.accounts.factories import UserFactory
from tests.social.factories import SocialGraph
from tests.videos import media


@pytest.fixture(autouse=True)
def _feeds_without_promoted_items(settings):
    """The videos tests measure the feeds themselves (their query counts too): no
    promoted item, so no serving decision. tests/ads/test_feed_promoted.py measures them
    with promoted items."""
    settings.ADS_FEED_INTERVAL = 0


@pytest.fixture
def media_root(settings, tmp_path) -> Path:
    """The default storage in a folder of this test's own."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture(scope="session")
def media_samples(tmp_path_factory) -> Path:
    """The folder the generated media files below live in."""
    return tmp_path_factory.mktemp("media-samples")


@pytest.fixture(scope="session")
def video_small(media_samples) -> Path:
    """1 s of 160x120 H.264 at 10 fps with AAC sound, in MP4."""
    return media.make_video(media_samples / "small.mp4")


@pytest.fixture(scope="session")
def video_silent(media_samples) -> Path:
    """Like `video_small`, without a sound track."""
    return media.make_video(media_samples / "silent.mp4", audio=False)


@pytest.fixture(scope="session")
def video_mpeg4(media_samples) -> Path:
    """Like `video_small`, in MPEG-4 Part 2 instead of H.264."""
    return media.make_video(media_samples / "mpeg4.mp4", codec="mpeg4")


@pytest.fixture(scope="session")
def video_webm(media_samples) -> Path:
    """1 s of 160x120 VP8 with Opus sound, in WebM."""
    return media.make_video(media_samples / "small.webm", container="webm", codec="vp8")


@pytest.fixture(scope="session")
def video_faststart(media_samples) -> Path:
    """Like `video_small`, with the MP4 index before the data."""
    return media.make_video(media_samples / "faststart.mp4", faststart=True)


@pytest.fixture(scope="session")
def video_vga(media_samples) -> Path:
    """1 s of 640x480 H.264 with sound: three renditions (240p, 360p, 480p)."""
    return media.make_video(media_samples / "vga.mp4", width=640, height=480)


@pytest.fixture(scope="session")
def video_two_seconds(media_samples) -> Path:
    """2 s of 160x120 H.264 with sound, for several HLS segments."""
    return media.make_video(media_samples / "two-seconds.mp4", seconds=2)


@pytest.fixture(scope="session")
def video_dark_start(media_samples) -> Path:
    """2 s at 10 fps whose first 0.5 s (five frames) are black: a fade-in."""
    return media.make_video(media_samples / "dark-start.mp4", seconds=2, dark_frames=5)


@pytest.fixture(scope="session")
def video_black(media_samples) -> Path:
    """1 s of black frames."""
    return media.make_video(media_samples / "black.mp4", pattern="black", audio=False)


@pytest.fixture(scope="session")
def video_rotated(media_samples) -> Path:
    """160x120 frames a phone recorded sideways: shown turned 90° counterclockwise."""
    return media.make_video(media_samples / "rotated.mp4", rotation=90)


@pytest.fixture(scope="session")
def video_high_frame_rate(media_samples) -> Path:
    """0.5 s at 120 fps, above the frame-rate cap of renditions."""
    return media.make_video(media_samples / "fast.mp4", seconds=0.5, fps=120, audio=False)


@pytest.fixture(scope="session")
def audio_only(media_samples) -> Path:
    """An AAC tone in MP4: no video stream."""
    return media.make_audio_only(media_samples / "audio-only.mp4")


@pytest.fixture(scope="session")
def video_truncated(media_samples, video_small) -> Path:
    """The first 60% of `video_small` (its index, at the end, is lost)."""
    return media.make_truncated(video_small, media_samples / "truncated.mp4")


@pytest.fixture(scope="session")
def video_truncated_faststart(media_samples, video_faststart) -> Path:
    """The first 60% of `video_faststart`: the index is there, the data is not."""
    return media.make_truncated(video_faststart, media_samples / "truncated-faststart.mp4")


@pytest.fixture(scope="session")
def video_truncated_webm(media_samples) -> Path:
    """The first 60% of a 3 s WebM: it opens, and ends early."""
    source = media.make_video(
        media_samples / "three-seconds.webm", seconds=3, container="webm", codec="vp8"
    )
    return media.make_truncated(source, media_samples / "truncated.webm")


@pytest.fixture(scope="session")
def text_file(media_samples) -> Path:
    """Plain text named .mp4."""
    return media.make_text_file(media_samples / "notes.mp4")


@pytest.fixture(scope="session")
def png_image(media_samples) -> Path:
    """A PNG picture."""
    return media.make_png(media_samples / "picture.png")


@pytest.fixture(scope="session")
def empty_file(media_samples) -> Path:
    """Zero bytes named .mp4."""
    return media.make_empty_file(media_samples / "empty.mp4")


@pytest.fixture
def graph(db) -> SocialGraph:
    """Follows and blocks, made through the social app's services: `graph.follow(a, b)`
    (accepted, also of a private account), `graph.block(a, b)`, `graph.unblock(a, b)`."""
    return SocialGraph()


@pytest.fixture
def me(db):
    """The caller of the feed and follow tests."""
    return UserFactory(username="me")


@pytest.fixture
def my_client(make_auth_client, me):
    return make_auth_client(me)
