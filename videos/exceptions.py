"""The videos app's errors, each with a stable code a client can switch on.

Videos the caller may not see answer DRF's `NotFound` (`not_found`, 404), as if they
did not exist (`videos.selectors`).
"""

from django.conf import settings

from core.exceptions import FieldRejection

# Uploads (services/videos.py): what the file is refused for, on `file`.

VIDEO_TOO_LARGE = FieldRejection(
    "file",
    "too_large",
    "The file is larger than {limit} MB.",
    limit=lambda: settings.VIDEO_MAX_UPLOAD_MB,
)
VIDEO_TOO_LONG = FieldRejection(
    "file",
    "too_long",
    "The video is longer than {seconds} seconds.",
    seconds=lambda: settings.VIDEO_MAX_DURATION_SECONDS,
)
# The probe says which limit a frame is over (`VIDEO_MAX_PIXELS`, or 8192 a side).
VIDEO_TOO_MANY_PIXELS = FieldRejection(
    "file", "too_many_pixels", "{reason}", reason="The video's frames are too large."
)
VIDEO_INVALID_MEDIA = FieldRejection(
    "file",
    "invalid_media",
    "This file is not a video we can play: {reason}",
    reason="it has no decodable video stream.",
)

# Recordings (services/videos.py, `video_create_from_stored_file`): a file already on
# this machine (a live stream's recording), refused on `path`, with limits of its own.

RECORDING_TOO_LARGE = FieldRejection(
    "path",
    "too_large",
    "The recording is larger than {limit} MB.",
    limit=lambda: settings.VIDEO_MAX_RECORDING_MB,
)
RECORDING_TOO_LONG = FieldRejection(
    "path",
    "too_long",
    "The recording is longer than {seconds} seconds.",
    seconds=lambda: settings.VIDEO_MAX_RECORDING_SECONDS,
)

# Views (services/watching.py): `watched_seconds` of one viewing.

WATCHED_SECONDS_NEGATIVE = FieldRejection("watched_seconds", "min_value", "Must be 0 or more.")
WATCHED_SECONDS_TOO_MANY = FieldRejection(
    "watched_seconds",
    "max_value",
    "Must be at most {limit} seconds for this video.",
    limit="its duration plus 60 (86400 when the duration is unknown)",
)
