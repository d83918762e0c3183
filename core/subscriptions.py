"""Creator subscriptions, asked by apps that cannot import the app that sells them.

`videos` decides who may watch a subscribers-only video, yet subscriptions live in
`payments`, which sits above it (`payments` imports `videos` for a tip's video). So
`videos` asks this module and `payments` registers the answer when it is ready
(`subscriptions_register`). Until then nobody subscribes to anyone, and subscribers-only
videos are for their owner (and staff) alone.

It answers reads only. What a block does to the subscriptions between the two users is
a write of `payments`, reached through `core.events.user_blocked`.
"""

from typing import Protocol

from django.contrib.auth import get_user_model
from django.db.models import QuerySet


class Subscriptions(Protocol):
    def subscribed_creator_ids(self, user) -> QuerySet:
        """Ids of the creators whose subscribers-only videos `user` may watch now (a
        values queryset, usable as a subquery)."""

    def subscriber_user_ids(self, creator) -> QuerySet:
        """Ids of the users who may watch `creator`'s subscribers-only videos now (the
        other way round; a values queryset)."""


class NoSubscriptions:
    def subscribed_creator_ids(self, user) -> QuerySet:
        return get_user_model().objects.none().values("pk")

    def subscriber_user_ids(self, creator) -> QuerySet:
        return get_user_model().objects.none().values("pk")


_subscriptions: Subscriptions = NoSubscriptions()


def subscriptions() -> Subscriptions:
    return _subscriptions


def subscriptions_register(provider: Subscriptions) -> None:
    """Called once by the app that sells subscriptions, from `AppConfig.ready`."""
    global _subscriptions
    _subscriptions = provider
