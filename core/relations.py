"""The social graph, asked by apps that cannot import the app that knows it.

Dependencies point one way (`core` <- `accounts` <- `videos` <- `social`), yet deciding
who may see a video, whether a profile is followed or a video liked, or who hears of
a new video, needs the social graph. Those apps ask this module; `social` registers
the answers when it is ready (`relations_register`). Until then nobody follows,
blocks or likes anything, so only what is visible to everyone is shown.

It answers reads only: what an account made public does to its follow requests is a
write of `social`, reached through `core.events.account_made_public`.
"""

from typing import Protocol

from django.contrib.auth import get_user_model
from django.db.models import Expression, QuerySet

# The values of `follow_status_expression`: the viewer's follow of a user.
FOLLOW_STATUS_FOLLOWING = "following"
FOLLOW_STATUS_REQUESTED = "requested"
FOLLOW_STATUSES = (FOLLOW_STATUS_FOLLOWING, FOLLOW_STATUS_REQUESTED)


class Relations(Protocol):
    def followed_user_ids(self, user) -> QuerySet:
        """Ids of the users `user` follows with an accepted follow (a values queryset,
        usable as a subquery)."""

    def follower_user_ids(self, user) -> QuerySet:
        """Ids of `user`'s accepted followers (a values queryset)."""

    def blocked_user_ids(self, user) -> QuerySet:
        """Ids of the users `user` blocked or is blocked by (a values queryset)."""

    def blocks_between(self, user, other) -> QuerySet:
        """The blocks between `user` and `other`, either way (ask `.exists()`): for
        one pair, cheaper to build and to run than `blocked_user_ids`."""

    def follow_status_expression(self, viewer, *, user_field: str = "pk") -> Expression | None:
        """For annotating rows: `"following"`, `"requested"` or NULL for `viewer`'s
        follow of the user whose id is the row's `user_field` (`"pk"` for users,
        `"owner_id"` for videos: `OuterRef(user_field)`); None when there is no graph."""

    def video_liked_expression(self, viewer) -> Expression | None:
        """For annotating videos: whether `viewer` liked each row (`OuterRef("pk")`)."""

    def video_bookmarked_expression(self, viewer) -> Expression | None:
        """For annotating videos: whether `viewer` bookmarked each row."""


class NoRelations:
    """The social graph before anything registers one: empty."""

    def _no_users(self) -> QuerySet:
        return get_user_model().objects.none().values("pk")

    def followed_user_ids(self, user) -> QuerySet:
        return self._no_users()

    def follower_user_ids(self, user) -> QuerySet:
        return self._no_users()

    def blocked_user_ids(self, user) -> QuerySet:
        return self._no_users()

    def blocks_between(self, user, other) -> QuerySet:
        return self._no_users()

    def follow_status_expression(self, viewer, *, user_field: str = "pk") -> Expression | None:
        return None

    def video_liked_expression(self, viewer) -> Expression | None:
        return None

    def video_bookmarked_expression(self, viewer) -> Expression | None:
        return None


_relations: Relations = NoRelations()


def relations() -> Relations:
    return _relations


def relations_register(provider: Relations) -> None:
    """Called once by the app that owns the social graph, from `AppConfig.ready`."""
    global _relations
    _relations = provider
