"""Who is asking, and which object a path names: the small checks every app's
`access_*` helpers and permissions share."""

import uuid

from rest_framework.exceptions import NotFound


def is_signed_in(user) -> bool:
    """Whether `user` is a signed-in user (not None, not anonymous)."""
    return user is not None and user.is_authenticated


def is_staff(user) -> bool:
    """Whether `user` is signed in as the platform's staff: a moderator or an admin
    (`User.is_moderator`). Not Django's `is_staff` flag, which only opens the admin site."""
    return is_signed_in(user) and user.is_moderator


def uuid_or_404(value) -> uuid.UUID:
    """`value` (a path parameter) as a UUID; 404 (`not_found`) when it is not one: an id
    that cannot exist names nothing."""
    try:
        return uuid.UUID(str(value))
    except ValueError as error:
        raise NotFound() from error
