"""The admin for streams and sessions: read-mostly, with an action that ends a
broadcast."""

import pytest
from django.utils import timezone

from livestream.models import Stream, StreamSession
from livestream.services.streams import stream_create, stream_publish_start
from tests.livestream.factories import StreamFactory

pytestmark = pytest.mark.django_db


def test_the_stream_pages_load_without_the_key_digest(admin_client):
    created = stream_create(owner=StreamFactory().owner, title="Show")
    stream_publish_start(key=created.key)

    listing = admin_client.get("/admin/livestream/stream/")
    page = admin_client.get(f"/admin/livestream/stream/{created.stream.pk}/change/")
    sessions = admin_client.get("/admin/livestream/streamsession/")

    assert (listing.status_code, page.status_code, sessions.status_code) == (200, 200, 200)
    assert created.stream.key_digest not in page.content.decode()
    assert created.key not in page.content.decode()
    assert admin_client.get("/admin/livestream/stream/add/").status_code == 403


def test_end_stream_ends_live_broadcasts_as_staff_ended(admin_client):
    created = stream_create(owner=StreamFactory().owner, title="Show")
    stream_publish_start(key=created.key, now=timezone.now())
    idle = StreamFactory()

    response = admin_client.post(
        "/admin/livestream/stream/",
        {"action": "end_streams", "_selected_action": [created.stream.pk, idle.pk]},
        follow=True,
    )

    assert response.status_code == 200
    assert "Ended 1 live stream(s)." in response.content.decode()
    assert Stream.objects.get(pk=created.stream.pk).status == Stream.Status.IDLE
    assert StreamSession.objects.get().end_reason == StreamSession.EndReason.STAFF_ENDED
