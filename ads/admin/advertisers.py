"""The Django admin for advertisers: staff suspend one (saying why: its campaigns stop
serving at once) or reinstate it, through the services."""

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.template.response import TemplateResponse

from ads.models import Advertiser
from ads.money import micro_coins_display
from ads.services.advertisers import advertiser_reinstate, advertiser_suspend
from core.admin import ReadOnlyAdminMixin, ServiceActionsMixin
from payments.admin.reasons import reason_given, reason_page


@admin.register(Advertiser)
class AdvertiserAdmin(ServiceActionsMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("name", "owner", "status", "spendable_shown", "created_at")
    list_filter = ("status", "created_at")
    list_select_related = ("owner",)
    search_fields = ("name", "owner__username", "owner__email")
    ordering = ("-created_at", "-id")
    fields = (
        "name",
        "owner",
        "status",
        "suspended_reason",
        "spendable_shown",
        "created_at",
        "updated_at",
    )
    readonly_fields = ("spendable_shown",)
    actions = ["suspend", "reinstate"]

    @admin.display(description="spendable coins")
    def spendable_shown(self, advertiser: Advertiser) -> str:
        return micro_coins_display(advertiser.spendable_micro)

    @admin.action(description="Suspend the selected advertisers", permissions=["act"])
    def suspend(
        self, request: HttpRequest, queryset: QuerySet[Advertiser]
    ) -> TemplateResponse | None:
        """First asks why (the owner reads it), then suspends each advertiser."""
        page = reason_page(
            self,
            request,
            queryset,
            action="suspend",
            title="Suspend advertisers",
            question="Suspend these advertisers? Their campaigns stop serving at once; "
            "they may still withdraw their coins.",
            button="Suspend",
            reason_label="Reason (required)",
        )
        if page is not None:
            return page
        reason = reason_given(request)
        if not reason:
            self.message_user(request, "Nothing done: say why.", messages.ERROR)
            return None
        self._each(
            request,
            queryset,
            lambda advertiser: advertiser_suspend(
                advertiser=advertiser, staff=request.user, reason=reason
            ),
            "Suspended {count} advertiser(s).",
        )
        return None

    @admin.action(description="Reinstate the selected advertisers", permissions=["act"])
    def reinstate(self, request: HttpRequest, queryset: QuerySet[Advertiser]) -> None:
        self._each(
            request,
            queryset,
            lambda advertiser: advertiser_reinstate(advertiser=advertiser, staff=request.user),
            "Reinstated {count} advertiser(s).",
        )
