"""What players carry: the signed, expiring playback address of a stream that is not
public, and the viewer token that `watch/` hands out and `heartbeat/` takes back.

A public stream plays at `LIVE_HLS_URL_TEMPLATE` formatted with its public id. Any
other visibility (unlisted, followers, subscribers, private) plays at the same address
with `?expires=<unix time>&token=<signature>` appended: the signature is an HMAC-SHA256
of `<public id>:<expires>` under a key derived from `SECRET_KEY`, so it names the stream
and its end, and nothing else (never the stream key). It is made for callers who may
see the stream (its shape and `watch/` answer only them) and lasts
`LIVE_PLAYBACK_URL_SECONDS`.

The media server checks it before serving a file:

- nginx: the HLS location asks the platform with `auth_request`, passing the request's
  own URI (with its query) in `X-Original-URI`::

      location /hls/ {
          auth_request /_playback_auth;
          ...
      }
      location = /_playback_auth {
          internal;
          proxy_pass http://platform/api/v1/live/playback/auth/;
          proxy_pass_request_body off;
          proxy_set_header Content-Length "";
          proxy_set_header X-Original-URI $request_uri;
      }

  The platform answers 204 (serve it) or 403 (`playback_signature_check`).
- MediaMTX: its `read` action carries the reader's query (`?expires=...&token=...`, or
  a `viewer_token=...`), which `playback_query_allows` checks.
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
    `LIVE_PLAYBACK_URL_SECONDS` after `now`."""
    expires = _unix(now) + settings.LIVE_PLAYBACK_URL_SECONDS
    url = playback_url_unsigned(stream.public_id)
    signature = playback_signature(public_id=stream.public_id, expires=expires)
    separator = "&" if urlsplit(url).query else "?"
    return f"{url}{separator}{urlencode({'expires': expires, 'token': signature})}"


def playback_url(stream: Stream, now: datetime | None = None) -> str:
    """Where players fetch the stream's HLS: signed unless the stream is public."""
    if stream.visibility == Stream.Visibility.PUBLIC:
        return playback_url_unsigned(stream.public_id)
    return playback_url_signed(stream, now)


def playback_signature_valid(*, public_id: str, query: dict, now: datetime | None = None) -> bool:
    """Whether `query` (parsed, lists of values) holds an unexpired signature of
    `public_id`'s playback, compared in constant time."""
    expires = (query.get("expires") or [""])[0]
    given = (query.get("token") or [""])[0]
    if not (expires.isascii() and expires.isdigit()) or len(expires) > 12:
        return False
    if int(expires) < _unix(now):
        return False
    expected = playback_signature(public_id=public_id, expires=int(expires))
    return hmac.compare_digest(given.encode(), expected.encode())


def playback_public_id(path: str) -> str | None:
    """The public id a playback path names: the segment where
    `LIVE_HLS_URL_TEMPLATE`'s path has `{public_id}` (`/hls/<id>/index.m3u8`,
    `/hls/<id>/3.ts`); None for a path outside it."""
    template_path = urlsplit(settings.LIVE_HLS_URL_TEMPLATE).path
    prefix = template_path.split("{public_id}", 1)[0]
    if not path.startswith(prefix):
        return None
    public_id = path[len(prefix) :].split("/", 1)[0]
    return public_id if PUBLIC_ID_PATTERN.fullmatch(public_id) else None


def playback_signature_check(uri: str, now: datetime | None = None) -> bool:
    """Whether the media server may serve `uri` (a path with its query, as nginx's
    `$request_uri`): a file of a public stream, or of another stream with a valid,
    unexpired signature of that stream in the query. One query (the stream's
    visibility, by its indexed public id)."""
    try:
        parts = urlsplit(uri or "")
    except ValueError:  # what urlsplit cannot read (`//[`) names no stream
        return False
    public_id = playback_public_id(parts.path)
    if public_id is None:
        return False
    visibility = (
        Stream.objects.filter(public_id=public_id).values_list("visibility", flat=True).first()
    )
    if visibility is None:
        return False
    if visibility == Stream.Visibility.PUBLIC:
        return True
    return playback_signature_valid(public_id=public_id, query=parse_qs(parts.query), now=now)


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
    if playback_signature_valid(public_id=stream.public_id, query=parsed, now=now):
        return True
    token = (parsed.get("viewer_token") or [""])[0]
    if not token:
        return False
    try:
        ticket = viewer_token_read(token, now)
    except ValidationError:
        return False
    return ticket.stream_id == str(stream.pk)
