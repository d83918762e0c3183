"""Media in an S3 bucket, against a local S3 server (moto's, on 127.0.0.1): uploads,
processing, HLS playback, avatars and deletion go through the bucket, never through
`MEDIA_ROOT`, and every address the API hands out is fetched over HTTP.

`S3_URL_MODE=signed` (a private bucket): every file address is presigned, HLS playlists
come from the app rewritten so that each segment address is presigned, and nothing is
readable without a signature. `S3_URL_MODE=public`: plain object addresses, which the
bucket's policy opens (the source stays closed).
"""

import importlib
import io
import json
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import boto3
import pytest
import requests
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import Resolver404, clear_url_caches, resolve
from moto.server import ThreadedMotoServer
from PIL import Image

import config.urls
from config.settings import media_storage
from tests.accounts.factories import UserFactory
from tests.conftest import error_code
from tests.core.subprocess_django import run_django
from tests.videos.factories import VideoFactory
from tests.videos.media import make_video
from videos.models import Video
from videos.services.processing import video_process
from videos.services.videos import video_create_from_stored_file
from videos.signed_urls import media_path_signed, media_signature_expiry, video_file_url
from videos.storage import MediaS3Storage

pytestmark = pytest.mark.django_db

V = Video.Visibility
REGION = "us-east-1"
KEY_PREFIX = "media"
UPLOAD_URL = "/api/v1/videos/"
AVATAR_URL = "/api/v1/users/me/avatar/"
PRESIGNED_QUERY = ("X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Expires", "X-Amz-Signature")


@pytest.fixture(scope="session")
def s3_endpoint():
    """A local S3 server for the whole session: its base URL."""
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@dataclass
class Bucket:
    name: str
    endpoint: str
    client: object

    def keys(self, prefix: str = "") -> set[str]:
        listing = self.client.list_objects_v2(Bucket=self.name, Prefix=f"{KEY_PREFIX}/{prefix}")
        return {entry["Key"] for entry in listing.get("Contents", [])}

    def object(self, name: str) -> dict:
        return self.client.get_object(Bucket=self.name, Key=f"{KEY_PREFIX}/{name}")

    def read(self, name: str) -> bytes:
        return self.object(name)["Body"].read()

    def plain_url(self, name: str) -> str:
        return f"{self.endpoint}/{self.name}/{KEY_PREFIX}/{name}"


def bucket_use(settings, tmp_path, endpoint: str, **options) -> Bucket:
    """A new bucket on the local server as the default storage, with `MEDIA_ROOT` an
    empty folder that must stay empty."""
    name = f"media-{uuid.uuid4().hex[:12]}"
    client = boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name=REGION,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    client.create_bucket(Bucket=name)
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.SERVE_MEDIA = False
    settings.STORAGES = {
        **settings.STORAGES,
        "default": media_storage(
            bucket=name,
            endpoint_url=endpoint,
            region=REGION,
            access_key="testing",
            secret_key="testing",
            key_prefix=KEY_PREFIX,
            **options,
        ),
    }
    return Bucket(name=name, endpoint=endpoint, client=client)


def urlconf_reload() -> None:
    clear_url_caches()
    importlib.reload(config.urls)


@pytest.fixture
def urlconf_reloaded():
    """The URLconf read again with the test's storage, and once more at the end."""
    yield urlconf_reload
    urlconf_reload()


@pytest.fixture
def bucket(settings, tmp_path, s3_endpoint, urlconf_reloaded) -> Bucket:
    """A private bucket: `S3_URL_MODE=signed`."""
    created = bucket_use(settings, tmp_path, s3_endpoint, url_mode="signed")
    urlconf_reloaded()
    return created


@pytest.fixture
def public_bucket(settings, tmp_path, s3_endpoint, urlconf_reloaded) -> Bucket:
    """`S3_URL_MODE=public`, with the bucket policy the README gives: anyone reads
    avatars, thumbnails and HLS files; sources stay closed."""
    created = bucket_use(settings, tmp_path, s3_endpoint, url_mode="public")
    arn = f"arn:aws:s3:::{created.name}/{KEY_PREFIX}"
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": "*",
                "Action": "s3:GetObject",
                "Resource": [
                    f"{arn}/avatars/*",
                    f"{arn}/videos/*/thumbnail.jpg",
                    f"{arn}/videos/*/hls/*",
                ],
            }
        ],
    }
    created.client.put_bucket_policy(Bucket=created.name, Policy=json.dumps(policy))
    urlconf_reloaded()
    return created


def upload(client, path: Path, **fields):
    data = {
        "title": "In the bucket",
        **fields,
        "file": SimpleUploadedFile(path.name, path.read_bytes()),
    }
    return client.post(UPLOAD_URL, data, format="multipart")


def uploaded_and_processed(client, path: Path, **fields) -> Video:
    """Upload through the API, then process (the test's transaction never commits, so
    the processing the upload queues does not run by itself)."""
    response = upload(client, path, **fields)
    assert response.status_code == 201, response.content
    video = video_process(video_id=response.json()["id"])
    assert video.status == Video.Status.READY, video.processing_error
    return video


def local_files(settings) -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    return [path for path in root.rglob("*") if path.is_file()] if root.exists() else []


def playlist_uris(text: str) -> list[str]:
    return [line for line in text.splitlines() if line and not line.startswith("#")]


def is_presigned(url: str, bucket: Bucket, name: str) -> bool:
    parts = urlsplit(url)
    base = f"{parts.scheme}://{parts.netloc}{parts.path}"
    return base == bucket.plain_url(name) and all(
        f"{key}=" in parts.query for key in PRESIGNED_QUERY
    )


def presigned_lifetime(url: str) -> int:
    """The seconds a presigned address was made to live (`X-Amz-Expires`)."""
    return int(dict(part.split("=") for part in urlsplit(url).query.split("&"))["X-Amz-Expires"])


def app_get(client, url: str):
    response = client.get(url)
    response.text = response.content.decode() if response.status_code == 200 else ""
    return response


def hls_played(client, bucket: Bucket, video: Video, hls_url: str) -> list[bytes]:
    """Play `hls_url` as a player does (the master, each variant, each segment): the
    playlists from the app, the segments from the bucket at presigned addresses.
    Returns the segments' bytes, checked against the bucket."""
    master = app_get(client, hls_url)
    assert master.status_code == 200
    assert master["Content-Type"] == "application/vnd.apple.mpegurl"
    assert master["Cache-Control"].startswith("private, max-age=")
    segments = []
    for variant_uri in playlist_uris(master.text):
        assert variant_uri.endswith("/index.m3u8") and "://" not in variant_uri
        variant = app_get(client, urljoin(hls_url, variant_uri))
        assert variant.status_code == 200
        label = variant_uri.split("/")[0]
        uris = playlist_uris(variant.text)
        assert uris
        for index, uri in enumerate(uris):
            name = f"{video.media_folder}/hls/{label}/segment_{index:05d}.ts"
            assert is_presigned(uri, bucket, name), uri
            fetched = requests.get(uri, timeout=10)
            assert fetched.status_code == 200
            assert fetched.headers["Content-Type"] == "video/mp2t"
            assert fetched.content == bucket.read(name)
            assert fetched.content[:1] == b"\x47"  # an MPEG-TS packet
            segments.append(fetched.content)
    return segments


# -- a private bucket (S3_URL_MODE=signed) ---------------------------------------------------


@pytest.mark.parametrize("visibility", [V.PUBLIC, V.PRIVATE])
def test_upload_processing_and_playback_go_through_the_private_bucket(
    make_auth_client, api_client, bucket, settings, video_small, visibility
):
    owner = UserFactory()
    video = uploaded_and_processed(make_auth_client(owner), video_small, visibility=visibility)
    folder = video.media_folder
    assert bucket.keys(folder) == {
        f"{KEY_PREFIX}/{name}"
        for name in (
            video.source_file.name,
            f"{folder}/thumbnail.jpg",
            f"{folder}/hls/master.m3u8",
            f"{folder}/hls/120p/index.m3u8",
            f"{folder}/hls/120p/segment_00000.ts",
        )
    }
    assert bucket.read(video.source_file.name) == video_small.read_bytes()
    assert bucket.object(f"{folder}/hls/master.m3u8")["ContentType"] == (
        "application/vnd.apple.mpegurl"
    )
    assert bucket.object(f"{folder}/thumbnail.jpg")["CacheControl"] == "private, max-age=3600"
    assert local_files(settings) == []

    viewer = api_client if visibility == V.PUBLIC else make_auth_client(owner)
    body = viewer.get(f"{UPLOAD_URL}{video.pk}/").json()
    assert is_presigned(body["thumbnail_url"], bucket, f"{folder}/thumbnail.jpg")
    thumbnail = requests.get(body["thumbnail_url"], timeout=10)
    assert thumbnail.status_code == 200
    assert thumbnail.headers["Content-Type"] == "image/jpeg"
    assert thumbnail.content == bucket.read(f"{folder}/thumbnail.jpg")
    assert Image.open(io.BytesIO(thumbnail.content)).size == (160, 120)

    assert body["hls_url"].startswith("http://testserver/media/signed/")
    assert body["hls_url"].endswith(f"/{folder}/hls/master.m3u8")
    assert [rendition["url"] for rendition in body["renditions"]] == [
        urljoin(body["hls_url"], "120p/index.m3u8")
    ]
    assert len(hls_played(api_client, bucket, video, body["hls_url"])) == 1


def test_nothing_in_a_private_bucket_is_readable_without_a_signature(
    make_auth_client, api_client, bucket, video_small
):
    owner = UserFactory()
    video = uploaded_and_processed(make_auth_client(owner), video_small, visibility=V.PUBLIC)
    folder = video.media_folder
    for name in (
        f"{folder}/thumbnail.jpg",
        f"{folder}/hls/master.m3u8",
        f"{folder}/hls/120p/segment_00000.ts",
        video.source_file.name,
    ):
        assert requests.get(bucket.plain_url(name), timeout=10).status_code == 403, name
        # ... and the app serves no plain address of the storage either.
        response = api_client.get(f"/media/{name}")
        assert response.status_code == 404, name
        assert error_code(response) == "not_found"


def test_a_private_videos_playlists_answer_only_a_valid_signature(
    make_auth_client, api_client, bucket, video_small
):
    owner = UserFactory()
    video = uploaded_and_processed(make_auth_client(owner), video_small, visibility=V.PRIVATE)
    assert api_client.get(f"{UPLOAD_URL}{video.pk}/").status_code == 404
    hls_url = make_auth_client(owner).get(f"{UPLOAD_URL}{video.pk}/").json()["hls_url"]
    expires, signature = urlsplit(hls_url).path.split("/")[3:5]
    forged = hls_url.replace(signature, signature[:-2] + ("AA" if signature[-2:] != "AA" else "BB"))
    response = api_client.get(forged)
    assert response.status_code == 403
    assert error_code(response) == "signature_invalid"
    later = hls_url.replace(f"/{expires}/", f"/{int(expires) + 300}/")
    assert error_code(api_client.get(later)) == "signature_invalid"
    past = int(time.time()) - 1
    expired = media_path_signed(name=video.hls_playlist, folder=video.media_folder, expires=past)
    response = api_client.get(expired)
    assert response.status_code == 403
    assert error_code(response) == "signature_expired"
    missing = hls_url.replace("/master.m3u8", "/240p/index.m3u8")
    response = api_client.get(missing)
    assert response.status_code == 404
    assert error_code(response) == "not_found"


def test_presigned_segment_addresses_expire_with_the_apps_signature(
    make_auth_client, api_client, bucket, video_small
):
    owner = UserFactory()
    video = uploaded_and_processed(make_auth_client(owner), video_small, visibility=V.PRIVATE)
    expires = int(time.time()) + 120
    variant = media_path_signed(
        name=f"{video.media_folder}/hls/120p/index.m3u8", folder=video.media_folder, expires=expires
    )
    response = app_get(api_client, variant)
    assert response["Cache-Control"] in ("private, max-age=120", "private, max-age=119")
    (segment,) = playlist_uris(response.text)
    assert presigned_lifetime(segment) in (119, 120)
    # A signature rounded up past the 7 days a presigned address may live: 7 days.
    week = 7 * 24 * 60 * 60
    variant = media_path_signed(
        name=f"{video.media_folder}/hls/120p/index.m3u8",
        folder=video.media_folder,
        expires=int(time.time()) + week + 200,
    )
    (segment,) = playlist_uris(app_get(api_client, variant).text)
    assert presigned_lifetime(segment) == week


def test_only_the_folders_own_media_files_are_presigned_in_a_playlist(api_client, bucket):
    video = VideoFactory(visibility=V.PRIVATE)
    folder = video.media_folder
    name = f"{folder}/hls/120p/index.m3u8"
    lines = [
        "segment_00000.ts",
        "../../source.mp4",
        "../../../0123abcd/hls/120p/segment_00000.ts",
        "https://elsewhere.example/segment.ts",
    ]
    playlist = "#EXTM3U\n#EXT-X-TARGETDURATION:2\n" + "".join(
        f"#EXTINF:1.0,\n{line}\n" for line in lines
    )
    default_storage.save(name, ContentFile(playlist.encode()))
    signed = media_path_signed(name=name, folder=folder, expires=media_signature_expiry())
    uris = playlist_uris(app_get(api_client, signed).text)
    assert is_presigned(uris[0], bucket, f"{folder}/hls/120p/segment_00000.ts")
    assert uris[1:] == lines[1:]


def test_other_signed_files_redirect_to_their_presigned_address(
    make_auth_client, api_client, bucket, video_small
):
    owner = UserFactory()
    video = uploaded_and_processed(make_auth_client(owner), video_small, visibility=V.PRIVATE)
    expires = media_signature_expiry()
    signed = media_path_signed(
        name=video.thumbnail.name, folder=video.media_folder, expires=expires
    )
    response = api_client.get(signed)
    assert response.status_code == 302
    assert is_presigned(response["Location"], bucket, video.thumbnail.name)
    assert requests.get(response["Location"], timeout=10).content == bucket.read(
        video.thumbnail.name
    )
    source = media_path_signed(
        name=video.source_file.name, folder=video.media_folder, expires=expires
    )
    response = api_client.get(source)
    assert response.status_code == 404
    assert error_code(response) == "not_found"


def test_a_private_bucket_keeps_the_media_route_for_signed_playlists_only(bucket):
    assert resolve("/media/signed/1/abc/videos/k/hls/master.m3u8").url_name == "media"


# -- a public bucket (S3_URL_MODE=public) ----------------------------------------------------


def test_a_public_bucket_gives_plain_object_addresses_that_play(
    make_auth_client, public_bucket, settings, video_small
):
    owner = UserFactory()
    video = uploaded_and_processed(make_auth_client(owner), video_small, visibility=V.PUBLIC)
    folder = video.media_folder
    body = make_auth_client(UserFactory()).get(f"{UPLOAD_URL}{video.pk}/").json()
    assert body["thumbnail_url"] == public_bucket.plain_url(f"{folder}/thumbnail.jpg")
    assert body["hls_url"] == public_bucket.plain_url(f"{folder}/hls/master.m3u8")
    thumbnail = requests.get(body["thumbnail_url"], timeout=10)
    assert thumbnail.content == public_bucket.read(f"{folder}/thumbnail.jpg")
    assert thumbnail.headers["Cache-Control"] == "public, max-age=86400"
    master = requests.get(body["hls_url"], timeout=10)
    assert master.status_code == 200
    (variant_uri,) = playlist_uris(master.text)
    variant_url = urljoin(body["hls_url"], variant_uri)
    variant = requests.get(variant_url, timeout=10)
    (segment_uri,) = playlist_uris(variant.text)
    segment = requests.get(urljoin(variant_url, segment_uri), timeout=10)
    assert segment.status_code == 200
    assert segment.content == public_bucket.read(f"{folder}/hls/120p/segment_00000.ts")
    source = requests.get(public_bucket.plain_url(video.source_file.name), timeout=10)
    assert source.status_code == 403
    assert local_files(settings) == []
    with pytest.raises(Resolver404):
        resolve(f"/media/{folder}/thumbnail.jpg")


def test_a_public_bucket_behind_a_cdn_gives_its_addresses(settings, tmp_path, s3_endpoint):
    bucket_use(settings, tmp_path, s3_endpoint, url_mode="public", custom_domain="cdn.example.com")
    video = VideoFactory()
    url = video_file_url(request=None, video=video, name=f"{video.media_folder}/hls/master.m3u8")
    assert url == f"https://cdn.example.com/{KEY_PREFIX}/{video.media_folder}/hls/master.m3u8"


# -- avatars and deletion --------------------------------------------------------------------


def test_avatars_live_in_the_bucket_and_leave_it_when_replaced_or_removed(
    make_auth_client, bucket, settings, django_capture_on_commit_callbacks
):
    user = UserFactory()
    client = make_auth_client(user)
    image = io.BytesIO()
    Image.new("RGB", (600, 600), (30, 160, 90)).save(image, "PNG")

    def avatar_put():
        upload = SimpleUploadedFile("me.png", image.getvalue(), content_type="image/png")
        with django_capture_on_commit_callbacks(execute=True):
            response = client.put(AVATAR_URL, {"avatar": upload}, format="multipart")
        assert response.status_code == 200, response.content
        return response.json()["avatar_url"]

    first_url = avatar_put()
    user.refresh_from_db()
    first = user.avatar.name
    assert bucket.keys("avatars/") == {f"{KEY_PREFIX}/{first}"}
    assert is_presigned(first_url, bucket, first)
    fetched = requests.get(first_url, timeout=10)
    assert fetched.headers["Content-Type"] == "image/jpeg"
    assert fetched.content == bucket.read(first)
    assert Image.open(io.BytesIO(fetched.content)).size == (512, 512)
    assert requests.get(bucket.plain_url(first), timeout=10).status_code == 403

    avatar_put()
    user.refresh_from_db()
    assert bucket.keys("avatars/") == {f"{KEY_PREFIX}/{user.avatar.name}"} != {first}
    with django_capture_on_commit_callbacks(execute=True):
        assert client.delete(AVATAR_URL).status_code == 204
    assert bucket.keys("avatars/") == set()
    assert local_files(settings) == []


def test_deleting_a_video_removes_its_files_from_the_bucket_after_commit(
    make_auth_client, bucket, video_small, django_capture_on_commit_callbacks
):
    owner = UserFactory()
    client = make_auth_client(owner)
    video = uploaded_and_processed(client, video_small)
    kept = uploaded_and_processed(client, video_small)
    assert len(bucket.keys(video.media_folder)) == 5
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client.delete(f"{UPLOAD_URL}{video.pk}/")
        assert len(bucket.keys(video.media_folder)) == 5  # not before the commit
    assert response.status_code == 204
    assert len(callbacks) == 1
    assert bucket.keys(video.media_folder) == set()
    assert len(bucket.keys(kept.media_folder)) == 5


def test_reprocessing_replaces_the_outputs_in_the_bucket(make_auth_client, bucket, video_small):
    video = uploaded_and_processed(make_auth_client(UserFactory()), video_small)
    before = bucket.keys(video.media_folder)
    again = video_process(video_id=video.pk)
    assert again.status == Video.Status.READY
    assert bucket.keys(video.media_folder) == before


# -- configuration ---------------------------------------------------------------------------


def test_the_storage_options_come_from_the_s3_variables():
    assert media_storage(bucket="") == {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    entry = media_storage(
        bucket="videos",
        url_mode="signed",
        endpoint_url="https://s3.example.com",
        region="eu-west-1",
        access_key="key",
        secret_key="secret",
        key_prefix="media",
        signature_seconds=600,
    )
    assert entry["BACKEND"] == "videos.storage.MediaS3Storage"
    storage = MediaS3Storage(**entry["OPTIONS"])
    assert (storage.bucket_name, storage.endpoint_url, storage.region_name) == (
        "videos",
        "https://s3.example.com",
        "eu-west-1",
    )
    assert (storage.location, storage.querystring_auth, storage.querystring_expire) == (
        "media",
        True,
        600,
    )
    assert storage.file_overwrite is True
    public = MediaS3Storage(**media_storage(bucket="videos", url_mode="public")["OPTIONS"])
    assert public.querystring_auth is False


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"S3_URL_MODE": "open"}, 'S3_URL_MODE must be "signed" or "public".'),
        ({"S3_ADDRESSING_STYLE": "dns"}, 'S3_ADDRESSING_STYLE must be "path" or "virtual".'),
        (
            {"S3_BUCKET": "videos", "SERVE_MEDIA": "1"},
            "SERVE_MEDIA serves files from MEDIA_ROOT",
        ),
        (
            {"S3_BUCKET": "videos", "S3_CUSTOM_DOMAIN": "cdn.example.com"},
            "S3_CUSTOM_DOMAIN serves plain addresses: it needs S3_URL_MODE=public.",
        ),
        (
            {"S3_BUCKET": "videos", "MEDIA_URL_SIGNATURE_SECONDS": "604801"},
            "MEDIA_URL_SIGNATURE_SECONDS can be at most 604800 (7 days)",
        ),
    ],
)
def test_contradictory_s3_settings_refuse_to_start(env, message):
    result = run_django(["manage.py", "check"], env={"DEBUG": "1", **env})
    assert result.returncode != 0
    assert message in result.stderr


def test_with_s3_configured_the_project_starts_without_serving_local_media():
    result = run_django(
        [
            "-c",
            "import django; django.setup(); from django.conf import settings; "
            "from django.core.files.storage import default_storage as s; "
            "print(settings.SERVE_MEDIA, s.__class__.__name__)",
        ],
        env={"DEBUG": "1", "DJANGO_SETTINGS_MODULE": "config.settings", "S3_BUCKET": "videos"},
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False", "MediaS3Storage"]


def test_without_s3_the_default_storage_is_the_local_folder():
    assert default_storage.__class__.__name__ == "FileSystemStorage"
    assert resolve("/media/avatars/a.jpg").url_name == "media"


def test_a_recording_is_uploaded_to_the_bucket_and_then_removed_from_the_disk(
    bucket, tmp_path, django_capture_on_commit_callbacks
):
    recording = make_video(tmp_path / "show.flv", container="flv")
    content = recording.read_bytes()

    with django_capture_on_commit_callbacks(execute=True):
        video = video_create_from_stored_file(owner=UserFactory(), path=recording, title="Replay")

    assert bucket.read(video.source_file.name) == content
    assert not recording.exists()
    assert Video.objects.get(pk=video.pk).status == Video.Status.READY
