"""Live streaming app: the Django admin for recordings: what the media server handed
over and the replay video each became (records to look at)."""

from django.contrib import admin

from core.admin import ReadOnlyAdminMixin
from livestream.models import StreamRecording


@admin.register(StreamRecording)
class StreamRecordingAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("path", "stream", "video", "created_at")
    list_select_related = ("stream", "video")
    search_fields = ("path", "stream__title", "stream__public_id")
    ordering = ("-created_at",)
    date_hierarchy = "created_at"
    raw_id_fields = ("stream", "session", "video")
