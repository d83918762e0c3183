"""Reads of coin packages and of a user's own top-ups."""

from django.db.models import QuerySet
from rest_framework.exceptions import NotFound

from accounts.models import User
from core.access import uuid_or_404
from payments.models import CoinPackage, TopUp

# Newest first; the primary key makes the ordering unique for the cursor.
TOP_UP_ORDERING = ("-created_at", "-id")


def coin_package_list_active() -> QuerySet[CoinPackage]:
    """The packages for sale, in the admin's order (`position`, then size)."""
    return CoinPackage.objects.filter(active=True).order_by("position", "coins", "id")


def top_up_list_for_user(*, user: User) -> QuerySet[TopUp]:
    """`user`'s top-ups; order by `TOP_UP_ORDERING`. No joins are needed: a top-up
    carries its package's id and copies of its coins, price and currency."""
    return TopUp.objects.filter(user=user)


def top_up_get_for_user(*, user: User, top_up_id) -> TopUp:
    """`user`'s top-up `top_up_id`; 404 when it is someone else's, unknown or not an id."""
    top_up = top_up_list_for_user(user=user).filter(pk=uuid_or_404(top_up_id)).first()
    if top_up is None:
        raise NotFound()
    return top_up
