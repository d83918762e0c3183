"""Bearer-token authentication: a JWT access token bound to a live sign-in session."""

import functools
import uuid

from django.db import connection
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.request import Request

from accounts.exceptions import AccountInactive, SessionEnded, TokenExpired, TokenNotValid
from accounts.models import AuthSession, User
from accounts.selectors import user_can_act
from accounts.tokens import SESSION_CLAIM, access_token_decode


@functools.cache
def _session_user_sql() -> str:
    """The user of a session, whether the session is live, and whether the user has
    two-factor sign-in on (`two_factor_enabled`, which `users/me/` shows): written
    once, as plain SQL both databases run. Every authenticated request runs it, and the
    ORM took longer to compile the same query than the database took to answer it."""
    quote = connection.ops.quote_name
    user_table, session_table = quote(User._meta.db_table), quote(AuthSession._meta.db_table)
    device_table = quote(TOTPDevice._meta.db_table)
    columns = ", ".join(
        f"{user_table}.{quote(field.column)}" for field in User._meta.concrete_fields
    )
    return (
        f"SELECT {columns}, "  # noqa: S608 - names from the models, values as parameters
        f"CASE WHEN {session_table}.{quote('ended_at')} IS NULL "
        f"AND {session_table}.{quote('expires_at')} > %s THEN 1 ELSE 0 END AS session_live, "
        f"EXISTS (SELECT 1 FROM {device_table} WHERE {device_table}.{quote('user_id')} = "
        f"{user_table}.{quote('id')} AND {device_table}.{quote('confirmed')}) "
        f"AS two_factor_enabled "
        f"FROM {session_table} INNER JOIN {user_table} "
        f"ON {session_table}.{quote('user_id')} = {user_table}.{quote('id')} "
        f"WHERE {session_table}.{quote('id')} = %s AND {user_table}.{quote('id')} = %s"
    )


def _uuid(value) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None


class SessionJWTAuthentication(BaseAuthentication):
    """`Authorization: Bearer <access token>`.

    The token's signature, type and expiry are checked, then its session and user in
    one query: a token of an ended session, or of a user who may no longer sign in,
    stops working at once. `request.auth` is the validated token; its `sid` claim is
    the session's id. The user comes with `two_factor_enabled` annotated.
    """

    keyword = b"bearer"
    # What a credential it cannot accept answers, 401 (core.openapi reads `raises`).
    raises = (TokenNotValid, TokenExpired, SessionEnded, AccountInactive)

    def authenticate(self, request: Request) -> tuple[User, object] | None:
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() != self.keyword:
            return None
        if len(parts) != 2:
            raise TokenNotValid("The Authorization header must be 'Bearer <token>'.")
        token = access_token_decode(parts[1])
        session_id, user_id = _uuid(token[SESSION_CLAIM]), _uuid(token["user_id"])
        if session_id is None or user_id is None:
            raise TokenNotValid()
        prepare = User._meta.pk.get_db_prep_value
        now = connection.ops.adapt_datetimefield_value(timezone.now())
        params = [now, prepare(session_id, connection), prepare(user_id, connection)]
        user = next(iter(User.objects.raw(_session_user_sql(), params)), None)
        if user is None:
            raise TokenNotValid()
        if not user.session_live:
            raise SessionEnded()
        if not user_can_act(user):
            raise AccountInactive()
        user.two_factor_enabled = bool(user.two_factor_enabled)
        return user, token

    def authenticate_header(self, request: Request) -> str:
        return 'Bearer realm="api"'
