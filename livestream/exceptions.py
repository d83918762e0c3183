"""The livestream app's errors, each with a stable code a client can switch on.

Streams the caller may not see, and streams of others on the owner's operations,
answer DRF's `NotFound` (`not_found`, 404), as if they did not exist
(`livestream.selectors`). The media server's hooks answer what the media server reads:
nginx-rtmp refuses a publisher on any 4xx, MediaMTX on 401.
"""

from rest_framework import status
from rest_framework.exceptions import APIException

from core.exceptions import FieldRejection

# Hooks (views/hooks.py): who may call them.


class HookForbidden(APIException):
    status_code = status.HTTP_403_FORBIDDEN
    default_detail = "The hook secret is wrong or missing, or the caller's address is not allowed."
    default_code = "hook_forbidden"


# Publishing (services.py): why a publisher is refused, as nginx-rtmp hears it (403).


class PublishRefused(APIException):
    """The base of the refusals below; `reason` is their code."""

    status_code = status.HTTP_403_FORBIDDEN
    default_detail = "This stream may not be published."
    default_code = "publish_refused"


class StreamKeyUnknown(PublishRefused):
    default_detail = "No stream has this key (it may have been rotated)."
    default_code = "unknown_stream_key"


class StreamOwnerRestricted(PublishRefused):
    default_detail = "The stream's owner is suspended, banned or deleted."
    default_code = "owner_restricted"


class StreamAlreadyLive(PublishRefused):
    default_detail = "The stream is already live from another publisher."
    default_code = "stream_already_live"


class StreamEnded(PublishRefused):
    default_detail = "This one-off stream has ended and cannot go live again."
    default_code = "stream_ended"


class StreamNotPublishing(PublishRefused):
    default_detail = "The stream is not live from this publisher any more."
    default_code = "stream_not_publishing"


# MediaMTX's external authentication refuses with 401, whatever the reason.


class MediaAuthRefused(APIException):
    status_code = status.HTTP_401_UNAUTHORIZED
    default_detail = "Refused: a missing or wrong stream key, or a stream the reader may not watch."
    default_code = "media_auth_refused"


# Viewers (services/viewers.py) and signed playback (playback.py).


class StreamNotLive(APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "The stream is not live (its broadcast has not started or has ended)."
    default_code = "stream_not_live"


INVALID_VIEWER_TOKEN = FieldRejection(
    "viewer_token",
    "invalid_viewer_token",
    "This viewer token is not one this stream gave this viewer; ask `watch/` for one.",
)
VIEWER_TOKEN_EXPIRED = FieldRejection(
    "viewer_token",
    "viewer_token_expired",
    "This viewer token has expired; ask `watch/` for a new one.",
)


class PlaybackForbidden(APIException):
    status_code = status.HTTP_403_FORBIDDEN
    default_detail = (
        "The playback address is not signed, its signature is wrong or has expired, or "
        "it names no stream."
    )
    default_code = "playback_forbidden"
