"""Fixtures for the notifications tests; the media fixtures come from the videos tests."""

from tests.videos.conftest import (  # noqa: F401 - fixtures used by test_video_processing
    media_root,
    media_samples,
    text_file,
    video_small,
)
