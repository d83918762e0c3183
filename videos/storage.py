"""A video's files in the storage (everything lives under its media folder), and the
S3 backend media uses when `S3_BUCKET` names a bucket (see the README's configuration).
"""

import logging
import mimetypes
import posixpath

from django.core.files.storage import default_storage
from storages.backends.s3 import S3Storage

logger = logging.getLogger(__name__)

PLAYLIST_EXTENSION = ".m3u8"
CONTENT_TYPES = {
    PLAYLIST_EXTENSION: "application/vnd.apple.mpegurl",
    ".ts": "video/mp2t",
    ".m4s": "video/iso.segment",
    ".mp4": "video/mp4",
    ".m4a": "audio/mp4",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
    ".webp": "image/webp",
    ".vtt": "text/vtt",
}
# How long browsers and CDNs may keep a file: a day for files anyone may fetch, an hour
# (and only the browser) for the others.
PUBLIC_MAX_AGE_SECONDS = 24 * 60 * 60
SIGNED_MAX_AGE_SECONDS = 60 * 60


def media_content_type(name: str) -> str:
    """The content type players expect for the file `name` (HLS, MPEG-TS, images)."""
    extension = posixpath.splitext(name)[1].lower()
    return (
        CONTENT_TYPES.get(extension) or mimetypes.guess_type(name)[0] or "application/octet-stream"
    )


def media_on_s3() -> bool:
    """Whether media lives in an S3 bucket (`S3_BUCKET`) rather than in `MEDIA_ROOT`."""
    return isinstance(default_storage, S3Storage)


def media_urls_presigned() -> bool:
    """Whether media lives in a private bucket whose every address is presigned
    (`S3_URL_MODE=signed`)."""
    return media_on_s3() and default_storage.querystring_auth


class MediaS3Storage(S3Storage):
    """django-storages' S3 backend, writing each object with the content type players
    expect and a `Cache-Control` that matches the URL mode. No ACL is sent (many
    S3-compatible stores have none): the bucket's policy decides who reads."""

    def get_object_parameters(self, name: str) -> dict:
        parameters = super().get_object_parameters(name)
        parameters.setdefault("ContentType", media_content_type(name))
        parameters.setdefault(
            "CacheControl",
            f"private, max-age={SIGNED_MAX_AGE_SECONDS}"
            if self.querystring_auth
            else f"public, max-age={PUBLIC_MAX_AGE_SECONDS}",
        )
        return parameters


def storage_tree_names(prefix: str) -> list[str]:
    """Every file name under `prefix` (a folder name without the trailing slash)."""
    try:
        folders, files = default_storage.listdir(prefix)
    except FileNotFoundError:
        return []
    names = [f"{prefix}/{name}" for name in files]
    for folder in folders:
        names.extend(storage_tree_names(f"{prefix}/{folder}"))
    return names


def storage_tree_delete(prefix: str, *, keep: tuple[str, ...] = ()) -> int:
    """Delete every file under `prefix` but those named in `keep`; returns how many.

    A file that cannot be listed or deleted is logged and left, never raised: callers
    run this after their transaction committed. (Any exception: an object store fails
    with its client's errors, a disk with `OSError`.)
    """
    try:
        names = storage_tree_names(prefix)
    except Exception:
        logger.exception("Could not list %s in the storage.", prefix)
        return 0
    deleted = 0
    for name in names:
        if name in keep:
            continue
        try:
            default_storage.delete(name)
            deleted += 1
        except Exception:
            logger.exception("Could not delete %s from the storage.", name)
    return deleted
