"""Blocks: one user shuts another out, both ways.

A block removes the follows and follow requests between the two, either way (the
counters move back), ends the paid subscriptions between them, either way (payments
refunds the unused part, on `core.events.user_blocked`), and from then on
`relations().blocked_user_ids` hides each from the other. Locks in `core.locks`'
order: both users' rows, then the rows of follows, then (payments) the
subscriptions' rows and their ledger accounts.
"""

from datetime import datetime

from django.db import IntegrityError, transaction
from django.db.models import Q
from rest_framework.exceptions import NotFound

from accounts.models import User
from accounts.selectors import user_can_act
from core.events import user_blocked
from core.locks import rows_lock, users_lock
from social.exceptions import CannotBlockSelf
from social.models import Block, Follow
from social.services.follows import follow_counters_move


@transaction.atomic
def block_create(
    *, blocker: User, blocked: User, now: datetime | None = None
) -> tuple[Block, bool]:
    """`blocker` blocks `blocked`; returns the block and whether it is new (blocking
    twice is one block). A new block also ends, at `now` (default: the current time),
    every live subscription between the two, with its refund, in this transaction.
    Raises `cannot_block_self`; 404 when `blocked` is deleted or banned."""
    if blocker.pk == blocked.pk:
        raise CannotBlockSelf()
    target = users_lock([blocker.pk, blocked.pk]).get(blocked.pk)
    if target is None or not user_can_act(target):
        raise NotFound()
    existing = Block.objects.filter(blocker=blocker, blocked=target).first()
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():
            block = Block.objects.create(blocker=blocker, blocked=target)
    except IntegrityError:  # a concurrent block of the same pair won
        existing = Block.objects.filter(blocker=blocker, blocked=target).first()
        if existing is None:
            raise
        return existing, False

    between = Q(follower=blocker, followed=target) | Q(follower=target, followed=blocker)
    for follow in rows_lock(Follow.objects.filter(between)):
        follow.delete()
        if follow.status == Follow.Status.ACCEPTED:
            follow_counters_move(
                follower_ids=[follow.follower_id], followed_id=follow.followed_id, delta=-1
            )
    user_blocked.send(user=blocker, other=target, now=now)
    return block, True


@transaction.atomic
def block_delete(*, blocker: User, blocked: User) -> bool:
    """`blocker` lifts their block of `blocked`; returns whether there was one.
    Follows removed by the block do not come back; a block `blocked` made stays."""
    deleted, _ = Block.objects.filter(blocker=blocker, blocked=blocked).delete()
    return bool(deleted)
