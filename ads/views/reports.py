"""A campaign's report, as JSON or as CSV (`Accept: text/csv` or `?format=csv`).

Owner-only, as everything of an advertiser's: another user gets 404, as if the
campaign did not exist; staff may read every campaign's.
"""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response

from ads.exceptions import REPORT_FROM_AFTER_TO, REPORT_RANGE_TOO_LONG
from ads.selectors.reports import access_campaign_report, campaign_report
from ads.serializers.reports import (
    CampaignReportQuerySerializer,
    CampaignReportSerializer,
    campaign_report_file_name,
    campaign_report_table,
)
from core.openapi import because, raises
from core.renderers import CSVRenderer, JSONRenderer

NOT_FOUND = because(NotFound, "the campaign does not exist or is not the caller's")
CSV_EXAMPLE = (
    "day,impressions,clicks,ctr,spend,ecpm,ecpc,reach\r\n"
    "2026-12-01,1000,25,0.0250,2.000000,2.000000,0.080000,640\r\n"
    "2026-12-02,0,0,,0.000000,,,0\r\n"
    "total,1000,25,0.0250,2.000000,2.000000,0.080000,640\r\n"
)


class CampaignReportView(generics.GenericAPIView):
    serializer_class = CampaignReportSerializer
    pagination_class = None
    renderer_classes = [JSONRenderer, CSVRenderer]

    @extend_schema(
        operation_id="ads_campaigns_report",
        tags=["ads"],
        summary="A campaign's report",
        parameters=[
            CampaignReportQuerySerializer,
            OpenApiParameter(
                "format",
                str,
                enum=["json", "csv"],
                description="`csv` answers CSV, as `Accept: text/csv` does (default: JSON).",
            ),
        ],
        responses={
            (200, "application/json"): CampaignReportSerializer,
            (200, "text/csv"): OpenApiResponse(
                OpenApiTypes.STR,
                description="The same report as a CSV file (UTF-8, CRLF line ends, as an "
                "attachment): a header, one line per row, then `total`. Grouped by "
                "creative, the key columns are `creative` and `headline`. An empty cell is "
                "null.",
                examples=[OpenApiExample("Grouped by day", value=CSV_EXAMPLE)],
            ),
        },
        description="The campaign's owner, or staff. Impressions, valid clicks, CTR "
        "(clicks per impression, 4 decimals), spend (coins, exact), eCPM (coins per "
        "thousand impressions) and eCPC (coins per click), both to 6 decimals, rounded "
        "half up, and reach (distinct viewers) over the UTC days `from` to `to` (both "
        "included, at most 366; by default the last 30 days), one row per day (every day "
        "of the range), creative, country or device, sorted by `key`, and the `totals`. "
        "The sums are as of `aggregated_at` (they are aggregated every few minutes); "
        "reach is counted live. Errors are JSON whatever the format asked for.",
    )
    @raises(CampaignReportQuerySerializer, REPORT_FROM_AFTER_TO, REPORT_RANGE_TOO_LONG, NOT_FOUND)
    def get(self, request: Request, campaign_id: str) -> Response:
        query = CampaignReportQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        campaign = access_campaign_report(viewer=request.user, campaign_id=campaign_id)
        data = CampaignReportSerializer(
            campaign_report(campaign=campaign, **query.validated_data)
        ).data
        if request.accepted_renderer.format == CSVRenderer.format:
            name = campaign_report_file_name(data)
            return Response(
                campaign_report_table(data),
                headers={"Content-Disposition": f'attachment; filename="{name}"'},
            )
        return Response(data)
