"""What players carry: the signed, expiring playback address of a stream that is not
public, and the viewer token that `watch/` hands out and `heartbeat/` takes back.

A public stream plays at `LIVE_HLS_URL_TEMPLATE` formatted with its public id
(`/hls/<public id>/index.m3u8`). Any other visibility (unlisted, followers,
subscribers, private) plays at a signed address: the signature is an HMAC-SHA256 of
`<public id>:<expires>` (`expires` a unix time) under a key derived from `SECRET_KEY`,
so it names the stream and its end, and nothing else (never the stream key). It is made
for callers who may see the stream (its shape and `watch/` answer only them) and lasts
`LIVE_PLAYBACK_URL_SECONDS`. Where it goes depends on the media server
(`LIVE_PLAYBACK_SIGNATURE`):

- `path` (nginx-rtmp, the default): a folder before the public id,
  `/hls/<expires>.<signature>/<public id>/index.m3u8`. nginx-rtmp's playlists name
  their segments relatively (`3.ts`), so a player fetches
  `/hls/<expires>.<signature>/<public id>/3.ts`: every file carries the signature. (A
  query would not: relative addresses drop it.) A public id never holds a dot, so the
  dotted folder is unambiguously a signature. The HLS location serves both forms from
  the same folder and asks the platform with `auth_request`, passing the request's own
  URI in `X-Original-URI` (`manage.py live_media_config nginx` prints it all; the
  regular expression abridged here)::

      location ~ ^/hls/(?:[0-9]+\\.[0-9a-f]+/)?(?<hls_file>[A-Za-z0-9_-]+/[^/]+)$ {
          auth_request /_live_auth;
          alias /var/lib/live/hls/$hls_file;
          ...
      }
      location = /_live_auth {
          internal;
          proxy_pass http://platform/api/v1/live/playback/auth/;
          proxy_pass_request_body off;
          proxy_set_header Content-Length "";
          proxy_set_header X-Original-URI $request_uri;
      }

  The platform answers 204 (serve it) or 403 (`playback_signature_check`).
- `query` (MediaMTX, which serves no such folder but repeats the playlist's query on
  its segment addresses): `/live/<public id>/index.m3u8?expires=<expires>&token=<signature>`.
  Its `read` action carries the reader's query (that, or a `viewer_token=...`), which
  `playback_query_allows` checks.
"""

import hmac
import re
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import parse_qs, urlencode, urlsplit

from django.conf import settings
from django.core import signing
from django.utils import timezone
from django.utils.crypto import salted_hmac
from rest_framework.exceptions import ValidationError

from livestream.exceptions import INVALID_VIEWER_TOKEN, VIEWER_TOKEN_EXPIRED
from livestream.models import Stream

PLAYBACK_SALT = "livestream.playback.url"
# What a public id may look like (`stream_public_id_new`: URL-safe, at most 16).
PUBLIC_ID_PATTERN = re.compile(r"[A-Za-z0-9_-]{1,16}")
# The folder a signed address puts before the public id: `<expires>.<signature>`
# (at most 12 ASCII digits, then the 64 lowercase hex digits of the HMAC).
SIGNATURE_FOLDER_PATTERN = re.compile(r"([0-9]{1,12})\.([0-9a-f]{64})")
# A file of a stream's HLS folder as nginx-rtmp names them (`index.m3u8`, `3.ts`): a
# plain name, never `.`, `..`, an empty name or a percent-encoded one.
HLS_FILE_PATTERN = re.compile(r"[A-Za-z0-9_-][A-Za-z0-9_.-]{0,99}")
SIGNATURE_IN_PATH = "path"
SIGNATURE_IN_QUERY = "query"
VIEWER_TOKEN_SALT = "livestream.playback.viewer_token"


def _unix(now: datetime | None) -> int:
    return int((now or timezone.now()).timestamp())


def playback_url_unsigned(public_id: str) -> str:
    """`LIVE_HLS_URL_TEMPLATE` for the stream played under `public_id`."""
    return settings.LIVE_HLS_URL_TEMPLATE.format(public_id=public_id)


def playback_signature(*, public_id: str, expires: int) -> str:
    """The signature of `public_id`'s playback until `expires` (unix time), hex."""
    return salted_hmac(PLAYBACK_SALT, f"{public_id}:{expires}", algorithm="sha256").hexdigest()


def playback_url_signed(stream: Stream, now: datetime | None = None) -> str:
    """The stream's playback address with a signature that expires
    `LIVE_PLAYBACK_URL_SECONDS` after `now`: in a folder before the public id
    (`.../<expires>.<signature>/<public id>/index.m3u8`), or in the query with
    `LIVE_PLAYBACK_SIGNATURE=query` (`...?expires=<expires>&token=<signature>`)."""
    expires = _unix(now) + settings.LIVE_PLAYBACK_URL_SECONDS
    signature = playback_signature(public_id=stream.public_id, expires=expires)
    if settings.LIVE_PLAYBACK_SIGNATURE == SIGNATURE_IN_QUERY:
        url = playback_url_unsigned(stream.public_id)
        separator = "&" if urlsplit(url).query else "?"
        return f"{url}{separator}{urlencode({'expires': expires, 'token': signature})}"
    return settings.LIVE_HLS_URL_TEMPLATE.format(
        public_id=f"{expires}.{signature}/{stream.public_id}"
    )


def playback_url(stream: Stream, now: datetime | None = None) -> str:
    """Where players fetch the stream's HLS: signed unless the stream is public."""
    if stream.visibility == Stream.Visibility.PUBLIC:
        return playback_url_unsigned(stream.public_id)
    return playback_url_signed(stream, now)


def playback_signature_valid(
    *, public_id: str, expires: str, signature: str, now: datetime | None = None
) -> bool:
    """Whether `signature` signs `public_id`'s playback until `expires` (a unix time
    in at most 12 ASCII digits) and `expires` has not passed; compared in constant
    time."""
    if not (expires.isascii() and expires.isdigit()) or len(expires) > 12:
        return False
    if int(expires) < _unix(now):
        return False
    expected = playback_signature(public_id=public_id, expires=int(expires))
    return hmac.compare_digest(signature.encode(), expected.encode())


@dataclass(frozen=True)
class PlaybackPath:
    """What a playback path names: the stream's public id and, when signed, the
    signature's `expires` and hex digest (as given, still to be checked)."""

    public_id: str
    expires: str | None = None
    signature: str | None = None


def playback_path_read(path: str) -> PlaybackPath | None:
    """What `path` (as requested, not decoded) names: a file of a stream's HLS folder
    under `LIVE_HLS_URL_TEMPLATE`'s path up to `{public_id}` (`/hls/`), either
    `/hls/<public id>/<file>` or `/hls/<expires>.<signature>/<public id>/<file>`.
    None for anything else: another prefix, a malformed signature or public id, a
    missing or extra folder, a file name that is not plain (`..`, `%2F`, empty), as the
    media server would resolve those to another file than the one this names."""
    template_path = urlsplit(settings.LIVE_HLS_URL_TEMPLATE).path
    prefix = template_path.split("{public_id}", 1)[0]
    if not path.startswith(prefix):
        return None
    segments = path[len(prefix) :].split("/")
    signed = None
    if len(segments) == 3:
        signed = SIGNATURE_FOLDER_PATTERN.fullmatch(segments.pop(0))
        if signed is None:
            return None
    if len(segments) != 2:
        return None
    public_id, file_name = segments
    if not (PUBLIC_ID_PATTERN.fullmatch(public_id) and HLS_FILE_PATTERN.fullmatch(file_name)):
        return None
    if signed is None:
        return PlaybackPath(public_id=public_id)
    return PlaybackPath(public_id=public_id, expires=signed[1], signature=signed[2])


def playback_signature_check(uri: str, now: datetime | None = None) -> bool:
    """Whether nginx may serve `uri` (a path with its query, as nginx's `$request_uri`):
    a file of a public stream, under its unsigned or a signed folder; or of another
    stream, under a folder with a valid, unexpired signature of that stream
    (`playback_path_read`). The query plays no part. One query (the stream's
    visibility, by its indexed public id)."""
    try:
        parts = urlsplit(uri or "")
    except ValueError:  # what urlsplit cannot read (`//[`) names no stream
        return False
    named = playback_path_read(parts.path)
    if named is None:
        return False
    visibility = (
        Stream.objects.filter(public_id=named.public_id)
        .values_list("visibility", flat=True)
        .first()
    )
    if visibility is None:
        return False
    if visibility == Stream.Visibility.PUBLIC:
        # Anyone may watch it: an address signed before it was made public still plays.
        return True
    if named.expires is None or named.signature is None:
        return False
    return playback_signature_valid(
        public_id=named.public_id, expires=named.expires, signature=named.signature, now=now
    )


# -- viewer tokens ----------------------------------------------------------------------


@dataclass(frozen=True)
class ViewerTicket:
    """What a viewer token says: which broadcast, which viewer (and user, if signed
    in), until when."""

    stream_id: str
    session_id: str
    viewer_id: str
    user_id: str | None
    expires: int


def viewer_token_make(
    *, stream_id, session_id, viewer_id: str, user_id, now: datetime | None = None
) -> str:
    """A token naming the viewer of one broadcast, signed (django.core.signing under
    `SECRET_KEY`), expiring `LIVE_VIEWER_TOKEN_SECONDS` after `now`."""
    payload = {
        "s": str(stream_id),
        "b": str(session_id),
        "v": viewer_id,
        "u": str(user_id) if user_id is not None else None,
        "x": _unix(now) + settings.LIVE_VIEWER_TOKEN_SECONDS,
    }
    return signing.dumps(payload, salt=VIEWER_TOKEN_SALT)


def viewer_token_read(token: str, now: datetime | None = None) -> ViewerTicket:
    """The ticket `token` holds, or the refusal: `invalid_viewer_token` (not one we
    signed, or malformed), `viewer_token_expired`."""
    try:
        payload = signing.loads(token, salt=VIEWER_TOKEN_SALT)
        ticket = ViewerTicket(
            stream_id=str(payload["s"]),
            session_id=str(payload["b"]),
            viewer_id=str(payload["v"]),
            user_id=payload["u"],
            expires=int(payload["x"]),
        )
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        raise INVALID_VIEWER_TOKEN.error() from None
    if ticket.expires < _unix(now):
        raise VIEWER_TOKEN_EXPIRED.error()
    return ticket


def playback_query_allows(*, stream: Stream, query: str, now: datetime | None = None) -> bool:
    """Whether a reader's query string (MediaMTX's `query`) holds a valid playback
    signature of `stream`, or an unexpired viewer token of its broadcast."""
    parsed = parse_qs(query or "")
    if playback_signature_valid(
        public_id=stream.public_id,
        expires=(parsed.get("expires") or [""])[0],
        signature=(parsed.get("token") or [""])[0],
        now=now,
    ):
        return True
    token = (parsed.get("viewer_token") or [""])[0]
    if not token:
        return False
    try:
        ticket = viewer_token_read(token, now)
    except ValidationError:
        return False
    return ticket.stream_id == str(stream.pk)
