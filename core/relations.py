"""Who follows and who blocks whom, asked by apps that cannot import the app that knows.

Dependencies point one way (`core` <- `accounts` <- `videos` <- `social`), yet deciding
who may see a video needs the social graph. `videos` asks this module; `social`
registers the answers when it is ready. Until it does, nobody follows or blocks
anybody, so only what is visible to everyone is shown.
"""

from typing import Protocol

from django.contrib.auth import get_user_model
from django.db.models import QuerySet


class Relations(Protocol):
    def followed_user_ids(self, user) -> QuerySet:
        """Ids of the users `user` follows with an accepted follow (a values queryset,
        usable as a subquery)."""

    def blocked_user_ids(self, user) -> QuerySet:
        """Ids of the users `user` blocked or is blocked by (a values queryset)."""


class NoRelations:
    """The social graph before anything registers one: empty."""

    def followed_user_ids(self, user) -> QuerySet:
        return get_user_model().objects.none().values("pk")

    def blocked_user_ids(self, user) -> QuerySet:
        return get_user_model().objects.none().values("pk")


_relations: Relations = NoRelations()


def relations() -> Relations:
    return _relations


def relations_register(provider: Relations) -> None:
    """Called once by the app that owns follows and blocks, from `AppConfig.ready`."""
    global _relations
    _relations = provider
