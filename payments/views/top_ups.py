"""Coin packages, top-ups, the providers' webhooks and the sandbox checkout page.

Packages are public. Top-ups are the caller's own: anyone else's answers 404, as if it
did not exist (staff look at them in the admin). Opening one moves money, so it takes
an `Idempotency-Key`. Webhooks carry no user: they are authenticated by their
`Stripe-Signature` alone, read the raw body (the signature is over its exact bytes) and
are not throttled (a provider's bursts must not lose events; a refused signature costs
one HMAC). The sandbox checkout is an HTML page for people, not part of the JSON API;
it exists only while the sandbox is the configured provider.
"""

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.csrf import csrf_protect
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from drf_standardized_errors.openapi_validation_errors import extend_validation_errors
from rest_framework import generics, status
from rest_framework.exceptions import NotFound
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.exceptions import RequestTooLarge
from core.openapi import because, raises
from payments.exceptions import (
    CheckoutClosed,
    PackageUnavailable,
    PaymentProviderError,
    WebhookPayloadMalformed,
    WebhookSignatureExpired,
    WebhookSignatureInvalid,
)
from payments.idempotency import IDEMPOTENCY_KEY_PARAMETER, idempotent
from payments.models import TopUp
from payments.money import money_format
from payments.providers import sandbox_is_enabled
from payments.selectors.top_ups import (
    TOP_UP_ORDERING,
    coin_package_list_active,
    top_up_get_for_user,
    top_up_list_for_user,
)
from payments.serializers.top_ups import (
    CoinPackageSerializer,
    TopUpCreateSerializer,
    TopUpSerializer,
    WebhookReceiptSerializer,
)
from payments.services.top_ups import (
    WebhookReceipt,
    sandbox_checkout_settle,
    sandbox_checkout_state,
    sandbox_top_up_get,
    top_up_create,
    webhook_event_receive,
)

TOP_UP_ID = OpenApiParameter("top_up_id", str, OpenApiParameter.PATH, description="Its `id`.")


@extend_schema_view(
    get=extend_schema(
        operation_id="wallet_packages_list",
        tags=["top-ups"],
        summary="The coin packages for sale",
        description="Anyone may read them, signed in or not; in the order staff set. "
        "`price` is in the currency's minor units (cents). Not paginated: a short "
        "catalogue.",
    )
)
class CoinPackageListView(generics.ListAPIView):
    permission_classes = [AllowAny]
    serializer_class = CoinPackageSerializer
    pagination_class = None  # a short catalogue staff keep, not a growing list

    def get_queryset(self):
        return coin_package_list_active()


# A package id that is not a UUID: the primary key field's own error.
@extend_validation_errors(["invalid"], field_name="package", methods=["post"])
class TopUpListCreateView(generics.GenericAPIView):
    queryset = TopUp.objects.none()  # the selector gives the rows; this names the model
    serializer_class = TopUpSerializer
    ordering = TOP_UP_ORDERING

    @extend_schema(
        operation_id="wallet_top_ups_list",
        tags=["top-ups"],
        responses={200: TopUpSerializer(many=True)},
        summary="The caller's top-ups",
        description="Newest first.",
    )
    def get(self, request: Request) -> Response:
        page = self.paginate_queryset(top_up_list_for_user(user=request.user))
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @extend_schema(
        operation_id="wallet_top_ups_create",
        tags=["top-ups"],
        parameters=[IDEMPOTENCY_KEY_PARAMETER],
        request=TopUpCreateSerializer,
        responses={201: TopUpSerializer},
        summary="Buy a coin package",
        description="Opens a `pending` top-up with the payment provider's checkout "
        "(`PAYMENTS_PROVIDER`): send the payer to `checkout_url`. The coins are credited "
        "once the provider's webhook says the payment succeeded; a checkout not paid "
        "before `expires_at` expires. A wallet in debt (after a refund) pays the debt "
        "first.",
    )
    @raises(
        because(PackageUnavailable, "the package is no longer for sale"),
        because(
            PaymentProviderError,
            "the payment provider could not be reached or refused; nothing was created, try again",
        ),
    )
    @idempotent
    def post(self, request: Request) -> Response:
        body = TopUpCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        top_up = top_up_create(
            user=request.user,
            package=body.validated_data["package"],
            base_url=request.build_absolute_uri("/"),
        )
        return Response(TopUpSerializer(top_up).data, status=status.HTTP_201_CREATED)


class TopUpDetailView(APIView):
    @extend_schema(
        operation_id="wallet_top_ups_retrieve",
        tags=["top-ups"],
        parameters=[TOP_UP_ID],
        responses={200: TopUpSerializer},
        summary="One of the caller's top-ups",
        description="Poll it after the checkout: `status` turns `paid` when the coins are "
        "credited (or `failed`, `expired`; `refunded` after staff refunded it).",
    )
    @raises(because(NotFound, "no such top-up among the caller's own"))
    def get(self, request: Request, top_up_id: str) -> Response:
        top_up = top_up_get_for_user(user=request.user, top_up_id=top_up_id)
        return Response(TopUpSerializer(top_up).data)


# -- webhooks ------------------------------------------------------------------------

SIGNATURE_HEADER = "Stripe-Signature"
SIGNATURE_PARAMETER = OpenApiParameter(
    name=SIGNATURE_HEADER,
    type=OpenApiTypes.STR,
    location=OpenApiParameter.HEADER,
    required=True,
    description='`t=<unix time>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">` under the '
    "endpoint's webhook secret (Stripe's scheme).",
)
WEBHOOK_ERRORS = raises(
    because(
        WebhookSignatureInvalid,
        "the `Stripe-Signature` header is missing, malformed or does not match the body",
    ),
    because(
        WebhookSignatureExpired,
        "signed more than `PAYMENTS_WEBHOOK_TOLERANCE_SECONDS` (300) away from now",
    ),
    because(
        WebhookPayloadMalformed,
        "the body is not a JSON event with `id`, `type`, `created` and `data.object`",
    ),
    because(RequestTooLarge, "the body is over `DATA_UPLOAD_MAX_MEMORY_SIZE`"),
)
WEBHOOK_RULES = (
    "Each event is applied once: a replay answers 200 with `duplicate: true` and "
    "changes nothing. Events of other types, for unknown checkouts, older than the last "
    "one applied, or whose amount does not match the top-up answer 200 and change "
    "nothing (`outcome` says why). `checkout.session.completed` (when `payment_status` "
    "is `paid`) and `checkout.session.async_payment_succeeded` credit the coins; "
    "`checkout.session.async_payment_failed` marks the top-up failed; "
    "`checkout.session.expired` expired."
)


class WebhookView(APIView):
    """One provider's webhook endpoint: the raw body and its signature go to the
    service untouched (`request.data` is never read: parsing would lose the exact
    bytes the signature covers)."""

    authentication_classes = []
    permission_classes = [AllowAny]
    throttle_classes = []
    provider = ""

    def receive(self, request: Request) -> Response:
        # A body over DATA_UPLOAD_MAX_MEMORY_SIZE raises `RequestDataTooBig`, a 413
        # `request_too_large` as everywhere (core.errors), whatever its content type.
        receipt: WebhookReceipt = webhook_event_receive(
            provider=self.provider,
            payload=request.body,
            signature_header=request.headers.get(SIGNATURE_HEADER),
        )
        return Response(
            WebhookReceiptSerializer(
                {
                    "received": True,
                    "event_id": receipt.event_id,
                    "duplicate": receipt.duplicate,
                    "outcome": receipt.outcome,
                }
            ).data
        )


class StripeWebhookView(WebhookView):
    provider = "stripe"

    @extend_schema(
        operation_id="payments_webhooks_stripe",
        tags=["webhooks"],
        parameters=[SIGNATURE_PARAMETER],
        request={"application/json": OpenApiTypes.OBJECT},
        responses={200: WebhookReceiptSerializer},
        summary="Stripe's webhook",
        description="Stripe sends its events here, signed with `STRIPE_WEBHOOK_SECRET`. "
        f"{WEBHOOK_RULES}",
    )
    @WEBHOOK_ERRORS
    def post(self, request: Request) -> Response:
        return self.receive(request)


class SandboxWebhookView(WebhookView):
    provider = "sandbox"

    @extend_schema(
        operation_id="payments_webhooks_sandbox",
        tags=["webhooks"],
        parameters=[SIGNATURE_PARAMETER],
        request={"application/json": OpenApiTypes.OBJECT},
        responses={200: WebhookReceiptSerializer},
        summary="The sandbox provider's webhook",
        description="The sandbox checkout page's events, in Stripe's format and signed "
        "Stripe's way with `SANDBOX_WEBHOOK_SECRET`; exists only while "
        f"`PAYMENTS_PROVIDER` is `sandbox`. {WEBHOOK_RULES}",
    )
    @raises(because(NotFound, "the sandbox is not the configured payment provider"))
    @WEBHOOK_ERRORS
    def post(self, request: Request) -> Response:
        if not sandbox_is_enabled():
            raise NotFound()
        return self.receive(request)


# -- the sandbox checkout page -------------------------------------------------------

SANDBOX_TEMPLATE = "payments/sandbox_checkout.html"
OUTCOMES = {"paid": True, "declined": False}


def _sandbox_top_up(checkout_id: str) -> TopUp:
    try:
        return sandbox_top_up_get(checkout_id=checkout_id)
    except NotFound as error:
        raise Http404("No such checkout.") from error


def _sandbox_page(
    request: HttpRequest, top_up: TopUp, *, result: str = "", status_code: int = 200
) -> HttpResponse:
    return render(
        request,
        SANDBOX_TEMPLATE,
        {
            "top_up": top_up,
            "package_name": top_up.package.name,
            "price": money_format(top_up.price, top_up.currency),
            "state": sandbox_checkout_state(top_up),
            "result": result,
        },
        status=status_code,
    )


@method_decorator(csrf_protect, name="dispatch")
class SandboxCheckoutView(View):
    """The sandbox's hosted checkout: what the top-up buys, and a form whose "Pay" and
    "Decline" buttons post `outcome=paid` or `outcome=declined` back here."""

    http_method_names = ["get", "post"]

    def get(self, request: HttpRequest, checkout_id: str) -> HttpResponse:
        return _sandbox_page(request, _sandbox_top_up(checkout_id))

    def post(self, request: HttpRequest, checkout_id: str) -> HttpResponse:
        top_up = _sandbox_top_up(checkout_id)
        paid = OUTCOMES.get(request.POST.get("outcome", ""))
        if paid is None:
            return _sandbox_page(request, top_up, result="Choose Pay or Decline.", status_code=400)
        try:
            top_up = sandbox_checkout_settle(checkout_id=checkout_id, paid=paid)
        except CheckoutClosed:
            return _sandbox_page(
                request,
                top_up,
                result="This checkout is closed (checkout_closed).",
                status_code=409,
            )
        result = (
            f"Payment received: {top_up.coins} coins were added to the wallet."
            if top_up.status == TopUp.Status.PAID
            else "The payment was declined: no coins were added."
        )
        return _sandbox_page(request, top_up, result=result)
