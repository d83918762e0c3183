"""What players and browsers call about a served ad: the impression (`impressions/`, or
the VAST impression pixel `i/{token}/`), the click (`click/{token}/`, a redirect to the
creative's stored URL) and the VAST player's tracking pixels (`t/{token}/{event}/`).

The token names the ad and its viewer, so these take no credentials (an Authorization
header is ignored) and are throttled per client address (`ads_tracking`). The pixels
answer the same whatever the token (players ignore a pixel's errors, and a forged
token learns nothing): only a valid, unexpired token counts. `impressions/` and the
click say why they refuse a token (400 `ad_token_invalid` or `ad_token_expired`); a
click never redirects anywhere but to the stored URL of the token's creative.
"""

from contextlib import suppress

from django.http import HttpResponse, HttpResponseRedirect
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from ads.exceptions import AD_TOKEN_EXPIRED, AD_TOKEN_INVALID
from ads.models import TrackingEvent
from ads.serializers.tracking import ImpressionCountedSerializer, ImpressionSerializer
from ads.services.tracking import click_record, impression_record, tracking_event_record
from core.openapi import because, raises
from core.requests import client_ip
from core.throttling import ScopedRateThrottle

TAGS = ["ads"]
# The smallest transparent GIF (1x1, 43 bytes): what an impression pixel answers.
TRANSPARENT_GIF = (
    b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00"
    b"\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;"
)
TOKEN = OpenApiParameter(
    "token", str, OpenApiParameter.PATH, description="The token the ad was served with."
)
EVENT = OpenApiParameter(
    "event",
    str,
    OpenApiParameter.PATH,
    enum=TrackingEvent.Event.values,
    description="The VAST tracking event.",
)
ERROR_CODE = OpenApiParameter(
    "code",
    str,
    OpenApiParameter.QUERY,
    required=False,
    description="For `error`: the VAST error number (the player's `[ERRORCODE]` macro).",
)
NO_STORE = "no-store"


class _TrackingView(APIView):
    authentication_classes = []
    permission_classes = [AllowAny]
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "ads_tracking"


class ImpressionView(_TrackingView):
    @extend_schema(
        operation_id="ads_impressions_create",
        tags=TAGS,
        summary="Count an ad's impression",
        request=ImpressionSerializer,
        responses={200: ImpressionCountedSerializer},
        description="Send the `impression_token` of a served ad once it is seen. Counted "
        "once per token (`counted: false` for a token counted before: nothing happens); "
        "a CPM campaign pays its bid per thousand impressions, within its budgets and "
        "its advertiser's coins. No credentials needed.",
    )
    @raises(AD_TOKEN_INVALID, AD_TOKEN_EXPIRED)
    def post(self, request: Request) -> Response:
        serializer = ImpressionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        counted = impression_record(token=serializer.validated_data["token"])
        return Response({"counted": counted})


def _no_store(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = NO_STORE
    return response


class ImpressionPixelView(_TrackingView):
    @extend_schema(
        operation_id="ads_impression_pixel",
        tags=TAGS,
        summary="The VAST impression pixel",
        parameters=[TOKEN],
        request=None,
        responses={
            (200, "image/gif"): OpenApiResponse(
                OpenApiTypes.BINARY, description="A 1x1 transparent GIF, whatever the token."
            )
        },
        description="What a VAST `<Impression>` URL calls: counts the impression as "
        "`impressions/` does, but answers the same 1x1 GIF (never cached) whether or not "
        "it counted: only a valid, unexpired token counts.",
    )
    def get(self, request: Request, token: str) -> HttpResponse:
        with suppress(ValidationError):  # a forged or expired token: nothing counted
            impression_record(token=token)
        return _no_store(HttpResponse(TRANSPARENT_GIF, content_type="image/gif"))


class ClickView(_TrackingView):
    @extend_schema(
        operation_id="ads_click",
        tags=TAGS,
        summary="Follow an ad's click",
        parameters=[TOKEN],
        request=None,
        responses={
            302: OpenApiResponse(
                description="To the creative's stored call-to-action URL (`Location`)."
            )
        },
        description="The `click_url` of a served ad: records the click and redirects to "
        "the URL its creative stores, never to anything the request says. A click counts "
        "once per viewer and creative within `ADS_CLICK_DEDUP_SECONDS` (a CPC campaign "
        "pays its bid for it); a client address with more than `ADS_CLICK_LIMIT_PER_DAY` "
        "clicks in a UTC day is invalid traffic (recorded, not counted). Either way the "
        "browser is redirected.",
    )
    @raises(
        AD_TOKEN_INVALID,
        AD_TOKEN_EXPIRED,
        because(NotFound, "the token's creative no longer exists"),
    )
    def get(self, request: Request, token: str) -> HttpResponse:
        url = click_record(token=token, ip=client_ip(request), now=timezone.now())
        return _no_store(HttpResponseRedirect(url))


class TrackingEventView(_TrackingView):
    @extend_schema(
        operation_id="ads_tracking_event",
        tags=TAGS,
        summary="A VAST player tracking pixel",
        parameters=[TOKEN, EVENT, ERROR_CODE],
        request=None,
        responses={204: None},
        description="What a VAST `<Tracking>` (or `<Error>`) URL calls: records the event "
        "once per token and event, and answers 204 whatever the token (only a valid, "
        "unexpired one is recorded).",
    )
    @raises(because(NotFound, "no such tracking event"))
    def get(self, request: Request, token: str, event: str) -> Response:
        if event not in TrackingEvent.Event.values:
            raise NotFound("No such tracking event.")
        with suppress(ValidationError):  # a forged or expired token: nothing recorded
            tracking_event_record(
                token=token, event=event, error_code=request.query_params.get("code", "")
            )
        return Response(status=204, headers={"Cache-Control": NO_STORE})
