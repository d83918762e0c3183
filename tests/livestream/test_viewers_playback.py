"""Signed playback of streams that are not public: the signed `hls_url` (a signature
folder before the public id, which relative segment addresses inherit), the endpoint
nginx's `auth_request` asks, and MediaMTX's `read` with a signature (in the query) or a
viewer token."""

import re
from datetime import timedelta
from urllib.parse import urlencode, urljoin, urlsplit

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from livestream.models import Stream
from livestream.playback import (
    playback_signature,
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


def signed_parts(url: str) -> tuple[str, str, str]:
    """The expiry, signature and public id of a signed playlist address
    (`/hls/<expires>.<signature>/<public id>/index.m3u8`)."""
    signed = re.fullmatch(
        r"/hls/([0-9]+)\.([0-9a-f]{64})/([A-Za-z0-9_-]+)/index\.m3u8", urlsplit(url).path
    )
    assert signed, url
    return signed[1], signed[2], signed[3]


def test_the_signed_url_puts_an_expiry_and_signature_folder_before_the_public_id(owner):
    stream, key = live_stream(owner)
    now = timezone.now()

    url = playback_url_signed(stream, now)

    expires, signature, public_id = signed_parts(url)
    assert url == f"https://cdn.example.com/hls/{expires}.{signature}/{public_id}/index.m3u8"
    assert public_id == stream.public_id
    assert int(expires) == int(now.timestamp()) + 6 * 3600
    assert signature == playback_signature(public_id=public_id, expires=int(expires))
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

    assert signed_parts(signed)[2] == stream.public_id
    assert nginx_asks(uri_of(signed)).status_code == 204
    assert unsigned == f"https://cdn.example.com/hls/{public.public_id}/index.m3u8"


def test_the_playlists_relative_segments_inherit_the_signature(owner):
    stream, _ = live_stream(owner)
    signed = playback_url_signed(stream)
    expires, signature, _ = signed_parts(signed)

    segment = urljoin(signed, "3.ts")  # as a player resolves the playlist's `3.ts`

    assert uri_of(segment) == f"/hls/{expires}.{signature}/{stream.public_id}/3.ts"
    assert (nginx_asks(uri_of(signed)).status_code, nginx_asks(uri_of(segment)).status_code) == (
        204,
        204,
    )
    assert nginx_asks(uri_of(signed)).content == b""
    assert refused(nginx_asks(f"/hls/{stream.public_id}/3.ts"))  # the same file, unsigned


def test_a_public_streams_files_are_served_signed_or_not(owner):
    stream, _ = live_stream(owner, V.PUBLIC)
    now = timezone.now()
    signed = uri_of(playback_url_signed(stream, now))
    old_expires = int(now.timestamp()) - 60
    old = playback_signature(public_id=stream.public_id, expires=old_expires)

    assert nginx_asks(f"/hls/{stream.public_id}/index.m3u8").status_code == 204
    assert nginx_asks(f"/hls/{stream.public_id}/7.ts?whatever=1").status_code == 204
    # Signed while it was not public: it plays on, whatever the signature's age.
    assert nginx_asks(signed).status_code == 204
    assert nginx_asks(f"/hls/{old_expires}.{old}/{stream.public_id}/7.ts").status_code == 204


def refused(response) -> bool:
    return (response.status_code, error_code(response)) == (403, "playback_forbidden")


def test_an_unsigned_expired_tampered_or_misplaced_signature_is_refused(owner):
    stream, _ = live_stream(owner)
    other, _ = live_stream(owner, title="Other")
    now = timezone.now()
    expires, signature, public_id = signed_parts(playback_url_signed(stream, now))
    other_expires, other_signature, _ = signed_parts(playback_url_signed(other, now))

    def asks(folder: str):
        return nginx_asks(f"/hls/{folder}/{public_id}/index.m3u8")

    assert refused(nginx_asks(f"/hls/{public_id}/index.m3u8"))  # unsigned
    assert refused(nginx_asks(f"/hls/{public_id}/3.ts"))
    tampered = signature[:-1] + ("0" if signature[-1] != "0" else "1")
    assert refused(asks(f"{expires}.{tampered}"))
    later = int(expires) + 3600  # a longer life than it was signed for
    assert refused(asks(f"{later}.{signature}"))
    assert refused(asks(f"{other_expires}.{other_signature}"))  # another stream's signature
    assert refused(asks(f"{expires}.{signature.upper()}"))
    assert refused(asks(f"{expires}.{signature[:-1]}"))
    assert refused(asks(f"{expires}.{signature}0"))
    assert refused(asks(f"{expires}{signature}"))
    assert refused(asks(f".{signature}"))
    assert refused(asks(f"{'9' * 13}.{signature}"))  # longer than any expiry we sign
    assert refused(asks(f"+{expires}.{signature}"))
    assert refused(asks(f"%C2%B2.{signature}"))  # "²" is a digit to Python
    # The query form, which relative segment addresses drop, is not taken.
    query = urlencode({"expires": expires, "token": signature})
    assert refused(nginx_asks(f"/hls/{public_id}/index.m3u8?{query}"))


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
        "/hls/{open}",
        "/hls/{open}/",
        "/hls/{open}/.",
        "/hls/{open}/..",
        "/hls/{open}/.hidden",
        "/hls/{open}/sub/index.m3u8",
        "/hls/{open}/index%2Em3u8",
        "//hls/{open}/index.m3u8",
        "/hls//{open}/index.m3u8",
        "/HLS/{open}/index.m3u8",
        "/hls/x/{open}/index.m3u8",  # a folder before the id that is no signature
        "/hls/{open_signed}/{open_signed}/{open}/index.m3u8",
        "/hls/{open_signed}/index.m3u8",
    ],
)
def test_uris_that_name_no_file_of_a_stream_are_refused(owner, uri):
    stream, _ = live_stream(owner, V.PUBLIC)
    if uri is not None:
        signed = playback_signature(public_id=stream.public_id, expires=9_999_999_999)
        uri = uri.format(open=stream.public_id, open_signed=f"9999999999.{signed}")

    assert refused(nginx_asks(uri))


@pytest.mark.parametrize(
    "uri",
    [
        "/hls/{open}/../{closed}/index.m3u8",
        "/hls/{open}/..%2F{closed}/index.m3u8",
        "/hls/{open}/%2E%2E/{closed}/index.m3u8",
        "/hls/{open}/%2e%2e%2f{closed}%2findex.m3u8",
        "/hls/{open}/./../{closed}/3.ts",
        "/hls/{signed}/{other}/../../{closed}/index.m3u8",
        "/hls/{signed}/{other}/..%2F..%2F{closed}%2Findex.m3u8",
        "/hls/{signed}/../{closed}/index.m3u8",
    ],
)
def test_paths_that_nginx_would_resolve_to_another_streams_files_are_refused(owner, uri):
    """nginx serves the URI it normalized (`..` resolved, `%XX` decoded) but passes
    the one it was asked for: a URI naming a stream anyone (or the caller) may watch
    must not reach the folder of one they may not."""
    open_stream, _ = live_stream(owner, V.PUBLIC, title="Open")
    closed, _ = live_stream(owner, V.PRIVATE, title="Closed")
    other, _ = live_stream(owner, V.UNLISTED, title="Other")
    expires, signature, _ = signed_parts(playback_url_signed(other))
    uri = uri.format(
        open=open_stream.public_id,
        closed=closed.public_id,
        other=other.public_id,
        signed=f"{expires}.{signature}",
    )

    assert refused(nginx_asks(uri))


def test_the_auth_endpoint_needs_no_credentials_and_is_never_throttled(owner):
    stream, _ = live_stream(owner, V.PUBLIC)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Bearer not-a-token")  # nginx passes them on

    response = client.get(AUTH, HTTP_X_ORIGINAL_URI=f"/hls/{stream.public_id}/index.m3u8")

    assert response.status_code == 204
    assert (PlaybackAuthView.authentication_classes, PlaybackAuthView.throttle_classes) == ([], [])


# -- MediaMTX's read ------------------------------------------------------------------


@pytest.fixture
def mediamtx_settings(settings):
    """A MediaMTX deployment: its HLS address, the signature in the query."""
    settings.LIVE_HLS_URL_TEMPLATE = "https://live.example.com/live/{public_id}/index.m3u8"
    settings.LIVE_PLAYBACK_SIGNATURE = "query"
    return settings


def test_for_mediamtx_the_signature_is_in_the_query(mediamtx_settings, owner):
    stream, _ = live_stream(owner)
    now = timezone.now()
    expires = int(now.timestamp()) + 6 * 3600
    signature = playback_signature(public_id=stream.public_id, expires=expires)

    assert playback_url_signed(stream, now) == (
        f"https://live.example.com/live/{stream.public_id}/index.m3u8"
        f"?expires={expires}&token={signature}"
    )


def test_mediamtx_reads_a_non_public_stream_with_its_signature_or_a_viewer_token(
    mediamtx_settings, media_server, owner, make_auth_client
):
    stream, _ = live_stream(owner)
    path = f"live/{stream.public_id}"
    signed_query = urlsplit(playback_url_signed(stream)).query
    token = make_auth_client(owner).post(f"/api/v1/live/streams/{stream.pk}/watch/").json()

    assert media_server.mediamtx("read", path).status_code == 401
    assert media_server.mediamtx("read", path, signed_query).status_code == 200
    viewer_query = urlencode({"viewer_token": token["viewer_token"]})
    assert media_server.mediamtx("read", path, viewer_query).status_code == 200


def test_mediamtx_refuses_a_bad_expired_or_other_streams_signature(
    mediamtx_settings, media_server, owner, settings
):
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


def test_mediamtx_refuses_a_signed_read_of_a_stream_that_is_not_live(
    mediamtx_settings, media_server, owner
):
    created = stream_create(owner=owner, title="Later", visibility=V.FOLLOWERS)
    query = urlsplit(playback_url_signed(created.stream)).query
    path = f"live/{created.stream.public_id}"
    assert media_server.mediamtx("read", path, query).status_code == 401


def test_mediamtx_still_lets_anyone_read_a_public_live_stream(media_server, owner):
    stream, _ = live_stream(owner, V.PUBLIC)
    assert media_server.mediamtx("read", f"live/{stream.public_id}").status_code == 200
