"""Live streaming app: the Django admin for streams and their broadcasts (sessions).

Streams are created and edited by their owners through the API; here staff look at
them and end a broadcast ("End the selected streams": `staff_ended`, after which the
media server's next `on-update` cuts the publisher), which the moderation log records
as an `end_stream` action on the owner. Sessions are records to look at.
The stream key's digest is never shown.
"""

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from core.admin import ReadOnlyAdminMixin
from livestream.models import Stream, StreamSession
from livestream.services.streams import stream_end_by_staff


class StreamSessionInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = StreamSession
    fields = (
        "started_at",
        "ended_at",
        "end_reason",
        "peak_viewers",
        "unique_viewers",
        "gift_coins",
    )
    readonly_fields = fields
    ordering = ("-started_at",)
    extra = 0
    show_change_link = True


@admin.register(Stream)
class StreamAdmin(admin.ModelAdmin):
    list_display = ("title", "owner", "status", "visibility", "current_viewers", "created_at")
    list_filter = ("status", "visibility", "permanent")
    list_select_related = ("owner",)
    search_fields = ("title", "owner__username", "public_id")
    ordering = ("-created_at",)
    date_hierarchy = "created_at"
    actions = ["end_streams"]
    inlines = [StreamSessionInline]
    fields = (
        "owner",
        "title",
        "description",
        "category",
        "tags",
        "visibility",
        "status",
        "permanent",
        "save_replay",
        "scheduled_for",
        "chat_mode",
        "slow_mode_seconds",
        "current_viewers",
        "peak_viewers",
        "chat_message_count",
        "gift_coins",
        "public_id",
        "key_rotated_at",
        "created_at",
        "updated_at",
    )
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    @admin.action(description="End the selected streams' broadcasts", permissions=["change"])
    def end_streams(self, request: HttpRequest, queryset: QuerySet[Stream]) -> None:
        ended = sum(
            stream_end_by_staff(actor=request.user, stream=stream)
            for stream in queryset.filter(status=Stream.Status.LIVE).select_related("owner")
        )
        self.message_user(request, f"Ended {ended} live stream(s).", messages.SUCCESS)


@admin.register(StreamSession)
class StreamSessionAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = (
        "stream",
        "started_at",
        "ended_at",
        "end_reason",
        "peak_viewers",
        "unique_viewers",
    )
    list_filter = ("end_reason",)
    list_select_related = ("stream",)
    search_fields = ("stream__title", "stream__public_id")
    ordering = ("-started_at",)
    date_hierarchy = "started_at"
