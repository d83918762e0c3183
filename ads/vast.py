"""The VAST 4.2 document of a pre-roll: what any standard video player's ad plug-in
(the Google IMA SDK, video.js with IMA, JW Player) reads to play our ad.

One `<Ad>` with an `<InLine>` creative, in the order the IAB's VAST 4.2 XSD requires
(`tests/ads/standards/vast_4.2.xsd` validates every document the tests produce), or,
with nothing to serve, the empty document the spec prescribes:
`<VAST version="4.2" xmlns="http://www.iab.com/VAST"/>`.

Media files: the videos app stores H.264/AAC renditions as HLS (`Video.renditions`: one
variant playlist each, with its size and average bitrate) and an HLS master playlist.
Each rendition is a `streaming` `application/x-mpegURL` media file with its own size and
bitrate; a rendition stored as an MP4 file would be a `progressive` `video/mp4` one (the
videos app writes none today); the master playlist comes first among the streaming files
(the player adapts across renditions). VAST bitrates are in kilobits per second (the
renditions' are in bits per second). Media URLs are the ones the video's detail gives
(`videos.signed_urls.video_file_url`: absolute, and signed where the video is not public).
"""

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass

from django.conf import settings

from ads.models import TrackingEvent
from ads.selectors.serving import ServedAd
from ads.urls_public import (
    ad_click_url,
    ad_error_url,
    ad_impression_pixel_url,
    ad_tracking_url,
    ads_public_base_url,
)
from videos.models import Video
from videos.signed_urls import video_file_url

VAST_NAMESPACE = "http://www.iab.com/VAST"
VAST_VERSION = "4.2"
VAST_CONTENT_TYPE = "application/xml"
HLS_TYPE = "application/x-mpegURL"
MP4_TYPE = "video/mp4"
# How a rendition's file is delivered, by its name's ending.
MEDIA_KINDS = {".mp4": ("progressive", MP4_TYPE), ".m3u8": ("streaming", HLS_TYPE)}
# The player events a linear ad reports (an error has its own URL, with a code).
LINEAR_EVENTS = (
    TrackingEvent.Event.START,
    TrackingEvent.Event.FIRST_QUARTILE,
    TrackingEvent.Event.MIDPOINT,
    TrackingEvent.Event.THIRD_QUARTILE,
    TrackingEvent.Event.COMPLETE,
    TrackingEvent.Event.SKIP,
)
# VAST 4.2 requires a UniversalAdId; a creative registered with no registry (Ad-ID and
# the like) says so with these values (VAST 4.2, section 3.7.1).
UNIVERSAL_AD_ID_UNKNOWN = "unknown"
# Characters XML 1.0 cannot hold at all, even escaped (control characters but tab and
# line breaks, lone surrogates, U+FFFE and U+FFFF): left out of the document's text.
XML_INVALID_CHARACTERS = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
# `Duration` is an `xs:time`: at most 23:59:59.999.
DURATION_MAX_MILLISECONDS = 24 * 3600 * 1000 - 1


@dataclass(frozen=True)
class MediaFile:
    url: str
    delivery: str
    type: str
    width: int
    height: int
    bitrate: int | None = None  # kbit/s
    min_bitrate: int | None = None
    max_bitrate: int | None = None
    id: str = ""

    def attributes(self) -> dict[str, str]:
        attributes = {"delivery": self.delivery, "type": self.type}
        if self.id:
            attributes["id"] = self.id
        attributes |= {"width": str(self.width), "height": str(self.height)}
        for name, value in (
            ("bitrate", self.bitrate),
            ("minBitrate", self.min_bitrate),
            ("maxBitrate", self.max_bitrate),
        ):
            if value is not None:
                attributes[name] = str(value)
        return attributes


def vast_duration(seconds: float) -> str | None:
    """`seconds` as VAST's `HH:MM:SS.mmm`, rounded to the millisecond; None when it is
    not a duration an `xs:time` can hold (negative, or a day or more)."""
    milliseconds = round(seconds * 1000)
    if not 0 <= milliseconds <= DURATION_MAX_MILLISECONDS:
        return None
    hours, rest = divmod(milliseconds, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    whole_seconds, milliseconds = divmod(rest, 1000)
    return f"{hours:02d}:{minutes:02d}:{whole_seconds:02d}.{milliseconds:03d}"


def _kilobits(bits_per_second) -> int | None:
    if not isinstance(bits_per_second, int) or bits_per_second <= 0:
        return None
    return max(1, round(bits_per_second / 1000))


def vast_media_files(*, request, video: Video) -> list[MediaFile]:
    """The media files of `video` a player may choose from (see the module docstring)."""
    progressive: list[MediaFile] = []
    variants: list[MediaFile] = []
    for rendition in video.renditions:
        name = str(rendition.get("path", ""))
        kind = next((kind for ending, kind in MEDIA_KINDS.items() if name.endswith(ending)), None)
        url = video_file_url(request=request, video=video, name=name)
        if kind is None or url is None:
            continue
        delivery, media_type = kind
        media_file = MediaFile(
            url=url,
            delivery=delivery,
            type=media_type,
            width=int(rendition["width"]),
            height=int(rendition["height"]),
            bitrate=_kilobits(rendition.get("bitrate")),
            id=str(rendition.get("label", "")),
        )
        (progressive if delivery == "progressive" else variants).append(media_file)
    files = [*progressive]
    master_url = video_file_url(request=request, video=video, name=video.hls_playlist)
    if master_url is not None and video.width and video.height:
        bitrates = [file.bitrate for file in variants if file.bitrate is not None]
        files.append(
            MediaFile(
                url=master_url,
                delivery="streaming",
                type=HLS_TYPE,
                width=video.width,
                height=video.height,
                min_bitrate=min(bitrates) if bitrates else None,
                max_bitrate=max(bitrates) if bitrates else None,
                id="hls",
            )
        )
    return [*files, *variants]


def _add(parent: ET.Element, name: str, text: str | None = None, **attributes) -> ET.Element:
    element = ET.SubElement(parent, name, dict(attributes))
    if text is not None:
        element.text = XML_INVALID_CHARACTERS.sub("", text)
    return element


def _root() -> ET.Element:
    # The namespace is declared as the root's default one and every element is written
    # unprefixed, so all of them are in it. (ElementTree's `default_namespace` option
    # would refuse the schema's unqualified attributes.)
    return ET.Element("VAST", {"version": VAST_VERSION, "xmlns": VAST_NAMESPACE})


def _serialize(root: ET.Element) -> bytes:
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def vast_empty() -> bytes:
    """The document of no ad."""
    return _serialize(_root())


def vast_document(*, served: ServedAd | None, request) -> bytes:
    """The VAST 4.2 document of `served` (None: no ad), its tracking URLs absolute
    (`ADS_PUBLIC_BASE_URL`, else the request's scheme and host). A creative whose video
    has no duration VAST can state or no media file gets the empty document too."""
    if served is None:
        return vast_empty()
    creative = served.creative
    video = creative.video
    duration = vast_duration(video.duration_seconds) if video.duration_seconds else None
    media_files = vast_media_files(request=request, video=video)
    if duration is None or not media_files:
        return vast_empty()
    base = ads_public_base_url(request)
    token = served.token

    root = _root()
    ad = _add(root, "Ad", id=str(creative.pk), adType="video")
    inline = _add(ad, "InLine")
    _add(inline, "AdSystem", settings.SITE_NAME)
    _add(inline, "Error", ad_error_url(base=base, token=token))
    _add(inline, "Impression", ad_impression_pixel_url(base=base, token=token))
    _add(inline, "AdServingId", served.ticket.token_id)
    _add(inline, "AdTitle", creative.headline)
    creatives = _add(inline, "Creatives")
    creative_element = _add(creatives, "Creative", id=str(creative.pk), sequence="1")
    linear = _add(creative_element, "Linear")
    tracking_events = _add(linear, "TrackingEvents")
    for event in LINEAR_EVENTS:
        _add(
            tracking_events,
            "Tracking",
            ad_tracking_url(base=base, token=token, event=event.value),
            event=event.value,
        )
    _add(linear, "Duration", duration)
    media_files_element = _add(linear, "MediaFiles")
    for media_file in media_files:
        _add(media_files_element, "MediaFile", media_file.url, **media_file.attributes())
    video_clicks = _add(linear, "VideoClicks")
    _add(video_clicks, "ClickThrough", ad_click_url(base=base, token=token))
    _add(
        creative_element,
        "UniversalAdId",
        UNIVERSAL_AD_ID_UNKNOWN,
        idRegistry=UNIVERSAL_AD_ID_UNKNOWN,
    )
    return _serialize(root)
