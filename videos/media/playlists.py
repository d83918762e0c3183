"""Reading HLS playlists: the master's variants, a media playlist's segments
(`hls_playlist_parse`)."""

import math
import re
from dataclasses import dataclass


class HlsPlaylistInvalid(ValueError):
    """Text that is not a well-formed HLS playlist of the kind expected."""


@dataclass(frozen=True)
class HlsSegment:
    uri: str
    duration_seconds: float


@dataclass(frozen=True)
class HlsStreamEntry:
    uri: str
    attributes: dict[str, str]


@dataclass(frozen=True)
class HlsPlaylist:
    """A parsed playlist: a master playlist has `variants`, a media playlist
    `segments`, a target duration and (when complete) `is_ended`."""

    is_master: bool
    target_duration: int | None = None
    segments: tuple[HlsSegment, ...] = ()
    variants: tuple[HlsStreamEntry, ...] = ()
    is_ended: bool = False


_ATTRIBUTE = re.compile(r'([A-Z0-9-]+)=("[^"]*"|[^",]*)')


def hls_attributes_parse(text: str) -> dict[str, str]:
    """The attribute list of an HLS tag (`BANDWIDTH=1,CODECS="a,b"`), quotes removed."""
    return {name: value.strip('"') for name, value in _ATTRIBUTE.findall(text)}


def hls_playlist_parse(text: str, *, master: bool | None = None) -> HlsPlaylist:
    """Parse an HLS playlist (RFC 8216), checking what players rely on: `#EXTM3U`
    first; in a master playlist, each `#EXT-X-STREAM-INF` has a BANDWIDTH and a URI
    line; in a media playlist, `#EXT-X-TARGETDURATION` is present, each `#EXTINF`
    has a duration no longer than it (rounded) and a URI line. `master` (when given)
    says which kind is expected. Raises `HlsPlaylistInvalid`."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if not lines or lines[0] != "#EXTM3U":
        raise HlsPlaylistInvalid("A playlist must start with #EXTM3U.")
    is_master = any(line.startswith("#EXT-X-STREAM-INF:") for line in lines)
    if master is not None and master != is_master:
        kind = "master" if master else "media"
        raise HlsPlaylistInvalid(f"Expected a {kind} playlist.")
    target_duration = None
    segments: list[HlsSegment] = []
    variants: list[HlsStreamEntry] = []
    pending_duration: float | None = None
    pending_attributes: dict[str, str] | None = None
    is_ended = False
    for line in lines[1:]:
        if line.startswith("#"):
            if line.startswith("#EXT-X-TARGETDURATION:"):
                target_duration = _number(line.split(":", 1)[1], int)
            elif line.startswith("#EXTINF:"):
                pending_duration = _number(line.split(":", 1)[1].split(",", 1)[0], float)
            elif line.startswith("#EXT-X-STREAM-INF:"):
                pending_attributes = hls_attributes_parse(line.split(":", 1)[1])
                if "BANDWIDTH" not in pending_attributes:
                    raise HlsPlaylistInvalid("#EXT-X-STREAM-INF needs a BANDWIDTH.")
            elif line == "#EXT-X-ENDLIST":
                is_ended = True
            continue
        if is_master:
            if pending_attributes is None:
                raise HlsPlaylistInvalid(f"{line!r} follows no #EXT-X-STREAM-INF.")
            variants.append(HlsStreamEntry(uri=line, attributes=pending_attributes))
            pending_attributes = None
        else:
            if pending_duration is None:
                raise HlsPlaylistInvalid(f"{line!r} follows no #EXTINF.")
            segments.append(HlsSegment(uri=line, duration_seconds=pending_duration))
            pending_duration = None
    if is_master:
        if not variants or pending_attributes is not None:
            raise HlsPlaylistInvalid("A master playlist needs a URI after each stream.")
    else:
        if target_duration is None:
            raise HlsPlaylistInvalid("A media playlist needs #EXT-X-TARGETDURATION.")
        if pending_duration is not None:
            raise HlsPlaylistInvalid("The last #EXTINF has no URI.")
        for segment in segments:
            if round(segment.duration_seconds) > target_duration:
                raise HlsPlaylistInvalid("A segment is longer than the target duration.")
    return HlsPlaylist(
        is_master=is_master,
        target_duration=target_duration,
        segments=tuple(segments),
        variants=tuple(variants),
        is_ended=is_ended,
    )


def _number(text: str, kind: type) -> float:
    try:
        value = kind(text.strip())
    except ValueError as error:
        raise HlsPlaylistInvalid(f"{text!r} is not a number.") from error
    if value < 0 or not math.isfinite(value):
        raise HlsPlaylistInvalid(f"{text!r} is not a duration.")
    return value
