"""Whom a user may pay: the check every payment to a user (a tip, a subscription)
makes, and the lookup of a recipient by name."""

from rest_framework.exceptions import NotFound

from accounts.models import User
from accounts.services.sessions import user_can_sign_in
from core.relations import relations


def user_is_reachable(*, user: User, viewer) -> bool:
    """Whether `viewer` (a user, or anonymous) may pay `user` or see what they sell:
    `user` may sign in and no block stands between the two, either way."""
    if not user_can_sign_in(user):
        return False
    if viewer is None or not viewer.is_authenticated or viewer.pk == user.pk:
        return True
    return not relations().blocked_user_ids(viewer).filter(pk=user.pk).exists()


def payments_user_get(*, username: str, viewer) -> User:
    """The user named `username` (whatever its case) whom `viewer` may pay; 404
    (`not_found`) when there is none, they may not sign in, or either blocked the other."""
    user = User.objects.filter(username__iexact=username).order_by("pk").first()
    if user is None or not user_is_reachable(user=user, viewer=viewer):
        raise NotFound()
    return user
