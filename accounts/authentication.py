"""Bearer-token authentication: a JWT access token bound to a live sign-in session."""

from django.utils import timezone
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.request import Request

from accounts.exceptions import AccountInactive, SessionEnded, TokenExpired, TokenNotValid
from accounts.models import AuthSession, User
from accounts.selectors import user_can_act
from accounts.tokens import SESSION_CLAIM, access_token_decode


class SessionJWTAuthentication(BaseAuthentication):
    """`Authorization: Bearer <access token>`.

    The token's signature, type and expiry are checked, then its session and user in
    one query: a token of an ended session, or of a user who may no longer sign in,
    stops working at once. `request.auth` is the validated token; its `sid` claim is
    the session's id.
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
        session = (
            AuthSession.objects.select_related("user")
            .filter(pk=token[SESSION_CLAIM], user_id=token["user_id"])
            .first()
        )
        if session is None:
            raise TokenNotValid()
        if session.ended_at is not None or session.expires_at <= timezone.now():
            raise SessionEnded()
        if not user_can_act(session.user):
            raise AccountInactive()
        return session.user, token

    def authenticate_header(self, request: Request) -> str:
        return 'Bearer realm="api"'
