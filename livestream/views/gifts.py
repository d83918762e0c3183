"""Live gifts: the catalogue, sending a gift to a live stream, and a broadcast's top
gifters.

Sending moves coins exactly like a tip (the platform keeps `PLATFORM_FEE_PERCENT`,
rounded down; the creator's earnings get the rest), so it requires an
`Idempotency-Key`. Streams the caller may not see answer 404, as if they did not exist.
"""

from django.conf import settings
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import generics, status
from rest_framework.exceptions import NotFound
from rest_framework.parsers import JSONParser
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response

from core.openapi import because, raises
from livestream.exceptions import GIFT_TOO_LARGE, GIFT_UNAVAILABLE, CannotGiftSelf, StreamNotLive
from livestream.models import SessionGifter
from livestream.selectors.gifts import (
    gift_list_active,
    gift_sent_get,
    session_gifter_list,
    stream_session_latest,
)
from livestream.selectors.streams import access_stream
from livestream.serializers.gifts import (
    GifterSerializer,
    GiftSendSerializer,
    GiftSentSerializer,
    GiftSerializer,
)
from livestream.services.gifts import gift_send
from payments.exceptions import SPENDING, RecipientNotCreator
from payments.idempotency import IDEMPOTENCY_KEY_REQUIRED_PARAMETER, idempotent_required

STREAM_ID = OpenApiParameter("stream_id", str, OpenApiParameter.PATH, description="Its `id`.")
NOT_FOUND = because(NotFound, "the stream does not exist or the caller may not see it")


@extend_schema_view(
    get=extend_schema(
        operation_id="live_gifts_list",
        tags=["live"],
        summary="The gift catalogue",
        description="Anyone may read it, signed in or not: the gifts that may be sent, in "
        "the order staff set. `coins` is the price of one. Not paginated: a short catalogue.",
    )
)
class GiftListView(generics.ListAPIView):
    permission_classes = [AllowAny]
    serializer_class = GiftSerializer
    pagination_class = None  # a short catalogue staff keep, not a growing list

    def get_queryset(self):
        return gift_list_active()


class StreamGiftCreateView(generics.GenericAPIView):
    serializer_class = GiftSentSerializer
    parser_classes = [JSONParser]

    @extend_schema(
        operation_id="live_streams_gifts_create",
        tags=["live"],
        parameters=[STREAM_ID, IDEMPOTENCY_KEY_REQUIRED_PARAMETER],
        request=GiftSendSerializer,
        responses={201: GiftSentSerializer},
        summary="Send a gift to a live stream",
        description="Signed in, during a broadcast, to a stream the caller may see and "
        "that is not theirs. Moves the gift's `coins` times `quantity` from the caller's "
        "wallet, exactly like a tip: the platform's fee (`PLATFORM_FEE_PERCENT`, "
        f"{settings.PLATFORM_FEE_PERCENT} % by default, rounded down) to platform "
        "revenue, the rest to the stream owner's earnings. Counted on the stream and its "
        "broadcast (`gift_coins`), shown in the chat, and the owner hears "
        "`gift_received`.",
    )
    @raises(
        GIFT_UNAVAILABLE,
        GIFT_TOO_LARGE,
        CannotGiftSelf,
        because(
            RecipientNotCreator,
            "the stream's owner lacks the creator role, and payments to users are limited "
            "to creators (`TIPS_CREATORS_ONLY`)",
        ),
        StreamNotLive,
        because(
            NotFound,
            "the stream does not exist or the caller may not see it, or a block stands "
            "between the caller and its owner",
        ),
        *SPENDING,
    )
    @idempotent_required
    def post(self, request: Request, stream_id: str) -> Response:
        body = GiftSendSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        sent = gift_send(
            sender=request.user,
            stream_id=stream_id,
            gift_id=data["gift"],
            quantity=data["quantity"],
            message=data["message"],
        )
        return Response(
            GiftSentSerializer(gift_sent_get(pk=sent.pk), context={"request": request}).data,
            status=status.HTTP_201_CREATED,
        )


@extend_schema_view(
    get=[
        extend_schema(
            operation_id="live_streams_gifters_list",
            tags=["live"],
            parameters=[STREAM_ID],
            summary="The top gifters of a stream's broadcast",
            description="Anyone who may see the stream, signed in or not. The gifters of "
            "the broadcast under way or, between broadcasts, of the last one, with the "
            "coins each sent during it, most coins first; empty before the first "
            "broadcast. Gifters the caller may not see (blocked either way) are left out.",
        ),
        raises(NOT_FOUND),
    ]
)
class StreamGifterListView(generics.ListAPIView):
    permission_classes = [AllowAny]
    serializer_class = GifterSerializer
    ordering = ("-coins",)

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation
            return SessionGifter.objects.none()
        viewer = self.request.user
        stream = access_stream(viewer=viewer, stream_id=self.kwargs["stream_id"])
        return session_gifter_list(session=stream_session_latest(stream=stream), viewer=viewer)
