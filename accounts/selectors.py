"""Accounts app: reads, with their joins and annotations, and who may be seen
(`user_visible_statuses`, the one rule every app reads)."""

__all__ = [
    "moderation_action_list",
    "session_list_live",
    "user_list_annotated",
    "user_list_for_viewer",
    "user_list_search",
    "user_profile_get",
    "user_visible_statuses",
]

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import AuthSession, ModerationAction, User, user_visible_statuses
from core.relations import relations


def user_list_annotated(queryset: QuerySet[User] | None = None) -> QuerySet[User]:
    """Users with `two_factor_enabled` computed in the same query."""
    queryset = User.objects.all() if queryset is None else queryset
    return queryset.annotate(
        two_factor_enabled=Exists(TOTPDevice.objects.filter(user_id=OuterRef("pk"), confirmed=True))
    )


def session_list_live(*, user: User) -> QuerySet[AuthSession]:
    """The user's sessions that can still be used."""
    return AuthSession.objects.filter(
        user=user, ended_at__isnull=True, expires_at__gt=timezone.now()
    )


def moderation_action_list() -> QuerySet[ModerationAction]:
    """The moderation log, with each entry's actor and target joined in."""
    return ModerationAction.objects.select_related("actor", "target")


def user_list_for_viewer(queryset: QuerySet[User], *, viewer: User) -> QuerySet[User]:
    """`queryset` as `viewer` may see it: `follow_status` (their follow of each user,
    see `core.relations`) annotated, and users on either side of a block with them
    left out, except for staff."""
    graph = relations()
    follow_status = graph.follow_status_expression(viewer)
    if follow_status is not None:
        queryset = queryset.annotate(follow_status=follow_status)
    if not viewer.is_moderator:
        queryset = queryset.exclude(pk__in=graph.blocked_user_ids(viewer))
    return queryset


def user_profile_get(*, username: str, viewer: User) -> User:
    """The user named `username` (whatever its case) as `viewer` may see them, with
    `two_factor_enabled` and `follow_status` annotated; raises Http404 when there is
    none.

    Accounts that may not act (`user_visible_statuses`), and users on either side of
    a block with `viewer`, are hidden from everyone but staff.
    """
    users = user_list_annotated()
    if not viewer.is_moderator:
        users = users.filter(status__in=user_visible_statuses())
    return get_object_or_404(user_list_for_viewer(users, viewer=viewer), username__iexact=username)


def user_list_search(*, search: str = "", viewer: User) -> QuerySet[User]:
    """Users who may act (`user_visible_statuses`: pending ones too, unless email
    verification is required) whose username or display name starts with `search`,
    whatever the case (all of them when it is empty), with `two_factor_enabled` and
    `follow_status`, as `viewer` may see them (`user_list_for_viewer`).

    Unordered: the paginator orders by username (index `accounts_user_status_name`).
    """
    users = User.objects.filter(status__in=user_visible_statuses())
    if search:
        users = users.filter(Q(username__istartswith=search) | Q(display_name__istartswith=search))
    return user_list_for_viewer(user_list_annotated(users), viewer=viewer)
