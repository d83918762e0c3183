"""Absolute URLs of a video's files, for the API's answers, and the signatures that
open the files of videos that are not public.

A public video's files (ready, `public`, owner public and allowed to sign in: what an
anonymous visitor sees in lists) have plain `MEDIA_URL` addresses. Every other video's
files are reached through a signed, expiring address of its whole folder:

    <MEDIA_URL>signed/<expires>/<signature>/videos/<media_key>/hls/master.m3u8

The signature is an HMAC (keyed with `SECRET_KEY`, or one of `SECRET_KEY_FALLBACKS`)
over the folder `videos/<media_key>/` and `expires` (Unix seconds), so the relative
URIs inside HLS playlists (`240p/index.m3u8`, `segment_00000.ts`) resolve under the
same signed prefix and every segment a player fetches is signed, with no playlist
rewritten. A signature stays valid until it expires, even if the video is made
private or deleted meanwhile (deleted files are gone, though): issue short lifetimes
(`MEDIA_URL_SIGNATURE_SECONDS`) where that matters. `videos/views/files.py` checks them.

With media in an S3 bucket the bucket serves the files. In `S3_URL_MODE=signed` the
bucket is private and every video's files (public ones too) get presigned addresses
from the store, valid as long; only HLS playlists keep the app's signed address above,
because a presigned address signs one object and the relative URIs inside a playlist
would not be: the app answers them rewritten, every URI presigned (see
`videos/views/files.py`). In `S3_URL_MODE=public` every file has its plain object
address (or the CDN's), and the bucket's policy decides who reads what.
"""

import logging
import math
import time

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import FieldDoesNotExist
from django.core.files.storage import default_storage
from django.core.signing import b64_encode
from django.db.models import Model, Q
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.encoding import filepath_to_uri
from rest_framework.request import Request

from videos.models import Video
from videos.selectors import video_queryset_visible, video_visibility_filter
from videos.storage import PLAYLIST_EXTENSION, media_urls_presigned

logger = logging.getLogger(__name__)

SIGNED_PREFIX = "signed"
# The module's former name: changing the salt would void every address handed out.
SIGNATURE_SALT = "videos.media_urls.folder"
# Expiry times are rounded up to a step, so the addresses handed out for one video stay
# the same for a while and players, browsers and list pages can reuse cached files. A
# URL therefore lives at least MEDIA_URL_SIGNATURE_SECONDS, and at most a tenth longer
# (never more than five minutes longer).
EXPIRY_STEP_MAX_SECONDS = 300


# -- who may fetch plain addresses ---------------------------------------------------


class _NotInMemory(Exception):
    """The filter uses something `_q_matches` cannot evaluate on a loaded object."""


_LOOKUPS = ("exact", "in", "isnull")


def _attribute_path_value(instance: Model, parts: list[str]):
    """The value at `owner__status`-like `parts`, following only columns and forward
    relations (a reverse or many-to-many relation is a set: left to the database)."""
    value = instance
    for part in parts:
        if value is None:
            return None
        if part == "pk":
            part = value._meta.pk.name
        try:
            field = value._meta.get_field(part)
        except FieldDoesNotExist as error:
            raise _NotInMemory(part) from error
        if not field.concrete or field.many_to_many:
            raise _NotInMemory(part)
        value = getattr(value, part)
    return value


def _condition_matches(instance: Model, lookup: str, expected) -> bool:
    if hasattr(expected, "resolve_expression"):  # F(), subqueries, querysets
        raise _NotInMemory(lookup)
    *parts, last = lookup.split("__")
    if last in _LOOKUPS:
        operator = last
    else:
        parts.append(last)
        operator = "exact"
    value = _attribute_path_value(instance, parts)
    if isinstance(value, Model):
        value = value.pk
    if isinstance(expected, Model):
        expected = expected.pk
    if operator == "in":
        return value in expected
    if operator == "isnull":
        return (value is None) == bool(expected)
    return value == expected


def _q_matches(q: Q, instance: Model) -> bool:
    """Whether `instance` passes the filter `q`, decided on the loaded object (and its
    already-joined relations) without a query. Understands `exact`, `in` and `isnull`
    over attribute paths; raises `_NotInMemory` on anything else."""
    results = (
        _q_matches(child, instance)
        if isinstance(child, Q)
        else _condition_matches(instance, *child)
        for child in q.children
    )
    if q.connector == Q.AND:
        matched = all(results)
    elif q.connector == Q.OR:
        matched = any(results)
    else:
        raise _NotInMemory(q.connector)
    return not matched if q.negated else matched


def video_files_are_public(video: Video) -> bool:
    """Whether anyone may fetch `video`'s files at plain addresses: exactly when the
    privacy rule (`videos.selectors`) lists it to anonymous visitors.

    The rule's filter is evaluated on the loaded video and its owner (joined by every
    video selector), so a page of videos costs no extra query; a rule this cannot
    evaluate in memory is asked of the database instead. The answer is kept on the
    instance for as long as what it depends on is unchanged: a video's thumbnail,
    playlist and renditions ask it once.
    """
    if video.pk is None:
        return False
    owner = video.owner
    depends_on = (video.status, video.visibility, owner.status, owner.is_private)
    kept = video.__dict__.get("_files_public")
    if kept is not None and kept[0] == depends_on:
        return kept[1]
    public = _video_files_are_public(video)
    video.__dict__["_files_public"] = (depends_on, public)
    return public


def _video_files_are_public(video: Video) -> bool:
    try:
        return _q_matches(video_visibility_filter(viewer=AnonymousUser(), listed=True), video)
    except _NotInMemory:
        queryset = video_queryset_visible(viewer=AnonymousUser(), listed=True)
        return queryset.filter(pk=video.pk).exists()


def media_key_is_public(media_key: str) -> bool:
    """Whether the files of the video in folder `videos/<media_key>/` are public (one
    query; see `video_files_are_public`). False when there is no such video."""
    queryset = video_queryset_visible(viewer=AnonymousUser(), listed=True)
    return queryset.filter(media_key=media_key).exists()


# -- signatures ----------------------------------------------------------------------


def media_folder_signature(*, folder: str, expires: int, secret: str | None = None) -> str:
    """The signature opening every file under `folder` (e.g. `videos/<media_key>`,
    without the trailing slash) until `expires` (Unix seconds): URL-safe base64."""
    digest = salted_hmac(
        SIGNATURE_SALT, f"{folder}/\n{expires}", secret=secret, algorithm="sha256"
    ).digest()
    return b64_encode(digest).decode()


def media_folder_signature_valid(*, folder: str, expires: int, signature: str) -> bool:
    """Whether `signature` was made for `folder` and `expires` with the current secret
    or a fallback one (the expiry itself is not checked here)."""
    return any(
        constant_time_compare(
            signature, media_folder_signature(folder=folder, expires=expires, secret=secret)
        )
        for secret in (settings.SECRET_KEY, *settings.SECRET_KEY_FALLBACKS)
    )


def media_signature_expiry(*, now: float | None = None) -> int:
    """When a signature issued at `now` (default: the current time) expires: after
    `MEDIA_URL_SIGNATURE_SECONDS`, rounded up to a step (see `EXPIRY_STEP_MAX_SECONDS`)."""
    now = time.time() if now is None else now
    lifetime = settings.MEDIA_URL_SIGNATURE_SECONDS
    step = min(EXPIRY_STEP_MAX_SECONDS, max(1, lifetime // 10))
    return math.ceil((now + lifetime) / step) * step


def media_path_signed(*, name: str, folder: str, expires: int) -> str:
    """The signed address (a path under `MEDIA_URL`) of the file `name`, which lies in
    `folder`, valid until `expires`."""
    signature = media_folder_signature(folder=folder, expires=expires)
    return f"{settings.MEDIA_URL}{SIGNED_PREFIX}/{expires}/{signature}/{filepath_to_uri(name)}"


# -- the URLs the API hands out ------------------------------------------------------


def video_file_url(*, request: Request | None, video: Video, name: str) -> str | None:
    """The absolute URL of `name` (a storage name under the video's folder), or None
    when there is no file.

    Public videos' files get their plain address. Others get a signed address valid for
    `MEDIA_URL_SIGNATURE_SECONDS`: the caller has been shown the video, so it may fetch
    its files. Without `SERVE_MEDIA`, whatever serves the storage decides, and the
    storage's own URL is returned (presigned, in a private bucket), but for HLS
    playlists in a private bucket (see the module docstring). Without a request the
    URL is relative to the site.
    """
    if not name:
        return None
    if not name.startswith(f"{video.media_folder}/"):
        logger.error("Video %s names a file outside its folder: %r.", video.pk, name)
        return None
    if media_urls_presigned():
        is_served_by_storage = not name.endswith(PLAYLIST_EXTENSION)
    else:
        is_served_by_storage = not settings.SERVE_MEDIA or video_files_are_public(video)
    if is_served_by_storage:
        url = default_storage.url(name)
    else:
        url = media_path_signed(
            name=name, folder=video.media_folder, expires=media_signature_expiry()
        )
    return request.build_absolute_uri(url) if request is not None else url
