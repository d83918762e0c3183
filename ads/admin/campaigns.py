"""The Django admin for campaigns: what each spent, settled and counted; read-only
(owners change campaigns through the API, whose services keep spend consistent)."""

from django.contrib import admin

from ads.models import Campaign
from ads.money import bid_display, micro_coins_display
from core.admin import ReadOnlyAdminMixin


@admin.register(Campaign)
class CampaignAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = (
        "name",
        "advertiser",
        "status",
        "pricing",
        "bid_shown",
        "total_budget",
        "daily_budget",
        "spent_shown",
        "settled_shown",
        "impression_count",
        "click_count",
        "start_at",
        "end_at",
    )
    list_filter = ("status", "pricing", "pacing", "created_at")
    list_select_related = ("advertiser",)
    search_fields = ("name", "advertiser__name", "advertiser__owner__username")
    ordering = ("-created_at", "-id")
    date_hierarchy = "created_at"
    readonly_fields = ("bid_shown", "spent_shown", "settled_shown", "spent_today_shown")

    @admin.display(description="bid (coins)")
    def bid_shown(self, campaign: Campaign) -> str:
        return bid_display(campaign.bid_millicoins)

    @admin.display(description="spent (coins)")
    def spent_shown(self, campaign: Campaign) -> str:
        return micro_coins_display(campaign.spent_micro)

    @admin.display(description="settled (coins)")
    def settled_shown(self, campaign: Campaign) -> str:
        return micro_coins_display(campaign.settled_micro)

    @admin.display(description="spent on spend day (coins)")
    def spent_today_shown(self, campaign: Campaign) -> str:
        return micro_coins_display(campaign.spent_today_micro)
