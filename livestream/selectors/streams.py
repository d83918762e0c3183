"""Live streaming app: reads. Who sees which stream is the videos' privacy rule
(`videos.selectors.owned_visibility_filter`), with every status shown: a stream of
others is seen whatever its status, as its visibility says."""

from datetime import datetime

from django.db.models import CharField, Q, QuerySet, Value
from rest_framework.exceptions import NotFound

from accounts.models import User
from core.access import is_signed_in, is_staff, uuid_or_404
from core.relations import relations
from livestream.keys import stream_key_digest, stream_key_matches
from livestream.models import Stream, StreamSession
from videos.selectors import owned_visibility_filter


def stream_queryset_visible(*, viewer, listed: bool = True) -> QuerySet[Stream]:
    """The streams `viewer` (a user, or anonymous) may see, with owner and category
    joined and `owner_follow_status` annotated (one query a page). Staff see all."""
    follow_status = relations().follow_status_expression(viewer, user_field="owner_id")
    queryset = Stream.objects.select_related("owner", "category").annotate(
        owner_follow_status=follow_status
        if follow_status is not None
        else Value(None, output_field=CharField())
    )
    if is_staff(viewer):
        return queryset
    return queryset.filter(owned_visibility_filter(viewer=viewer, listed=listed, shown=Q()))


def access_stream(*, viewer, stream_id, owner_only: bool = False, lock: bool = False) -> Stream:
    """The stream `stream_id` if `viewer` may see it (with `owner_only`: if it is
    theirs), else 404 (`not_found`), as if it did not exist. With `lock`, the row is
    locked for update (call in a transaction)."""
    pk = uuid_or_404(stream_id)
    queryset = stream_queryset_visible(viewer=viewer, listed=False)
    if owner_only:
        if not is_signed_in(viewer):
            raise NotFound()
        queryset = queryset.filter(owner_id=viewer.pk)
    if lock:
        queryset = queryset.select_for_update(of=("self",))
    stream = queryset.filter(pk=pk).first()
    if stream is None:
        raise NotFound()
    return stream


def stream_list_live(*, viewer) -> QuerySet[Stream]:
    """Live streams `viewer` may see (order by `-current_viewers`: an index serves it)."""
    return stream_queryset_visible(viewer=viewer).filter(status=Stream.Status.LIVE)


def stream_list_upcoming(*, viewer, now: datetime) -> QuerySet[Stream]:
    """Idle streams scheduled from `now` on that `viewer` may see (order by
    `scheduled_for`: an index serves it)."""
    return stream_queryset_visible(viewer=viewer).filter(
        status=Stream.Status.IDLE, scheduled_for__isnull=False, scheduled_for__gte=now
    )


def stream_list_for_owner(*, owner: User, viewer) -> QuerySet[Stream]:
    """`owner`'s streams as `viewer` may list them (the owner sees all of theirs)."""
    return stream_queryset_visible(viewer=viewer).filter(owner=owner)


def stream_live_watchable(*, viewer, public_id: str) -> bool:
    """Whether the stream played under `public_id` is live and `viewer` may see it."""
    return (
        stream_queryset_visible(viewer=viewer, listed=False)
        .filter(public_id=public_id, status=Stream.Status.LIVE)
        .exists()
    )


def stream_get_by_key(*, key: str) -> Stream | None:
    """The stream whose key is `key`, owner joined, or None. Found by the indexed
    digest, then compared in constant time."""
    digest = stream_key_digest(key)
    stream = Stream.objects.select_related("owner").filter(key_digest=digest).first()
    if stream is None or not stream_key_matches(key=key, digest=stream.key_digest):
        return None
    return stream


def stream_get_by_public_id(*, public_id: str) -> Stream | None:
    """The stream played under `public_id`, owner joined, or None."""
    return Stream.objects.select_related("owner").filter(public_id=public_id).first()


def stream_session_open(*, stream: Stream) -> StreamSession | None:
    """The stream's broadcast under way, if any."""
    return StreamSession.objects.filter(stream=stream, ended_at__isnull=True).first()
