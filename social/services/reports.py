"""Abuse reports: filing one, and staff reviewing them.

Anyone signed in reports a video or comment they can see, or an account; one open
report per reporter and target (a partial unique constraint, so a double submission
cannot open two). Staff close a report by dismissing it, or by acting on its target:
hiding it (a video becomes private, a comment hidden) or suspending its owner (the
video's owner, the comment's author, the account). Acting closes every open report on
that target as `actioned`, with the reviewer and the time.
"""

import uuid

from django.db import IntegrityError, models, transaction
from django.utils import timezone
from rest_framework.exceptions import NotFound, PermissionDenied

from accounts.models import User
from accounts.services.moderation import user_suspend
from social.exceptions import (
    INVALID_TARGET,
    CannotReportOwn,
    ReportClosed,
    ReportTargetGone,
    ReportTargetNotHideable,
)
from social.models import Comment, Report
from social.selectors import access_comment
from social.services.comments import comment_hide
from videos.models import Video
from videos.selectors import video_queryset_visible
from videos.services.videos import video_update

TargetType = Report.TargetType


def _report_target_visible(*, reporter: User, target_type: str, target_id: uuid.UUID):
    """What `reporter` reports, if they may see it, else None. An account can be
    reported whatever blocks stand between them (people block, then report);
    videos and comments as the reporter sees them."""
    if target_type == TargetType.VIDEO:
        return video_queryset_visible(viewer=reporter, listed=False).filter(pk=target_id).first()
    if target_type == TargetType.COMMENT:
        try:
            return access_comment(viewer=reporter, comment_id=target_id, annotated=False)
        except NotFound:
            return None
    return User.objects.filter(pk=target_id).exclude(status=User.Status.DELETED).first()


def report_target_owner_id(*, target_type: str, target: models.Model) -> uuid.UUID:
    """Whose the target is: the video's owner, the comment's author, the account."""
    if target_type == TargetType.VIDEO:
        return target.owner_id
    if target_type == TargetType.COMMENT:
        return target.author_id
    return target.pk


def report_create(
    *, reporter: User, target_type: str, target_id: uuid.UUID, reason: str, details: str = ""
) -> tuple[Report, bool]:
    """File `reporter`'s report; returns it and whether it is new. Reporting again
    while the reporter's earlier report on the target is still open files nothing:
    that report is returned as it is (a concurrent one included). Refuses
    `invalid_target` (400, `target_id`: nothing to report there, or nothing the
    reporter may see) and `cannot_report_own`."""
    target = _report_target_visible(reporter=reporter, target_type=target_type, target_id=target_id)
    if target is None:
        raise INVALID_TARGET.error()
    if report_target_owner_id(target_type=target_type, target=target) == reporter.pk:
        raise CannotReportOwn()
    open_reports = Report.objects.filter(
        reporter=reporter,
        target_type=target_type,
        target_id=target.pk,
        status=Report.Status.OPEN,
    )
    try:
        with transaction.atomic():
            report = Report.objects.create(
                reporter=reporter,
                target_type=target_type,
                target_id=target.pk,
                reason=reason,
                details=details,
            )
    except IntegrityError:
        existing = open_reports.first()
        if existing is None:
            raise
        return existing, False
    return report, True


# -- review -----------------------------------------------------------------------------


def report_target_get(*, report: Report) -> models.Model | None:
    """The reported object whatever its state now (staff see everything), or None
    when it no longer exists."""
    model = {TargetType.VIDEO: Video, TargetType.COMMENT: Comment, TargetType.USER: User}[
        TargetType(report.target_type)
    ]
    return model.objects.filter(pk=report.target_id).first()


def _open_report_lock(*, report: Report, reviewer: User) -> Report:
    """Staff only (`permission_denied`); the report, locked and still open
    (`report_closed` once reviewed)."""
    if not reviewer.is_moderator:
        raise PermissionDenied()
    locked = Report.objects.select_for_update().filter(pk=report.pk).first()
    if locked is None or locked.status != Report.Status.OPEN:
        raise ReportClosed()
    return locked


def _reports_close(*, reports, reviewer: User, status: str, resolution: str) -> int:
    return reports.filter(status=Report.Status.OPEN).update(
        status=status,
        reviewed_by=reviewer,
        reviewed_at=timezone.now(),
        resolution=resolution,
        updated_at=timezone.now(),
    )


def _target_reports_action(*, report: Report, reviewer: User, resolution: str) -> Report:
    """Close every open report on `report`'s target as actioned."""
    _reports_close(
        reports=Report.objects.filter(target_type=report.target_type, target_id=report.target_id),
        reviewer=reviewer,
        status=Report.Status.ACTIONED,
        resolution=resolution,
    )
    report.refresh_from_db()
    return report


@transaction.atomic
def report_dismiss(*, report: Report, reviewer: User, resolution: str = "") -> Report:
    """Close `report` without acting on its target."""
    report = _open_report_lock(report=report, reviewer=reviewer)
    _reports_close(
        reports=Report.objects.filter(pk=report.pk),
        reviewer=reviewer,
        status=Report.Status.DISMISSED,
        resolution=resolution or "Dismissed.",
    )
    report.refresh_from_db()
    return report


@transaction.atomic
def report_target_hide(*, report: Report, reviewer: User) -> Report:
    """Hide the reported video (made private) or comment (hidden by staff); refuses
    `target_not_hideable` for an account and `target_gone` when it no longer exists."""
    report = _open_report_lock(report=report, reviewer=reviewer)
    if report.target_type == TargetType.USER:
        raise ReportTargetNotHideable()
    target = report_target_get(report=report)
    if target is None:
        raise ReportTargetGone()
    if report.target_type == TargetType.VIDEO:
        video_update(video=target, visibility=Video.Visibility.PRIVATE)
        resolution = "The video was made private."
    else:
        comment_hide(comment=target, actor=reviewer)
        resolution = "The comment was hidden."
    return _target_reports_action(report=report, reviewer=reviewer, resolution=resolution)


@transaction.atomic
def report_owner_suspend(*, report: Report, reviewer: User, reason: str = "") -> Report:
    """Suspend whoever owns the reported target, through the moderation service (which
    ends their sessions and logs the action, and refuses with its own codes)."""
    report = _open_report_lock(report=report, reviewer=reviewer)
    target = report_target_get(report=report)
    if target is None:
        raise ReportTargetGone()
    owner_id = report_target_owner_id(target_type=report.target_type, target=target)
    owner = User.objects.get(pk=owner_id)
    user_suspend(
        actor=reviewer,
        target=owner,
        reason=reason or f"Reported ({report.get_reason_display()}): report {report.pk}.",
    )
    return _target_reports_action(
        report=report, reviewer=reviewer, resolution=f"{owner.username} was suspended."
    )
