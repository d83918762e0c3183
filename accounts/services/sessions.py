"""Sign-in sessions: start one, rotate its refresh token, end one or all."""

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from accounts.clients import ClientInfo
from accounts.exceptions import RefreshTokenReused, SessionEnded, TokenNotValid
from accounts.models import AuthSession, User
from accounts.selectors import user_can_act
from accounts.tokens import SESSION_CLAIM, TokenPair, refresh_token_decode, token_pair_issue


@transaction.atomic
def session_start(*, user: User, client: ClientInfo) -> tuple[AuthSession, TokenPair]:
    """A new session for `user` and its first token pair; records the sign-in time."""
    now = timezone.now()
    session = AuthSession(
        user=user,
        expires_at=now + settings.JWT_REFRESH_TOKEN_LIFETIME,
        last_used_at=now,
        ip_address=client.ip_address,
        user_agent=client.user_agent,
    )
    pair = token_pair_issue(user_id=str(user.pk), session_id=str(session.pk))
    session.refresh_jti = pair.refresh_jti
    session.save(force_insert=True)
    User.objects.filter(pk=user.pk).update(last_login=now)
    user.last_login = now
    return session, pair


def _refresh_is_repeated_within_grace(session: AuthSession, token_jti: str, now) -> bool:
    """Whether `token_jti` is the refresh token the session's newest one replaced,
    presented again within the grace period."""
    grace = timedelta(seconds=settings.JWT_REFRESH_GRACE_SECONDS)
    return (
        bool(session.previous_refresh_jti)
        and token_jti == session.previous_refresh_jti
        and session.refreshed_at is not None
        and now - session.refreshed_at <= grace
    )


def session_refresh(*, refresh_token: str, client: ClientInfo) -> tuple[AuthSession, TokenPair]:
    """Exchange the session's newest refresh token for a new pair.

    An older refresh token of a live session means a copy is in someone else's hands:
    the session ends and `RefreshTokenReused` is raised. Except within
    `JWT_REFRESH_GRACE_SECONDS` of a rotation, when the token just replaced is
    presented again (a client that refreshed twice at once, or retried a refresh
    whose answer it lost): it gets the same new pair as the first exchange, re-issued
    from the session's row, and the session lives. The session row is locked while it
    rotates, so exchanges of one token run one by one.
    """
    token = refresh_token_decode(refresh_token)
    reused = False
    with transaction.atomic():
        session = (
            AuthSession.objects.select_for_update()
            .select_related("user")
            .filter(pk=token[SESSION_CLAIM], user_id=token["user_id"])
            .first()
        )
        if session is None:
            raise TokenNotValid()
        now = timezone.now()
        if not session.is_active or not user_can_act(session.user):
            raise SessionEnded()
        if session.refresh_jti == token["jti"]:
            pair = token_pair_issue(
                user_id=str(session.user_id), session_id=str(session.pk), issued_at=now
            )
            session.previous_refresh_jti = session.refresh_jti
            session.refresh_jti = pair.refresh_jti
            session.refreshed_at = now
            session.last_used_at = now
            session.expires_at = now + settings.JWT_REFRESH_TOKEN_LIFETIME
            session.ip_address = client.ip_address
            session.user_agent = client.user_agent
            session.save(
                update_fields=[
                    "previous_refresh_jti",
                    "refresh_jti",
                    "refreshed_at",
                    "last_used_at",
                    "expires_at",
                    "ip_address",
                    "user_agent",
                    "updated_at",
                ]
            )
        elif _refresh_is_repeated_within_grace(session, token["jti"], now):
            pair = token_pair_issue(
                user_id=str(session.user_id),
                session_id=str(session.pk),
                refresh_jti=session.refresh_jti,
                issued_at=session.refreshed_at,
            )
        else:
            session_end(session_id=session.pk, reason=AuthSession.EndReason.REFRESH_REUSE)
            reused = True
    if reused:  # raised outside the block so the ending is committed
        raise RefreshTokenReused()
    return session, pair


def session_end(*, session_id: object, reason: str = AuthSession.EndReason.LOGOUT) -> bool:
    """End one session: its access and refresh tokens stop working at once.

    Returns whether it was still live.
    """
    now = timezone.now()
    ended = AuthSession.objects.filter(pk=session_id, ended_at__isnull=True).update(
        ended_at=now, end_reason=reason, updated_at=now
    )
    return ended == 1


def sessions_end_for_user(
    *, user: User, reason: str, except_session_id: object | None = None
) -> int:
    """End every live session of `user` (but one, when named); returns how many."""
    now = timezone.now()
    sessions = AuthSession.objects.filter(user=user, ended_at__isnull=True)
    if except_session_id is not None:
        sessions = sessions.exclude(pk=except_session_id)
    return sessions.update(ended_at=now, end_reason=reason, updated_at=now)
