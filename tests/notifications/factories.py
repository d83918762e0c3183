"""Factories and helpers for the notifications tests: the social graph is made of the
social app's own rows (its provider answers `core.relations`)."""

from django.utils import timezone

from accounts.models import User
from social.models import Block, Follow


def follow(follower: User, followed: User) -> Follow:
    """An accepted follow, without the follow service (and its notifications)."""
    return Follow.objects.create(
        follower=follower,
        followed=followed,
        status=Follow.Status.ACCEPTED,
        accepted_at=timezone.now(),
    )


def block(blocker: User, blocked: User) -> Block:
    return Block.objects.create(blocker=blocker, blocked=blocked)
