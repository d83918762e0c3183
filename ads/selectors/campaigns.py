"""Campaigns and creatives as their advertisers' owners and staff read them:
owner-scoped lists and access helpers that raise 404 for anyone else."""

from django.db.models import QuerySet
from rest_framework.exceptions import NotFound

from ads.models import Campaign, Creative
from core.access import is_signed_in, is_staff, uuid_or_404

# Newest first; the primary key breaks ties (the `ads_campaign_owner` and
# `ads_creative_campaign` indexes serve them).
CAMPAIGN_ORDERING = ("-created_at",)
CREATIVE_ORDERING = ("-created_at",)


def _owned(queryset: QuerySet, *, user, manage: bool, owner_field: str) -> QuerySet:
    if not is_signed_in(user):
        return queryset.none()
    if manage or not is_staff(user):
        return queryset.filter(**{owner_field: user.pk})
    return queryset


def campaign_list(*, user) -> QuerySet[Campaign]:
    """The campaigns `user` may see: their advertiser's; staff see all."""
    return _owned(
        Campaign.objects.select_related("advertiser"),
        user=user,
        manage=False,
        owner_field="advertiser__owner_id",
    )


def access_campaign(*, user, campaign_id, manage: bool = False, lock: bool = False) -> Campaign:
    """The campaign `campaign_id` if `user` may see it (with `manage`: if it is their
    advertiser's, which staff's is not), advertiser joined; else 404 (`not_found`), as
    if it did not exist. With `lock`, the campaign's row is locked for update (call in a
    transaction)."""
    pk = uuid_or_404(campaign_id)
    queryset = _owned(
        Campaign.objects.select_related("advertiser"),
        user=user,
        manage=manage,
        owner_field="advertiser__owner_id",
    )
    if lock:
        queryset = queryset.select_for_update(of=("self",), no_key=True)
    campaign = queryset.filter(pk=pk).first()
    if campaign is None:
        raise NotFound()
    return campaign


def creative_list(*, campaign: Campaign) -> QuerySet[Creative]:
    """`campaign`'s creatives, video joined (the caller may see the campaign)."""
    return Creative.objects.filter(campaign=campaign).select_related("video")


def access_creative(*, user, creative_id, manage: bool = False, lock: bool = False) -> Creative:
    """The creative `creative_id` if `user` may see its campaign (with `manage`: if the
    campaign is their advertiser's), campaign, advertiser and video joined; else 404
    (`not_found`). With `lock`, the creative's row is locked for update."""
    pk = uuid_or_404(creative_id)
    queryset = _owned(
        Creative.objects.select_related("campaign__advertiser", "video"),
        user=user,
        manage=manage,
        owner_field="campaign__advertiser__owner_id",
    )
    if lock:
        queryset = queryset.select_for_update(of=("self",), no_key=True)
    creative = queryset.filter(pk=pk).first()
    if creative is None:
        raise NotFound()
    return creative
