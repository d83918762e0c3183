"""Wallet, earnings, statements and payouts: input and output shapes."""

from django.conf import settings
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.serializers.users import UserPublicSerializer
from core.serializers import ModelSerializer
from payments.models import REFERENCE_TYPES, LedgerEntry, Payout
from payments.selectors.wallet import (
    ledger_entry_counterparty,
    ledger_entry_reference,
)

# The largest amount a payout row holds (a 32-bit positive integer).
PAYOUT_AMOUNT_MAX = 2_147_483_647


class MoneyFieldsMixin(serializers.Serializer):
    currency = serializers.SerializerMethodField(help_text="ISO 4217, from `COIN_PRICE`.")
    coin_price = serializers.SerializerMethodField(
        help_text="What one coin is worth, in the currency's minor units (cents)."
    )

    def get_currency(self, summary) -> str:
        return settings.COIN_CURRENCY

    def get_coin_price(self, summary) -> int:
        return settings.COIN_PRICE_MINOR


class WalletSerializer(MoneyFieldsMixin):
    balance = serializers.IntegerField(help_text="Coins the caller may spend.")
    pending = serializers.IntegerField(
        help_text="Coins of the caller's checkouts still open (paid ones are credited "
        "once the provider confirms)."
    )
    debt = serializers.IntegerField(
        help_text="Coins owed after a refund took back spent coins; spending is refused "
        "while it is above zero, and the next top-up settles it first."
    )


class EarningsSerializer(MoneyFieldsMixin):
    balance = serializers.IntegerField(help_text="Earnings available for a payout, in coins.")
    pending_payouts = serializers.IntegerField(help_text="Coins in payouts awaiting review.")
    paid_out = serializers.IntegerField(help_text="Coins in payouts already paid.")
    balance_value = serializers.SerializerMethodField(
        help_text="`balance` in the currency's minor units (`balance * coin_price`)."
    )
    payout_minimum = serializers.SerializerMethodField(
        help_text="The smallest payout one may ask for, in coins."
    )

    def get_balance_value(self, summary) -> int:
        return summary.balance * settings.COIN_PRICE_MINOR

    def get_payout_minimum(self, summary) -> int:
        return settings.PAYOUT_MINIMUM_COINS


class LedgerReferenceSerializer(serializers.Serializer):
    type = serializers.ChoiceField(choices=[])
    id = serializers.UUIDField()

    def get_fields(self) -> dict:
        fields = super().get_fields()
        # Read when used: apps above payments name their references in `ready()`.
        fields["type"].choices = sorted(set(REFERENCE_TYPES.values()))
        return fields


class LedgerEntrySerializer(ModelSerializer):
    """One line of a statement: coins in (positive) or out (negative) of one account."""

    kind = serializers.CharField(source="transaction.kind", help_text="What moved the coins.")
    account = serializers.CharField(
        source="account.role", help_text="`wallet` or `debt` (wallet statement), `earnings`."
    )
    counterparty = serializers.SerializerMethodField()
    reference = serializers.SerializerMethodField()
    description = serializers.CharField(source="transaction.description")

    class Meta:
        model = LedgerEntry
        fields = [
            "id",
            "kind",
            "amount",
            "balance_after",
            "account",
            "counterparty",
            "reference",
            "description",
            "created_at",
        ]
        read_only_fields = fields

    @extend_schema_field(UserPublicSerializer(allow_null=True))
    def get_counterparty(self, entry: LedgerEntry) -> dict | None:
        user = ledger_entry_counterparty(entry)
        return UserPublicSerializer(user, context=self.context).data if user else None

    @extend_schema_field(LedgerReferenceSerializer(allow_null=True))
    def get_reference(self, entry: LedgerEntry) -> dict | None:
        reference = ledger_entry_reference(entry)
        if reference is None:
            return None
        return {"type": reference[0], "id": str(reference[1])}


class PayoutSerializer(ModelSerializer):
    class Meta:
        model = Payout
        fields = [
            "id",
            "amount",
            "money_amount",
            "currency",
            "status",
            "reason",
            "created_at",
            "reviewed_at",
        ]
        read_only_fields = fields


class PayoutCreateSerializer(serializers.Serializer):
    amount = serializers.IntegerField(
        max_value=PAYOUT_AMOUNT_MAX,
        help_text="Coins of earnings to pay out, at least the `payout_minimum`.",
    )
