"""`GET ads/serve/`: the ads a viewer gets for a placement, anonymous callers too."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.generics import GenericAPIView
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response

from ads.selectors.serving import ads_select
from ads.serializers.serving import ServedAdListSerializer, ServeQuerySerializer
from ads.viewers import ad_viewer_from_request
from core.openapi import raises

TAGS = ["ads"]
VIEWER_ID_HEADER = OpenApiParameter(
    "X-Ad-Viewer-Id",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=False,
    description="An anonymous viewer's stable random id, kept by the app or player "
    "(frequency caps count by it); without it, by the client's address and user agent.",
)


class AdServeView(GenericAPIView):
    serializer_class = ServedAdListSerializer
    pagination_class = None  # at most `count` (10) ads, no pages
    permission_classes = [AllowAny]

    @extend_schema(
        operation_id="ads_serve",
        tags=TAGS,
        summary="The ads to show the caller at a placement",
        parameters=[ServeQuerySerializer, VIEWER_ID_HEADER],
        responses={200: ServedAdListSerializer},
        description="Signed in or not. Up to `count` ads of different campaigns, best "
        "first (highest effective CPM, then campaign id), chosen by the campaigns' "
        "targeting (the caller's profile on `users/me/`; otherwise the country a trusted "
        "proxy names and the first `Accept-Language`; the device from the User-Agent), "
        "frequency caps, budgets and pacing; possibly none. Report each ad shown with "
        "`POST ads/impressions/` and its `impression_token` (once); send taps to its "
        "`click_url`.",
    )
    @raises(ServeQuerySerializer)
    def get(self, request: Request) -> Response:
        query = ServeQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        served = ads_select(
            viewer=ad_viewer_from_request(request),
            placement=query.validated_data["placement"],
            count=query.validated_data["count"],
        )
        body = ServedAdListSerializer({"results": served}, context={"request": request})
        return Response(body.data)
