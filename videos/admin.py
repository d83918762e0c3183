"""Videos app: the Django admin for videos, categories, counted views and watch history.

Videos are uploaded through the API, never added here. Edits go through
`video_update` (the description's hashtags join the tags), deletions through
`video_delete` (files removed once committed, the owner's `video_count` kept right),
and what processing produced is read-only. Counted views and history are records to
look at.
"""

from django.contrib import admin, messages
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.html import format_html

from core.admin import ReadOnlyAdminMixin
from videos.models import Category, Video, VideoView, WatchHistoryEntry
from videos.services.videos import video_delete, video_update, videos_reprocess_enqueue
from videos.signed_urls import video_file_url
from videos.tags import InvalidTag, tag_normalize

THUMBNAIL_LIST_HEIGHT = 36
THUMBNAIL_PAGE_HEIGHT = 180


def _thumbnail_img(video: Video, *, height: int) -> str:
    url = video_file_url(request=None, video=video, name=video.thumbnail.name or "")
    if not url:
        return "-"
    return format_html(
        '<img src="{}" alt="Thumbnail of {}" height="{}" loading="lazy">', url, video.title, height
    )


@admin.register(Video)
class VideoAdmin(admin.ModelAdmin):
    list_display = (
        "title",
        "owner",
        "status",
        "visibility",
        "category",
        "view_count",
        "published_at",
        "thumbnail_preview",
    )
    list_filter = ("status", "visibility", "category")
    list_select_related = ("owner", "category")
    search_fields = ("title", "owner__username")
    search_help_text = "Title or owner's username (parts of them), or an exact tag (#cats)."
    ordering = ("-created_at",)
    date_hierarchy = "created_at"
    actions = ["reprocess", "hide"]
    fieldsets = (
        (
            None,
            {
                "fields": (
                    "owner",
                    "title",
                    "description",
                    "visibility",
                    "tags",
                    "category",
                    "language",
                    "allow_comments",
                )
            },
        ),
        (
            "Processing (reprocess with the action on the video list)",
            {
                "fields": (
                    "thumbnail_page_preview",
                    "status",
                    "processing_error",
                    "source_file_name",
                    "media_key",
                    "duration_seconds",
                    "width",
                    "height",
                    "thumbnail",
                    "renditions",
                    "hls_playlist",
                )
            },
        ),
        (
            "Counters",
            {
                "fields": (
                    "view_count",
                    "like_count",
                    "comment_count",
                    "share_count",
                    "trending_score",
                )
            },
        ),
        (
            "Dates and metadata",
            {"fields": ("created_at", "updated_at", "published_at", "metadata")},
        ),
    )
    # Only what an owner may change through the API is editable; the rest belongs to
    # processing and to the apps that count.
    readonly_fields = (
        "owner",
        "thumbnail_page_preview",
        "status",
        "processing_error",
        "source_file_name",
        "media_key",
        "duration_seconds",
        "width",
        "height",
        "thumbnail",
        "renditions",
        "hls_playlist",
        "view_count",
        "like_count",
        "comment_count",
        "share_count",
        "trending_score",
        "created_at",
        "updated_at",
        "published_at",
        "metadata",
    )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # uploads go through the API, which checks and processes them

    @admin.display(description="source file")
    def source_file_name(self, video: Video) -> str:
        # Its name only: a source file is never served (videos/views/files.py), so a
        # link would answer 404.
        return video.source_file.name or "-"

    @admin.display(description="thumbnail")
    def thumbnail_preview(self, video: Video) -> str:
        return _thumbnail_img(video, height=THUMBNAIL_LIST_HEIGHT)

    @admin.display(description="thumbnail preview")
    def thumbnail_page_preview(self, video: Video) -> str:
        return _thumbnail_img(video, height=THUMBNAIL_PAGE_HEIGHT)

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Video], search_term: str
    ) -> tuple[QuerySet[Video], bool]:
        """Title and owner as Django searches them, or videos tagged with the term."""
        found, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        try:
            tag = tag_normalize(search_term)
        except InvalidTag:
            return found, may_have_duplicates
        # `queryset` already has the list filters applied: OR within it, not the table.
        return found | queryset.filter(tags__contains=[tag]), may_have_duplicates

    def save_model(self, request: HttpRequest, video: Video, form, change: bool) -> None:
        changes = {name: form.cleaned_data[name] for name in form.changed_data}
        if changes:
            video_update(video=video, **changes)

    def get_deleted_objects(self, objs, request: HttpRequest) -> tuple:
        deleted, model_count, perms_needed, protected = super().get_deleted_objects(objs, request)
        # Counted views and history entries are read-only records that go with their
        # video; nobody deletes them one by one, so they need no delete permission.
        perms_needed = perms_needed - {
            VideoView._meta.verbose_name,
            WatchHistoryEntry._meta.verbose_name,
        }
        return deleted, model_count, perms_needed, protected

    def delete_model(self, request: HttpRequest, video: Video) -> None:
        video_delete(video=video)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Video]) -> None:
        """Django's "Delete selected videos" action (its confirmation page and
        permission check kept) deletes through `video_delete`, one video at a time,
        all or nothing."""
        with transaction.atomic():
            for video in queryset:
                video_delete(video=video)

    @admin.action(description="Reprocess the selected videos", permissions=["change"])
    def reprocess(self, request: HttpRequest, queryset: QuerySet[Video]) -> None:
        result = videos_reprocess_enqueue(videos=queryset.select_related(None))
        self.message_user(
            request, f"Queued processing of {result.queued} video(s).", messages.SUCCESS
        )
        if result.skipped_source_missing:
            self.message_user(
                request,
                f"Skipped {result.skipped_source_missing} ready video(s) whose source file "
                "is missing: they stay ready.",
                messages.WARNING,
            )

    @admin.action(
        description="Hide the selected videos (make them private)", permissions=["change"]
    )
    def hide(self, request: HttpRequest, queryset: QuerySet[Video]) -> None:
        hidden = 0
        with transaction.atomic():
            for video in queryset.exclude(visibility=Video.Visibility.PRIVATE):
                video_update(video=video, visibility=Video.Visibility.PRIVATE)
                hidden += 1
        self.message_user(request, f"Made {hidden} video(s) private.", messages.SUCCESS)


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "position")
    list_editable = ("position",)
    ordering = ("position", "name")
    search_fields = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}


@admin.register(VideoView)
class VideoViewAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("created_at", "video", "viewer", "hour", "watched_seconds")
    list_select_related = ("video", "viewer")
    list_filter = ("created_at",)
    search_fields = ("video__title", "viewer__username")
    ordering = ("-created_at",)
    # The viewer key of an anonymous client is a digest, shown for telling clients apart.
    fields = ("video", "viewer", "viewer_key", "hour", "watched_seconds", "created_at")


@admin.register(WatchHistoryEntry)
class WatchHistoryEntryAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("user", "video", "watched_seconds", "last_watched_at")
    list_select_related = ("user", "video")
    search_fields = ("user__username", "video__title")
    ordering = ("-last_watched_at",)
    fields = ("user", "video", "watched_seconds", "last_watched_at", "created_at")
