"""Accounts app: reads, with their joins and annotations, and who may see whom: the
one rule every app reads (`user_visible_statuses`, `user_can_act`,
`user_visibility_filter`, `user_list_visible`, `access_user`)."""

__all__ = [
    "access_user",
    "moderation_action_list",
    "session_list_live",
    "user_can_act",
    "user_get_by_username",
    "user_is_visible",
    "user_list_annotated",
    "user_list_by_username",
    "user_list_for_viewer",
    "user_list_search",
    "user_list_visible",
    "user_profile_get",
    "user_visibility_filter",
    "user_visible_statuses",
    "viewer_kind",
    "viewer_stand_in",
]

import functools
import uuid

from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.db.models import OuterRef, Q, QuerySet
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.exceptions import NotFound

from accounts.models import AuthSession, ModerationAction, User, user_visible_statuses
from core.access import is_signed_in, is_staff
from core.compiled import CompiledQuery, stored_id
from core.expressions import row_exists
from core.relations import relations

# -- who may see whom ---------------------------------------------------------------------
#
# The rule: users who may act (`user_visible_statuses`: active ones, and pending ones
# unless email verification is required) are visible, except to those on either side
# of a block with them; a signed-in user always sees themself; staff see everyone,
# where they look as staff (`staff_see_all`). Where the viewer acts towards a user
# (follows, mentions, notifications, tips, subscriptions), staff follow the rule too.


def user_can_act(user: User) -> bool:
    """Whether `user` may act on the platform: sign in, be found and be reached."""
    return user.status in user_visible_statuses()


def user_visibility_filter(*, viewer, staff_see_all: bool = True, field: str = "") -> Q:
    """The rule as a filter on the users `viewer` (a user, anonymous or None) may see;
    with `field` (`"owner"`, `"author"`, ...), on rows whose `field` is such a user."""
    prefix = f"{field}__" if field else ""
    if staff_see_all and is_staff(viewer):
        return Q()
    visible = Q(**{f"{prefix}status__in": user_visible_statuses()})
    if not is_signed_in(viewer):
        return visible
    id_field = f"{field}_id" if field else "pk"
    not_blocked = ~Q(**{f"{id_field}__in": relations().blocked_user_ids(viewer)})
    return Q(**{id_field: viewer.pk}) | (visible & not_blocked)


def user_list_visible(
    queryset: QuerySet[User] | None = None, *, viewer, staff_see_all: bool = True
) -> QuerySet[User]:
    """`queryset` (default: every user) narrowed to the users `viewer` may see."""
    queryset = User.objects.all() if queryset is None else queryset
    return queryset.filter(user_visibility_filter(viewer=viewer, staff_see_all=staff_see_all))


def user_is_visible(*, user: User, viewer, staff_see_all: bool = True) -> bool:
    """Whether `viewer` may see `user` (as the database has them now: one query)."""
    users = User.objects.filter(pk=user.pk)
    return user_list_visible(users, viewer=viewer, staff_see_all=staff_see_all).exists()


def user_list_by_username(username: str, queryset: QuerySet[User] | None = None) -> QuerySet[User]:
    """The user named `username` whatever its case, as a queryset (of at most one:
    usernames are unique whatever their case)."""
    queryset = User.objects.all() if queryset is None else queryset
    return queryset.filter(username__iexact=username)


def user_get_by_username(*, username: str, queryset: QuerySet[User] | None = None) -> User:
    """The user named `username` whatever its case (from `queryset`, default: every
    user, whatever their status); 404 (`not_found`) when there is none."""
    user = user_list_by_username(username, queryset).order_by("pk").first()
    if user is None:
        raise NotFound()
    return user


def access_user(
    *,
    viewer,
    username: str,
    staff_see_all: bool = True,
    queryset: QuerySet[User] | None = None,
) -> User:
    """The user named `username` (whatever its case) whom `viewer` may see (from
    `queryset`, for its joins and annotations); 404 (`not_found`) when there is none:
    a user the viewer may not see does not exist for them."""
    if queryset is None and staff_see_all:  # SQL made once (`_user_by_username`)
        return _user_found(username=username, viewer=viewer, annotated=False)
    users = user_list_visible(queryset, viewer=viewer, staff_see_all=staff_see_all)
    return user_get_by_username(username=username, queryset=users)


# -- profiles, search, sessions, moderation ----------------------------------------------


def user_list_annotated(queryset: QuerySet[User] | None = None) -> QuerySet[User]:
    """Users with `two_factor_enabled` computed in the same query."""
    queryset = User.objects.all() if queryset is None else queryset
    return queryset.annotate(
        two_factor_enabled=row_exists(
            TOTPDevice.objects.filter(user_id=OuterRef("pk"), confirmed=True)
        )
    )


def session_list_live(*, user: User) -> QuerySet[AuthSession]:
    """The user's sessions that can still be used."""
    return AuthSession.objects.filter(
        user=user, ended_at__isnull=True, expires_at__gt=timezone.now()
    )


def moderation_action_list() -> QuerySet[ModerationAction]:
    """The moderation log, with each entry's actor and target joined in."""
    return ModerationAction.objects.select_related("actor", "target")


def _follow_status_annotate(queryset: QuerySet[User], *, viewer: User) -> QuerySet[User]:
    """`queryset` with `follow_status`: `viewer`'s follow of each user (`core.relations`)."""
    follow_status = relations().follow_status_expression(viewer)
    if follow_status is None:
        return queryset
    return queryset.annotate(follow_status=follow_status)


def user_list_for_viewer(queryset: QuerySet[User], *, viewer: User) -> QuerySet[User]:
    """`queryset` as `viewer` may see it (`user_list_visible`), with `follow_status`
    annotated."""
    return user_list_visible(_follow_status_annotate(queryset, viewer=viewer), viewer=viewer)


def viewer_kind(viewer) -> str:
    """What the rule and the viewer's flags read of a viewer besides their id:
    `"anonymous"`, `"user"` or `"staff"` (the shape of a query compiled once for a
    stand-in viewer, `core.compiled`)."""
    if is_staff(viewer):
        return "staff"
    return "user" if is_signed_in(viewer) else "anonymous"


def viewer_stand_in(kind: str, pk: uuid.UUID) -> User | AnonymousUser:
    """A stand-in viewer of `kind` (`viewer_kind`) with the id `pk`, which no row has."""
    if kind == "anonymous":
        return AnonymousUser()
    return User(pk=pk, role=User.Role.MODERATOR if kind == "staff" else User.Role.USER)


# Values no row has: what a profile's query is compiled with, once per shape.
_STAND_IN_VIEWER = uuid.UUID("00000000-5e7e-4000-8000-000000000003")
_STAND_IN_USERNAME = "stand-in-username-5e7e"


@functools.cache
def _user_by_username(
    *, viewer_kind: str, statuses: tuple[str, ...], annotated: bool
) -> CompiledQuery:
    """The user of a stand-in username whom a stand-in viewer may see (`access_user`;
    with `two_factor_enabled` and `follow_status` when `annotated`), compiled once per
    process and shape (`core.compiled`): whether the viewer is anonymous, a user or
    staff (`viewer_kind`), and which account statuses may be seen (a setting, read by
    the rule: `statuses`). The rule and the follow status bind the viewer only
    through their id."""
    viewer = viewer_stand_in(viewer_kind, _STAND_IN_VIEWER)
    users = User.objects.all()
    if annotated:
        users = _follow_status_annotate(user_list_annotated(users), viewer=viewer)
    users = user_list_by_username(_STAND_IN_USERNAME, user_list_visible(users, viewer=viewer))
    return CompiledQuery(
        users.order_by("pk")[:1],
        stand_ins={
            "username": connection.ops.prep_for_iexact_query(_STAND_IN_USERNAME),
            "viewer": stored_id(User, _STAND_IN_VIEWER),
        },
    )


def _user_found(*, username: str, viewer, annotated: bool) -> User:
    """`_user_by_username`'s user for `username` and `viewer`; 404 when there is none.
    The name is compared as the ORM compares it (`prep_for_iexact_query`: on SQLite,
    `_` and `%` match only themselves)."""
    signed_in = is_signed_in(viewer)
    load = _user_by_username(
        viewer_kind=viewer_kind(viewer), statuses=user_visible_statuses(), annotated=annotated
    )
    found = load.objects(
        username=connection.ops.prep_for_iexact_query(username),
        viewer=stored_id(User, viewer.pk) if signed_in else None,
    )
    if not found:
        raise NotFound()
    return found[0]


def user_profile_get(*, username: str, viewer: User) -> User:
    """The user named `username` (whatever its case) as `viewer` may see them
    (`access_user`), with `two_factor_enabled` and `follow_status` annotated; 404
    when there is none. One statement, whose SQL the ORM made once
    (`_user_by_username`)."""
    return _user_found(username=username, viewer=viewer, annotated=True)


def user_list_search(*, search: str = "", viewer: User) -> QuerySet[User]:
    """Users who may act (`user_visible_statuses`: pending ones too, unless email
    verification is required; staff too find no others here) whose username or
    display name starts with `search`, whatever the case (all of them when it is
    empty), with `two_factor_enabled` and `follow_status`, as `viewer` may see them
    (`user_list_for_viewer`).

    Unordered: the paginator orders by username (index `accounts_user_status_name`).
    """
    users = User.objects.filter(status__in=user_visible_statuses())
    if search:
        users = users.filter(Q(username__istartswith=search) | Q(display_name__istartswith=search))
    return user_list_for_viewer(user_list_annotated(users), viewer=viewer)
