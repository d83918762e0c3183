"""Campaigns: creating, listing, reading, editing and deleting them, activating and
pausing.

Owner-only: anyone else gets 404, as if it did not exist; staff read every campaign
but change none. Lists are cursor-paginated, newest first, and cost the same number
of queries whatever the page size.
"""

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.parsers import JSONParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from ads.exceptions import (
    AGE_RANGE_INVALID,
    BID_INVALID,
    CAMPAIGN_ENDS_BEFORE_START,
    COUNTRY_INVALID,
    DAILY_BUDGET_BELOW_SPENT,
    DAILY_BUDGET_OVER_TOTAL,
    FREQUENCY_CAP_INCOMPLETE,
    LANGUAGE_INVALID,
    TOTAL_BUDGET_BELOW_SPENT,
    AdvertiserBalanceEmpty,
    AdvertiserRequired,
    AdvertiserSuspended,
    CampaignBudgetSpent,
    CampaignEnded,
    CampaignHasSpend,
    CampaignNotActive,
    CampaignNotEditable,
    NoApprovedCreative,
)
from ads.models import Campaign
from ads.selectors.advertisers import advertiser_of
from ads.selectors.campaigns import CAMPAIGN_ORDERING, access_campaign, campaign_list
from ads.serializers.manage import (
    CampaignSerializer,
    CampaignUpdateSerializer,
    CampaignWriteSerializer,
)
from ads.services.campaigns import (
    campaign_activate,
    campaign_create,
    campaign_delete,
    campaign_pause,
    campaign_update,
)
from core.openapi import because, raises

TAGS = ["ads"]
NOT_FOUND = because(NotFound, "the campaign does not exist or the caller may not see it")
NOT_OWNER = because(NotFound, "the campaign does not exist or is not the caller's")
# The serializer's own refusals and the service's rules across fields.
CAMPAIGN_RULES = (
    BID_INVALID,
    FREQUENCY_CAP_INCOMPLETE,
    COUNTRY_INVALID,
    LANGUAGE_INVALID,
    CAMPAIGN_ENDS_BEFORE_START,
    DAILY_BUDGET_OVER_TOTAL,
    AGE_RANGE_INVALID,
)


@extend_schema_view(
    list=extend_schema(
        operation_id="ads_campaigns_list",
        tags=TAGS,
        summary="The caller's campaigns (staff: every campaign)",
        description="Newest first, with their spend and counts.",
    ),
    retrieve=[
        extend_schema(operation_id="ads_campaigns_retrieve", tags=TAGS, summary="A campaign"),
        raises(NOT_FOUND),
    ],
    create=[
        extend_schema(
            operation_id="ads_campaigns_create",
            tags=TAGS,
            summary="Create a campaign (a draft)",
            request=CampaignWriteSerializer,
            responses={201: CampaignSerializer},
            description="A draft of the caller's advertiser: add creatives, have staff "
            "approve one, fund the advertiser, then activate it.",
        ),
        raises(AdvertiserRequired, *CAMPAIGN_RULES),
    ],
    partial_update=[
        extend_schema(
            operation_id="ads_campaigns_update",
            tags=TAGS,
            summary="Edit a campaign (its owner)",
            request=CampaignUpdateSerializer,
            responses={200: CampaignSerializer},
            description="Draft, paused and active campaigns only. A budget is never set "
            "below what was spent (in total, and today).",
        ),
        raises(
            NOT_OWNER,
            CampaignNotEditable,
            *CAMPAIGN_RULES,
            TOTAL_BUDGET_BELOW_SPENT,
            DAILY_BUDGET_BELOW_SPENT,
        ),
    ],
    destroy=[
        extend_schema(
            operation_id="ads_campaigns_delete",
            tags=TAGS,
            summary="Delete a campaign (its owner)",
            responses={204: None},
            description="A draft, or a campaign that never spent, is deleted with its "
            "creatives; one that spent keeps its records: pause it instead.",
        ),
        raises(NOT_OWNER, CampaignHasSpend),
    ],
)
class CampaignViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = CampaignSerializer
    permission_classes = [IsAuthenticated]
    parser_classes = [JSONParser]
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    lookup_url_kwarg = "campaign_id"
    lookup_value_regex = "[^/]+"  # any id reaches the view, which answers 404 (JSON)
    ordering = CAMPAIGN_ORDERING

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation
            return Campaign.objects.none()
        return campaign_list(user=self.request.user)

    def get_object(self) -> Campaign:
        return access_campaign(
            user=self.request.user,
            campaign_id=self.kwargs["campaign_id"],
            manage=self.action != "retrieve",
        )

    def create(self, request: Request, *args, **kwargs) -> Response:
        body = CampaignWriteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        advertiser = advertiser_of(user=request.user)
        if advertiser is None:
            raise AdvertiserRequired()
        campaign = campaign_create(advertiser=advertiser, **body.service_fields())
        return Response(CampaignSerializer(campaign).data, status=status.HTTP_201_CREATED)

    def update(self, request: Request, *args, **kwargs) -> Response:
        if not kwargs.get("partial"):
            return self.http_method_not_allowed(request, *args, **kwargs)
        return self.partial_update(request, *args, **kwargs)

    def partial_update(self, request: Request, *args, **kwargs) -> Response:
        campaign = self.get_object()
        body = CampaignUpdateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        campaign = campaign_update(campaign=campaign, **body.service_fields())
        return Response(CampaignSerializer(campaign).data)

    def perform_destroy(self, campaign: Campaign) -> None:
        campaign_delete(campaign=campaign)

    @extend_schema(
        operation_id="ads_campaigns_activate",
        tags=TAGS,
        summary="Start or resume serving a campaign (its owner)",
        request=None,
        responses={200: CampaignSerializer},
        description="A draft, paused or exhausted campaign becomes active (serving from "
        "its `start_at`); an active one stays so.",
    )
    @raises(
        NOT_OWNER,
        AdvertiserSuspended,
        CampaignEnded,
        CampaignBudgetSpent,
        NoApprovedCreative,
        AdvertiserBalanceEmpty,
    )
    @action(detail=True, methods=["post"])
    def activate(self, request: Request, campaign_id: str) -> Response:
        campaign = campaign_activate(campaign=self.get_object())
        return Response(CampaignSerializer(campaign).data)

    @extend_schema(
        operation_id="ads_campaigns_pause",
        tags=TAGS,
        summary="Stop serving a campaign (its owner)",
        request=None,
        responses={200: CampaignSerializer},
        description="An active campaign stops serving at once; a paused one stays so.",
    )
    @raises(NOT_OWNER, CampaignNotActive)
    @action(detail=True, methods=["post"])
    def pause(self, request: Request, campaign_id: str) -> Response:
        campaign = campaign_pause(campaign=self.get_object())
        return Response(CampaignSerializer(campaign).data)
