"""JWT access and refresh tokens bound to a sign-in session, and email-link tokens."""

import hashlib
import uuid
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from rest_framework_simplejwt.exceptions import ExpiredTokenError, TokenError
from rest_framework_simplejwt.tokens import AccessToken, RefreshToken, Token

from accounts.exceptions import TokenExpired, TokenNotValid

SESSION_CLAIM = "sid"


@dataclass(frozen=True)
class TokenPair:
    access_token: str
    refresh_token: str
    refresh_jti: str
    expires_in: int  # seconds the access token lives
    issued_at: datetime  # whole seconds, as the tokens' `iat`

    def as_response(self) -> dict:
        """The OAuth2 token response body (RFC 6749, section 5.1)."""
        return {
            "access_token": self.access_token,
            "refresh_token": self.refresh_token,
            "token_type": "bearer",
            "expires_in": self.expires_in,
        }


def _access_jti(refresh_jti: str) -> str:
    return hashlib.sha256(f"access:{refresh_jti}".encode()).hexdigest()[:32]


def token_pair_issue(
    *,
    user_id: str,
    session_id: str,
    refresh_jti: str | None = None,
    issued_at: datetime | None = None,
) -> TokenPair:
    """A new refresh token and its access token, both carrying the session's id.

    Every pair has its own `jti`, so two sign-ins in the same second differ. Given the
    `refresh_jti` and `issued_at` of a pair issued before, it is that pair again, byte
    for byte (every claim is derived from them and HS256 is deterministic): a refresh
    repeated within the grace period gets the answer the first one got, while the
    database keeps nothing a dump could use (a `jti` is no token without the key).
    """
    refresh = RefreshToken()
    issued_at = (issued_at or refresh.current_time).replace(microsecond=0)
    refresh.current_time = issued_at
    refresh.set_exp(from_time=issued_at, lifetime=refresh.lifetime)
    refresh.set_iat(at_time=issued_at)
    if refresh_jti is not None:
        refresh["jti"] = refresh_jti
    refresh["user_id"] = user_id
    refresh[SESSION_CLAIM] = session_id
    access = refresh.access_token  # its `exp` counts from `issued_at` too
    access.set_iat(at_time=issued_at)
    access["jti"] = _access_jti(refresh["jti"])
    return TokenPair(
        access_token=str(access),
        refresh_token=str(refresh),
        refresh_jti=refresh["jti"],
        expires_in=int(settings.JWT_ACCESS_TOKEN_LIFETIME.total_seconds()),
        issued_at=issued_at,
    )


def _decode(token_class: type[Token], raw: str | bytes) -> Token:
    """Check signature (HS256 only: `none` never passes), type and expiry."""
    try:
        return token_class(raw)
    except ExpiredTokenError as error:  # raised only once the signature checked out
        raise TokenExpired() from error
    except TokenError as error:
        raise TokenNotValid() from error


def _with_session_claims(token: Token) -> Token:
    """Our tokens name a user and a session, both by UUID."""
    try:
        uuid.UUID(str(token[SESSION_CLAIM]))
        uuid.UUID(str(token["user_id"]))
    except (KeyError, ValueError) as error:
        raise TokenNotValid() from error
    return token


def access_token_decode(raw: str | bytes) -> Token:
    return _with_session_claims(_decode(AccessToken, raw))


def refresh_token_decode(raw: str | bytes) -> Token:
    return _with_session_claims(_decode(RefreshToken, raw))


class EmailVerificationTokenGenerator(PasswordResetTokenGenerator):
    """Links in verification emails: void once the address is verified or changed."""

    key_salt = "accounts.tokens.EmailVerificationTokenGenerator"

    def _make_hash_value(self, user, timestamp: int) -> str:
        return f"{user.pk}{user.email}{user.email_verified}{timestamp}"


email_verification_token_generator = EmailVerificationTokenGenerator()
