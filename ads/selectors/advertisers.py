"""Advertisers as their owners and staff read them: owner-scoped lists and the access
helper that fetches and authorizes in one call."""

from django.db.models import QuerySet
from rest_framework.exceptions import NotFound

from ads.models import Advertiser
from core.access import is_signed_in, is_staff, uuid_or_404

# Newest first; the primary key breaks ties (core.pagination appends it).
ADVERTISER_ORDERING = ("-created_at",)


def advertiser_list(*, user) -> QuerySet[Advertiser]:
    """The advertisers `user` may see: their own (at most one); staff see all."""
    queryset = Advertiser.objects.select_related("owner")
    if is_staff(user):
        return queryset
    if not is_signed_in(user):
        return queryset.none()
    return queryset.filter(owner_id=user.pk)


def access_advertiser(
    *, user, advertiser_id, manage: bool = False, lock: bool = False
) -> Advertiser:
    """The advertiser `advertiser_id` if `user` may see it (with `manage`: if it is
    theirs, which staff's is not), else 404 (`not_found`), as if it did not exist. With
    `lock`, the row is locked for update (call in a transaction)."""
    pk = uuid_or_404(advertiser_id)
    if not is_signed_in(user):
        raise NotFound()
    queryset = Advertiser.objects.select_related("owner")
    if manage or not is_staff(user):
        queryset = queryset.filter(owner_id=user.pk)
    if lock:
        queryset = queryset.select_for_update(of=("self",), no_key=True)
    advertiser = queryset.filter(pk=pk).first()
    if advertiser is None:
        raise NotFound()
    return advertiser


def advertiser_of(*, user) -> Advertiser | None:
    """`user`'s own advertiser, or None."""
    if not is_signed_in(user):
        return None
    return Advertiser.objects.filter(owner_id=user.pk).first()
