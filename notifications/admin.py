"""Notifications app: the Django admin for notifications and preferences.

Notifications are made by the apps' services, never here: staff look at them,
delete them, or change a user's preferences on their behalf.
"""

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from notifications.models import Notification, NotificationPreference


class ReadFilter(admin.SimpleListFilter):
    title = "read"
    parameter_name = "read"

    def lookups(self, request: HttpRequest, model_admin) -> list[tuple[str, str]]:
        return [("yes", "Read"), ("no", "Unread")]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        if self.value() in ("yes", "no"):
            return queryset.filter(read_at__isnull=self.value() == "no")
        return queryset


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ("type", "recipient", "actor", "actor_count", "is_read", "updated_at")
    list_filter = ("type", ReadFilter)
    list_select_related = ("recipient", "actor")
    search_fields = ("recipient__username",)
    ordering = ("-updated_at", "-id")
    date_hierarchy = "created_at"
    raw_id_fields = ("recipient", "actor")
    readonly_fields = [field.name for field in Notification._meta.concrete_fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    @admin.display(boolean=True, description="read")
    def is_read(self, notification: Notification) -> bool:
        return notification.read_at is not None


@admin.register(NotificationPreference)
class NotificationPreferenceAdmin(admin.ModelAdmin):
    list_display = ("user", "type", "in_app", "email", "updated_at")
    list_filter = ("type", "in_app", "email")
    list_select_related = ("user",)
    search_fields = ("user__username",)
    raw_id_fields = ("user",)
