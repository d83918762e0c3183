"""The media server's hooks and the status machine they drive: nginx-rtmp's notify
calls (form-encoded) and MediaMTX's external authentication (JSON)."""

import pytest

from accounts.models import User
from livestream.models import Stream, StreamSession
from livestream.services.streams import stream_create, stream_delete, stream_end, stream_key_rotate
from tests.accounts.factories import UserFactory
from tests.conftest import error_code
from tests.livestream.conftest import MediaServer

pytestmark = pytest.mark.django_db

EndReason = StreamSession.EndReason


@pytest.fixture
def owner():
    return UserFactory(username="streamer")


@pytest.fixture
def created(owner):
    """A permanent stream and its key."""
    return stream_create(owner=owner, title="Evening show")


def test_an_allowed_publish_goes_live_and_renames_the_stream_to_its_public_id(
    media_server, created
):
    response = media_server.publish(created.key, clientid="42")

    assert response.status_code == 302
    assert response["Location"] == created.stream.public_id
    assert created.key not in response["Location"]
    stream = Stream.objects.get(pk=created.stream.pk)
    assert stream.status == Stream.Status.LIVE
    session = StreamSession.objects.get(stream=stream)
    assert (session.ended_at, session.end_reason, session.publisher_ref) == (None, "", "42")


def test_a_wrong_key_is_refused(media_server, created):
    response = media_server.publish(created.key + "x")

    assert (response.status_code, error_code(response)) == (403, "unknown_stream_key")
    assert Stream.objects.get(pk=created.stream.pk).status == Stream.Status.IDLE


def test_a_rotated_key_is_refused_and_the_new_one_allowed(media_server, created):
    rotated = stream_key_rotate(stream=created.stream)

    response = media_server.publish(created.key)
    assert (response.status_code, error_code(response)) == (403, "unknown_stream_key")
    assert media_server.publish(rotated.key).status_code == 302


@pytest.mark.parametrize("status", [User.Status.SUSPENDED, User.Status.BANNED, User.Status.DELETED])
def test_a_restricted_owner_may_not_publish(media_server, created, owner, status):
    User.objects.filter(pk=owner.pk).update(status=status)

    response = media_server.publish(created.key)

    assert (response.status_code, error_code(response)) == (403, "owner_restricted")
    assert not StreamSession.objects.exists()


def test_a_second_publisher_while_live_is_refused(media_server, created):
    assert media_server.publish(created.key, clientid="1").status_code == 302

    response = media_server.publish(created.key, clientid="2")

    assert (response.status_code, error_code(response)) == (403, "stream_already_live")
    assert StreamSession.objects.filter(stream=created.stream).count() == 1
    # The second publisher's end does not end the first one's broadcast.
    assert media_server.publish_done(created.stream.public_id, clientid="2").status_code == 204
    assert Stream.objects.get(pk=created.stream.pk).status == Stream.Status.LIVE


def test_a_permanent_stream_returns_to_idle_and_goes_live_again(media_server, created):
    public_id = created.stream.public_id
    assert media_server.publish(created.key).status_code == 302

    assert media_server.publish_done(public_id).status_code == 204

    assert Stream.objects.get(pk=created.stream.pk).status == Stream.Status.IDLE
    session = StreamSession.objects.get(stream=created.stream)
    assert session.end_reason == EndReason.PUBLISHER_STOPPED
    assert session.ended_at is not None
    assert media_server.publish(created.key).status_code == 302
    assert StreamSession.objects.filter(stream=created.stream).count() == 2


def test_a_one_off_stream_ends_for_good_after_its_broadcast(media_server, owner):
    created = stream_create(owner=owner, title="Launch", permanent=False)
    assert media_server.publish(created.key).status_code == 302
    assert media_server.publish_done(created.stream.public_id).status_code == 204
    assert Stream.objects.get(pk=created.stream.pk).status == Stream.Status.ENDED

    response = media_server.publish(created.key)

    assert (response.status_code, error_code(response)) == (403, "stream_ended")


def test_publish_done_is_safe_to_repeat_and_may_name_the_key(media_server, created):
    assert media_server.publish(created.key).status_code == 302
    assert media_server.publish_done(created.key).status_code == 204
    assert media_server.publish_done(created.key).status_code == 204
    assert media_server.publish_done("no-such-stream").status_code == 204
    assert StreamSession.objects.get().end_reason == EndReason.PUBLISHER_STOPPED


def test_on_update_lets_a_live_publisher_go_on(media_server, created):
    assert media_server.publish(created.key).status_code == 302
    before = StreamSession.objects.get().last_callback_at

    assert media_server.update(created.stream.public_id).status_code == 204

    assert StreamSession.objects.get().last_callback_at > before


def test_rotating_the_key_ends_the_broadcast_and_on_update_cuts_the_publisher(
    media_server, created
):
    assert media_server.publish(created.key).status_code == 302

    stream_key_rotate(stream=created.stream)

    assert StreamSession.objects.get().end_reason == EndReason.KEY_ROTATED
    assert Stream.objects.get(pk=created.stream.pk).status == Stream.Status.IDLE
    response = media_server.update(created.stream.public_id)
    assert (response.status_code, error_code(response)) == (403, "stream_not_publishing")


def test_a_new_publisher_is_not_cut_by_the_old_ones_update(media_server, created):
    assert media_server.publish(created.key, clientid="1").status_code == 302
    rotated = stream_key_rotate(stream=created.stream)
    assert media_server.publish(rotated.key, clientid="2").status_code == 302

    assert media_server.update(created.stream.public_id, clientid="1").status_code == 403
    assert media_server.update(created.stream.public_id, clientid="2").status_code == 204


def test_staff_ending_a_stream_cuts_the_publisher(media_server, created):
    assert media_server.publish(created.key).status_code == 302

    assert stream_end(stream=created.stream, reason=EndReason.STAFF_ENDED) is True

    assert StreamSession.objects.get().end_reason == EndReason.STAFF_ENDED
    assert media_server.update(created.stream.public_id).status_code == 403


def test_a_restricted_owner_is_cut_at_the_next_update(media_server, created, owner):
    assert media_server.publish(created.key).status_code == 302
    User.objects.filter(pk=owner.pk).update(status=User.Status.SUSPENDED)

    response = media_server.update(created.stream.public_id)

    assert (response.status_code, error_code(response)) == (403, "owner_restricted")
    assert StreamSession.objects.get().end_reason == EndReason.OWNER_RESTRICTED
    assert Stream.objects.get(pk=created.stream.pk).status == Stream.Status.IDLE


def test_deleting_a_live_stream_ends_its_session_and_refuses_its_key(media_server, created):
    assert media_server.publish(created.key).status_code == 302

    stream_delete(stream=created.stream)

    session = StreamSession.objects.get()
    assert (session.stream, session.end_reason) == (None, EndReason.DELETED)
    assert media_server.update(created.stream.public_id).status_code == 403
    assert error_code(media_server.publish(created.key)) == "unknown_stream_key"


@pytest.mark.parametrize("secret", [None, "", "wrong-secret"])
def test_a_bad_secret_is_refused(created, secret):
    response = MediaServer(secret=secret).publish(created.key)

    assert (response.status_code, error_code(response)) == (403, "hook_forbidden")
    assert Stream.objects.get(pk=created.stream.pk).status == Stream.Status.IDLE


def test_the_secret_may_come_in_a_header(created, live_settings):
    server = MediaServer(secret=None)
    response = server.publish(created.key, HTTP_X_HOOK_SECRET=live_settings.LIVE_HOOK_SECRET)
    assert response.status_code == 302


def test_no_secret_configured_refuses_every_call(created, live_settings):
    live_settings.LIVE_HOOK_SECRET = ""
    response = MediaServer(secret="").publish(created.key)
    assert (response.status_code, error_code(response)) == (403, "hook_forbidden")


def test_a_caller_from_another_address_is_refused(media_server, created, live_settings):
    live_settings.LIVE_HOOK_ALLOWED_IPS = ["10.0.0.0/8"]

    refused = media_server.publish(created.key, REMOTE_ADDR="192.0.2.1")
    allowed = media_server.publish(created.key, REMOTE_ADDR="10.1.2.3")

    assert (refused.status_code, error_code(refused)) == (403, "hook_forbidden")
    assert allowed.status_code == 302


def test_a_hook_without_a_name_is_a_400(media_server):
    response = media_server.client.post(
        "/api/v1/live/hooks/nginx/on-publish/?secret=hook-secret-for-tests",
        "call=publish",
        content_type="application/x-www-form-urlencoded",
    )
    assert (response.status_code, error_code(response)) == (400, "required")


# -- MediaMTX -----------------------------------------------------------------------


def test_mediamtx_allows_publishing_a_valid_key_under_the_public_id(media_server, created):
    path = f"live/{created.stream.public_id}"
    assert media_server.mediamtx("publish", path, f"key={created.key}").status_code == 200


@pytest.mark.parametrize(
    ("path", "query"),
    [
        ("live/{public_id}", "key=wrong"),
        ("live/{public_id}", ""),
        ("live/other", "key={key}"),  # the key in the playback path is never allowed
        ("live/{key}", "key={key}"),
    ],
)
def test_mediamtx_refuses_a_wrong_key_or_path_with_401(media_server, created, path, query):
    values = {"public_id": created.stream.public_id, "key": created.key}
    response = media_server.mediamtx("publish", path.format(**values), query.format(**values))
    assert (response.status_code, error_code(response)) == (401, "media_auth_refused")


def test_mediamtx_refuses_a_second_publisher_and_a_restricted_owner(media_server, created, owner):
    path, query = f"live/{created.stream.public_id}", f"key={created.key}"
    assert media_server.publish(created.key).status_code == 302
    assert media_server.mediamtx("publish", path, query).status_code == 401
    media_server.publish_done(created.stream.public_id)
    User.objects.filter(pk=owner.pk).update(status=User.Status.BANNED)
    assert media_server.mediamtx("publish", path, query).status_code == 401


def test_mediamtx_lets_anyone_read_a_public_live_stream_only(media_server, created, owner):
    path = f"live/{created.stream.public_id}"
    assert media_server.mediamtx("read", path).status_code == 401  # not live yet
    media_server.publish(created.key)
    assert media_server.mediamtx("read", path).status_code == 200
    Stream.objects.filter(pk=created.stream.pk).update(visibility=Stream.Visibility.FOLLOWERS)
    assert media_server.mediamtx("read", path).status_code == 401
    assert media_server.mediamtx("api", path).status_code == 401


def test_mediamtx_with_a_bad_secret_is_refused(created):
    response = MediaServer(secret="wrong").mediamtx("read", f"live/{created.stream.public_id}")
    assert (response.status_code, error_code(response)) == (403, "hook_forbidden")


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/live/hooks/nginx/on-publish/",
        "/api/v1/live/hooks/nginx/on-publish-done/",
        "/api/v1/live/hooks/nginx/on-update/",
        "/api/v1/live/hooks/mediamtx/auth/",
    ],
)
@pytest.mark.parametrize("method", ["get", "put", "delete", "trace"])
def test_a_method_a_hook_does_not_answer_is_405_whoever_asks(api_client, path, method):
    # The fuzzer's finding: the secret was checked first, so TRACE answered 403.
    response = getattr(api_client, method)(f"{path}?secret=wrong")

    assert (response.status_code, error_code(response)) == (405, "method_not_allowed")
