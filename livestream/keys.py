"""Stream keys: made from `secrets`, stored only as a keyed digest, found by it."""

import hmac
import secrets

from django.utils.crypto import salted_hmac

KEY_DIGEST_SALT = "livestream.keys.stream_key"


def stream_key_new() -> str:
    """A new stream key: 192 random bits, URL-safe (32 characters)."""
    return secrets.token_urlsafe(24)


def stream_key_digest(key: str) -> str:
    """The key's HMAC-SHA256 under a key derived from `SECRET_KEY` (hex): what is
    stored and looked up. Changing `SECRET_KEY` invalidates every stream key."""
    return salted_hmac(KEY_DIGEST_SALT, key, algorithm="sha256").hexdigest()


def stream_key_matches(*, key: str, digest: str) -> bool:
    """Whether `key` is the one `digest` was made from, compared in constant time."""
    return hmac.compare_digest(stream_key_digest(key), digest)
