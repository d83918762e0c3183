"""The social app's errors, each with a stable code a client can switch on.

Objects the caller may not see (unknown users, users on either side of a block, other
people's follow requests) answer DRF's `NotFound` (`not_found`, 404), as if they did not
exist. Each section belongs to one services module; append new ones at the end.
"""

from rest_framework import status
from rest_framework.exceptions import APIException, PermissionDenied

from core.exceptions import FieldRejection

# Follows and blocks (services/follows.py, services/blocks.py)


class CannotFollowSelf(APIException):
    status_code = status.HTTP_400_BAD_REQUEST
    default_detail = "You cannot follow yourself."
    default_code = "cannot_follow_self"


class CannotBlockSelf(APIException):
    status_code = status.HTTP_400_BAD_REQUEST
    default_detail = "You cannot block yourself."
    default_code = "cannot_block_self"


class PrivateAccount(PermissionDenied):
    """A private account's followers and following are for its accepted followers."""

    default_detail = "This account is private; only its accepted followers see this."
    default_code = "private_account"


# Comments (services/comments.py)

INVALID_PARENT = FieldRejection(
    "parent",
    "invalid_parent",
    "The comment to reply to does not exist on this video, or was deleted or hidden.",
)


class CommentsDisabled(PermissionDenied):
    default_detail = "The owner turned comments off for this video."
    default_code = "comments_disabled"


class EditWindowClosed(PermissionDenied):
    default_detail = "A comment can be edited only within 24 hours of posting it."
    default_code = "edit_window_closed"


class CannotPinReply(APIException):
    status_code = status.HTTP_400_BAD_REQUEST
    default_detail = "Only top-level comments can be pinned."
    default_code = "cannot_pin_reply"


# Reports (services/reports.py)

INVALID_TARGET = FieldRejection(
    "target_id",
    "invalid_target",
    "There is nothing of this type with this id that you can report.",
)


class CannotReportOwn(APIException):
    status_code = status.HTTP_400_BAD_REQUEST
    default_detail = "You cannot report yourself or your own content."
    default_code = "cannot_report_own"


class ReportClosed(APIException):
    status_code = status.HTTP_400_BAD_REQUEST
    default_detail = "This report was already reviewed."
    default_code = "report_closed"


class ReportTargetGone(APIException):
    status_code = status.HTTP_400_BAD_REQUEST
    default_detail = "The reported content no longer exists."
    default_code = "target_gone"


class ReportTargetNotHideable(APIException):
    status_code = status.HTTP_400_BAD_REQUEST
    default_detail = "Only videos and comments can be hidden; suspend a user instead."
    default_code = "target_not_hideable"
