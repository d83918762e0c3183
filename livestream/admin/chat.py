"""Live streaming app: the Django admin for chats: messages, bans and moderators.

Records to look at. Staff delete messages through the action here, which deletes them
softly as a moderator would (`chat_message_delete`: kept, shown to nobody).
"""

import uuid

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from core.admin import ReadOnlyAdminMixin, ServiceActionsMixin
from livestream.models import ChatBan, ChatMessage, Stream, StreamModerator
from livestream.services.chat import chat_message_delete
from social.admin import DeletedFilter


class StreamFilter(admin.SimpleListFilter):
    """By stream: the streams live now are listed (a stream's page links any other by
    its id, `?stream=<id>`), without scanning the messages for the streams they name."""

    title = "stream"
    parameter_name = "stream"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list:
        live = Stream.objects.filter(status=Stream.Status.LIVE).order_by("-current_viewers")
        return [(str(stream.pk), stream.title) for stream in live[:50]]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        value = self.value()
        if not value:
            return queryset
        try:
            return queryset.filter(stream_id=uuid.UUID(value))
        except ValueError:
            return queryset.none()


@admin.register(ChatMessage)
class ChatMessageAdmin(ServiceActionsMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("text", "author", "stream", "kind", "sequence", "is_deleted", "created_at")
    list_filter = ("kind", DeletedFilter, StreamFilter)
    list_select_related = ("author", "stream")
    search_fields = ("text", "author__username", "stream__title", "stream__public_id")
    search_help_text = "The text, the author's username, or the stream's title or public id."
    ordering = ("-created_at",)
    date_hierarchy = "created_at"
    fields = (
        "stream",
        "session",
        "author",
        "kind",
        "text",
        "sequence",
        "created_at",
        "deleted_at",
        "deleted_by",
    )
    readonly_fields = fields
    actions = ["delete_messages"]

    @admin.display(description="deleted", boolean=True, ordering="deleted_at")
    def is_deleted(self, message: ChatMessage) -> bool:
        return message.deleted_at is not None

    @admin.action(description="Delete the selected chat messages", permissions=["act"])
    def delete_messages(self, request: HttpRequest, queryset: QuerySet[ChatMessage]) -> None:
        self._each(
            request,
            queryset.filter(deleted_at__isnull=True),
            lambda message: chat_message_delete(message=message, by=request.user),
            "Deleted {count} chat message(s).",
        )


@admin.register(ChatBan)
class ChatBanAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("user", "stream", "banned_by", "reason", "created_at")
    list_select_related = ("user", "stream", "banned_by")
    search_fields = ("user__username", "stream__title", "stream__public_id", "reason")
    ordering = ("-created_at",)
    fields = ("stream", "user", "banned_by", "reason", "created_at")
    readonly_fields = fields


@admin.register(StreamModerator)
class StreamModeratorAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("user", "stream", "created_at")
    list_select_related = ("user", "stream")
    search_fields = ("user__username", "stream__title", "stream__public_id")
    ordering = ("-created_at",)
    fields = ("stream", "user", "created_at")
    readonly_fields = fields
