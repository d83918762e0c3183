"""Creator tiers and subscriptions.

A creator sells monthly tiers (`creators/me/tiers/`); anyone may read a user's active
tiers. Subscribing charges the first month at once; renewals are charged by a periodic
task (see `payments.services.subscriptions`). Every endpoint but a user's public tier
list needs a signed-in caller; a tier or a subscription of someone else answers 404
`not_found` (staff may read any subscription, and review the rest in the admin).

Decisions: tiers are never deleted, since subscriptions point at them: a creator sets
`active` to false to stop selling one (its subscribers keep it). A tier's new price is
for new subscribers: existing subscriptions keep the price they were taken at.
Cancelling (`DELETE subscriptions/{id}/`) answers 200 with the subscription, not 204,
because the client needs what cancelling did: an active subscription runs to
`current_period_end` (`cancel_at_period_end` true), a past due one ends at once.
"""

from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import generics, status
from rest_framework.exceptions import NotFound
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.openapi import because, raises
from payments.exceptions import (
    SPENDING,
    AlreadySubscribed,
    CannotSubscribeSelf,
    NotACreator,
    SubscriptionEnded,
    TierNameTaken,
    TierUnavailable,
)
from payments.idempotency import IDEMPOTENCY_KEY_PARAMETER, idempotent
from payments.models import CreatorTier, Subscription
from payments.selectors.recipients import payments_user_get
from payments.selectors.subscriptions import (
    access_subscription,
    subscription_list_for_subscriber,
    subscription_list_live_for_creator,
    tier_get_for_subscribing,
    tier_get_own,
    tier_list_for_creator,
    tier_list_public,
)
from payments.serializers.subscriptions import (
    TIER_PERKS_MAX,
    OwnTierSerializer,
    SubscriberSerializer,
    SubscriptionCreateSerializer,
    SubscriptionSerializer,
    TierSerializer,
    TierWriteSerializer,
)
from payments.services.subscriptions import (
    subscription_cancel,
    subscription_create_or_get,
    tier_create,
    tier_update,
)

TIER_ID = OpenApiParameter("tier_id", str, OpenApiParameter.PATH, description="The tier.")
SUBSCRIPTION_ID = OpenApiParameter(
    "subscription_id", str, OpenApiParameter.PATH, description="The subscription."
)
USERNAME = OpenApiParameter(
    "username", str, OpenApiParameter.PATH, description="Whatever its case."
)
TIER_ORDERING = ("price", "created_at", "id")
SUBSCRIPTION_ORDERING = ("-created_at", "-id")
TIER_NAME_TAKEN = because(TierNameTaken, "another of the caller's tiers has this name")
TIER_NOT_FOUND = because(NotFound, "no such tier of the caller's")
SUBSCRIPTION_NOT_FOUND = because(NotFound, "no such subscription of the caller's")
SUBSCRIPTION_SHAPE = (
    "`tier` is the tier as sold; `price` is what each month costs this subscription "
    "(fixed when subscribing); `current_period_end` is when the paid period ends."
)


def _own_tier_response(request: Request, tier: CreatorTier, *, code: int = 200) -> Response:
    tier = tier_get_own(creator=request.user, tier_id=tier.pk)  # with `subscriber_count`
    return Response(OwnTierSerializer(tier, context={"request": request}).data, status=code)


def _subscription_response(
    request: Request, subscription: Subscription, *, code: int = 200
) -> Response:
    subscription = access_subscription(viewer=request.user, subscription_id=subscription.pk)
    return Response(
        SubscriptionSerializer(subscription, context={"request": request}).data, status=code
    )


# -- tiers ---------------------------------------------------------------------------


class CreatorTierListCreateView(generics.GenericAPIView):
    queryset = CreatorTier.objects.none()  # the selectors give the rows
    serializer_class = OwnTierSerializer
    ordering = TIER_ORDERING

    @extend_schema(
        operation_id="creators_me_tiers_list",
        tags=["subscriptions"],
        responses={200: OwnTierSerializer(many=True)},
        summary="The caller's tiers",
        description="Every tier of the caller's, inactive ones too, cheapest first, each "
        "with `subscriber_count` (its active subscriptions).",
    )
    def get(self, request: Request) -> Response:
        page = self.paginate_queryset(tier_list_for_creator(creator=request.user))
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @extend_schema(
        operation_id="creators_me_tiers_create",
        tags=["subscriptions"],
        request=TierWriteSerializer,
        responses={201: OwnTierSerializer},
        summary="Offer a new tier",
        description="`name`, `price` (coins a month, at least 1), `perks` (up to "
        f"{TIER_PERKS_MAX} lines) and `active` (default true). Tiers are never deleted: "
        f"set `active` to false to stop selling one. Only users with the `creator` role "
        "(admins grant it) offer tiers.",
    )
    @raises(TIER_NAME_TAKEN, because(NotACreator, "the caller has no `creator` role"))
    def post(self, request: Request) -> Response:
        body = TierWriteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        tier = tier_create(creator=request.user, **body.validated_data)
        return _own_tier_response(request, tier, code=status.HTTP_201_CREATED)


class CreatorTierDetailView(APIView):
    @extend_schema(
        operation_id="creators_me_tiers_retrieve",
        tags=["subscriptions"],
        parameters=[TIER_ID],
        responses={200: OwnTierSerializer},
        summary="One of the caller's tiers",
    )
    @raises(TIER_NOT_FOUND)
    def get(self, request: Request, tier_id: str) -> Response:
        return _own_tier_response(request, tier_get_own(creator=request.user, tier_id=tier_id))

    @extend_schema(
        operation_id="creators_me_tiers_update",
        tags=["subscriptions"],
        parameters=[TIER_ID],
        request=TierWriteSerializer(partial=True),
        responses={200: OwnTierSerializer},
        summary="Change one of the caller's tiers",
        description="Any of `name`, `price`, `perks`, `active`. A new price applies to "
        "new subscribers only: existing subscriptions keep the price they were taken at. "
        "Deactivating (`active` false) stops new subscriptions and leaves the existing "
        "ones running; there is no DELETE, since subscriptions refer to the tier.",
    )
    @raises(TIER_NAME_TAKEN, TIER_NOT_FOUND)
    def patch(self, request: Request, tier_id: str) -> Response:
        tier = tier_get_own(creator=request.user, tier_id=tier_id)
        body = TierWriteSerializer(data=request.data, partial=True)
        body.is_valid(raise_exception=True)
        tier = tier_update(tier=tier, **body.validated_data)
        return _own_tier_response(request, tier)


@extend_schema_view(
    get=[
        extend_schema(
            operation_id="users_tiers_list",
            tags=["subscriptions"],
            parameters=[USERNAME],
            summary="The tiers a user sells",
            description="Their active tiers, cheapest first; no sign-in needed.",
        ),
        raises(
            because(
                NotFound,
                "no such user, one who may not sign in, or either of the caller and the "
                "user blocked the other",
            )
        ),
    ]
)
class UserTierListView(generics.ListAPIView):
    permission_classes = [AllowAny]
    serializer_class = TierSerializer
    ordering = TIER_ORDERING

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation
            return CreatorTier.objects.none()
        creator = payments_user_get(username=self.kwargs["username"], viewer=self.request.user)
        return tier_list_public(creator=creator)


# -- subscriptions -------------------------------------------------------------------


class SubscriptionListCreateView(generics.GenericAPIView):
    queryset = Subscription.objects.none()  # the selectors give the rows
    serializer_class = SubscriptionSerializer
    ordering = SUBSCRIPTION_ORDERING

    @extend_schema(
        operation_id="subscriptions_list",
        tags=["subscriptions"],
        responses={200: SubscriptionSerializer(many=True)},
        summary="The caller's subscriptions",
        description="Newest first, whatever their status (`active`, `past_due`, "
        f"`canceled`, `expired`). {SUBSCRIPTION_SHAPE}",
    )
    def get(self, request: Request) -> Response:
        page = self.paginate_queryset(subscription_list_for_subscriber(subscriber=request.user))
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @extend_schema(
        operation_id="subscriptions_create",
        tags=["subscriptions"],
        parameters=[IDEMPOTENCY_KEY_PARAMETER],
        request=SubscriptionCreateSerializer,
        responses={201: SubscriptionSerializer, 200: SubscriptionSerializer},
        summary="Subscribe to a creator's tier",
        description="Charges the first month now (split like a tip: the platform's fee "
        "to platform revenue, the rest to the creator's earnings); the subscription is "
        "`active` until `current_period_end`, then renewed monthly from the same day "
        "(January 31 renews on the last day of February, then March 31). The creator "
        "hears `new_subscriber`. Idempotent: subscribing again to the tier of one's live "
        "subscription answers 200 with it as it is, and charges nothing. "
        f"{SUBSCRIPTION_SHAPE}",
    )
    @raises(
        TierUnavailable,
        CannotSubscribeSelf,
        because(
            NotFound,
            "no such tier, or its creator may not sign in or a block stands between them "
            "and the caller",
        ),
        because(
            AlreadySubscribed,
            "the caller has a live (active or past due) subscription to another of this "
            "creator's tiers",
        ),
        *SPENDING,
    )
    @idempotent
    def post(self, request: Request) -> Response:
        body = SubscriptionCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        tier = tier_get_for_subscribing(tier_id=body.validated_data["tier"])
        subscription, created = subscription_create_or_get(subscriber=request.user, tier=tier)
        return _subscription_response(
            request, subscription, code=status.HTTP_201_CREATED if created else status.HTTP_200_OK
        )


class SubscriptionDetailView(APIView):
    @extend_schema(
        operation_id="subscriptions_retrieve",
        tags=["subscriptions"],
        parameters=[SUBSCRIPTION_ID],
        responses={200: SubscriptionSerializer},
        summary="One of the caller's subscriptions",
        description=f"Its subscriber (or staff). {SUBSCRIPTION_SHAPE}",
    )
    @raises(SUBSCRIPTION_NOT_FOUND)
    def get(self, request: Request, subscription_id: str) -> Response:
        subscription = access_subscription(viewer=request.user, subscription_id=subscription_id)
        return Response(SubscriptionSerializer(subscription, context={"request": request}).data)

    @extend_schema(
        operation_id="subscriptions_cancel",
        tags=["subscriptions"],
        parameters=[SUBSCRIPTION_ID],
        request=None,
        responses={200: SubscriptionSerializer},
        summary="Cancel one of the caller's subscriptions",
        description="Its subscriber only (staff too get 404 for others'). An active "
        "subscription is not renewed: it stays `active`, with access, until "
        "`current_period_end` (`cancel_at_period_end` true; cancelling again changes "
        "nothing), then becomes `canceled`. A `past_due` one (its running month unpaid) "
        "ends at once. Answers 200 with the subscription, not 204, so the client learns "
        "when access ends.",
    )
    @raises(
        because(SubscriptionEnded, "it was already canceled or expired"), SUBSCRIPTION_NOT_FOUND
    )
    def delete(self, request: Request, subscription_id: str) -> Response:
        subscription = access_subscription(viewer=request.user, subscription_id=subscription_id)
        subscription = subscription_cancel(subscription=subscription, user=request.user)
        return _subscription_response(request, subscription)


@extend_schema_view(
    get=extend_schema(
        operation_id="creators_me_subscribers_list",
        tags=["subscriptions"],
        summary="The caller's live subscribers",
        description="Subscriptions to the caller's tiers that are `active` or `past_due`, "
        "newest first.",
    )
)
class CreatorSubscriberListView(generics.ListAPIView):
    serializer_class = SubscriberSerializer
    ordering = SUBSCRIPTION_ORDERING

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation
            return Subscription.objects.none()
        return subscription_list_live_for_creator(creator=self.request.user)
