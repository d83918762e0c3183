"""Creatives: a campaign's list and new ones; reading, editing and deleting one.

Owner-only: anyone else gets 404, as if it did not exist; staff read every creative
but change none here (they approve and reject in the admin). An edit of what people
see sends the creative back to review.
"""

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import generics, mixins, status, viewsets
from rest_framework.exceptions import NotFound
from rest_framework.parsers import JSONParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from ads.exceptions import (
    CLICK_URL_INVALID,
    VIDEO_NOT_PROMOTABLE,
    CampaignNotEditable,
    CreativeWasServed,
)
from ads.models import Creative
from ads.selectors.campaigns import (
    CREATIVE_ORDERING,
    access_campaign,
    access_creative,
    creative_list,
)
from ads.serializers.manage import (
    CreativeCreateSerializer,
    CreativeSerializer,
    CreativeUpdateSerializer,
)
from ads.services.creatives import creative_create, creative_delete, creative_update
from core.openapi import because, raises

TAGS = ["ads"]
CAMPAIGN_ID = OpenApiParameter("campaign_id", str, OpenApiParameter.PATH)
NOT_FOUND = because(NotFound, "the creative does not exist or the caller may not see it")
NOT_OWNER = because(NotFound, "the creative does not exist or is not the caller's")


class CampaignCreativeListView(generics.GenericAPIView):
    serializer_class = CreativeSerializer
    permission_classes = [IsAuthenticated]
    parser_classes = [JSONParser]
    ordering = CREATIVE_ORDERING

    def get_queryset(self) -> QuerySet[Creative]:
        if getattr(self, "swagger_fake_view", False):  # schema generation
            return Creative.objects.none()
        campaign = access_campaign(user=self.request.user, campaign_id=self.kwargs["campaign_id"])
        return creative_list(campaign=campaign)

    @extend_schema(
        operation_id="ads_campaigns_creatives_list",
        tags=TAGS,
        parameters=[CAMPAIGN_ID],
        responses={200: CreativeSerializer(many=True)},
        summary="A campaign's creatives, newest first",
    )
    @raises(because(NotFound, "the campaign does not exist or the caller may not see it"))
    def get(self, request: Request, campaign_id: str) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @extend_schema(
        operation_id="ads_campaigns_creatives_create",
        tags=TAGS,
        parameters=[CAMPAIGN_ID],
        request=CreativeCreateSerializer,
        responses={201: CreativeSerializer},
        summary="Add a creative to a campaign (its owner)",
        description="It waits for staff's review (`pending`) before it may serve.",
    )
    @raises(
        because(NotFound, "the campaign does not exist or is not the caller's"),
        CampaignNotEditable,
        VIDEO_NOT_PROMOTABLE,
        CLICK_URL_INVALID,
    )
    def post(self, request: Request, campaign_id: str) -> Response:
        body = CreativeCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        campaign = access_campaign(user=request.user, campaign_id=campaign_id, manage=True)
        creative = creative_create(campaign=campaign, **body.service_fields())
        creative = access_creative(user=request.user, creative_id=creative.pk)
        return Response(CreativeSerializer(creative).data, status=status.HTTP_201_CREATED)


@extend_schema_view(
    retrieve=[
        extend_schema(operation_id="ads_creatives_retrieve", tags=TAGS, summary="A creative"),
        raises(NOT_FOUND),
    ],
    partial_update=[
        extend_schema(
            operation_id="ads_creatives_update",
            tags=TAGS,
            summary="Edit a creative (its owner)",
            request=CreativeUpdateSerializer,
            responses={200: CreativeSerializer},
            description="A change to the video, headline, call to action or URL sends it "
            "back to review (`pending`): it stops serving until staff approve it again.",
        ),
        raises(NOT_OWNER, CampaignNotEditable, VIDEO_NOT_PROMOTABLE, CLICK_URL_INVALID),
    ],
    destroy=[
        extend_schema(
            operation_id="ads_creatives_delete",
            tags=TAGS,
            summary="Delete a creative (its owner)",
            responses={204: None},
            description="Only one that was never served.",
        ),
        raises(NOT_OWNER, CreativeWasServed),
    ],
)
class CreativeViewSet(
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = CreativeSerializer
    permission_classes = [IsAuthenticated]
    parser_classes = [JSONParser]
    http_method_names = ["get", "patch", "delete", "head", "options"]
    lookup_url_kwarg = "creative_id"
    lookup_value_regex = "[^/]+"  # any id reaches the view, which answers 404 (JSON)

    def get_queryset(self):  # pragma: no cover - only get_object reads rows
        return Creative.objects.none()

    def get_object(self) -> Creative:
        return access_creative(
            user=self.request.user,
            creative_id=self.kwargs["creative_id"],
            manage=self.action != "retrieve",
        )

    def update(self, request: Request, *args, **kwargs) -> Response:
        if not kwargs.get("partial"):
            return self.http_method_not_allowed(request, *args, **kwargs)
        return self.partial_update(request, *args, **kwargs)

    def partial_update(self, request: Request, *args, **kwargs) -> Response:
        creative = self.get_object()
        body = CreativeUpdateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        creative = creative_update(creative=creative, **body.service_fields())
        return Response(CreativeSerializer(creative).data)

    def perform_destroy(self, creative: Creative) -> None:
        creative_delete(creative=creative)
