"""Signed playback of streams that are not public: the signed `hls_url`, the endpoint
nginx's `auth_request` asks, and MediaMTX's `read` with a signature or viewer token."""

from datetime import timedelta
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from livestream.models import Stream
from livestream.playback import (
    playback_signature_check,
    playback_url_signed,
    viewer_token_make,
)
from livestream.services.streams import stream_create, stream_publish_start
from livestream.views.viewers import PlaybackAuthView
from tests.accounts.factories import UserFactory
from tests.conftest import error_code

pytestmark = pytest.mark.django_db

V = Stream.Visibility
AUTH = "/api/v1/live/playback/auth/"


@pytest.fixture
def owner():
    return UserFactory(username="owner")


def live_stream(owner, visibility=V.FOLLOWERS, title="Show"):
    created = stream_create(owner=owner, title=title, visibility=visibility)
    return stream_publish_start(key=created.key), created.key


def uri_of(url: str) -> str:
    """What nginx passes as `$request_uri`: the path and the query."""
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}" if parts.query else parts.path


def nginx_asks(uri: str | None):
    """nginx's `auth_request` subrequest, with `X-Original-URI` as the docs configure."""
    headers = {"HTTP_X_ORIGINAL_URI": uri} if uri is not None else {}
    return APIClient().get(AUTH, **headers)


def test_the_signed_url_names_the_public_id_and_an_expiry_never_the_key(owner):
    stream, key = live_stream(owner)
    now = timezone.now()

    url = playback_url_signed(stream, now)

    parts = urlsplit(url)
    query = parse_qs(parts.query)
    assert parts.path == f"/hls/{stream.public_id}/index.m3u8"
    assert int(query["expires"][0]) == int(now.timestamp()) + 6 * 3600
    assert len(query["token"][0]) == 64
    assert key not in url


@pytest.mark.parametrize("visibility", [V.UNLISTED, V.FOLLOWERS, V.SUBSCRIBERS, V.PRIVATE])
def test_every_visibility_but_public_is_signed_in_the_stream_shape(
    make_auth_client, owner, visibility
):
    stream, _ = live_stream(owner, visibility)
    public, _ = live_stream(owner, V.PUBLIC, title="Open")
    client = make_auth_client(owner)

    signed = client.get(f"/api/v1/live/streams/{stream.pk}/").json()["hls_url"]
    unsigned = client.get(f"/api/v1/live/streams/{public.pk}/").json()["hls_url"]

    assert "expires=" in signed and "token=" in signed
    assert nginx_asks(uri_of(signed)).status_code == 204
    assert unsigned == f"https://cdn.example.com/hls/{public.public_id}/index.m3u8"


def test_nginx_may_serve_a_signed_playlist_and_its_segments(owner):
    stream, _ = live_stream(owner)
    signed = urlsplit(playback_url_signed(stream))

    playlist = nginx_asks(f"{signed.path}?{signed.query}")
    segment = nginx_asks(f"/hls/{stream.public_id}/3.ts?{signed.query}")

    assert (playlist.status_code, segment.status_code) == (204, 204)
    assert playlist.content == b""


def test_a_public_streams_files_are_always_served(owner):
    stream, _ = live_stream(owner, V.PUBLIC)
    assert nginx_asks(f"/hls/{stream.public_id}/index.m3u8").status_code == 204
    assert nginx_asks(f"/hls/{stream.public_id}/7.ts?whatever=1").status_code == 204


def refused(response) -> bool:
    return (response.status_code, error_code(response)) == (403, "playback_forbidden")


def test_an_unsigned_expired_tampered_or_misplaced_signature_is_refused(owner):
    stream, _ = live_stream(owner)
    other, _ = live_stream(owner, title="Other")
    now = timezone.now()
    path = f"/hls/{stream.public_id}/index.m3u8"
    good = parse_qs(urlsplit(playback_url_signed(stream, now)).query)
    expires, token = good["expires"][0], good["token"][0]
    others = urlsplit(playback_url_signed(other, now)).query

    assert refused(nginx_asks(path))  # unsigned
    assert refused(nginx_asks(f"{path}?{urlencode({'expires': expires})}"))
    tampered_token = token[:-1] + ("0" if token[-1] != "0" else "1")
    assert refused(nginx_asks(f"{path}?{urlencode({'expires': expires, 'token': tampered_token})}"))
    later = int(expires) + 3600  # a longer life than it was signed for
    assert refused(nginx_asks(f"{path}?{urlencode({'expires': later, 'token': token})}"))
    assert refused(nginx_asks(f"{path}?{others}"))  # another stream's signature
    assert refused(nginx_asks(f"{path}?expires=abc&token={token}"))
    assert refused(nginx_asks(f"{path}?expires={'9' * 40}&token={token}"))
    assert refused(nginx_asks(f"{path}?expires=%C2%B2&token={token}"))  # "²" is a digit


def test_a_signature_expires(owner, settings):
    stream, _ = live_stream(owner)
    now = timezone.now()
    uri = uri_of(playback_url_signed(stream, now))

    assert playback_signature_check(uri, now=now + timedelta(hours=6)) is True
    assert playback_signature_check(uri, now=now + timedelta(hours=6, seconds=1)) is False
    settings.LIVE_PLAYBACK_URL_SECONDS = -1
    assert refused(nginx_asks(uri_of(playback_url_signed(stream))))


@pytest.mark.parametrize(
    "uri",
    [
        None,
        "",
        "/",
        "/hls/",
        "/hls/nosuchstream/index.m3u8",
        "/other/x/index.m3u8",
        "%%%",
        "//[bad/index.m3u8",
        "/hls/a\x00b/index.m3u8",
        "/hls/" + "x" * 5000 + "/index.m3u8",
        "/hls/../../etc/passwd",
    ],
)
def test_uris_that_name_no_stream_are_refused(owner, uri):
    live_stream(owner, V.PUBLIC)
    assert refused(nginx_asks(uri))


def test_the_auth_endpoint_needs_no_credentials_and_is_never_throttled(owner):
    stream, _ = live_stream(owner, V.PUBLIC)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Bearer not-a-token")  # nginx passes them on

    response = client.get(AUTH, HTTP_X_ORIGINAL_URI=f"/hls/{stream.public_id}/index.m3u8")

    assert response.status_code == 204
    assert (PlaybackAuthView.authentication_classes, PlaybackAuthView.throttle_classes) == ([], [])


# -- MediaMTX's read ------------------------------------------------------------------


def test_mediamtx_reads_a_non_public_stream_with_its_signature_or_a_viewer_token(
    media_server, owner, make_auth_client
):
    stream, _ = live_stream(owner)
    path = f"live/{stream.public_id}"
    signed_query = urlsplit(playback_url_signed(stream)).query
    token = make_auth_client(owner).post(f"/api/v1/live/streams/{stream.pk}/watch/").json()

    assert media_server.mediamtx("read", path).status_code == 401
    assert media_server.mediamtx("read", path, signed_query).status_code == 200
    viewer_query = urlencode({"viewer_token": token["viewer_token"]})
    assert media_server.mediamtx("read", path, viewer_query).status_code == 200


def test_mediamtx_refuses_a_bad_expired_or_other_streams_signature(media_server, owner, settings):
    stream, _ = live_stream(owner)
    other, _ = live_stream(owner, title="Other")
    path = f"live/{stream.public_id}"
    now = timezone.now()
    other_token = viewer_token_make(
        stream_id=other.pk, session_id=other.pk, viewer_id="a1", user_id=None, now=now
    )

    for query in (
        urlsplit(playback_url_signed(other)).query,
        urlencode({"viewer_token": other_token}),
        urlencode({"viewer_token": "forged"}),
        "expires=1&token=abc",
    ):
        assert media_server.mediamtx("read", path, query).status_code == 401, query
    settings.LIVE_PLAYBACK_URL_SECONDS = -1
    expired = urlsplit(playback_url_signed(stream)).query
    assert media_server.mediamtx("read", path, expired).status_code == 401


def test_mediamtx_refuses_a_signed_read_of_a_stream_that_is_not_live(media_server, owner):
    created = stream_create(owner=owner, title="Later", visibility=V.FOLLOWERS)
    query = urlsplit(playback_url_signed(created.stream)).query
    path = f"live/{created.stream.public_id}"
    assert media_server.mediamtx("read", path, query).status_code == 401


def test_mediamtx_still_lets_anyone_read_a_public_live_stream(media_server, owner):
    stream, _ = live_stream(owner, V.PUBLIC)
    assert media_server.mediamtx("read", f"live/{stream.public_id}").status_code == 200
