"""Live streaming app: writes. Telling followers about streams: `live_started` when a
broadcast starts (once per broadcast), and `stream_reminder` `LIVE_REMINDER_MINUTES`
before a scheduled stream (once per schedule). Both fan out in a task queued after
commit (`notifications.services.notify_followers`), and only to the followers the
videos' privacy rule lets see the stream in their lists: all of them for public and
followers-only streams, those who subscribe for subscribers-only ones, nobody for
unlisted and private ones."""

from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, models, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from accounts.selectors import user_visibility_filter
from livestream.models import Stream, StreamReminder, StreamSession
from notifications.models import NotificationType
from notifications.services import notify_followers

Visibility = Stream.Visibility

# Whom of the owner's followers a stream is announced to, by its visibility.
ANNOUNCED_TO_FOLLOWERS = (Visibility.PUBLIC, Visibility.FOLLOWERS)
ANNOUNCED_TO_SUBSCRIBING_FOLLOWERS = (Visibility.SUBSCRIBERS,)


def _followers_notify(*, stream: Stream, type: str, target: models.Model, data: dict) -> bool:
    """Fan `type` out about `stream` (on `target`, the once-unit) to the followers who
    may see it; whether anyone may."""
    if stream.visibility not in (*ANNOUNCED_TO_FOLLOWERS, *ANNOUNCED_TO_SUBSCRIBING_FOLLOWERS):
        return False
    notify_followers(
        actor=stream.owner,
        type=type,
        target=target,
        data={"stream_id": str(stream.pk), "stream_title": stream.title, **data},
        subscribers_only=stream.visibility in ANNOUNCED_TO_SUBSCRIBING_FOLLOWERS,
    )
    return True


def stream_live_announce(*, stream: Stream, session: StreamSession) -> bool:
    """Tell the followers who may see `stream` that it went live (`live_started`), once
    `session`'s start commits. The notifications point at the session, and the fan-out
    tells each follower of one target once, so a broadcast is announced once however
    often this runs; whether anyone may hear of it."""
    return _followers_notify(
        stream=stream, type=NotificationType.LIVE_STARTED, target=session, data={}
    )


def stream_reminder_lead() -> timedelta:
    return timedelta(minutes=settings.LIVE_REMINDER_MINUTES)


def stream_reminders_send(*, now: datetime | None = None) -> int:
    """Remind the followers of every idle stream scheduled within the next
    `LIVE_REMINDER_MINUTES` (`stream_reminder`) whose owner others may see (not
    suspended, banned, deactivated or deleted); returns how many streams were due.

    Safe to rerun and to run alongside itself: a `StreamReminder` row (unique per
    stream and `scheduled_for`) claims each schedule, so nobody is reminded twice of
    one; a stream its owner moved to another time is due again for the new one."""
    now = now or timezone.now()
    reminded = StreamReminder.objects.filter(
        stream=OuterRef("pk"), scheduled_for=OuterRef("scheduled_for")
    )
    due = (
        Stream.objects.filter(
            status=Stream.Status.IDLE,
            scheduled_for__isnull=False,
            scheduled_for__gt=now,
            scheduled_for__lte=now + stream_reminder_lead(),
        )
        .filter(user_visibility_filter(viewer=None, field="owner"))  # owners others may see
        .exclude(Exists(reminded))
        .select_related("owner")
        .order_by("scheduled_for", "id")
    )
    sent = 0
    for stream in due.iterator():
        if _stream_reminder_send(stream=stream, now=now):
            sent += 1
    return sent


@transaction.atomic
def _stream_reminder_send(*, stream: Stream, now: datetime) -> bool:
    """Claim `stream`'s current schedule and remind its followers; False when another
    run claimed it first."""
    try:
        with transaction.atomic():
            reminder = StreamReminder.objects.create(
                stream=stream, scheduled_for=stream.scheduled_for
            )
    except IntegrityError:
        return False
    minutes = max(1, round((stream.scheduled_for - now).total_seconds() / 60))
    _followers_notify(
        stream=stream,
        type=NotificationType.STREAM_REMINDER,
        target=reminder,
        data={"scheduled_for": stream.scheduled_for.isoformat(), "minutes": minutes},
    )
    return True
