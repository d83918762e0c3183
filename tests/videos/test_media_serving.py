"""Serving media: public files at plain URLs, other videos' files only through signed,
expiring URLs, HLS playlists whose relative URIs stay signed, and no way out of the
storage. Failures: plain URL of a video that is not public -> 404 `not_found`; bad
signature -> 403 `signature_invalid`; expired -> 403 `signature_expired`."""

import importlib
import io
import itertools
import re
import time
from pathlib import Path
from urllib.parse import urljoin

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import Resolver404, clear_url_caches, resolve
from PIL import Image

import config.urls
from accounts.models import User
from tests.accounts.factories import UserFactory
from tests.conftest import error_code
from tests.videos.factories import VideoFactory
from tests.videos.media import make_video
from videos.models import Video
from videos.selectors import video_queryset_visible
from videos.services.processing import video_process
from videos.signed_urls import (
    media_key_is_public,
    media_path_signed,
    video_file_url,
    video_files_are_public,
)
from videos.views.files import media_urlpatterns

pytestmark = pytest.mark.django_db

V = Video.Visibility
SIGNED_URL = re.compile(
    r"^http://testserver/media/signed/(?P<expires>[0-9]+)/(?P<signature>[A-Za-z0-9_-]+)/"
    r"(?P<name>videos/.+)$"
)
MASTER_PLAYLIST = (
    "#EXTM3U\n#EXT-X-VERSION:3\n"
    "#EXT-X-STREAM-INF:BANDWIDTH=200000,RESOLUTION=160x120\n120p/index.m3u8\n"
)
VARIANT_PLAYLIST = (
    "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:2\n#EXT-X-PLAYLIST-TYPE:VOD\n"
    "#EXTINF:1.000000,\nsegment_00000.ts\n#EXT-X-ENDLIST\n"
)
SEGMENT = (b"\x47" + bytes(range(187))) * 4  # four MPEG-TS packets
SOURCE = b"the uploaded original"


def jpeg_bytes(colour=(200, 80, 80)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (16, 12), colour).save(buffer, "JPEG")
    return buffer.getvalue()


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path) -> Path:
    """The storage in a temporary folder, with a file beside it that must stay out of
    reach."""
    (tmp_path / "secret.txt").write_text("outside the storage")
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.SERVE_MEDIA = True
    return tmp_path / "media"


def video_with_files(**fields) -> Video:
    """A ready video whose thumbnail, HLS playlists, segment and source are real files."""
    video = VideoFactory(**fields)
    folder = video.media_folder
    files = {
        f"{folder}/thumbnail.jpg": jpeg_bytes(),
        f"{folder}/hls/master.m3u8": MASTER_PLAYLIST.encode(),
        f"{folder}/hls/120p/index.m3u8": VARIANT_PLAYLIST.encode(),
        f"{folder}/hls/120p/segment_00000.ts": SEGMENT,
        f"{folder}/source.mp4": SOURCE,
    }
    for name, content in files.items():
        assert default_storage.save(name, ContentFile(content)) == name
    video.thumbnail = f"{folder}/thumbnail.jpg"
    video.hls_playlist = f"{folder}/hls/master.m3u8"
    video.renditions = [
        {"height": 120, "width": 160, "bitrate": 200000, "path": f"{folder}/hls/120p/index.m3u8"}
    ]
    video.save()
    return video


def fetch(client, url: str, **headers):
    """GET a media URL (absolute or a path) and read the streamed body."""
    response = client.get(url, headers=headers)
    response.body = response.getvalue() if response.status_code < 300 else b""
    return response


def playlist_uris(body: bytes) -> list[str]:
    return [line for line in body.decode().splitlines() if line and not line.startswith("#")]


def detail(client, video: Video) -> dict:
    response = client.get(f"/api/v1/videos/{video.pk}/")
    assert response.status_code == 200, response.content
    return response.json()


def signed_parts(url: str) -> dict:
    match = SIGNED_URL.match(url)
    assert match, url
    return match.groupdict()


# -- public files ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("inside", "content_type", "content"),
    [
        ("thumbnail.jpg", "image/jpeg", jpeg_bytes()),
        ("hls/master.m3u8", "application/vnd.apple.mpegurl", MASTER_PLAYLIST.encode()),
        ("hls/120p/index.m3u8", "application/vnd.apple.mpegurl", VARIANT_PLAYLIST.encode()),
        ("hls/120p/segment_00000.ts", "video/mp2t", SEGMENT),
    ],
)
def test_public_videos_files_are_served_at_plain_urls(api_client, inside, content_type, content):
    video = video_with_files(visibility=V.PUBLIC)
    response = fetch(api_client, f"/media/{video.media_folder}/{inside}")
    assert response.status_code == 200
    assert response["Content-Type"] == content_type
    assert response["Content-Length"] == str(len(content))
    assert response["Cache-Control"] == "public, max-age=86400"
    assert response["Accept-Ranges"] == "bytes"
    assert response["Access-Control-Allow-Origin"] == "*"
    assert response.body == content


def test_the_api_gives_public_videos_plain_absolute_urls_that_lead_to_every_file(api_client):
    video = video_with_files(visibility=V.PUBLIC)
    body = detail(api_client, video)
    base = f"http://testserver/media/{video.media_folder}"
    assert body["thumbnail_url"] == f"{base}/thumbnail.jpg"
    assert body["hls_url"] == f"{base}/hls/master.m3u8"
    assert [rendition["url"] for rendition in body["renditions"]] == [f"{base}/hls/120p/index.m3u8"]
    master = fetch(api_client, body["hls_url"])
    variant_url = urljoin(body["hls_url"], playlist_uris(master.body)[0])
    assert variant_url == body["renditions"][0]["url"]
    variant = fetch(api_client, variant_url)
    segment = fetch(api_client, urljoin(variant_url, playlist_uris(variant.body)[0]))
    assert (master.status_code, variant.status_code, segment.status_code) == (200, 200, 200)
    assert segment.body == SEGMENT


def test_avatars_are_public(api_client):
    name = default_storage.save("avatars/0123abcd.jpg", ContentFile(jpeg_bytes()))
    response = fetch(api_client, f"/media/{name}")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert response["Cache-Control"] == "public, max-age=86400"
    assert response.body == jpeg_bytes()


def test_missing_files_are_404(api_client):
    video = video_with_files(visibility=V.PUBLIC)
    for path in (
        f"{video.media_folder}/nothing.jpg",
        "avatars/none.jpg",
        f"{video.media_folder}/hls",
    ):
        response = api_client.get(f"/media/{path}")
        assert response.status_code == 404, path
        assert error_code(response) == "not_found"
        assert response["Cache-Control"] == "no-store"


# -- videos that are not public: plain URLs ---------------------------------------------


@pytest.mark.parametrize(
    "case",
    ["unlisted", "followers", "private", "processing", "failed", "private_owner", "suspended"],
)
def test_plain_urls_of_videos_that_are_not_public_are_404(api_client, case):
    fields = {
        "unlisted": {"visibility": V.UNLISTED},
        "followers": {"visibility": V.FOLLOWERS},
        "private": {"visibility": V.PRIVATE},
        "processing": {"status": Video.Status.PROCESSING},
        "failed": {"status": Video.Status.FAILED},
        "private_owner": {"owner": UserFactory(is_private=True)},
        "suspended": {"owner": UserFactory(status=User.Status.SUSPENDED)},
    }[case]
    video = video_with_files(**fields)
    for inside in ("thumbnail.jpg", "hls/master.m3u8", "hls/120p/segment_00000.ts"):
        response = api_client.get(f"/media/{video.media_folder}/{inside}")
        assert response.status_code == 404, inside
        assert error_code(response) == "not_found"


def test_plain_urls_of_a_deleted_video_are_404(api_client):
    video = video_with_files(visibility=V.PUBLIC)
    url = f"/media/{video.media_folder}/thumbnail.jpg"
    Video.objects.filter(pk=video.pk).delete()  # its files not removed yet
    assert api_client.get(url).status_code == 404


def test_the_source_file_is_never_served_at_its_plain_url(make_auth_client):
    video = video_with_files(visibility=V.PUBLIC)
    assert default_storage.exists(video.source_file.name)
    response = make_auth_client(video.owner).get(f"/media/{video.source_file.name}")
    assert response.status_code == 404
    assert error_code(response) == "not_found"


def test_the_source_file_is_never_served_even_when_signed(make_auth_client):
    video = video_with_files(visibility=V.PRIVATE)
    assert video.source_file.name == f"{video.media_folder}/source.mp4"
    url = video_file_url(request=None, video=video, name=video.source_file.name)
    response = make_auth_client(video.owner).get(url)
    assert response.status_code == 404
    assert error_code(response) == "not_found"


# -- signed URLs -----------------------------------------------------------------------


def test_the_owner_of_a_private_video_gets_signed_urls_that_open_playlists_and_segments(
    make_auth_client,
):
    video = video_with_files(visibility=V.PRIVATE)
    client = make_auth_client(video.owner)
    body = detail(client, video)
    hls = signed_parts(body["hls_url"])
    assert hls["name"] == f"{video.media_folder}/hls/master.m3u8"
    assert signed_parts(body["thumbnail_url"])["name"] == f"{video.media_folder}/thumbnail.jpg"

    master = fetch(client, body["hls_url"])
    assert master.status_code == 200
    assert master["Content-Type"] == "application/vnd.apple.mpegurl"
    assert master.body == MASTER_PLAYLIST.encode()
    variant_url = urljoin(body["hls_url"], playlist_uris(master.body)[0])
    assert variant_url == body["renditions"][0]["url"]  # the same signed prefix
    variant = fetch(client, variant_url)
    assert variant.status_code == 200
    segment_url = urljoin(variant_url, playlist_uris(variant.body)[0])
    assert signed_parts(segment_url)["signature"] == hls["signature"]
    segment = fetch(client, segment_url)
    assert segment.status_code == 200
    assert segment["Content-Type"] == "video/mp2t"
    assert segment.body == SEGMENT
    thumbnail = fetch(client, body["thumbnail_url"])
    assert (thumbnail.status_code, thumbnail["Content-Type"]) == (200, "image/jpeg")
    # Cached by the browser at most an hour, never by shared caches.
    assert segment["Cache-Control"] == "private, max-age=3600"


@pytest.fixture(scope="module")
def clip(tmp_path_factory) -> bytes:
    """One second of 160x120 H.264 with sound."""
    return make_video(tmp_path_factory.mktemp("clip") / "clip.mp4").read_bytes()


def test_a_processed_private_video_plays_through_its_signed_urls(make_auth_client, clip):
    """End to end: the playlists processing writes lead, under the signed prefix, to
    every segment."""
    video = VideoFactory(visibility=V.PRIVATE, status=Video.Status.PROCESSING)
    default_storage.save(video.source_file.name, ContentFile(clip))
    assert video_process(video_id=video.pk).status == Video.Status.READY
    client = make_auth_client(video.owner)
    body = detail(client, video)
    master = fetch(client, body["hls_url"])
    assert master.status_code == 200
    (variant_uri,) = playlist_uris(master.body)
    variant_url = urljoin(body["hls_url"], variant_uri)
    assert variant_url == body["renditions"][0]["url"]
    variant = fetch(client, variant_url)
    segment_uris = playlist_uris(variant.body)
    assert segment_uris
    for uri in segment_uris:
        segment = fetch(client, urljoin(variant_url, uri))
        assert (segment.status_code, segment["Content-Type"]) == (200, "video/mp2t")
        assert segment.body[:1] == b"\x47"  # an MPEG-TS sync byte
    thumbnail = fetch(client, body["thumbnail_url"])
    assert thumbnail.body[:3] == b"\xff\xd8\xff"  # a JPEG
    plain = client.get(f"/media/{video.media_folder}/hls/master.m3u8")
    assert plain.status_code == 404


def test_signed_urls_need_no_credentials(api_client, make_auth_client):
    """The URL itself is the credential: a player fetches without the API token."""
    video = video_with_files(visibility=V.FOLLOWERS)
    body = detail(make_auth_client(video.owner), video)
    assert fetch(api_client, body["hls_url"]).status_code == 200


def test_anonymous_viewers_of_an_unlisted_video_get_signed_urls_that_work(api_client):
    video = video_with_files(visibility=V.UNLISTED)
    body = detail(api_client, video)
    signed_parts(body["hls_url"])
    master = fetch(api_client, body["hls_url"])
    segment_url = urljoin(
        urljoin(body["hls_url"], playlist_uris(master.body)[0]), "segment_00000.ts"
    )
    assert fetch(api_client, segment_url).body == SEGMENT
    assert fetch(api_client, body["thumbnail_url"]).body == jpeg_bytes()


def test_signed_urls_live_the_configured_time_rounded_up_a_little(api_client, settings):
    settings.MEDIA_URL_SIGNATURE_SECONDS = 600
    video = video_with_files(visibility=V.UNLISTED)
    before = time.time()
    expires = int(signed_parts(detail(api_client, video)["hls_url"])["expires"])
    assert before + 600 <= expires <= time.time() + 600 + 60  # step: a tenth of 600 s
    assert expires % 60 == 0
    settings.MEDIA_URL_SIGNATURE_SECONDS = 6 * 60 * 60
    expires = int(signed_parts(detail(api_client, video)["hls_url"])["expires"])
    assert before + 21600 <= expires <= time.time() + 21600 + 300
    assert expires % 300 == 0


def test_a_wrong_signature_is_403(api_client):
    video = video_with_files(visibility=V.PRIVATE)
    url = video_file_url(request=None, video=video, name=video.hls_playlist)
    parts = signed_parts(f"http://testserver{url}")
    flipped = ("A" if parts["signature"][0] != "A" else "B") + parts["signature"][1:]
    for bad in (
        url.replace(parts["signature"], flipped),
        url.replace(parts["signature"], parts["signature"][:-1]),
        url.replace(f"/{parts['expires']}/", f"/{int(parts['expires']) + 1}/"),
    ):
        response = api_client.get(bad)
        assert response.status_code == 403, bad
        assert error_code(response) == "signature_invalid"
        assert response["Cache-Control"] == "no-store"


def test_a_signature_opens_only_the_folder_it_was_made_for(api_client):
    video = video_with_files(visibility=V.PRIVATE)
    other = video_with_files(visibility=V.PRIVATE)
    url = video_file_url(request=None, video=video, name=video.hls_playlist)
    tampered = url.replace(video.media_key, other.media_key)
    response = api_client.get(tampered)
    assert response.status_code == 403
    assert error_code(response) == "signature_invalid"


@pytest.mark.parametrize(
    "path",
    [
        "signed/",
        "signed/123/",
        "signed/soon/abc/videos/{key}/thumbnail.jpg",
        "signed/9999999999/abc/videos/{key}/thumbnail.jpg",
        "signed/9999999999/a+c/videos/{key}/thumbnail.jpg",
        "signed/9999999999/{signature}/avatars/0123abcd.jpg",
    ],
)
def test_malformed_signed_urls_are_403(api_client, path):
    video = video_with_files(visibility=V.PRIVATE)
    signature = signed_parts(
        "http://testserver" + video_file_url(request=None, video=video, name=video.hls_playlist)
    )["signature"]
    default_storage.save("avatars/0123abcd.jpg", ContentFile(jpeg_bytes()))
    response = api_client.get("/media/" + path.format(key=video.media_key, signature=signature))
    assert response.status_code == 403
    assert error_code(response) == "signature_invalid"


def test_an_expired_signature_is_403(api_client):
    video = video_with_files(visibility=V.PRIVATE)
    url = media_path_signed(
        name=video.hls_playlist, folder=video.media_folder, expires=int(time.time()) - 1
    )
    response = api_client.get(url)
    assert response.status_code == 403
    assert error_code(response) == "signature_expired"
    still_valid = media_path_signed(
        name=video.hls_playlist, folder=video.media_folder, expires=int(time.time()) + 30
    )
    response = fetch(api_client, still_valid)
    assert response.status_code == 200
    assert int(response["Cache-Control"].removeprefix("private, max-age=")) <= 30


def test_signatures_made_with_a_retired_secret_key_still_hold(api_client, settings):
    video = video_with_files(visibility=V.PRIVATE)
    url = video_file_url(request=None, video=video, name=video.hls_playlist)
    settings.SECRET_KEY_FALLBACKS = [settings.SECRET_KEY]
    settings.SECRET_KEY = "a-brand-new-secret-key-for-this-test-only-0123456789"
    assert api_client.get(url).status_code == 200
    settings.SECRET_KEY_FALLBACKS = []
    assert api_client.get(url).status_code == 403


def test_a_signed_url_stays_valid_until_it_expires_after_the_video_is_made_private(
    api_client, make_auth_client
):
    """Documented behaviour: a URL handed out is a capability until it expires
    (`MEDIA_URL_SIGNATURE_SECONDS`); making the video private does not recall it. The
    plain URL stops working at once."""
    video = video_with_files(visibility=V.UNLISTED)
    body = detail(api_client, video)
    owner_client = make_auth_client(video.owner)
    response = owner_client.patch(
        f"/api/v1/videos/{video.pk}/", {"visibility": "private"}, format="json"
    )
    assert response.status_code == 200
    assert fetch(api_client, body["hls_url"]).status_code == 200
    assert api_client.get(f"/api/v1/videos/{video.pk}/").status_code == 404


def test_a_video_made_private_loses_its_plain_urls_at_once(api_client, make_auth_client):
    video = video_with_files(visibility=V.PUBLIC)
    body = detail(api_client, video)
    assert fetch(api_client, body["thumbnail_url"]).status_code == 200
    make_auth_client(video.owner).patch(
        f"/api/v1/videos/{video.pk}/", {"visibility": "private"}, format="json"
    )
    assert api_client.get(body["thumbnail_url"]).status_code == 404


def test_a_signed_url_of_a_missing_file_is_404(api_client):
    video = video_with_files(visibility=V.PRIVATE)
    url = video_file_url(request=None, video=video, name=f"{video.media_folder}/nothing.ts")
    response = api_client.get(url)
    assert response.status_code == 404
    assert error_code(response) == "not_found"


# -- who counts as public ----------------------------------------------------------------


def test_public_or_not_is_decided_without_a_query_and_agrees_with_the_selector(
    django_assert_num_queries,
):
    """`video_files_are_public` reads the privacy rule's filter on loaded videos; for
    every combination it must say what the database says."""
    owners = {
        (is_private, status): UserFactory(is_private=is_private, status=status)
        for is_private, status in itertools.product([False, True], list(User.Status))
    }
    for owner, status, visibility in itertools.product(
        owners.values(), list(Video.Status), list(V)
    ):
        VideoFactory(owner=owner, status=status, visibility=visibility)
    videos = list(video_queryset_visible(viewer=UserFactory(role=User.Role.ADMIN), listed=False))
    assert len(videos) == len(owners) * len(Video.Status) * len(V)
    with django_assert_num_queries(0):
        in_memory = {video.media_key: video_files_are_public(video) for video in videos}
    in_database = {video.media_key: media_key_is_public(video.media_key) for video in videos}
    assert in_memory == in_database
    assert sum(in_memory.values()) == 2  # ready + public, owner public, active or pending


def test_a_videos_files_ask_the_privacy_rule_once_until_what_it_reads_changes(monkeypatch):
    from videos import signed_urls

    asked = []
    real = signed_urls._video_files_are_public
    monkeypatch.setattr(
        signed_urls, "_video_files_are_public", lambda video: asked.append(video) or real(video)
    )
    video = VideoFactory(status=Video.Status.READY, visibility=V.PUBLIC)

    assert [video_files_are_public(video) for _ in range(3)] == [True, True, True]
    assert len(asked) == 1
    video.visibility = V.PRIVATE
    assert video_files_are_public(video) is False
    video.owner.is_private = True
    video.visibility = V.PUBLIC
    assert video_files_are_public(video) is False
    assert len(asked) == 3


def test_media_urls_cost_no_query_per_video_in_lists(make_auth_client):
    """The owner's list mixes plain (public) and signed (private) URLs."""
    owner = UserFactory()
    for visibility in [V.PUBLIC, V.PRIVATE] * 3:
        video_with_files(owner=owner, visibility=visibility)
    client = make_auth_client(owner)
    counts = {}
    for page_size in (1, 6):
        with CaptureQueriesContext(connection) as queries:
            response = client.get(f"/api/v1/videos/?owner={owner.username}&page_size={page_size}")
        assert response.status_code == 200
        results = response.json()["results"]
        assert len(results) == page_size
        assert all(
            result["thumbnail_url"].startswith("http://testserver/media/") for result in results
        )
        counts[page_size] = len(queries)
    assert counts[1] == counts[6]


# -- ranges, methods ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "first", "last"),
    [
        ("bytes=0-9", 0, 9),
        ("bytes=700-", 700, 751),
        ("bytes=-2", 750, 751),
        ("bytes=5-99999", 5, 751),
    ],
)
def test_a_byte_range_is_served_partially(api_client, header, first, last):
    video = video_with_files(visibility=V.PUBLIC)
    response = fetch(
        api_client, f"/media/{video.media_folder}/hls/120p/segment_00000.ts", Range=header
    )
    assert response.status_code == 206
    assert response["Content-Range"] == f"bytes {first}-{last}/{len(SEGMENT)}"
    assert response["Content-Length"] == str(last - first + 1)
    assert response.body == SEGMENT[first : last + 1]


@pytest.mark.parametrize("header", ["bytes=0-1,4-5", "items=0-1", "bytes=9-2", "bytes=-"])
def test_ranges_it_does_not_serve_get_the_whole_file(api_client, header):
    video = video_with_files(visibility=V.PUBLIC)
    response = fetch(
        api_client, f"/media/{video.media_folder}/hls/120p/segment_00000.ts", Range=header
    )
    assert response.status_code == 200
    assert response.body == SEGMENT


def test_a_range_past_the_end_is_416(api_client):
    video = video_with_files(visibility=V.PUBLIC)
    url = f"/media/{video.media_folder}/hls/120p/segment_00000.ts"
    response = api_client.get(url, headers={"Range": f"bytes={len(SEGMENT)}-"})
    assert response.status_code == 416
    assert response["Content-Range"] == f"bytes */{len(SEGMENT)}"
    assert error_code(response) == "range_not_satisfiable"


def test_only_get_and_head_are_allowed(api_client):
    video = video_with_files(visibility=V.PUBLIC)
    url = f"/media/{video.media_folder}/thumbnail.jpg"
    assert api_client.head(url).status_code == 200
    assert api_client.post(url).status_code == 405
    assert api_client.delete(url).status_code == 405


# -- no way out of the storage -------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "../secret.txt",
        "%2e%2e/secret.txt",
        "avatars/../../secret.txt",
        "videos/{key}/../../../secret.txt",
        "videos/{key}/./thumbnail.jpg",
        "videos/{key}//thumbnail.jpg",
        "/etc/passwd",
        "videos/{key}/thumbnail.jpg%00.txt",
        "videos\\{key}\\thumbnail.jpg",
        "videos/{key}%5cthumbnail.jpg",
        "videos/{key}/hls/",
        "videos/{key}",
        "",
    ],
)
def test_names_that_could_leave_the_storage_are_404(api_client, path):
    video = video_with_files(visibility=V.PUBLIC)
    response = api_client.get("/media/" + path.format(key=video.media_key))
    assert response.status_code == 404
    assert error_code(response) == "not_found"


@pytest.mark.parametrize(
    "inside",
    ["../{other}/thumbnail.jpg", "./thumbnail.jpg", "hls//master.m3u8", "..%2f..%2fsecret.txt"],
)
def test_signed_names_that_could_leave_the_folder_are_404(api_client, inside):
    video = video_with_files(visibility=V.PRIVATE)
    other = video_with_files(visibility=V.PRIVATE)
    url = video_file_url(request=None, video=video, name=video.thumbnail.name)
    bad = url.replace("thumbnail.jpg", inside.format(other=other.media_key))
    response = api_client.get(bad)
    assert response.status_code == 404
    assert error_code(response) == "not_found"


# -- SERVE_MEDIA off ---------------------------------------------------------------------------


@pytest.fixture
def urlconf_reloaded():
    """Reload the URLconf after the test changed the settings it reads, and again at
    the end with the test's settings gone."""

    def reload():
        clear_url_caches()
        importlib.reload(config.urls)

    yield reload
    reload()


def test_without_serve_media_no_media_route_exists(urlconf_reloaded):
    assert resolve("/media/avatars/0123abcd.jpg").url_name == "media"
    with override_settings(SERVE_MEDIA=False):
        urlconf_reloaded()
        with pytest.raises(Resolver404):
            resolve("/media/avatars/0123abcd.jpg")


def test_without_serve_media_the_api_gives_the_storages_own_urls(api_client, settings):
    settings.SERVE_MEDIA = False
    video = video_with_files(visibility=V.PRIVATE)
    url = video_file_url(request=None, video=video, name=video.hls_playlist)
    assert url == f"/media/{video.media_folder}/hls/master.m3u8"


def test_serve_media_needs_a_local_media_url(settings):
    settings.MEDIA_URL = "https://cdn.example.com/media/"
    with pytest.raises(ImproperlyConfigured):
        media_urlpatterns()
    settings.MEDIA_URL = "/files/"
    (pattern,) = media_urlpatterns()
    assert pattern.resolve("files/avatars/a.jpg").kwargs == {"path": "avatars/a.jpg"}
