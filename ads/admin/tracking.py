"""The Django admin's invalid-traffic log: the clicks refused as invalid (duplicates
within the dedup window, addresses over their daily limit), newest first; read-only."""

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from ads.models import Click
from core.admin import ReadOnlyAdminMixin


@admin.register(Click)
class InvalidClickAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = (
        "created_at",
        "invalid_reason",
        "campaign",
        "creative",
        "viewer_key",
        "ip_digest",
        "country",
        "device",
    )
    list_filter = ("invalid_reason", "created_at")
    list_select_related = ("campaign", "creative")
    search_fields = ("viewer_key", "ip_digest", "campaign__name")
    ordering = ("-created_at", "-id")
    date_hierarchy = "created_at"

    def get_queryset(self, request: HttpRequest) -> QuerySet[Click]:
        return super().get_queryset(request).filter(is_valid=False)
