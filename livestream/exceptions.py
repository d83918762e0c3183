"""The livestream app's errors, each with a stable code a client can switch on.

Streams the caller may not see, and streams of others on the owner's operations,
answer DRF's `NotFound` (`not_found`, 404), as if they did not exist
(`livestream.selectors`). The media server's hooks answer what the media server reads:
nginx-rtmp refuses a publisher on any 4xx, MediaMTX on 401.

The chat's moderation follows the owner's pattern: a caller who may see the stream
but neither owns nor moderates it (nor is staff) gets the same 404, as if the stream
were not theirs; what a moderator may not do to the owner or another moderator is a
403 (`chat_target_protected`).
"""

from django.conf import settings
from rest_framework import status
from rest_framework.exceptions import APIException, PermissionDenied, Throttled

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


# Chat (services/chat.py): why a message is refused, and what moderators may not do.
# Those a client may retry later carry `wait`, answered as `Retry-After` (seconds).


INVALID_CHAT_CURSOR = FieldRejection(
    "after", "invalid_cursor", "The cursor is not one this chat gave out."
)


class ChatClosed(PermissionDenied):
    default_detail = "The chat is open while the stream is live and for 10 minutes after."
    default_code = "chat_closed"


class ChatBanned(PermissionDenied):
    default_detail = "You are banned from this stream's chat."
    default_code = "chat_banned"


class ChatTimedOut(PermissionDenied):
    default_detail = "You are timed out of this stream's chat; see Retry-After."
    default_code = "chat_timed_out"

    def __init__(self, wait: int) -> None:
        super().__init__()
        self.wait = wait


class ChatBlocked(PermissionDenied):
    default_detail = "You and the stream's owner blocked one another."
    default_code = "blocked"


class ChatFollowersOnly(PermissionDenied):
    default_detail = "Only the owner's followers may post in this chat."
    default_code = "chat_followers_only"


class ChatSubscribersOnly(PermissionDenied):
    default_detail = "Only the owner's subscribers may post in this chat."
    default_code = "chat_subscribers_only"


class ChatSlowMode(Throttled):
    default_detail = "Slow mode is on: wait before posting again; see Retry-After."
    default_code = "slow_mode"


class ChatRateLimited(Throttled):
    default_detail = "Too many messages in this chat for now; see Retry-After."
    default_code = "chat_rate_limited"


class ChatTargetProtected(PermissionDenied):
    default_detail = "A moderator may not ban or time out the stream's owner or its moderators."
    default_code = "chat_target_protected"


class ModeratorIsOwner(APIException):
    status_code = status.HTTP_400_BAD_REQUEST
    default_detail = "The stream's owner moderates it already."
    default_code = "moderator_is_owner"


# Gifts (services/gifts.py)

GIFT_UNAVAILABLE = FieldRejection(
    "gift", "gift_unavailable", "No gift of the catalogue has this id, or it is not sent any more."
)
GIFT_TOO_LARGE = FieldRejection(
    "quantity",
    "max_value",
    "Gifts sent at once cost at most {limit} coins.",
    limit=lambda: settings.TIP_MAX_COINS,
)


class StreamNotLive(APIException):
    """Gifts and viewers (watching, heartbeats) need a broadcast under way."""

    status_code = status.HTTP_409_CONFLICT
    default_detail = "The stream is not live (its broadcast has not started or has ended)."
    default_code = "stream_not_live"


class CannotGiftSelf(APIException):
    status_code = status.HTTP_400_BAD_REQUEST
    default_detail = "You cannot send gifts to your own stream."
    default_code = "cannot_gift_self"


# Recordings (services/replays.py): the path a media server hands over, refused before
# anything is read from it.


class RecordingOutsideRoot(APIException):
    status_code = status.HTTP_400_BAD_REQUEST
    default_detail = "The recording's path is not inside LIVE_RECORDINGS_ROOT."
    default_code = "recording_outside_root"


class RecordingMissing(APIException):
    status_code = status.HTTP_400_BAD_REQUEST
    default_detail = "There is no file at the recording's path."
    default_code = "recording_missing"


class RecordingNotAFile(APIException):
    status_code = status.HTTP_400_BAD_REQUEST
    default_detail = "The recording's path is not a regular file."
    default_code = "recording_not_a_file"


class RecordingStreamUnknown(APIException):
    status_code = status.HTTP_400_BAD_REQUEST
    default_detail = "No stream is played under this name."
    default_code = "recording_stream_unknown"


# Viewers (services/viewers.py) and signed playback (playback.py).


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
