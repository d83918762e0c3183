"""Payments admin: the ledger (accounts, transactions with their entries), payouts and
idempotency records.

All of it is read-only: balances move only through the services, and the one thing
staff do here is review payouts, with the actions on the payout list (which call
`payout_approve` / `payout_reject`, so the coins move once and the creator hears it).
"""

from collections.abc import Callable

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.template.response import TemplateResponse

from core.admin import ReadOnlyAdminMixin, ServiceActionsMixin
from payments.admin.reasons import reason_given, reason_page
from payments.models import IdempotencyRecord, LedgerAccount, LedgerEntry, LedgerTransaction, Payout
from payments.money import money_display
from payments.selectors.ledger import platform_revenue_totals
from payments.services.payouts import payout_approve, payout_reject

# -- accounts and transactions --------------------------------------------------------


@admin.register(LedgerAccount)
class LedgerAccountAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("__str__", "owner", "role", "shard", "balance", "updated_at")
    list_filter = ("role",)
    list_select_related = ("owner",)
    search_fields = ("owner__username",)
    ordering = ("role", "-balance")
    fields = ("owner", "role", "shard", "balance", "created_at", "updated_at")

    def changelist_view(self, request: HttpRequest, extra_context: dict | None = None):
        """The list, headed by the platform's revenue: the sum of its shards."""
        revenue, shards = platform_revenue_totals()
        context = {"platform_revenue": revenue, "platform_revenue_shards": shards}
        return super().changelist_view(request, {**context, **(extra_context or {})})


class LedgerEntryInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = LedgerEntry
    extra = 0
    can_delete = False
    fields = ("account", "amount", "balance_after", "created_at")
    readonly_fields = fields
    ordering = ("id",)

    def get_queryset(self, request: HttpRequest) -> QuerySet[LedgerEntry]:
        return super().get_queryset(request).select_related("account__owner")


@admin.register(LedgerTransaction)
class LedgerTransactionAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("created_at", "kind", "initiator", "description", "idempotency_key")
    list_filter = ("kind", "created_at")
    list_select_related = ("initiator",)
    search_fields = ("idempotency_key", "initiator__username", "description")
    ordering = ("-created_at", "-id")
    fields = (
        "kind",
        "initiator",
        "idempotency_key",
        "reference_type",
        "reference_id",
        "description",
        "reverses",
        "metadata",
        "created_at",
    )
    inlines = [LedgerEntryInline]


# -- payouts ----------------------------------------------------------------------------


@admin.register(Payout)
class PayoutAdmin(ServiceActionsMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("created_at", "creator", "amount", "money_amount_shown", "status")
    list_filter = ("status", "created_at")
    list_select_related = ("creator",)
    search_fields = ("creator__username",)
    ordering = ("-created_at", "-id")
    fields = (
        "creator",
        "amount",
        "money_amount_shown",
        "status",
        "reviewed_by",
        "reviewed_at",
        "reason",
        "created_at",
    )
    actions = ["approve_selected", "reject_selected"]
    readonly_fields = ("money_amount_shown",)
    money_amount_shown = money_display("money_amount", description="money amount")

    def _review(
        self, request: HttpRequest, queryset: QuerySet[Payout], service: Callable, done: str, **kw
    ) -> None:
        self._each(
            request,
            queryset.select_related("creator"),
            lambda payout: service(payout=payout, staff=request.user, **kw),
            done,
            label=lambda payout: f"{payout.creator} ({payout.amount} coins)",
        )

    @admin.action(description="Approve selected payouts", permissions=["act"])
    def approve_selected(self, request: HttpRequest, queryset: QuerySet[Payout]) -> None:
        self._review(request, queryset, payout_approve, "Approved {count} payout(s).")

    @admin.action(description="Reject selected payouts", permissions=["act"])
    def reject_selected(
        self, request: HttpRequest, queryset: QuerySet[Payout]
    ) -> TemplateResponse | None:
        """First asks why (the creator is told), then rejects."""
        page = reason_page(
            self,
            request,
            queryset,
            action="reject_selected",
            title="Reject payouts",
            question="Reject these payouts? Their coins go back to the creators' earnings.",
            button="Reject",
            reason_label="Reason, shown to the creator (optional)",
        )
        if page is not None:
            return page
        self._review(
            request,
            queryset,
            payout_reject,
            "Rejected {count} payout(s).",
            reason=reason_given(request),
        )
        return None


# -- idempotency records ------------------------------------------------------------


@admin.register(IdempotencyRecord)
class IdempotencyRecordAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("created_at", "user", "key", "response_status")
    list_filter = ("response_status", "created_at")
    list_select_related = ("user",)
    search_fields = ("key", "user__username")
    ordering = ("-created_at",)
    fields = (
        "user",
        "key",
        "request_fingerprint",
        "response_status",
        "response_body",
        "created_at",
    )
