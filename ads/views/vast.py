"""VAST 4.2 pre-rolls: the document a video player's ad plug-in asks for before the
video it plays (`GET ads/vast/?placement=preroll`)."""

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.views import APIView

from ads.cors import ads_cors_allow_any_origin
from ads.exceptions import VAST_PLACEMENT_UNSUPPORTED
from ads.models import Campaign
from ads.selectors.serving import ads_select
from ads.vast import VAST_CONTENT_TYPE, vast_document, vast_empty
from ads.viewers import ad_viewer_from_request
from core.openapi import raises

PREROLL = Campaign.Placement.PREROLL.value


class VastView(APIView):
    """Anyone (players are rarely signed in); readable from any origin (ads.cors)."""

    permission_classes = [AllowAny]
    serializer_class = None  # XML, built by ads.vast

    def perform_content_negotiation(self, request, force=False):
        # The document is XML whatever the player accepts (many send `*/*`, some
        # `application/xml`, some odd lists); refusals are the API's JSON errors.
        return super().perform_content_negotiation(request, force=True)

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        return ads_cors_allow_any_origin(request=request, response=response)

    @extend_schema(
        operation_id="ads_vast_retrieve",
        tags=["ads"],
        summary="A VAST 4.2 pre-roll",
        description="Anyone, signed in or not; readable from any origin (a credentialed "
        "request gets its `Origin` back with `Access-Control-Allow-Credentials: true`, "
        "as the IMA SDK needs). A VAST 4.2 document (`application/xml`, valid against "
        "the IAB's VAST 4.2 XSD) with one `InLine` ad chosen for the caller: `AdSystem`, "
        "`Error` and `Impression` URLs, `AdServingId`, `AdTitle`, and a `Linear` "
        "creative with its `Duration`, tracking URLs for `start`, `firstQuartile`, "
        "`midpoint`, `thirdQuartile`, `complete` and `skip`, `MediaFiles` (the HLS "
        "master playlist and each rendition, `application/x-mpegURL`) and a "
        "`ClickThrough`. Every URL is absolute and carries the served ad's signed token. "
        'With no eligible ad: `<VAST version="4.2" xmlns="http://www.iab.com/VAST"/>`. '
        "Query parameters other than `placement` (players' macros such as "
        "`[CACHEBUSTING]`) are ignored. Never cached: each answer has new tokens.",
        parameters=[
            OpenApiParameter(
                "placement",
                str,
                OpenApiParameter.QUERY,
                enum=[PREROLL],
                description="Where the ad plays; absent or empty means `preroll`.",
            )
        ],
        responses={
            (200, VAST_CONTENT_TYPE): OpenApiResponse(
                response=OpenApiTypes.STR,
                description="A VAST 4.2 document.",
                examples=[
                    OpenApiExample("No eligible ad", value=vast_empty().decode()),
                ],
            )
        },
    )
    @raises(VAST_PLACEMENT_UNSUPPORTED)
    def get(self, request: Request) -> HttpResponse:
        placement = request.query_params.get("placement") or PREROLL
        if placement != PREROLL:
            raise VAST_PLACEMENT_UNSUPPORTED.error()
        viewer = ad_viewer_from_request(request)
        served = ads_select(viewer=viewer, placement=placement, count=1)
        body = vast_document(served=served[0] if served else None, request=request)
        response = HttpResponse(body, content_type=VAST_CONTENT_TYPE)
        response["Cache-Control"] = "no-store"
        return response
