"""Live streaming app: the Django admin for the gift catalogue (staff add, edit and
retire gifts: an inactive gift cannot be sent) and the gifts sent, which are records
of coins that moved: read-only."""

from django.contrib import admin
from django.http import HttpRequest

from core.admin import ReadOnlyAdminMixin
from livestream.models import Gift, GiftSent


@admin.register(Gift)
class GiftAdmin(admin.ModelAdmin):
    list_display = ("name", "coins", "active", "position", "created_at")
    list_editable = ("active", "position")
    list_filter = ("active",)
    search_fields = ("name",)
    ordering = ("position", "coins")
    fields = ("name", "coins", "image", "active", "position")

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        # Gifts sent point at their gift: retire one by making it inactive.
        return False


@admin.register(GiftSent)
class GiftSentAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("gift", "quantity", "coins", "sender", "recipient", "stream", "created_at")
    list_select_related = ("gift", "sender", "recipient", "stream")
    search_fields = ("sender__username", "recipient__username", "stream__title")
    ordering = ("-created_at",)
    date_hierarchy = "created_at"
    raw_id_fields = ("stream", "session", "sender", "recipient", "ledger_transaction")
