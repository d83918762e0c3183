"""Serving `MEDIA_URL` from the app itself (the embedded default, `SERVE_MEDIA`).

Who gets which file:

- Files outside `videos/` (avatars) are public.
- A video's files (`videos/<media_key>/...`) are served at their plain address only
  while the video is public (see `videos.signed_urls.video_files_are_public`); otherwise
  the plain address answers 404 `not_found`, as if there were no such file.
- `signed/<expires>/<signature>/videos/<media_key>/...` serves any file of that folder
  while the signature holds (`videos.signed_urls`): a malformed or wrong signature
  answers 403 `signature_invalid`, an expired one 403 `signature_expired` (so a player
  knows to ask the API for fresh URLs); a file that does not exist, 404 `not_found`.
- A video's source file (`source.*` at the top of its folder) is never served, to
  anyone: players get the renditions, and the owner has the original already.
- Names that could leave the storage (`..`, `.`, empty segments, absolute paths,
  backslashes, control characters) answer 404 `not_found`.

Answers stream from `default_storage`, with a content type for HLS and images, a
single byte range when asked (`Range: bytes=...`, for MP4 players), and
`Cache-Control`: public and a day long for public files; private and never longer
than the signature for signed ones. Error answers use the API's error shape.

With media in an S3 bucket the app never serves a file itself: plain addresses answer
404, and a signed address, checked as above, answers an HLS playlist rewritten so that
each segment URI is a presigned address of the bucket expiring with the signature
(variant playlists stay relative, so the player comes back here for them), and any
other file with a redirect (302) to its presigned address.
"""

import posixpath
import re
import time
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, SuspiciousFileOperation
from django.core.files.storage import default_storage
from django.http import (
    FileResponse,
    HttpRequest,
    HttpResponse,
    HttpResponseRedirect,
    JsonResponse,
)
from django.urls import URLPattern, re_path
from django.views.decorators.http import require_safe

from core.errors import error_body
from videos.signed_urls import SIGNED_PREFIX, media_folder_signature_valid, media_key_is_public
from videos.storage import (
    PLAYLIST_EXTENSION,
    PUBLIC_MAX_AGE_SECONDS,
    SIGNED_MAX_AGE_SECONDS,
    media_content_type,
    media_on_s3,
    media_urls_presigned,
)

PATH_MAX_LENGTH = 1024
VIDEO_FOLDER_ROOT = "videos"
SIGNED_PATTERN = re.compile(
    rf"^{SIGNED_PREFIX}/(?P<expires>[0-9]{{1,12}})/(?P<signature>[A-Za-z0-9_-]{{1,128}})/"
    r"(?P<name>.+)\Z"
)
RANGE_PATTERN = re.compile(r"^bytes=([0-9]*)-([0-9]*)\Z")
CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f\\]")


class MediaError(Exception):
    """A request for media refused with `status` and a stable `code`."""

    def __init__(self, status: int, code: str, detail: str, headers: dict | None = None) -> None:
        super().__init__(detail)
        self.status, self.code, self.detail = status, code, detail
        self.headers = headers or {}


def _not_found() -> MediaError:
    return MediaError(404, "not_found", "Not found.")


# -- names ---------------------------------------------------------------------------


def media_name_clean(name: str) -> str:
    """`name` if it is a storage name that stays inside the storage, else `not_found`.

    Refused: empty names and segments (`a//b`, a trailing slash), `.` and `..`,
    absolute paths, backslashes, NUL and other control characters.
    """
    if not name or len(name) > PATH_MAX_LENGTH or CONTROL_CHARACTERS.search(name):
        raise _not_found()
    if any(segment in ("", ".", "..") for segment in name.split("/")):
        raise _not_found()  # also catches a leading slash (an absolute path)
    return name


def _video_folder_split(name: str) -> tuple[str, str] | None:
    """(`media_key`, the name inside the folder) for a name under `videos/`, else None."""
    root, _, rest = name.partition("/")
    if root != VIDEO_FOLDER_ROOT:
        return None
    media_key, _, inside = rest.partition("/")
    if not media_key or not inside:
        raise _not_found()
    if "/" not in inside and inside.startswith("source"):
        raise _not_found()  # the uploaded original: never served
    return media_key, inside


# -- answers -------------------------------------------------------------------------


class _FileSlice:
    """Bytes `start` to `start + length` of an open file, read in chunks."""

    def __init__(self, file, start: int, length: int) -> None:
        file.seek(start)
        self.file, self.remaining = file, length

    def read(self, size: int = -1) -> bytes:
        if self.remaining <= 0:
            return b""
        size = self.remaining if size < 0 else min(size, self.remaining)
        data = self.file.read(size)
        self.remaining -= len(data)
        return data

    def close(self) -> None:
        self.file.close()


def _byte_range(request: HttpRequest, size: int) -> tuple[int, int] | None:
    """The one byte range (first, last) asked for, or None to send everything.

    Several ranges, `If-Range` and malformed headers get the whole file (RFC 9110
    allows ignoring Range); a range starting past the end is refused with 416.
    """
    header = request.headers.get("Range")
    if not header or "If-Range" in request.headers:
        return None
    match = RANGE_PATTERN.match(header.strip())
    if match is None:
        return None
    first, last = match.groups()
    if first:
        first_byte = int(first)
        last_byte = min(int(last), size - 1) if last else size - 1
        if last and int(last) < first_byte:
            return None
    elif last:
        first_byte, last_byte = max(0, size - int(last)), size - 1
        if int(last) == 0:
            first_byte = size
    else:
        return None
    if first_byte >= size:
        raise MediaError(
            416,
            "range_not_satisfiable",
            "The range starts past the end of the file.",
            headers={"Content-Range": f"bytes */{size}"},
        )
    return first_byte, last_byte


def _file_response(request: HttpRequest, name: str, *, cache_control: str) -> HttpResponse:
    try:
        file = default_storage.open(name, "rb")
    except (OSError, SuspiciousFileOperation) as error:  # missing, a folder, unreadable
        raise _not_found() from error
    try:
        size = file.size
        byte_range = _byte_range(request, size)
    except BaseException:
        file.close()
        raise
    content_type = media_content_type(name)
    if byte_range is None:
        response = FileResponse(file, content_type=content_type)
        response["Content-Length"] = str(size)
    else:
        first, last = byte_range
        response = FileResponse(
            _FileSlice(file, first, last - first + 1), content_type=content_type
        )
        response.status_code = 206
        response["Content-Length"] = str(last - first + 1)
        response["Content-Range"] = f"bytes {first}-{last}/{size}"
    response["Accept-Ranges"] = "bytes"
    response["Cache-Control"] = cache_control
    # Web players (hls.js) fetch with XHR from the app's own origin; the address is the
    # only credential, so any origin may read what it can name.
    response["Access-Control-Allow-Origin"] = "*"
    return response


def _uri_presigned(uri: str, *, playlist: str, folder: str, expire: int) -> str:
    """`uri`, a line of `playlist` (in the video folder `folder`), as a client should
    fetch it: a relative playlist stays relative (the app signs it); a relative media
    file of the folder gets its presigned address; anything else (the source, other
    folders, absolute addresses) is left as it is, and leads nowhere."""
    if uri.endswith(PLAYLIST_EXTENSION) or urlsplit(uri).scheme or uri.startswith("/"):
        return uri
    name = posixpath.normpath(posixpath.join(posixpath.dirname(playlist), uri))
    if not name.startswith(f"{folder}/"):
        return uri
    try:
        _video_folder_split(name)
    except MediaError:  # the source: never given out
        return uri
    return default_storage.url(name, expire=expire)


def _bucket_response(name: str, *, folder: str, expires: int, max_age: int) -> HttpResponse:
    """A signed address of a file in a private bucket: the playlist rewritten, or a
    redirect to the file's presigned address, both expiring with the signature (or
    sooner: a presigned address lives 7 days at most)."""
    expire = min(max(1, expires - int(time.time())), settings.S3_PRESIGNED_MAX_SECONDS)
    if not name.endswith(PLAYLIST_EXTENSION):
        response = HttpResponseRedirect(default_storage.url(name, expire=expire))
    else:
        try:
            with default_storage.open(name, "rb") as file:
                text = file.read().decode("utf-8")
        except (OSError, UnicodeDecodeError) as error:  # missing, unreadable
            raise _not_found() from error
        lines = [
            line
            if not line.strip() or line.startswith("#")
            else _uri_presigned(line.strip(), playlist=name, folder=folder, expire=expire)
            for line in text.splitlines()
        ]
        response = HttpResponse("\n".join(lines) + "\n", content_type=media_content_type(name))
    response["Cache-Control"] = f"private, max-age={max_age}"
    response["Access-Control-Allow-Origin"] = "*"
    return response


def _error_response(error: MediaError) -> HttpResponse:
    response = JsonResponse(
        error_body(error_type="client_error", code=error.code, detail=error.detail),
        status=error.status,
        headers=error.headers,
    )
    response["Cache-Control"] = "no-store"
    return response


# -- the view ------------------------------------------------------------------------


def _plain(request: HttpRequest, name: str) -> HttpResponse:
    folder = _video_folder_split(name)
    if folder is not None:
        media_key, _ = folder
        if not media_key_is_public(media_key):
            raise _not_found()
    return _file_response(request, name, cache_control=f"public, max-age={PUBLIC_MAX_AGE_SECONDS}")


def _signed(request: HttpRequest, path: str) -> HttpResponse:
    match = SIGNED_PATTERN.match(path)
    if match is None:
        raise MediaError(403, "signature_invalid", "This address is not validly signed.")
    name = media_name_clean(match["name"])
    folder = _video_folder_split(name)
    if folder is None:
        raise MediaError(403, "signature_invalid", "This address is not validly signed.")
    expires = int(match["expires"])
    media_key, _ = folder
    folder_name = f"{VIDEO_FOLDER_ROOT}/{media_key}"
    if not media_folder_signature_valid(
        folder=folder_name, expires=expires, signature=match["signature"]
    ):
        raise MediaError(403, "signature_invalid", "This address is not validly signed.")
    remaining = expires - int(time.time())
    if remaining < 0:
        raise MediaError(
            403, "signature_expired", "This address has expired: ask the API for a fresh one."
        )
    max_age = min(remaining, SIGNED_MAX_AGE_SECONDS)
    if media_on_s3():
        return _bucket_response(name, folder=folder_name, expires=expires, max_age=max_age)
    return _file_response(request, name, cache_control=f"private, max-age={max_age}")


@require_safe
def media_serve(request: HttpRequest, path: str) -> HttpResponse:
    """One file under `MEDIA_URL` (see the module docstring for who gets what)."""
    try:
        if path.startswith(f"{SIGNED_PREFIX}/"):
            return _signed(request, path)
        if media_on_s3():
            raise _not_found()  # the bucket serves its files, never the app
        return _plain(request, media_name_clean(path))
    except MediaError as error:
        return _error_response(error)


def media_urlpatterns() -> list[URLPattern]:
    """The route serving `MEDIA_URL`, for `config/urls.py`: there when `SERVE_MEDIA` is
    on, or when media is in a private bucket (for the signed playlists); otherwise
    none. `MEDIA_URL` must then be a path on this site (`/media/`)."""
    if not (settings.SERVE_MEDIA or media_urls_presigned()):
        return []
    prefix = urlsplit(settings.MEDIA_URL)
    if prefix.scheme or prefix.netloc or not prefix.path.startswith("/"):
        raise ImproperlyConfigured(
            "SERVE_MEDIA needs MEDIA_URL to be a path on this site, such as /media/; "
            "turn SERVE_MEDIA off when another server or a storage serves media."
        )
    route = rf"^{re.escape(prefix.path.lstrip('/'))}(?P<path>.*)\Z"
    return [re_path(route, media_serve, name="media")]
