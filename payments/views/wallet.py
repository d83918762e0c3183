"""The caller's wallet and earnings (summaries and statements) and payouts.

Every endpoint needs a signed-in caller and shows only the caller's own money: a payout
of someone else answers 404 `not_found`, staff included (staff review payouts in the
admin). Reads never open ledger accounts: before the first movement, balances are 0.

Statements list ledger entries newest first (on the entry's id, insertion order): the
wallet statement covers the `wallet` and `debt` accounts, the earnings statement the
`earnings` account. `counterparty` is the other user of a tip or a subscription charge;
movements with the outside world (top-ups, refunds, payouts) have none.
"""

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import generics, status
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.openapi import because, raises
from payments.exceptions import InsufficientEarnings, PayoutBelowMinimum, WalletInDebt
from payments.idempotency import IDEMPOTENCY_KEY_PARAMETER, idempotent
from payments.models import LedgerEntry, Payout
from payments.selectors.wallet import (
    PAYOUT_ORDERING,
    STATEMENT_ORDERING,
    earnings_summary,
    ledger_entry_list_for_user,
    payout_get_for_creator,
    payout_list_for_creator,
    wallet_summary,
)
from payments.serializers.wallet import (
    EarningsSerializer,
    LedgerEntrySerializer,
    PayoutCreateSerializer,
    PayoutSerializer,
    WalletSerializer,
)
from payments.services.payouts import payout_request

PAYOUT_ID = OpenApiParameter("payout_id", str, OpenApiParameter.PATH, description="The payout.")


class WalletView(APIView):
    @extend_schema(
        operation_id="wallet_retrieve",
        tags=["wallet"],
        responses={200: WalletSerializer},
        summary="The caller's wallet",
        description="Spendable coins (`balance`), coins of open checkouts (`pending`), "
        "coins owed after a refund (`debt`), and what a coin is worth.",
    )
    def get(self, request: Request) -> Response:
        return Response(WalletSerializer(wallet_summary(user=request.user)).data)


class EarningsView(APIView):
    @extend_schema(
        operation_id="earnings_retrieve",
        tags=["payouts"],
        responses={200: EarningsSerializer},
        summary="The caller's earnings",
        description="Earnings available for a payout (`balance`, and its value in minor "
        "units), coins in payouts awaiting review and already paid, and the payout "
        "minimum.",
    )
    def get(self, request: Request) -> Response:
        return Response(EarningsSerializer(earnings_summary(user=request.user)).data)


class StatementView(generics.ListAPIView):
    """The caller's statement of `book`, newest first."""

    serializer_class = LedgerEntrySerializer
    ordering = STATEMENT_ORDERING
    book = ""

    def get_queryset(self) -> QuerySet[LedgerEntry]:
        if getattr(self, "swagger_fake_view", False):  # schema generation
            return LedgerEntry.objects.none()
        return ledger_entry_list_for_user(user=self.request.user, book=self.book)


STATEMENT_RULES = (
    "Newest first. Each entry: the transaction's `kind`, the signed `amount` (positive: "
    "coins in), the account's `balance_after`, the `counterparty` (the other user of a "
    "tip or subscription charge, else null) and the `reference` (`{type, id}` of what "
    "caused it)."
)


@extend_schema_view(
    get=extend_schema(
        operation_id="wallet_transactions_list",
        tags=["wallet"],
        summary="The caller's wallet statement",
        description="Entries on the caller's `wallet` and `debt` accounts. " + STATEMENT_RULES,
    )
)
class WalletTransactionListView(StatementView):
    book = LedgerEntry.Book.WALLET


@extend_schema_view(
    get=extend_schema(
        operation_id="earnings_transactions_list",
        tags=["payouts"],
        summary="The caller's earnings statement",
        description="Entries on the caller's `earnings` account. " + STATEMENT_RULES,
    )
)
class EarningsTransactionListView(StatementView):
    book = LedgerEntry.Book.EARNINGS


@extend_schema_view(
    get=extend_schema(
        operation_id="payouts_list",
        tags=["payouts"],
        summary="The caller's payouts",
        description="Newest first, whatever their status.",
    )
)
class PayoutListView(generics.ListAPIView):
    serializer_class = PayoutSerializer
    ordering = PAYOUT_ORDERING

    def get_queryset(self) -> QuerySet[Payout]:
        if getattr(self, "swagger_fake_view", False):  # schema generation
            return Payout.objects.none()
        return payout_list_for_creator(user=self.request.user)

    @extend_schema(
        operation_id="payouts_create",
        tags=["payouts"],
        parameters=[IDEMPOTENCY_KEY_PARAMETER],
        request=PayoutCreateSerializer,
        responses={201: PayoutSerializer},
        summary="Ask for a payout of earnings",
        description="Moves `amount` coins from the caller's earnings into payouts in "
        "transit: a `pending` payout, paid (or rejected, the coins coming back) by staff; "
        "the caller hears `payout_paid` or `payout_rejected`. `money_amount` is the "
        "amount in the currency's minor units. Accepts an `Idempotency-Key`.",
    )
    @raises(
        because(PayoutBelowMinimum, "below `payout_minimum` of `GET earnings/`"),
        InsufficientEarnings,
        WalletInDebt,
    )
    @idempotent
    def post(self, request: Request) -> Response:
        serializer = PayoutCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        payout = payout_request(creator=request.user, amount=serializer.validated_data["amount"])
        return Response(PayoutSerializer(payout).data, status=status.HTTP_201_CREATED)


class PayoutDetailView(APIView):
    @extend_schema(
        operation_id="payouts_retrieve",
        tags=["payouts"],
        parameters=[PAYOUT_ID],
        responses={200: PayoutSerializer},
        summary="One of the caller's payouts",
    )
    @raises(because(NotFound, "no such payout of the caller's"))
    def get(self, request: Request, payout_id: str) -> Response:
        payout = payout_get_for_creator(user=request.user, payout_id=payout_id)
        return Response(PayoutSerializer(payout).data)
