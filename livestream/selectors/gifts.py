"""Live streaming app: reads. The gift catalogue, a gift as sent, and the top gifters
of a stream's current or last broadcast."""

from django.db.models import QuerySet

from accounts.selectors import user_visibility_filter
from livestream.models import Gift, GiftSent, SessionGifter, Stream, StreamSession


def gift_list_active() -> QuerySet[Gift]:
    """The gifts that may be sent, in the catalogue's order."""
    return Gift.objects.filter(active=True)


def gift_sent_get(*, pk) -> GiftSent:
    """A gift as sent, with what its answer shows joined."""
    return GiftSent.objects.select_related("sender", "gift").get(pk=pk)


def stream_session_latest(*, stream: Stream) -> StreamSession | None:
    """The stream's broadcast under way, else its last one (an index serves it)."""
    return StreamSession.objects.filter(stream=stream).order_by("-started_at").first()


def session_gifter_list(*, session: StreamSession | None, viewer) -> QuerySet[SessionGifter]:
    """The gifters of `session` (none without one) with their totals, users joined;
    gifters `viewer` may not see (blocked either way, or who may not sign in) are left
    out. Order by `-coins`: an index serves it."""
    if session is None:
        return SessionGifter.objects.none()
    return (
        SessionGifter.objects.filter(session=session)
        .filter(user_visibility_filter(viewer=viewer, staff_see_all=False, field="user"))
        .select_related("user")
    )
