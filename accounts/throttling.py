"""Per-account sign-in limits, whatever address the attempts come from.

Failures are counted in the shared cache in fixed windows; once an account reaches
the limit, every sign-in for it is refused with 429 until the window ends, even with
the right password. Accounts that do not exist are counted by the name typed, so the
answers never tell whether an account exists.
"""

import hashlib
import time

from django.conf import settings
from django.core.cache import cache

from accounts.exceptions import TooManySignInAttempts


def _window() -> tuple[int, int]:
    length = settings.ACCOUNTS_SIGN_IN_FAILURE_WINDOW_SECONDS
    now = int(time.time())
    start = now - now % length
    return start, start + length - now


def _key(subject: str) -> str:
    start, _ = _window()
    return f"accounts:sign-in-failures:{subject}:{start}"


def sign_in_subject(*, user_id: object | None, identifier: str) -> str:
    """What failures are counted against: the account, else the name typed."""
    if user_id:
        return f"user:{user_id}"
    # The name is whatever the client typed: hashed, the cache key stays short and
    # free of spaces and control characters whatever its length (memcached refuses
    # keys over 250 bytes).
    return "name:" + hashlib.sha256(identifier.strip().lower().encode()).hexdigest()


def sign_in_limit_check(*, subject: str) -> None:
    """Refuse when `subject` reached its failure limit in the current window."""
    if (cache.get(_key(subject)) or 0) >= settings.ACCOUNTS_SIGN_IN_FAILURE_LIMIT:
        _, remaining = _window()
        raise TooManySignInAttempts(wait=remaining)


def sign_in_failure_record(*, subject: str) -> None:
    key = _key(subject)
    # add() then incr() is atomic on Redis and per process on local memory.
    cache.add(key, 0, timeout=settings.ACCOUNTS_SIGN_IN_FAILURE_WINDOW_SECONDS)
    try:
        cache.incr(key)
    except ValueError:  # expired between add() and incr()
        cache.set(key, 1, timeout=settings.ACCOUNTS_SIGN_IN_FAILURE_WINDOW_SECONDS)


def sign_in_failures_clear(*, subject: str) -> None:
    cache.delete(_key(subject))
