"""Tips: sending one, and the caller's tips sent or received.

Every endpoint needs a signed-in caller and shows only the caller's own tips. Sending
moves coins, so it takes an `Idempotency-Key`. The platform keeps
`PLATFORM_FEE_PERCENT` of a tip, rounded down to whole coins (`fee`); the creator's
earnings get the rest (`net`).
"""

from django.conf import settings
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, status
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response

from core.openapi import because, raises
from payments.exceptions import (
    SPENDING,
    TIP_TOO_LARGE,
    TIP_TOO_SMALL,
    CannotTipSelf,
    RecipientNotCreator,
    VideoNotByRecipient,
)
from payments.idempotency import IDEMPOTENCY_KEY_PARAMETER, idempotent
from payments.models import TIP_DIRECTIONS, Tip
from payments.selectors.recipients import payments_user_get
from payments.selectors.tips import tip_list_for_user
from payments.serializers.tips import (
    TipCreateSerializer,
    TipListQuerySerializer,
    TipSerializer,
)
from payments.services.tips import tip_send


class TipListCreateView(generics.GenericAPIView):
    queryset = Tip.objects.none()  # the selector gives the rows; this names the model
    serializer_class = TipSerializer
    ordering = ("-created_at", "-id")

    @extend_schema(
        operation_id="tips_list",
        tags=["tips"],
        parameters=[
            OpenApiParameter(
                "direction",
                str,
                enum=list(TIP_DIRECTIONS),
                description="`sent` (the default): tips the caller gave; `received`: tips "
                "the caller was given.",
            )
        ],
        responses={200: TipSerializer(many=True)},
        summary="The caller's tips, sent or received",
        description="Newest first.",
    )
    @raises(TipListQuerySerializer)
    def get(self, request: Request) -> Response:
        query = TipListQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        tips = tip_list_for_user(user=request.user, direction=query.validated_data["direction"])
        page = self.paginate_queryset(tips)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @extend_schema(
        operation_id="tips_create",
        tags=["tips"],
        parameters=[IDEMPOTENCY_KEY_PARAMETER],
        request=TipCreateSerializer,
        responses={201: TipSerializer},
        summary="Tip a creator",
        description="Moves `amount` coins from the caller's wallet: the platform's fee "
        f"(`PLATFORM_FEE_PERCENT`, {settings.PLATFORM_FEE_PERCENT} % by default, rounded "
        "down) to platform revenue, the rest (`net`) to the recipient's earnings. The "
        "recipient hears `tip_received`. With `video`, the tip is for one of the "
        "recipient's videos the caller may see.",
    )
    @raises(
        TIP_TOO_SMALL,
        TIP_TOO_LARGE,
        CannotTipSelf,
        because(
            RecipientNotCreator,
            "the recipient published no video, and tips are limited to creators",
        ),
        VideoNotByRecipient,
        because(
            NotFound,
            "no such recipient, one who may not sign in, or either of the two blocked the "
            "other; or a video the caller may not see",
        ),
        *SPENDING,
    )
    @idempotent
    def post(self, request: Request) -> Response:
        body = TipCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        tip = tip_send(
            sender=request.user,
            recipient=payments_user_get(username=data["recipient"], viewer=request.user),
            amount=data["amount"],
            video_id=data.get("video"),
            message=data["message"],
        )
        # Serialized as written (sender, recipient and all in memory): no re-read.
        return Response(
            TipSerializer(tip, context={"request": request}).data, status=status.HTTP_201_CREATED
        )
