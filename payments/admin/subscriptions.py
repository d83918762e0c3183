"""Payments admin: tips, creator tiers and subscriptions.

Tips and subscriptions are records of coins that moved: read-only (a subscription
changes only through its services: the subscriber cancels, the renewals charge or
expire). Tiers are editable, as their creator may edit them through the API: a new
price is for new subscribers, existing subscriptions keep theirs; tiers are never
deleted (subscriptions point at them): unset `active` to stop selling one.
"""

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from core.admin import ReadOnlyAdminMixin
from payments.models import CreatorTier, Subscription, Tip
from payments.selectors.subscriptions import tier_list_annotated


@admin.register(Tip)
class TipAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("created_at", "sender", "recipient", "amount", "fee", "video_id")
    list_select_related = ("sender", "recipient")
    search_fields = ("sender__username", "recipient__username")
    search_help_text = "The sender's or the recipient's username (part of it)."
    ordering = ("-created_at",)
    date_hierarchy = "created_at"
    fields = (
        "id",
        "sender",
        "recipient",
        "amount",
        "fee",
        "video_id",
        "message",
        "ledger_transaction",
        "created_at",
    )
    readonly_fields = fields


@admin.register(CreatorTier)
class CreatorTierAdmin(admin.ModelAdmin):
    list_display = ("name", "creator", "price", "active", "subscriber_count", "created_at")
    list_filter = ("active",)
    list_select_related = ("creator",)
    search_fields = ("name", "creator__username")
    search_help_text = "The tier's name or its creator's username (part of it)."
    ordering = ("creator__username", "price")
    raw_id_fields = ("creator",)
    fields = ("creator", "name", "price", "perks", "active", "created_at", "updated_at")
    readonly_fields = ("created_at", "updated_at")

    def get_queryset(self, request: HttpRequest) -> QuerySet[CreatorTier]:
        return tier_list_annotated(super().get_queryset(request))

    def get_readonly_fields(self, request: HttpRequest, obj=None):
        if obj is not None:  # a tier stays its creator's
            return ("creator", *self.readonly_fields)
        return self.readonly_fields

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    @admin.display(description="Active subscribers", ordering="subscriber_count")
    def subscriber_count(self, tier: CreatorTier) -> int:
        return tier.subscriber_count


@admin.register(Subscription)
class SubscriptionAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = (
        "subscriber",
        "creator",
        "tier",
        "status",
        "price",
        "current_period_end",
        "cancel_at_period_end",
        "created_at",
    )
    list_filter = ("status", "cancel_at_period_end")
    list_select_related = ("subscriber", "creator", "tier")
    search_fields = ("subscriber__username", "creator__username", "tier__name")
    search_help_text = "The subscriber's or creator's username, or the tier's name."
    ordering = ("-created_at",)
    fields = (
        "id",
        "subscriber",
        "creator",
        "tier",
        "status",
        "price",
        "anchor",
        "period_index",
        "current_period_start",
        "current_period_end",
        "cancel_at_period_end",
        "canceled_at",
        "past_due_since",
        "ended_at",
        "created_at",
        "updated_at",
    )
    readonly_fields = fields
