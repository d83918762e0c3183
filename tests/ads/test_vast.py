"""`GET ads/vast/`: VAST 4.2 pre-rolls, every answer validated against the IAB's XSD."""

from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from lxml import etree

from ads.tokens import ad_token_read
from ads.vast import vast_duration
from tests.accounts.factories import UserFactory
from tests.ads.factories import CreativeFactory
from tests.ads.serving_helpers import creative_of, servable_campaign
from tests.conftest import error_body
from videos.models import Video

VAST = "/api/v1/ads/vast/"
NS = {"v": "http://www.iab.com/VAST"}
XSD = etree.XMLSchema(etree.parse(str(Path(__file__).parent / "standards" / "vast_4.2.xsd")))
EMPTY = (
    b"<?xml version='1.0' encoding='utf-8'?>\n"
    b'<VAST version="4.2" xmlns="http://www.iab.com/VAST" />'
)
SERVER = "http://testserver"
EVENTS = ["start", "firstQuartile", "midpoint", "thirdQuartile", "complete", "skip"]


def vast(response) -> etree._Element:
    """The answer's document, after checking it is VAST 4.2 as the XSD says."""
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "application/xml"
    document = etree.fromstring(response.content)
    XSD.assertValid(document)
    assert document.tag == "{http://www.iab.com/VAST}VAST"
    assert document.get("version") == "4.2"
    return document


def text(document, path: str) -> str:
    (found,) = document.xpath(path, namespaces=NS)
    return found.text


def renditions(video: Video, *ladder: tuple[int, int, int, str]) -> Video:
    folder = video.media_folder
    video.thumbnail = f"{folder}/thumbnail.jpg"
    video.hls_playlist = f"{folder}/hls/master.m3u8"
    video.renditions = [
        {
            "label": label,
            "height": height,
            "width": width,
            "bitrate": bitrate,
            "path": f"{folder}/hls/{label}/index.m3u8",
        }
        for width, height, bitrate, label in ladder
    ]
    video.save()
    return video


LADDER = ((426, 240, 400_123, "240p"), (640, 360, 799_600, "360p"))


@pytest.fixture
def creative(db):
    made = creative_of(servable_campaign(bid_millicoins=5_000))
    made.headline = "Try Acme & co <now>"
    made.save(update_fields=["headline"])
    made.video.duration_seconds = 12.5
    made.video.width, made.video.height = 640, 360
    renditions(made.video, *LADDER)
    return made


def test_an_ad_has_every_element_vast_requires(api_client, creative):
    document = vast(api_client.get(f"{VAST}?placement=preroll"))

    (ad,) = document.xpath("v:Ad", namespaces=NS)
    assert ad.get("id") == str(creative.pk)
    (inline,) = ad.xpath("v:InLine", namespaces=NS)
    assert [etree.QName(child).localname for child in inline] == [
        "AdSystem",
        "Error",
        "Impression",
        "AdServingId",
        "AdTitle",
        "Creatives",
    ]
    assert text(inline, "v:AdSystem") == settings.SITE_NAME
    assert text(inline, "v:AdTitle") == "Try Acme & co <now>"
    impression = text(inline, "v:Impression")
    prefix = f"{SERVER}/api/v1/ads/i/"
    assert impression.startswith(prefix) and impression.endswith("/")
    token = impression[len(prefix) : -1]
    ticket = ad_token_read(token)
    assert (ticket.creative_id, ticket.campaign_id, ticket.placement) == (
        str(creative.pk),
        str(creative.campaign_id),
        "preroll",
    )
    assert text(inline, "v:AdServingId") == ticket.token_id
    assert text(inline, "v:Error") == f"{SERVER}/api/v1/ads/t/{token}/error/?code=%5BERRORCODE%5D"

    (creative_element,) = inline.xpath("v:Creatives/v:Creative", namespaces=NS)
    assert creative_element.get("id") == str(creative.pk)
    linear = creative_element.xpath("v:Linear", namespaces=NS)[0]
    assert text(linear, "v:Duration") == "00:00:12.500"
    assert [
        (tracking.get("event"), tracking.text)
        for tracking in linear.xpath("v:TrackingEvents/v:Tracking", namespaces=NS)
    ] == [(event, f"{SERVER}/api/v1/ads/t/{token}/{event}/") for event in EVENTS]
    assert text(linear, "v:VideoClicks/v:ClickThrough") == f"{SERVER}/api/v1/ads/click/{token}/"
    universal = creative_element.xpath("v:UniversalAdId", namespaces=NS)[0]
    assert (universal.get("idRegistry"), universal.text) == ("unknown", "unknown")


def test_characters_xml_cannot_hold_are_left_out_of_the_title(api_client, creative):
    creative.headline = "Bell\x07 and tab\t"
    creative.save(update_fields=["headline"])

    document = vast(api_client.get(VAST))

    assert text(document, "//v:AdTitle") == "Bell and tab\t"


def test_the_media_files_are_the_hls_playlist_and_each_rendition(api_client, creative):
    document = vast(api_client.get(VAST))

    media = f"{SERVER}/media/{creative.video.media_folder}/hls"
    files = document.xpath("//v:MediaFiles/v:MediaFile", namespaces=NS)
    assert [(dict(file.attrib), file.text) for file in files] == [
        (
            {
                "delivery": "streaming",
                "type": "application/x-mpegURL",
                "id": "hls",
                "width": "640",
                "height": "360",
                "minBitrate": "400",
                "maxBitrate": "800",
            },
            f"{media}/master.m3u8",
        ),
        (
            {
                "delivery": "streaming",
                "type": "application/x-mpegURL",
                "id": "240p",
                "width": "426",
                "height": "240",
                "bitrate": "400",
            },
            f"{media}/240p/index.m3u8",
        ),
        (
            {
                "delivery": "streaming",
                "type": "application/x-mpegURL",
                "id": "360p",
                "width": "640",
                "height": "360",
                "bitrate": "800",
            },
            f"{media}/360p/index.m3u8",
        ),
    ]


def test_an_mp4_rendition_is_a_progressive_media_file(api_client, creative):
    video = creative.video
    video.renditions = [
        *video.renditions,
        {
            "label": "720p",
            "height": 720,
            "width": 1280,
            "bitrate": 2_800_000,
            "path": f"{video.media_folder}/720p.mp4",
        },
    ]
    video.save(update_fields=["renditions"])

    document = vast(api_client.get(VAST))

    first = document.xpath("//v:MediaFiles/v:MediaFile", namespaces=NS)[0]
    assert dict(first.attrib) == {
        "delivery": "progressive",
        "type": "video/mp4",
        "id": "720p",
        "width": "1280",
        "height": "720",
        "bitrate": "2800",
    }
    assert first.text == f"{SERVER}/media/{video.media_folder}/720p.mp4"


def test_a_video_made_private_stops_its_ad_at_once(api_client, creative):
    vast(api_client.get(VAST))  # the serving snapshot is built while the video is public
    video = creative.video
    video.visibility = Video.Visibility.UNLISTED
    video.save(update_fields=["visibility"])

    # The snapshot still lists it (the videos app bumps no serving version), but the
    # decision's own query checks the video's privacy: nothing is served.
    document = vast(api_client.get(VAST))

    assert document.xpath("//v:Ad", namespaces=NS) == []


def test_the_tracking_urls_use_the_public_base_url(api_client, creative, settings):
    settings.ADS_PUBLIC_BASE_URL = "https://ads.example.com/"

    document = vast(api_client.get(VAST))

    assert text(document, "//v:Impression").startswith("https://ads.example.com/api/v1/ads/i/")
    assert text(document, "//v:ClickThrough").startswith(
        "https://ads.example.com/api/v1/ads/click/"
    )
    # The media are where the video's detail says they are.
    assert text(document, "(//v:MediaFile)[1]").startswith(f"{SERVER}/media/")


def test_no_eligible_ad_is_the_empty_document(api_client, db):
    CreativeFactory()  # its campaign is a draft

    response = api_client.get(VAST)

    vast(response)
    assert response.content == EMPTY


@pytest.mark.parametrize(
    "query",
    [
        "",
        "?placement=",
        "?placement=preroll&cb=[CACHEBUSTING]",
        "?cb=1234&correlator=[TIMESTAMP]&url=[PAGEURL]&format=xml",
    ],
)
def test_the_players_macros_and_unknown_parameters_are_ignored(api_client, creative, query):
    document = vast(api_client.get(f"{VAST}{query}"))

    assert document.xpath("v:Ad/@id", namespaces=NS) == [str(creative.pk)]


@pytest.mark.parametrize("accept", ["application/xml", "text/xml", "*/*", "video/mp4"])
def test_the_document_is_xml_whatever_the_player_accepts(api_client, creative, accept):
    vast(api_client.get(VAST, HTTP_ACCEPT=accept))


@pytest.mark.parametrize("placement", ["feed", "midroll", "PREROLL"])
def test_another_placement_is_refused(api_client, creative, placement):
    response = api_client.get(f"{VAST}?placement={placement}")

    assert response.status_code == 400
    assert response.json() == error_body(
        "vast_placement_unsupported",
        "VAST answers the preroll placement only (or no placement at all).",
        "placement",
        kind="validation_error",
    )
    assert response["Access-Control-Allow-Origin"] == "*"


def test_an_anonymous_viewer_and_a_signed_in_one_get_their_own_tokens(
    api_client, make_auth_client, creative
):
    user = UserFactory()

    anonymous = vast(api_client.get(VAST, HTTP_X_AD_VIEWER_ID="player-42"))
    signed_in = vast(make_auth_client(user).get(VAST))

    def ticket(document):
        impression = text(document, "//v:Impression")
        return ad_token_read(impression.removeprefix(f"{SERVER}/api/v1/ads/i/")[:-1])

    assert ticket(anonymous).viewer_key.startswith("anon:")
    assert ticket(anonymous).user_id is None
    assert (ticket(signed_in).viewer_key, ticket(signed_in).user_id) == (str(user.pk),) * 2
    assert ticket(anonymous).token_id != ticket(signed_in).token_id


def test_each_answer_has_a_new_token_and_is_never_cached(api_client, creative):
    first = api_client.get(VAST)
    second = api_client.get(VAST)

    assert text(vast(first), "//v:AdServingId") != text(vast(second), "//v:AdServingId")
    assert first["Cache-Control"] == "no-store"


def test_any_origin_may_read_it(api_client, creative):
    anywhere = api_client.get(VAST)
    player = api_client.get(VAST, HTTP_ORIGIN="https://player.example")

    assert anywhere["Access-Control-Allow-Origin"] == "*"
    assert "Access-Control-Allow-Credentials" not in anywhere
    # The IMA SDK asks with credentials: its origin must come back, with credentials.
    assert player["Access-Control-Allow-Origin"] == "https://player.example"
    assert player["Access-Control-Allow-Credentials"] == "true"
    assert "Origin" in player["Vary"]


@pytest.mark.parametrize("campaigns", [1, 4])
@pytest.mark.parametrize(("signed_in", "queries"), [(False, 1), (True, 2)])
def test_the_queries_are_the_same_however_many_campaigns_and_renditions(
    db, api_client, make_auth_client, django_assert_num_queries, campaigns, signed_in, queries
):
    for n in range(campaigns):
        renditions(creative_of(servable_campaign()).video, *LADDER[: 1 + n % 2])
    client = make_auth_client(UserFactory()) if signed_in else api_client

    # The first decision of a serving version builds the process's snapshot: 2 more.
    with django_assert_num_queries(queries + 2):
        vast(client.get(VAST))
    with django_assert_num_queries(queries):  # (authentication), the chosen creative
        response = client.get(VAST)

    vast(response)


@pytest.mark.parametrize(
    ("seconds", "expected"),
    [
        (12.5, "00:00:12.500"),
        (3723.4567, "01:02:03.457"),
        (59.9996, "00:01:00.000"),
        (86399.999, "23:59:59.999"),
        (86400.0, None),  # an xs:time holds less than a day
    ],
)
def test_durations_are_written_as_vast_says(seconds, expected):
    assert vast_duration(seconds) == expected


def test_the_schema_documents_the_xml_answer(db):
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    operation = schema["paths"]["/api/v1/ads/vast/"]["get"]

    assert operation["operationId"] == "ads_vast_retrieve"
    assert list(operation["responses"]["200"]["content"]) == ["application/xml"]
    assert [parameter["name"] for parameter in operation["parameters"]] == ["placement"]
    assert operation["responses"]["400"]["x-validation-error-codes"] == {
        "placement": ["vast_placement_unsupported"]
    }
    assert connection.vendor in ("sqlite", "postgresql")
