"""Notifications app: every write. Other apps tell users things through `notify`,
`notify_followers` and `notify_followers_of_new_video`; this app never imports theirs.

Channels: a notification shows in the app when the recipient's `in_app` preference for
its type is on, and is emailed when their `email` preference is on. The two are
independent: with `in_app` off and `email` on the email still goes (the user asked
for it), without an inbox row.
"""

import uuid
from collections.abc import Iterable, Mapping
from datetime import timedelta
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.db.models import Exists, OuterRef, Subquery, Value
from django.utils import timezone

from accounts.models import User
from accounts.selectors import user_can_act, user_list_visible
from core.compiled import CompiledQuery, compiled_query, stored_id
from core.relations import relations
from core.subscriptions import subscriptions
from core.tasks import task_enqueue_on_commit
from core.writes import row_insert_unless_conflict
from notifications.models import (
    GROUPED_TYPES,
    LATEST_ACTORS_MAX,
    Notification,
    NotificationGroupActor,
    NotificationPreference,
    NotificationType,
)

# Repeated events join a group for this long after the group opened.
GROUP_WINDOW = timedelta(hours=1)
FAN_OUT_BATCH_SIZE = 1000


# -- preferences ---------------------------------------------------------------------


# Values no row has: what `_delivery`'s query is compiled with, once per shape.
_STAND_IN_RECIPIENT = uuid.UUID("00000000-5e7e-4000-8000-000000000010")
_STAND_IN_ACTOR = uuid.UUID("00000000-5e7e-4000-8000-000000000011")
_STAND_IN_TYPE = "stand-in-type-5e7e"


def _delivery(*, recipient: User, actor: User | None, type: str) -> tuple[bool, bool, bool]:
    """`(blocked, in_app, email)` for an event of `type` by `actor` for `recipient`:
    whether a block stands between them either way, and the channels their preference
    (else the type's defaults) chooses. One statement, whose SQL the ORM made once per
    process (`core.compiled`): every like, comment and follow notifies someone."""
    graph = relations()
    query = compiled_query(
        ("notifications.delivery", actor is not None, graph.__class__),
        lambda: _delivery_query(graph, with_actor=actor is not None),
    )
    [(blocked, in_app, email)] = query.rows(
        recipient=stored_id(User, recipient.pk),
        actor=stored_id(User, actor.pk) if actor is not None else None,
        type=str(type),
    )
    if in_app is None:  # no preference row
        in_app, email = NotificationType.default_in_app(type), NotificationType.default_email(type)
    return bool(blocked), bool(in_app), bool(email)


def _delivery_query(graph, *, with_actor: bool) -> CompiledQuery:
    preference = NotificationPreference.objects.filter(user_id=OuterRef("pk"), type=_STAND_IN_TYPE)
    blocked = (
        Exists(graph.blocks_between(User(pk=_STAND_IN_RECIPIENT), User(pk=_STAND_IN_ACTOR)))
        if with_actor
        else Value(False)
    )
    query = (
        User.objects.filter(pk=_STAND_IN_RECIPIENT)
        .annotate(
            delivery_blocked=blocked,
            delivery_in_app=Subquery(preference.values("in_app")[:1]),
            delivery_email=Subquery(preference.values("email")[:1]),
        )
        .values_list("delivery_blocked", "delivery_in_app", "delivery_email")
    )
    stand_ins = {"recipient": stored_id(User, _STAND_IN_RECIPIENT), "type": _STAND_IN_TYPE}
    if with_actor:
        stand_ins["actor"] = stored_id(User, _STAND_IN_ACTOR)
    return CompiledQuery(query, stand_ins)


@transaction.atomic
def preferences_update(*, user: User, changes: Iterable[Mapping[str, Any]]) -> None:
    """Apply partial items `{"type", "in_app"?, "email"?}`; a type's first change creates
    its row from the defaults. Types must be valid (the serializer checks)."""
    for change in changes:
        type_ = change["type"]
        fields = {key: change[key] for key in ("in_app", "email") if key in change}
        preference, created = NotificationPreference.objects.get_or_create(
            user=user,
            type=type_,
            defaults={
                "in_app": NotificationType.default_in_app(type_),
                "email": NotificationType.default_email(type_),
                **fields,
            },
        )
        if not created and fields:
            for key, value in fields.items():
                setattr(preference, key, value)
            preference.save(update_fields=[*fields, "updated_at"])


# -- notify --------------------------------------------------------------------------


def _actor_entry(actor: User) -> dict[str, str]:
    return {"id": str(actor.pk), "username": actor.username}


def _group_key(type: str, content_type: ContentType | None, object_id: Any) -> str | None:
    if type not in GROUPED_TYPES:
        return None
    if content_type is None:
        return type
    return f"{type}:{content_type.pk}:{object_id}"


def notify(
    *,
    recipient: User,
    actor: User | None,
    type: str,
    target: models.Model | None = None,
    data: Mapping[str, Any] | None = None,
) -> Notification | None:
    """Tell `recipient` that `actor` did `type` (on `target`); returns the inbox row, or
    None when nothing was recorded in the app.

    Contract for callers: call after your own checks, inside or outside a transaction
    (emails go once it commits), and only with a `target` the recipient may see:
    notifications do not know the rules of other apps' objects. Nothing happens for
    the actor themself, for an actor who blocked or is blocked by the recipient, or for
    a recipient who may not sign in. Preferences choose the channels (module docstring).

    Events of a grouped type (`GROUPED_TYPES`) on one target join the recipient's open
    group for it: opened less than `GROUP_WINDOW` ago and still unread. Joining moves
    the notification to the top, puts the actor first in `latest_actors` and counts
    them in `actor_count` unless they already acted in the group (its distinct actors
    are recorded, `NotificationGroupActor`). The open
    group is locked (`select_for_update`) and unique per recipient and key, so
    concurrent events never open two groups nor lose a count.
    """
    type = NotificationType(type)
    if actor is not None and actor.pk == recipient.pk:
        return None
    if not user_can_act(recipient):
        return None
    blocked, in_app, email = _delivery(recipient=recipient, actor=actor, type=type)
    if blocked:
        return None

    notification = None
    if in_app:
        notification = _notification_record(
            recipient=recipient, actor=actor, type=type, target=target, data=dict(data or {})
        )
    if email and recipient.email:
        task_enqueue_on_commit(
            "notifications.tasks.notification_email_send_task",
            recipient_id=str(recipient.pk),
            type=str(type),
            actor_id=str(actor.pk) if actor is not None else None,
            notification_id=str(notification.pk) if notification is not None else None,
            data=dict(data or {}),
        )
    return notification


# No savepoint of its own: nothing here fails and goes on (a group lost to a
# concurrent event is an insert that skips, `row_insert_unless_conflict`), and an error
# undoes the caller's transaction anyway.
@transaction.atomic(savepoint=False)
def _notification_record(
    *,
    recipient: User,
    actor: User | None,
    type: str,
    target: models.Model | None,
    data: dict[str, Any],
) -> Notification:
    content_type = ContentType.objects.get_for_model(target) if target is not None else None
    object_id = target.pk if target is not None else None
    key = _group_key(type, content_type, object_id)
    fields = {
        "recipient": recipient,
        "actor": actor,
        "type": type,
        "target_content_type": content_type,
        "target_object_id": object_id,
        "data": data,
        "latest_actors": [_actor_entry(actor)] if actor is not None else [],
    }
    if key is None:
        return Notification.objects.create(**fields)

    # Two rounds suffice: an insert that skips means another event opened the group,
    # which the second round then finds (and waits for, under its lock).
    for _ in range(3):
        group = (
            Notification.objects.select_for_update()
            .filter(recipient=recipient, group_key=key)
            .first()
        )
        if group is not None:
            if group.read_at is None and group.created_at > timezone.now() - GROUP_WINDOW:
                return _group_join(group=group, actor=actor, data=data)
            Notification.objects.filter(pk=group.pk).update(group_key=None)
        group = Notification(**fields, group_key=key)
        if not row_insert_unless_conflict(group):
            continue
        if actor is not None:
            NotificationGroupActor.objects.create(notification=group, actor=actor)
        return group
    raise RuntimeError(f"Could not record notification group {key!r}.")


def _group_join(*, group: Notification, actor: User | None, data: dict[str, Any]) -> Notification:
    """Add `actor`'s event to the open `group`; the caller holds the row's lock, so
    its `actor_count` and `latest_actors` as read are the row's, and are written back
    moved on."""
    update_fields = ["updated_at"]
    if actor is not None:
        entry = _actor_entry(actor)
        known = [item for item in group.latest_actors if item.get("id") != entry["id"]]
        if row_insert_unless_conflict(NotificationGroupActor(notification=group, actor=actor)):
            group.actor_count += 1
            update_fields.append("actor_count")
        group.latest_actors = [entry, *known][:LATEST_ACTORS_MAX]
        group.actor = actor
        update_fields += ["latest_actors", "actor"]
    if data:
        group.data = data
        update_fields.append("data")
    group.save(update_fields=update_fields)
    return group


# -- fan-out -------------------------------------------------------------------------


def notify_followers_of_new_video(
    *, owner: User, target: models.Model, data: Mapping[str, Any] | None = None
) -> None:
    """Tell `owner`'s followers about their new video `target`, in a task queued once the
    transaction commits: the caller's cost does not depend on the follower count.
    The caller has checked that followers may see `target`."""
    notify_followers(
        actor=owner, type=NotificationType.NEW_VIDEO_FROM_FOLLOWING, target=target, data=data
    )


def notify_followers(
    *,
    actor: User,
    type: str,
    target: models.Model,
    data: Mapping[str, Any] | None = None,
    subscribers_only: bool = False,
) -> None:
    """Tell `actor`'s followers (with `subscribers_only`: those among them who subscribe
    to `actor`) that `actor` did `type` on `target`, in a task queued once the
    transaction commits (`notification_fan_out`). Each follower hears of one target
    once, however often this runs. The caller has checked that those followers may see
    `target`."""
    content_type = ContentType.objects.get_for_model(target)
    task_enqueue_on_commit(
        "notifications.tasks.notification_fan_out_task",
        actor_id=str(actor.pk),
        type=str(NotificationType(type)),
        target_content_type_id=content_type.pk,
        target_object_id=str(target.pk),
        data=dict(data or {}),
        **({"subscribers_only": True} if subscribers_only else {}),
    )


def notification_fan_out(
    *,
    actor_id: str,
    type: str,
    target_content_type_id: int,
    target_object_id: str,
    data: Mapping[str, Any] | None = None,
    subscribers_only: bool = False,
    batch_size: int = FAN_OUT_BATCH_SIZE,
) -> int:
    """Notify every accepted follower of the actor (with `subscribers_only`: those who
    subscribe to the actor, `core.subscriptions`), `batch_size` at a time, with a few
    set-based queries per batch; returns how many were notified.

    Skips followers who may not sign in, who block or are blocked by the actor, who
    turned the type's in-app preference off, or who were already told of this target
    (so running it twice notifies nobody twice). Followers who chose email for the
    type get one each.
    """
    type = NotificationType(type)
    actor = User.objects.filter(pk=actor_id).first()
    if actor is None:
        return 0
    target_uuid = uuid.UUID(str(target_object_id))
    followers = User.objects.filter(pk__in=relations().follower_user_ids(actor))
    if subscribers_only:
        followers = followers.filter(pk__in=subscriptions().subscriber_user_ids(actor))
    candidates = (
        user_list_visible(followers, viewer=actor, staff_see_all=False)
        .exclude(pk=actor.pk)
        .exclude(
            pk__in=NotificationPreference.objects.filter(type=type, in_app=False).values("user_id")
        )
        .exclude(
            pk__in=Notification.objects.filter(
                type=type,
                target_content_type_id=target_content_type_id,
                target_object_id=target_uuid,
            ).values("recipient_id")
        )
        .order_by("pk")
    )
    email_default = NotificationType.default_email(type)
    entry = [_actor_entry(actor)]
    notified = 0
    last_pk = None
    while True:
        batch_query = candidates if last_pk is None else candidates.filter(pk__gt=last_pk)
        batch = list(batch_query.values_list("pk", "email")[:batch_size])
        if not batch:
            return notified
        last_pk = batch[-1][0]
        ids = [pk for pk, _ in batch]
        with transaction.atomic():
            Notification.objects.bulk_create(
                [
                    Notification(
                        recipient_id=pk,
                        actor=actor,
                        type=type,
                        target_content_type_id=target_content_type_id,
                        target_object_id=target_uuid,
                        data=dict(data or {}),
                        latest_actors=entry,
                    )
                    for pk in ids
                ]
            )
            chosen = dict(
                NotificationPreference.objects.filter(type=type, user_id__in=ids).values_list(
                    "user_id", "email"
                )
            )
            for pk, address in batch:
                if address and chosen.get(pk, email_default):
                    task_enqueue_on_commit(
                        "notifications.tasks.notification_email_send_task",
                        recipient_id=str(pk),
                        type=str(type),
                        actor_id=str(actor.pk),
                        notification_id=None,
                        data=dict(data or {}),
                    )
        notified += len(ids)


# -- the inbox -----------------------------------------------------------------------


def notification_mark_read(*, notification: Notification) -> Notification:
    """Mark read (once: the first time stays) and close its group."""
    if notification.read_at is None:
        now = timezone.now()
        Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(
            read_at=now, group_key=None
        )
        notification.refresh_from_db(fields=["read_at", "group_key"])
    return notification


def notifications_mark_all_read(*, user: User) -> int:
    """Mark all of `user`'s unread notifications read; returns how many."""
    return Notification.objects.filter(recipient=user, read_at__isnull=True).update(
        read_at=timezone.now(), group_key=None
    )


def notification_delete(*, notification: Notification) -> None:
    notification.delete()


def notifications_prune(*, older_than: timedelta, batch_size: int = 1000) -> int:
    """Delete notifications, read or not, last updated more than `older_than` ago, in
    batches (short transactions); returns how many."""
    cutoff = timezone.now() - older_than
    deleted = 0
    while True:
        ids = list(
            Notification.objects.filter(updated_at__lt=cutoff).values_list("pk", flat=True)[
                :batch_size
            ]
        )
        if not ids:
            return deleted
        _, by_model = Notification.objects.filter(pk__in=ids).delete()
        deleted += by_model.get(Notification._meta.label, 0)  # not their group actors
