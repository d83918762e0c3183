"""Events: how a write in a lower app reaches the apps above it that must act on it.

The seams in `core` (`core.relations`, `core.subscriptions`) answer reads only. When a
lower app's write obliges an upper app to write too (a block ends the subscriptions
between the two users; an account made public accepts its follow requests), the lower
app sends an event here, and the upper app, which owns those rows, connects the service
that does it from its `AppConfig.ready()`.

An event is declared by the signature its handlers take (keyword-only arguments), so a
handler is an ordinary service. Handlers run at once, in the sender's transaction, in
the order they were connected, and what they raise reaches the sender: the write and
its consequences stand or fall together. Until an app connects, an event does nothing.
"""

from collections.abc import Callable
from datetime import datetime
from typing import Any, Generic, ParamSpec

from django.contrib.auth.base_user import AbstractBaseUser

Arguments = ParamSpec("Arguments")


class Event(Generic[Arguments]):
    """One kind of event; `signature` is a stub that declares what handlers take."""

    def __init__(self, signature: Callable[Arguments, None]) -> None:
        self.name = signature.__name__
        self.__doc__ = signature.__doc__
        self._handlers: list[Callable[Arguments, Any]] = []

    def connect(self, handler: Callable[Arguments, Any]) -> None:
        """Call `handler` on every `send`; connecting it twice connects it once."""
        if handler not in self._handlers:
            self._handlers.append(handler)

    def send(self, *args: Arguments.args, **kwargs: Arguments.kwargs) -> None:
        for handler in list(self._handlers):
            handler(*args, **kwargs)


def _user_blocked(*, user: AbstractBaseUser, other: AbstractBaseUser, now: datetime | None) -> None:
    """`user` has just blocked `other` at `now` (None: the current time). Sent by `social`
    in the block's transaction, with both users' rows locked."""


def _account_made_public(*, user: AbstractBaseUser) -> None:
    """`user` is making their account public. Sent by `accounts` in the profile update's
    transaction before it locks the user's row: handlers lock users in their own order."""


user_blocked = Event(_user_blocked)
account_made_public = Event(_account_made_public)
