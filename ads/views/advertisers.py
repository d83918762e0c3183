"""Advertisers: becoming one (one per user), reading and renaming it, and moving coins
between the owner's wallet and the advertiser's account.

Owner-only: anyone else gets 404, as if it did not exist; staff read every advertiser
but change none here (they suspend and reinstate in the admin). Funding and
withdrawing move coins, so they take an `Idempotency-Key`.
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
    AdvertiserBalanceInsufficient,
    AdvertiserExists,
    AdvertiserOwnerRestricted,
    AdvertiserSuspended,
)
from ads.models import Advertiser
from ads.selectors.advertisers import ADVERTISER_ORDERING, access_advertiser, advertiser_list
from ads.serializers.manage import (
    AdvertiserAmountSerializer,
    AdvertiserCreateSerializer,
    AdvertiserSerializer,
    AdvertiserUpdateSerializer,
)
from ads.services.advertisers import (
    advertiser_create,
    advertiser_fund,
    advertiser_update,
    advertiser_withdraw,
)
from core.openapi import because, raises
from payments.exceptions import SPENDING
from payments.idempotency import IDEMPOTENCY_KEY_REQUIRED_PARAMETER, idempotent_required

TAGS = ["ads"]
NOT_FOUND = because(NotFound, "the advertiser does not exist or the caller may not see it")
NOT_OWNER = because(NotFound, "the advertiser does not exist or is not the caller's")


@extend_schema_view(
    list=extend_schema(
        operation_id="ads_advertisers_list",
        tags=TAGS,
        summary="The caller's advertiser (staff: every advertiser)",
        description="Newest first. A user has at most one advertiser.",
    ),
    retrieve=[
        extend_schema(operation_id="ads_advertisers_retrieve", tags=TAGS, summary="An advertiser"),
        raises(NOT_FOUND),
    ],
    create=[
        extend_schema(
            operation_id="ads_advertisers_create",
            tags=TAGS,
            summary="Become an advertiser",
            request=AdvertiserCreateSerializer,
            responses={201: AdvertiserSerializer},
            description="Any active user, once. The advertiser starts with no coins: fund "
            "it from the wallet.",
        ),
        raises(AdvertiserExists, AdvertiserOwnerRestricted),
    ],
    partial_update=[
        extend_schema(
            operation_id="ads_advertisers_update",
            tags=TAGS,
            summary="Rename the advertiser (its owner)",
            request=AdvertiserUpdateSerializer,
            responses={200: AdvertiserSerializer},
        ),
        raises(NOT_OWNER),
    ],
)
class AdvertiserViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = AdvertiserSerializer
    permission_classes = [IsAuthenticated]
    parser_classes = [JSONParser]
    http_method_names = ["get", "post", "patch", "head", "options"]
    lookup_url_kwarg = "advertiser_id"
    lookup_value_regex = "[^/]+"  # any id reaches the view, which answers 404 (JSON)
    ordering = ADVERTISER_ORDERING

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation
            return Advertiser.objects.none()
        return advertiser_list(user=self.request.user)

    def get_object(self) -> Advertiser:
        return access_advertiser(
            user=self.request.user,
            advertiser_id=self.kwargs["advertiser_id"],
            manage=self.action != "retrieve",
        )

    def create(self, request: Request, *args, **kwargs) -> Response:
        body = AdvertiserCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        advertiser = advertiser_create(owner=request.user, **body.validated_data)
        return Response(AdvertiserSerializer(advertiser).data, status=status.HTTP_201_CREATED)

    def update(self, request: Request, *args, **kwargs) -> Response:
        if not kwargs.get("partial"):
            return self.http_method_not_allowed(request, *args, **kwargs)
        return self.partial_update(request, *args, **kwargs)

    def partial_update(self, request: Request, *args, **kwargs) -> Response:
        advertiser = self.get_object()
        body = AdvertiserUpdateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        advertiser = advertiser_update(advertiser=advertiser, **body.validated_data)
        return Response(AdvertiserSerializer(advertiser).data)

    @extend_schema(
        operation_id="ads_advertisers_fund",
        tags=TAGS,
        summary="Move coins from the wallet to the advertiser (its owner)",
        parameters=[IDEMPOTENCY_KEY_REQUIRED_PARAMETER],
        request=AdvertiserAmountSerializer,
        responses={200: AdvertiserSerializer},
        description="Moves `amount` coins from the owner's wallet to the advertiser's "
        "account (a ledger transaction), where campaigns spend them.",
    )
    @raises(NOT_OWNER, AdvertiserSuspended, *SPENDING)
    @action(detail=True, methods=["post"])
    @idempotent_required
    def fund(self, request: Request, advertiser_id: str) -> Response:
        body = AdvertiserAmountSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        advertiser = advertiser_fund(
            advertiser=self.get_object(), amount=body.validated_data["amount"]
        )
        return Response(AdvertiserSerializer(advertiser).data)

    @extend_schema(
        operation_id="ads_advertisers_withdraw",
        tags=TAGS,
        summary="Move unspent coins back to the wallet (its owner)",
        parameters=[IDEMPOTENCY_KEY_REQUIRED_PARAMETER],
        request=AdvertiserAmountSerializer,
        responses={200: AdvertiserSerializer},
        description="Moves `amount` of the advertiser's spendable coins (`balance`) back "
        "to the owner's wallet; a suspended advertiser may too. Spend reserved by "
        "impressions and clicks is not spendable.",
    )
    @raises(NOT_OWNER, AdvertiserBalanceInsufficient)
    @action(detail=True, methods=["post"])
    @idempotent_required
    def withdraw(self, request: Request, advertiser_id: str) -> Response:
        body = AdvertiserAmountSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        advertiser = advertiser_withdraw(
            advertiser=self.get_object(), amount=body.validated_data["amount"]
        )
        return Response(AdvertiserSerializer(advertiser).data)
