"""Reads for tips (views/tips.py)."""

from django.db.models import QuerySet

from accounts.models import User
from payments.models import TIP_DIRECTIONS, Tip


def tip_list_for_user(*, user: User, direction: str) -> QuerySet[Tip]:
    """`user`'s tips, `sent` or `received`, both users joined (one query per page);
    order by `-created_at`, `-id`."""
    if direction not in TIP_DIRECTIONS:
        raise ValueError(f"direction must be one of {TIP_DIRECTIONS}")
    side = "sender" if direction == "sent" else "recipient"
    return Tip.objects.filter(**{side: user}).select_related("sender", "recipient")
