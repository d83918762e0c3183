"""The `<username:...>` path converter of every `users/{username}/...` route."""

from accounts.models import USERNAME_PATTERN


class UsernameConverter:
    """A path segment that can be a username: letters, digits, `_` and `.` (any case).

    Anything else names nobody, so the URL does not match and answers 404 before any
    view looks it up; a NUL byte, which PostgreSQL refuses in a query, never reaches
    the database.
    """

    regex = USERNAME_PATTERN

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value
