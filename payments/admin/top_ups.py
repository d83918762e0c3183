"""Payments admin: coin packages (edited here), top-ups, webhook events and refunds.

Top-ups, events and refunds are records to look at; the one thing staff do with them is
refund paid top-ups, with the action on the top-up list, which calls `top_up_refund`
(the provider gives the money back, the ledger takes the coins back or records a debt).
"""

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.template.response import TemplateResponse
from rest_framework.exceptions import APIException

from core.admin import ReadOnlyAdminMixin, ServiceActionsMixin
from payments.admin.reasons import reason_given, reason_page
from payments.models import CoinPackage, Refund, TopUp, WebhookEvent
from payments.money import money_display
from payments.services.top_ups import top_up_refund


@admin.register(CoinPackage)
class CoinPackageAdmin(admin.ModelAdmin):
    list_display = ("name", "coins", "price_shown", "active", "position")
    list_editable = ("active", "position")
    list_filter = ("active", "currency")
    search_fields = ("name",)
    ordering = ("position", "coins")
    fields = ("name", "coins", "price", "currency", "active", "position")
    price_shown = money_display("price", description="price")


@admin.register(TopUp)
class TopUpAdmin(ServiceActionsMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("created_at", "user", "coins", "price_shown", "provider", "status")
    list_filter = ("status", "provider", "created_at")
    list_select_related = ("user",)
    search_fields = ("user__username", "checkout_id", "payment_id")
    ordering = ("-created_at", "-id")
    fields = (
        "user",
        "package",
        "coins",
        "price_shown",
        "provider",
        "status",
        "checkout_id",
        "checkout_url",
        "payment_id",
        "expires_at",
        "paid_at",
        "failed_at",
        "refunded_at",
        "last_event_at",
        "created_at",
    )
    actions = ["refund_selected"]
    readonly_fields = ("price_shown",)
    price_shown = money_display("price", description="price")

    @admin.action(description="Refund selected top-ups", permissions=["act"])
    def refund_selected(
        self, request: HttpRequest, queryset: QuerySet[TopUp]
    ) -> TemplateResponse | None:
        """First asks why (kept on the refund), then refunds each top-up in turn; one
        message per top-up, refused or done."""
        page = reason_page(
            self,
            request,
            queryset,
            action="refund_selected",
            title="Refund top-ups",
            question="Refund these top-ups? The provider gives the money back; coins still "
            "in the wallets are taken back and any shortfall becomes a debt.",
            button="Refund",
        )
        if page is not None:
            return page
        reason = reason_given(request)
        for top_up in queryset.select_related("user").order_by("created_at", "id"):
            name = f"{top_up.user} ({top_up.coins} coins, {top_up.created_at:%Y-%m-%d %H:%M})"
            try:
                refund = top_up_refund(top_up=top_up, staff=request.user, reason=reason)
            except APIException as error:
                self.message_user(request, f"Not refunded: {name}: {error.detail}", messages.ERROR)
                continue
            debt = f"; {refund.debt_coins} coin(s) recorded as debt" if refund.debt_coins else ""
            self.message_user(
                request,
                f"Refunded {name}: {refund.coins - refund.debt_coins} coin(s) taken back{debt}.",
                messages.SUCCESS,
            )
        return None


@admin.register(WebhookEvent)
class WebhookEventAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("created_at", "provider", "type", "event_id", "outcome")
    list_filter = ("provider", "type", "created_at")
    search_fields = ("event_id", "outcome")
    ordering = ("-created_at", "-id")
    fields = (
        "provider",
        "event_id",
        "type",
        "event_created_at",
        "outcome",
        "payload",
        "created_at",
    )


@admin.register(Refund)
class RefundAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = (
        "created_at",
        "top_up",
        "amount_shown",
        "coins",
        "debt_coins",
        "created_by",
    )
    list_filter = ("created_at",)
    list_select_related = ("top_up", "created_by")
    search_fields = ("top_up__user__username", "provider_refund_id")
    ordering = ("-created_at", "-id")
    fields = (
        "top_up",
        "created_by",
        "amount_shown",
        "coins",
        "debt_coins",
        "provider_refund_id",
        "reason",
        "ledger_transaction",
        "created_at",
    )
    readonly_fields = ("amount_shown",)
    amount_shown = money_display("amount", description="amount")
