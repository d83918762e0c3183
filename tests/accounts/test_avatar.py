"""Avatars: uploaded images are checked, re-encoded as small JPEGs, and replaced or
removed with their old files deleted once the change commits.

Images are drawn with Pillow in the tests; media goes to a temporary directory.
"""

import io
import struct
import zlib
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from accounts.exceptions import AccountInactive
from accounts.models import User
from accounts.services.profiles import user_avatar_set
from tests.accounts.factories import PASSWORD, UserFactory
from tests.conftest import error_body

pytestmark = pytest.mark.django_db

AVATAR_URL = "/api/v1/users/me/avatar/"
ME_URL = "/api/v1/users/me/"
RED, BLUE, WHITE = (255, 0, 0), (0, 0, 255), (255, 255, 255)
EXIF_ORIENTATION, EXIF_MAKE = 0x0112, 0x010F


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path) -> Path:
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def image_bytes(
    size: tuple[int, int] = (64, 64),
    *,
    format: str = "JPEG",
    mode: str = "RGB",
    color=RED,
    **save_options,
) -> bytes:
    buffer = io.BytesIO()
    Image.new(mode, size, color).save(buffer, format=format, **save_options)
    return buffer.getvalue()


def png_header_only(width: int, height: int) -> bytes:
    """A PNG that claims `width` x `height` pixels in a few bytes: what a
    decompression bomb looks like before it is decoded."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data)
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 64))
        + chunk(b"IEND", b"")
    )


def upload(data: bytes, name: str = "avatar.jpg", content_type: str = "image/jpeg"):
    return SimpleUploadedFile(name, data, content_type=content_type)


def put_avatar(client, data: bytes, **upload_options):
    return client.put(AVATAR_URL, {"avatar": upload(data, **upload_options)}, format="multipart")


def stored_files(media_root: Path) -> list[Path]:
    return sorted(path for path in media_root.rglob("*") if path.is_file())


def open_stored(user: User) -> Image.Image:
    user.refresh_from_db()
    return Image.open(user.avatar.path)


INVALID_IMAGE = error_body(
    "invalid_image",
    "Upload a valid JPEG, PNG, WebP or GIF image; the file is not one or is damaged.",
    "avatar",
    kind="validation_error",
)


# --- uploading -------------------------------------------------------------------------


def test_an_uploaded_jpeg_is_stored_as_a_jpeg_within_512_pixels(auth_client, user, media_root):
    response = put_avatar(auth_client, image_bytes((1024, 768)))

    assert response.status_code == 200
    user.refresh_from_db()
    assert user.avatar.name.startswith("avatars/")
    assert user.avatar.name.endswith(".jpg")
    assert response.json()["avatar_url"] == f"http://testserver/media/{user.avatar.name}"
    assert response.json()["username"] == user.username
    assert response.json()["email"] == user.email  # the caller's own view
    assert stored_files(media_root) == [media_root / user.avatar.name]
    with open_stored(user) as stored:
        assert (stored.format, stored.mode, stored.size) == ("JPEG", "RGB", (512, 384))


@pytest.mark.parametrize(
    ("size", "expected"),
    [
        ((300, 900), (171, 512)),  # tall: the height fits
        ((2000, 500), (512, 128)),  # wide: the width fits
        ((512, 512), (512, 512)),
        ((100, 40), (100, 40)),  # small images are not enlarged
    ],
)
def test_the_aspect_ratio_is_kept(auth_client, user, size, expected):
    assert put_avatar(auth_client, image_bytes(size, format="PNG")).status_code == 200
    with open_stored(user) as stored:
        assert stored.size == expected


@pytest.mark.parametrize(
    ("data", "name"),
    [
        (image_bytes(format="PNG"), "a.png"),
        (image_bytes(format="WEBP"), "a.webp"),
        (image_bytes(format="GIF", mode="P", color=0), "a.gif"),
        (image_bytes(format="JPEG", mode="L", color=128), "grey.jpg"),
        (image_bytes(format="JPEG", mode="CMYK", color=(0, 0, 0, 0)), "cmyk.jpg"),
    ],
    ids=["png", "webp", "gif", "greyscale-jpeg", "cmyk-jpeg"],
)
def test_every_accepted_format_becomes_an_rgb_jpeg(auth_client, user, data, name):
    response = put_avatar(auth_client, data, name=name, content_type="application/octet-stream")
    assert response.status_code == 200
    with open_stored(user) as stored:
        assert (stored.format, stored.mode, stored.size) == ("JPEG", "RGB", (64, 64))


def test_transparent_areas_become_white(auth_client, user):
    data = image_bytes((32, 32), format="PNG", mode="RGBA", color=(255, 0, 0, 0))
    assert put_avatar(auth_client, data, name="clear.png").status_code == 200
    with open_stored(user) as stored:
        assert stored.getpixel((16, 16)) == WHITE


def test_an_animated_gif_gives_its_first_frame(auth_client, user):
    frames = [Image.new("RGB", (40, 40), color) for color in (RED, BLUE)]
    buffer = io.BytesIO()
    frames[0].save(buffer, format="GIF", save_all=True, append_images=frames[1:], duration=100)
    assert put_avatar(auth_client, buffer.getvalue(), name="a.gif").status_code == 200
    with open_stored(user) as stored:
        red, green, blue = stored.getpixel((20, 20))
        assert red > 240 and green < 15 and blue < 15


def test_metadata_is_stripped_and_the_exif_orientation_applied(auth_client, user):
    exif = Image.Exif()
    exif[EXIF_ORIENTATION] = 6  # the camera was turned: show rotated 90 degrees
    exif[EXIF_MAKE] = "TellTale Camera"
    data = image_bytes((200, 100), exif=exif.tobytes())
    assert b"TellTale Camera" in data

    assert put_avatar(auth_client, data).status_code == 200

    user.refresh_from_db()
    assert b"TellTale Camera" not in user.avatar.read()
    with open_stored(user) as stored:
        assert stored.size == (100, 200)
        assert dict(stored.getexif()) == {}
        assert "exif" not in stored.info and "icc_profile" not in stored.info


def test_a_new_avatar_replaces_the_old_file_once_committed(
    auth_client, user, media_root, django_capture_on_commit_callbacks
):
    assert put_avatar(auth_client, image_bytes()).status_code == 200
    user.refresh_from_db()
    old_name = user.avatar.name

    with django_capture_on_commit_callbacks() as callbacks:
        response = put_avatar(auth_client, image_bytes(color=BLUE))
    assert response.status_code == 200
    user.refresh_from_db()
    assert user.avatar.name != old_name
    # Until the transaction commits both files exist: a rollback would keep the old.
    assert stored_files(media_root) == sorted(
        [media_root / old_name, media_root / user.avatar.name]
    )

    for callback in callbacks:
        callback()
    assert stored_files(media_root) == [media_root / user.avatar.name]


# --- refusals --------------------------------------------------------------------------


def test_a_file_over_the_size_limit_is_too_large(auth_client, user, media_root, settings):
    settings.ACCOUNTS_AVATAR_MAX_UPLOAD_MB = 1
    limit = 1024 * 1024
    valid = image_bytes()
    # Pillow ignores bytes after the image's end: both files are valid JPEGs.
    at_limit = valid + b"\x00" * (limit - len(valid))
    over_limit = at_limit + b"\x00"

    response = put_avatar(auth_client, over_limit)
    assert response.status_code == 400
    assert response.json() == error_body(
        "too_large", "The image is larger than 1 MB.", "avatar", kind="validation_error"
    )
    user.refresh_from_db()
    assert (user.avatar.name, stored_files(media_root)) == ("", [])

    assert put_avatar(auth_client, at_limit).status_code == 200


def not_an_image() -> list:
    jpeg = image_bytes((256, 256))
    return [
        pytest.param(b"hello, I am text", "a.jpg", id="text"),
        pytest.param(b"", "empty.jpg", id="empty"),
        pytest.param(jpeg[: len(jpeg) // 2], "truncated.jpg", id="truncated-jpeg"),
        pytest.param(b"\x89PNG\r\n\x1a\n" + b"\x00" * 100, "a.png", id="png-signature-only"),
        pytest.param(b"%PDF-1.4\n%%EOF\n", "a.pdf", id="pdf"),
        pytest.param(image_bytes(format="BMP"), "a.bmp", id="bmp-not-accepted"),
        pytest.param(image_bytes(format="TIFF"), "a.tiff", id="tiff-not-accepted"),
        pytest.param(
            b"%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 10 10\n", "a.eps", id="eps-not-accepted"
        ),
        pytest.param(b"<svg xmlns='http://www.w3.org/2000/svg'/>", "a.svg", id="svg"),
    ]


@pytest.mark.parametrize(("data", "name"), not_an_image())
def test_anything_but_a_whole_accepted_image_is_invalid_image(
    auth_client, user, media_root, data, name
):
    response = put_avatar(auth_client, data, name=name)
    assert response.status_code == 400
    assert response.json() == INVALID_IMAGE
    user.refresh_from_db()
    assert (user.avatar.name, stored_files(media_root)) == ("", [])


@pytest.mark.parametrize(
    ("width", "height", "expected"),
    [
        # Past Pillow's own bomb limit: refused while opening.
        (50_000, 50_000, INVALID_IMAGE),
        # 36 megapixels: past ours (a PNG is decoded at full size).
        (
            6_000,
            6_000,
            error_body(
                "invalid_image", "The image has too many pixels.", "avatar", kind="validation_error"
            ),
        ),
    ],
)
def test_a_decompression_bomb_is_invalid_image(
    auth_client, user, media_root, width, height, expected
):
    response = put_avatar(auth_client, png_header_only(width, height), name="bomb.png")
    assert response.status_code == 400
    assert response.json() == expected
    assert stored_files(media_root) == []


def test_a_large_jpeg_photo_is_accepted(auth_client, user):
    # 36 megapixels, like a phone camera's: JPEGs are decoded scaled down.
    data = image_bytes((7200, 5000), quality=30)
    assert put_avatar(auth_client, data).status_code == 200
    with open_stored(user) as stored:
        assert stored.size == (512, 356)


def test_a_failed_upload_keeps_the_previous_avatar(auth_client, user, media_root):
    assert put_avatar(auth_client, image_bytes()).status_code == 200
    user.refresh_from_db()
    previous = user.avatar.name

    assert put_avatar(auth_client, b"not an image").status_code == 400
    user.refresh_from_db()
    assert user.avatar.name == previous
    assert stored_files(media_root) == [media_root / previous]


def test_no_file_is_required(auth_client):
    response = auth_client.put(AVATAR_URL, {}, format="multipart")
    assert response.status_code == 400
    assert response.json() == error_body(
        "required", "No file was submitted.", "avatar", kind="validation_error"
    )


def test_a_text_field_instead_of_a_file_is_invalid(auth_client):
    response = auth_client.put(AVATAR_URL, {"avatar": "a string"}, format="multipart")
    assert response.status_code == 400
    assert response.json()["errors"][0]["code"] == "invalid"


def test_a_json_body_is_an_unsupported_media_type(auth_client):
    response = auth_client.put(AVATAR_URL, {"avatar": "aGVsbG8="}, format="json")
    assert response.status_code == 415
    assert response.json()["errors"][0]["code"] == "unsupported_media_type"


@pytest.mark.parametrize("method", ["put", "delete"])
def test_avatars_need_a_signed_in_user(api_client, method):
    response = getattr(api_client, method)(
        AVATAR_URL, {"avatar": upload(image_bytes())}, format="multipart"
    )
    assert response.status_code == 401
    assert response.json()["errors"][0]["code"] == "not_authenticated"
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'


def test_the_service_removes_the_new_file_when_the_update_fails(user, media_root):
    User.objects.filter(pk=user.pk).update(status=User.Status.BANNED)  # since signed in
    with pytest.raises(AccountInactive):
        user_avatar_set(user=user, upload=upload(image_bytes()))
    assert stored_files(media_root) == []


# --- removing --------------------------------------------------------------------------


def test_deleting_the_avatar_removes_the_file_once_committed(
    auth_client, user, media_root, django_capture_on_commit_callbacks
):
    assert put_avatar(auth_client, image_bytes()).status_code == 200
    user.refresh_from_db()
    name = user.avatar.name

    with django_capture_on_commit_callbacks() as callbacks:
        response = auth_client.delete(AVATAR_URL)
    assert response.status_code == 204
    assert response.content == b""
    user.refresh_from_db()
    assert user.avatar.name == ""
    assert stored_files(media_root) == [media_root / name]  # not before the commit

    for callback in callbacks:
        callback()
    assert stored_files(media_root) == []
    assert auth_client.get(ME_URL).json()["avatar_url"] is None


def test_deleting_when_there_is_no_avatar_is_204(auth_client, user):
    response = auth_client.delete(AVATAR_URL)
    assert response.status_code == 204
    user.refresh_from_db()
    assert user.avatar.name == ""


def test_deleting_the_account_removes_the_avatar_file_once_committed(
    auth_client, user, media_root, django_capture_on_commit_callbacks
):
    assert put_avatar(auth_client, image_bytes()).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        response = auth_client.delete(ME_URL, {"password": PASSWORD})
    assert response.status_code == 204
    user.refresh_from_db()
    assert user.avatar.name == ""
    assert stored_files(media_root) == []


def test_others_see_the_avatar_url_on_the_profile(auth_client, user, make_auth_client):
    assert put_avatar(auth_client, image_bytes()).status_code == 200
    user.refresh_from_db()
    response = make_auth_client(UserFactory()).get(f"/api/v1/users/{user.username}/")
    assert response.status_code == 200
    assert response.json()["avatar_url"] == f"http://testserver/media/{user.avatar.name}"
