"""Whom a user may pay: the check every payment to a user (a tip, a subscription)
makes, and the lookup of a recipient by name."""

from accounts.models import User
from accounts.selectors import access_user, user_is_visible

# Set on a user `payments_user_get` found: the id of the viewer whose rule its query applied.
PAYABLE_BY = "payments_payable_by_id"


def user_is_reachable(*, user: User, viewer) -> bool:
    """Whether `viewer` (a user, or anonymous) may pay `user` or see what they sell:
    `user` may sign in and no block stands between the two, either way (the one rule,
    `accounts.selectors`, which staff follow here too). One query, unless `user` is
    what `payments_user_get` found for `viewer` in this request: its query applied the
    rule already."""
    if viewer.pk is not None and getattr(user, PAYABLE_BY, None) == viewer.pk:
        return True
    return user_is_visible(user=user, viewer=viewer, staff_see_all=False)


def payments_user_get(*, username: str, viewer) -> User:
    """The user named `username` (whatever its case) whom `viewer` may pay; 404
    (`not_found`) when there is none, they may not sign in, or either blocked the other."""
    user = access_user(viewer=viewer, username=username, staff_see_all=False)
    setattr(user, PAYABLE_BY, viewer.pk)
    return user
