"""Creatives: the advertiser's owner adds, edits and deletes them; staff approve or
reject them (with a reason), and the owner hears of it (`ad_creative_reviewed`).

A creative promotes one of the owner's own videos that is public and ready, and sends
clicks to an absolute http(s) URL, nothing else (the click redirect only ever goes
there). A change to what people see (video, headline, call to action, URL) sends it
back to review.
"""

import uuid
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from ads.exceptions import (
    CLICK_URL_INVALID,
    REASON_REQUIRED,
    VIDEO_NOT_PROMOTABLE,
    CampaignNotEditable,
    CreativeWasServed,
)
from ads.models import Campaign, Click, Creative, Impression
from ads.services.campaigns import EDITABLE_STATUSES
from ads.serving_cache import serving_snapshot_invalidate
from notifications.models import NotificationType
from notifications.services import notify
from videos.models import Video

# Changing any of these sends the creative back to review.
REVIEWED_FIELDS = ("video", "headline", "call_to_action", "click_url")
_URL = URLValidator(schemes=["http", "https"])


def _click_url_check(url: str) -> str:
    try:
        _URL(url)
    except ValidationError:
        raise CLICK_URL_INVALID.error() from None
    return url


def _promotable_video(*, campaign: Campaign, video_id: uuid.UUID | str) -> Video:
    """The advertiser owner's own public, ready video `video_id`, else
    `video_not_promotable` (400)."""
    try:
        pk = uuid.UUID(str(video_id))
    except ValueError:
        raise VIDEO_NOT_PROMOTABLE.error() from None
    video = Video.objects.filter(
        pk=pk,
        owner_id=campaign.advertiser.owner_id,
        status=Video.Status.READY,
        visibility=Video.Visibility.PUBLIC,
    ).first()
    if video is None:
        raise VIDEO_NOT_PROMOTABLE.error()
    return video


def _editable(campaign: Campaign) -> None:
    if campaign.status not in EDITABLE_STATUSES:
        raise CampaignNotEditable()


@transaction.atomic
def creative_create(
    *,
    campaign: Campaign,
    video_id: uuid.UUID | str,
    headline: str,
    call_to_action: str,
    click_url: str,
) -> Creative:
    """A new creative of `campaign`, pending review. Refused: `campaign_not_editable`
    (409), `video_not_promotable` and `click_url_invalid` (400)."""
    _editable(campaign)
    creative = Creative.objects.create(
        campaign=campaign,
        video=_promotable_video(campaign=campaign, video_id=video_id),
        headline=headline,
        call_to_action=call_to_action,
        click_url=_click_url_check(click_url),
    )
    return creative


@transaction.atomic
def creative_update(*, creative: Creative, **fields: Any) -> Creative:
    """Change a creative (`video_id`, `headline`, `call_to_action`, `click_url`); a
    change to any goes back to review (`pending`) and stops it serving until staff
    approve it again. Refused as `creative_create` is."""
    creative = (
        Creative.objects.select_for_update(of=("self",))
        .select_related("campaign__advertiser", "video")
        .get(pk=creative.pk)
    )
    _editable(creative.campaign)
    changed = []
    if "video_id" in fields:
        video = _promotable_video(campaign=creative.campaign, video_id=fields.pop("video_id"))
        if video.pk != creative.video_id:
            creative.video = video
            changed.append("video")
    if "click_url" in fields:
        fields["click_url"] = _click_url_check(fields["click_url"])
    for name, value in fields.items():
        if name not in REVIEWED_FIELDS:
            raise TypeError(f"Unknown creative field: {name!r}")
        if getattr(creative, name) != value:
            setattr(creative, name, value)
            changed.append(name)
    if not changed:
        return creative
    was_approved = creative.review_status == Creative.Review.APPROVED
    creative.review_status = Creative.Review.PENDING
    creative.rejection_reason = ""
    creative.reviewed_by = None
    creative.reviewed_at = None
    creative.save(
        update_fields=[
            *changed,
            "review_status",
            "rejection_reason",
            "reviewed_by",
            "reviewed_at",
            "updated_at",
        ]
    )
    if was_approved:
        serving_snapshot_invalidate()
    return creative


@transaction.atomic
def creative_delete(*, creative: Creative) -> None:
    """Delete a creative that was never served; a served one keeps its records for the
    reports (`creative_was_served`, 409)."""
    creative = Creative.objects.select_for_update(of=("self",)).get(pk=creative.pk)
    if (
        Impression.objects.filter(creative=creative).exists()
        or Click.objects.filter(creative=creative).exists()
    ):
        raise CreativeWasServed()
    was_approved = creative.review_status == Creative.Review.APPROVED
    creative.delete()
    if was_approved:
        serving_snapshot_invalidate()


def _review(*, creative: Creative, staff: User, status: str, reason: str) -> Creative:
    creative = (
        Creative.objects.select_for_update(of=("self",))
        .select_related("campaign__advertiser__owner")
        .get(pk=creative.pk)
    )
    creative.review_status = status
    creative.rejection_reason = reason
    creative.reviewed_by = staff
    creative.reviewed_at = timezone.now()
    creative.save(
        update_fields=[
            "review_status",
            "rejection_reason",
            "reviewed_by",
            "reviewed_at",
            "updated_at",
        ]
    )
    serving_snapshot_invalidate()
    data = {"headline": creative.headline, "decision": status, "campaign": creative.campaign.name}
    if reason:
        data["reason"] = reason
    notify(
        recipient=creative.campaign.advertiser.owner,
        actor=None,
        type=NotificationType.AD_CREATIVE_REVIEWED,
        target=creative,
        data=data,
    )
    return creative


@transaction.atomic
def creative_approve(*, creative: Creative, staff: User) -> Creative:
    """Staff approve the creative: it may serve. The advertiser's owner is told."""
    return _review(creative=creative, staff=staff, status=Creative.Review.APPROVED, reason="")


@transaction.atomic
def creative_reject(*, creative: Creative, staff: User, reason: str) -> Creative:
    """Staff reject the creative, saying why (`reason_required`, 400): it stops
    serving. The advertiser's owner is told why."""
    reason = (reason or "").strip()
    if not reason:
        raise REASON_REQUIRED.error()
    return _review(creative=creative, staff=staff, status=Creative.Review.REJECTED, reason=reason)
