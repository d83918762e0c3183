"""Staff decisions about accounts, each recorded in the moderation log.

Every staff action follows the same rules, checked in this order (each refusal has a
stable code):

1. The actor is staff (`moderator` or `admin`); role changes need an `admin`
   (`permission_denied`).
2. Nobody acts on their own account (`cannot_moderate_self`).
3. Moderators act on users and creators only; admins act on anyone
   (`insufficient_role`).
4. Deleted accounts are left alone (`account_deleted`).
5. The action must change something: a banned account is not suspended or banned
   again (`already_banned`; reinstate it first), only suspended or banned accounts are
   reinstated (`not_suspended_or_banned`), a role change names a new role
   (`role_unchanged`). Suspending a suspended account is allowed: it replaces the
   reason and the end (`until`), which is how a suspension is extended or shortened.
6. At least one admin who can sign in always remains (`last_admin`).

Each action locks the target's row while it decides, ends all the target's sessions
and writes one `ModerationAction`, in one transaction.
"""

from datetime import datetime

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from rest_framework.exceptions import PermissionDenied

from accounts.exceptions import (
    INVALID_UNTIL,
    AccountDeleted,
    AlreadyBanned,
    CannotModerateSelf,
    InsufficientRole,
    LastAdmin,
    NotSuspendedOrBanned,
    RoleUnchanged,
)
from accounts.models import AuthSession, ModerationAction, User
from accounts.selectors import user_can_act
from accounts.services.sessions import session_end, sessions_end_for_user
from core.locks import users_lock

Action = ModerationAction.Action


@transaction.atomic
def user_suspension_lift_if_expired(*, user: User) -> User:
    """Reinstate `user` when their suspension had an end that has passed."""
    if not (
        user.status == User.Status.SUSPENDED
        and user.suspended_until is not None
        and user.suspended_until <= timezone.now()
    ):
        return user
    lifted = User.objects.filter(
        pk=user.pk, status=User.Status.SUSPENDED, suspended_until=user.suspended_until
    ).update(status=User.Status.ACTIVE, suspended_until=None, updated_at=timezone.now())
    if lifted:
        ModerationAction.objects.create(
            actor=None,
            target=user,
            action=ModerationAction.Action.REINSTATE,
            reason="The suspension ended.",
            previous_status=User.Status.SUSPENDED,
        )
    user.refresh_from_db(fields=["status", "suspended_until", "updated_at"])
    return user


# -- the shared rules -------------------------------------------------------------------


def _actor_check(*, actor: User, target: User, admin_only: bool = False) -> None:
    """Rules 1 and 2: they depend on nobody's row but the actor's."""
    allowed = actor.is_admin if admin_only else actor.is_moderator
    if not allowed:
        raise PermissionDenied()
    if actor.pk == target.pk:
        raise CannotModerateSelf()


def _target_lock(*, actor: User, target: User, may_remove_admin: bool) -> tuple[User, list[User]]:
    """Lock and re-read the target's row; check rules 3 and 4 on what it holds now.

    When the action may take an admin's powers away, every admin row is locked too,
    all in `core.locks`' order: two admins demoting each other at once then queue,
    and the second sees the first's change (rule 6). Returns the fresh target and the
    other admins locked with it.
    """
    admins = Q(role=User.Role.ADMIN) if may_remove_admin else None
    locked = list(users_lock([target.pk], where=admins).values())
    fresh = next((row for row in locked if row.pk == target.pk), None)
    if fresh is None:  # deleted from the database since it was looked up
        raise AccountDeleted()
    if fresh.is_moderator and not actor.is_admin:
        raise InsufficientRole()
    if fresh.status == User.Status.DELETED:
        raise AccountDeleted()
    other_admins = [row for row in locked if row.pk != target.pk and row.is_admin]
    return fresh, other_admins


def _last_admin_check(*, target: User, other_admins: list[User]) -> None:
    """Rule 6, for an action that leaves `target` without an admin's powers."""
    if target.is_admin and not any(user_can_act(admin) for admin in other_admins):
        raise LastAdmin()


def _record(
    *, actor: User | None, target: User, action: str, reason: str, previous_status: str, **fields
) -> ModerationAction:
    return ModerationAction.objects.create(
        actor=actor,
        target=target,
        action=action,
        reason=reason,
        previous_status=previous_status,
        **fields,
    )


def _sessions_end(*, target: User) -> int:
    return sessions_end_for_user(user=target, reason=AuthSession.EndReason.MODERATION)


def _status_change(
    *,
    actor: User,
    target: User,
    status: str,
    action: str,
    reason: str,
    until: datetime | None = None,
) -> User:
    """Give the locked `target` a new status, end its sessions, log the decision."""
    previous_status = target.status
    target.status = status
    target.suspended_until = until
    target.save(update_fields=["status", "suspended_until", "updated_at"])
    _sessions_end(target=target)
    _record(
        actor=actor,
        target=target,
        action=action,
        reason=reason,
        until=until,
        previous_status=previous_status,
    )
    return target


# -- the actions ------------------------------------------------------------------------


@transaction.atomic
def user_suspend(*, actor: User, target: User, reason: str, until: datetime | None = None) -> User:
    """Suspend `target` until `until` (a future moment), or until reinstated.

    After `until` the suspension lifts itself at the next sign-in
    (`user_suspension_lift_if_expired`). Returns the updated target.
    """
    _actor_check(actor=actor, target=target)
    target, other_admins = _target_lock(actor=actor, target=target, may_remove_admin=True)
    if until is not None and until <= timezone.now():
        raise INVALID_UNTIL.error()
    if target.status == User.Status.BANNED:
        raise AlreadyBanned()
    _last_admin_check(target=target, other_admins=other_admins)
    return _status_change(
        actor=actor,
        target=target,
        status=User.Status.SUSPENDED,
        action=Action.SUSPEND,
        reason=reason,
        until=until,
    )


@transaction.atomic
def user_ban(*, actor: User, target: User, reason: str) -> User:
    """Ban `target` with no end; a suspended account may be banned. Returns it."""
    _actor_check(actor=actor, target=target)
    target, other_admins = _target_lock(actor=actor, target=target, may_remove_admin=True)
    if target.status == User.Status.BANNED:
        raise AlreadyBanned()
    _last_admin_check(target=target, other_admins=other_admins)
    return _status_change(
        actor=actor, target=target, status=User.Status.BANNED, action=Action.BAN, reason=reason
    )


@transaction.atomic
def user_reinstate(*, actor: User, target: User, reason: str = "") -> User:
    """Make a suspended or banned `target` active again. Returns it."""
    _actor_check(actor=actor, target=target)
    target, _ = _target_lock(actor=actor, target=target, may_remove_admin=False)
    if target.status not in (User.Status.SUSPENDED, User.Status.BANNED):
        raise NotSuspendedOrBanned()
    return _status_change(
        actor=actor,
        target=target,
        status=User.Status.ACTIVE,
        action=Action.REINSTATE,
        reason=reason,
    )


@transaction.atomic
def user_role_change(*, actor: User, target: User, role: str, reason: str = "") -> User:
    """Give `target` another role (admins only). Returns it.

    The admin site follows the role: admins are staff and superusers there; every
    other role is neither.
    """
    _actor_check(actor=actor, target=target, admin_only=True)
    role = User.Role(role)
    target, other_admins = _target_lock(actor=actor, target=target, may_remove_admin=True)
    if target.role == role:
        raise RoleUnchanged()
    if role != User.Role.ADMIN:
        _last_admin_check(target=target, other_admins=other_admins)

    previous_role = target.role
    target.role = role
    target.is_staff = target.is_superuser = role == User.Role.ADMIN
    target.save(update_fields=["role", "is_staff", "is_superuser", "updated_at"])
    _sessions_end(target=target)
    _record(
        actor=actor,
        target=target,
        action=Action.ROLE_CHANGE,
        reason=reason,
        previous_status=target.status,
        previous_role=previous_role,
        new_role=role,
    )
    return target


@transaction.atomic
def user_sessions_end(*, actor: User, target: User, reason: str) -> int:
    """End every session of `target` (signs them out everywhere); returns how many."""
    _actor_check(actor=actor, target=target)
    target, _ = _target_lock(actor=actor, target=target, may_remove_admin=False)
    ended = _sessions_end(target=target)
    _record(
        actor=actor,
        target=target,
        action=Action.END_SESSIONS,
        reason=reason,
        previous_status=target.status,
    )
    return ended


@transaction.atomic
def session_end_by_staff(*, actor: User, session: AuthSession, reason: str) -> bool:
    """End one session of another user; returns whether it was still live.

    The same rules as the other actions apply to the session's owner; only a session
    that was live is recorded.
    """
    target = session.user
    _actor_check(actor=actor, target=target)
    target, _ = _target_lock(actor=actor, target=target, may_remove_admin=False)
    ended = session_end(session_id=session.pk, reason=AuthSession.EndReason.MODERATION)
    if ended:
        _record(
            actor=actor,
            target=target,
            action=Action.END_SESSIONS,
            reason=reason,
            previous_status=target.status,
        )
    return ended


@transaction.atomic
def moderation_action_record(
    *, actor: User, target: User, action: str, reason: str = ""
) -> ModerationAction:
    """Record in the moderation log a staff decision about `target` taken by another
    app's service (ending their live stream, say), which applies its own rules."""
    return _record(
        actor=actor, target=target, action=action, reason=reason, previous_status=target.status
    )
