"""Follows and follow requests, with their counters and notifications.

`User.follower_count` and `following_count` count accepted follows only; they move
with `F()` in the transaction that changes the follow, so they stay exact under
concurrency. Locks (in `core.locks`' order): a function that changes follows between
two users first locks both users' rows (`users_lock`), then the follow rows. The
fixed order keeps two people following each other at the same moment from
deadlocking, and the lock on the followed user makes a follow wait for a concurrent
change of `is_private` (whose pending requests are then accepted, see
`follow_requests_accept_all`).
"""

from collections.abc import Iterable

from django.db import IntegrityError, transaction
from django.db.models import F, Q, Value
from django.db.models.functions import Greatest
from django.utils import timezone
from rest_framework.exceptions import NotFound

from accounts.models import User
from accounts.selectors import user_is_visible
from core.access import uuid_or_404
from core.locks import rows_lock, users_lock
from notifications.services import notify
from social.exceptions import CannotFollowSelf
from social.models import Follow

Status = Follow.Status


def follow_counters_move(*, follower_ids: Iterable, followed_id, delta: int) -> None:
    """Move the counters of accepted follows from each of `follower_ids` to
    `followed_id` by `delta` (+1 or -1 a follow). Counters never go below zero."""
    follower_ids = list(follower_ids)
    if not follower_ids:
        return
    User.objects.filter(pk__in=follower_ids).update(
        following_count=Greatest(F("following_count") + delta, Value(0))
    )
    User.objects.filter(pk=followed_id).update(
        follower_count=Greatest(F("follower_count") + delta * len(follower_ids), Value(0))
    )


@transaction.atomic
def follow_create(*, follower: User, followed: User) -> tuple[Follow, bool]:
    """`follower` follows `followed`: an accepted follow for a public account (the
    counters move, `new_follower` is notified), a pending request for a private one
    (`follow_request` is notified). Returns the follow and whether it is new:
    following twice is one follow (or one request), a concurrent one included, and
    changes nothing.

    Raises `cannot_follow_self`; 404 when `followed` is deleted or banned, or a block
    stands between the two either way.
    """
    if follower.pk == followed.pk:
        raise CannotFollowSelf()
    target = users_lock([follower.pk, followed.pk]).get(followed.pk)
    if target is None or not user_is_visible(user=target, viewer=follower, staff_see_all=False):
        raise NotFound()
    existing = Follow.objects.filter(follower=follower, followed=target).first()
    if existing is not None:
        return existing, False

    accepted = not target.is_private
    try:
        with transaction.atomic():
            follow = Follow.objects.create(
                follower=follower,
                followed=target,
                status=Status.ACCEPTED if accepted else Status.PENDING,
                accepted_at=timezone.now() if accepted else None,
            )
    except IntegrityError:  # a concurrent follow of the same pair won
        existing = Follow.objects.filter(follower=follower, followed=target).first()
        if existing is None:
            raise
        return existing, False

    if accepted:
        follow_counters_move(follower_ids=[follower.pk], followed_id=target.pk, delta=1)
    notify(
        recipient=target,
        actor=follower,
        type="new_follower" if accepted else "follow_request",
        target=target,
    )
    return follow, True


@transaction.atomic
def follow_delete(*, follower: User, followed: User) -> bool:
    """`follower` unfollows `followed`, or withdraws their request. Returns whether
    there was anything to remove (nothing to remove is not an error)."""
    users_lock([follower.pk, followed.pk])
    follow = Follow.objects.select_for_update().filter(follower=follower, followed=followed).first()
    if follow is None:
        return False
    follow.delete()
    if follow.status == Status.ACCEPTED:
        follow_counters_move(follower_ids=[follower.pk], followed_id=followed.pk, delta=-1)
    return True


@transaction.atomic
def follow_request_accept(*, user: User, follow_id) -> Follow:
    """`user` accepts the pending request `follow_id` to follow them: the follow is
    accepted, the counters move and the requester hears `follow_accepted`. Accepting
    an accepted follow of `user` returns it unchanged (accepting twice is one
    acceptance). 404 when there is no such request or follow to `user` (someone
    else's, refused, withdrawn)."""
    pk = uuid_or_404(follow_id)
    request = Follow.objects.filter(pk=pk, followed=user).first()
    if request is None:
        raise NotFound()
    if request.status == Status.ACCEPTED:
        return request
    users_lock([request.follower_id, user.pk])
    follow = (
        Follow.objects.select_for_update(of=("self",))
        .select_related("follower")
        .filter(pk=pk, followed=user, status=Status.PENDING)
        .first()
    )
    if follow is None:  # withdrawn, refused or accepted meanwhile
        accepted = Follow.objects.filter(pk=pk, followed=user, status=Status.ACCEPTED).first()
        if accepted is None:
            raise NotFound()
        return accepted
    follow.status = Status.ACCEPTED
    follow.accepted_at = timezone.now()
    follow.save(update_fields=["status", "accepted_at", "updated_at"])
    follow_counters_move(follower_ids=[follow.follower_id], followed_id=user.pk, delta=1)
    notify(recipient=follow.follower, actor=user, type="follow_accepted", target=user)
    return follow


@transaction.atomic
def follow_request_reject(*, user: User, follow_id) -> None:
    """`user` refuses the pending request `follow_id`: it is deleted (the requester
    may ask again). 404 when there is no such pending request to `user`."""
    deleted, _ = Follow.objects.filter(
        pk=uuid_or_404(follow_id), followed=user, status=Status.PENDING
    ).delete()
    if not deleted:
        raise NotFound()


@transaction.atomic
def follow_requests_accept_all(*, user: User) -> int:
    """Accept every pending request to follow `user` (whose account becomes public):
    the counters move and each requester hears `follow_accepted`. Returns how many.

    Locks `user` and the requesters in primary-key order, in one statement, so call
    it before taking any lock on `user` (`user_profile_update` does). While it holds
    the lock on `user`, no request can be made against the old `is_private`.
    """
    pending = Follow.objects.filter(followed=user, status=Status.PENDING)
    users_lock([user.pk], where=Q(pk__in=pending.values("follower_id")))
    requests = rows_lock(pending.select_related("follower"), of=("self",))
    if not requests:
        return 0
    now = timezone.now()
    Follow.objects.filter(pk__in=[request.pk for request in requests]).update(
        status=Status.ACCEPTED, accepted_at=now, updated_at=now
    )
    follow_counters_move(
        follower_ids=[request.follower_id for request in requests], followed_id=user.pk, delta=1
    )
    for request in requests:
        notify(recipient=request.follower, actor=user, type="follow_accepted", target=user)
    return len(requests)
