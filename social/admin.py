"""Social app: the Django admin for follows, blocks, likes, bookmarks, shares, comments
and the abuse-report review queue.

Everything here is read-only by hand: counters and notifications depend on the
services, so changes go through them as actions. Comments are hidden, shown again or
deleted (the thread kept) with `social.services.comments`; reports are dismissed, or
acted on (hide the target, suspend its owner) with `social.services.reports`, which
record the reviewer and the time. A refused action says why, row by row.
"""

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html

from core.admin import ReadOnlyAdminMixin, ServiceActionsMixin
from social.models import Block, Bookmark, Comment, CommentLike, Follow, Report, Share, VideoLike
from social.selectors import report_queryset_summarised
from social.services.comments import comment_delete, comment_hide, comment_unhide
from social.services.reports import report_dismiss, report_owner_suspend, report_target_hide

LIST_TEXT_LENGTH = 80


def _shorten(text: str) -> str:
    return text if len(text) <= LIST_TEXT_LENGTH else text[: LIST_TEXT_LENGTH - 1] + "…"


# -- follows and blocks -----------------------------------------------------------------


@admin.register(Follow)
class FollowAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("follower", "followed", "status", "created_at", "accepted_at")
    list_filter = ("status",)
    list_select_related = ("follower", "followed")
    search_fields = ("follower__username", "followed__username")
    search_help_text = "Either user's username (part of it)."
    ordering = ("-created_at",)


@admin.register(Block)
class BlockAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("blocker", "blocked", "created_at")
    list_select_related = ("blocker", "blocked")
    search_fields = ("blocker__username", "blocked__username")
    search_help_text = "Either user's username (part of it)."
    ordering = ("-created_at",)


# -- likes, bookmarks and shares --------------------------------------------------------


@admin.register(VideoLike)
class VideoLikeAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("user", "video", "created_at")
    list_select_related = ("user", "video")
    search_fields = ("user__username", "video__title")
    ordering = ("-created_at",)


@admin.register(CommentLike)
class CommentLikeAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("user", "comment", "created_at")
    list_select_related = ("user", "comment")
    search_fields = ("user__username",)
    ordering = ("-created_at",)


@admin.register(Bookmark)
class BookmarkAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("user", "video", "created_at")
    list_select_related = ("user", "video")
    search_fields = ("user__username", "video__title")
    ordering = ("-created_at",)


@admin.register(Share)
class ShareAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("video", "user", "channel", "created_at")
    list_filter = ("channel",)
    list_select_related = ("user", "video")
    search_fields = ("user__username", "video__title")
    ordering = ("-created_at",)


# -- comments ---------------------------------------------------------------------------


class DeletedFilter(admin.SimpleListFilter):
    title = "deleted"
    parameter_name = "deleted"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list:
        return [("yes", "Yes"), ("no", "No")]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        if self.value() == "yes":
            return queryset.filter(deleted_at__isnull=False)
        if self.value() == "no":
            return queryset.filter(deleted_at__isnull=True)
        return queryset


@admin.register(Comment)
class CommentAdmin(ServiceActionsMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = (
        "short_text",
        "author",
        "video",
        "is_reply",
        "like_count",
        "reply_count",
        "is_pinned",
        "is_hidden",
        "is_deleted",
        "created_at",
    )
    list_filter = ("is_hidden", DeletedFilter, "is_pinned")
    list_select_related = ("author", "video")
    search_fields = ("text", "deleted_text", "author__username")
    search_help_text = (
        "The text (a deleted comment's too) or the author's username (parts of them)."
    )
    ordering = ("-created_at",)
    date_hierarchy = "created_at"
    fields = (
        "video",
        "author",
        "parent",
        "text",
        "deleted_text",
        "mentioned_users",
        "like_count",
        "reply_count",
        "is_pinned",
        "is_hidden",
        "created_at",
        "edited_at",
        "deleted_at",
    )
    readonly_fields = fields
    actions = ["hide", "unhide", "delete_comments"]

    @admin.display(description="text")
    def short_text(self, comment: Comment) -> str:
        if comment.deleted_at:
            return f"(deleted) {_shorten(comment.deleted_text)}"
        return _shorten(comment.text)

    @admin.display(description="reply", boolean=True)
    def is_reply(self, comment: Comment) -> bool:
        return comment.parent_id is not None

    @admin.display(description="deleted", boolean=True, ordering="deleted_at")
    def is_deleted(self, comment: Comment) -> bool:
        return comment.deleted_at is not None

    def _label(self, comment: Comment) -> str:
        return f"{comment.author.username}'s comment {comment.pk}"

    @admin.action(description="Hide the selected comments", permissions=["act"])
    def hide(self, request: HttpRequest, queryset: QuerySet[Comment]) -> None:
        self._each(
            request,
            queryset,
            lambda comment: comment_hide(comment=comment, actor=request.user),
            "Hid {count} comment(s).",
            label=self._label,
        )

    @admin.action(description="Show the selected hidden comments", permissions=["act"])
    def unhide(self, request: HttpRequest, queryset: QuerySet[Comment]) -> None:
        self._each(
            request,
            queryset,
            lambda comment: comment_unhide(comment=comment, actor=request.user),
            "Showed {count} comment(s) again.",
            label=self._label,
        )

    @admin.action(
        description="Delete the selected comments (threads are kept)", permissions=["act"]
    )
    def delete_comments(self, request: HttpRequest, queryset: QuerySet[Comment]) -> None:
        self._each(
            request,
            queryset.filter(deleted_at__isnull=True).select_related("video"),
            lambda comment: comment_delete(comment=comment, actor=request.user),
            "Deleted {count} comment(s).",
            label=self._label,
        )


# -- reports ----------------------------------------------------------------------------


@admin.register(Report)
class ReportAdmin(ServiceActionsMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = (
        "created_at",
        "reason",
        "target_type",
        "target_summary",
        "reporter",
        "status",
        "reviewed_by",
        "reviewed_at",
    )
    list_filter = ("status", "reason", "target_type")
    search_fields = ("reporter__username", "details", "=target_id")
    search_help_text = "The reporter's username, the details (parts of them), or a target id."
    ordering = ("-created_at",)
    date_hierarchy = "created_at"
    fields = (
        "reporter",
        "target_type",
        "target_id",
        "target_summary",
        "reason",
        "details",
        "status",
        "reviewed_by",
        "reviewed_at",
        "resolution",
        "created_at",
    )
    readonly_fields = fields
    actions = ["dismiss", "hide_target", "suspend_owner"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Report]:
        return report_queryset_summarised()

    @admin.display(description="target")
    def target_summary(self, report: Report) -> str:
        username = getattr(report, "target_username", None)
        if username is None:
            return "(gone)"
        if report.target_type == Report.TargetType.VIDEO:
            text, url = f"“{report.target_video_title}” by {username}", "videos_video"
        elif report.target_type == Report.TargetType.COMMENT:
            text = f"“{_shorten(report.target_comment_text or '')}” by {username}"
            url = "social_comment"
        else:
            text, url = username, "accounts_user"
        return format_html(
            '<a href="{}">{}</a>', reverse(f"admin:{url}_change", args=[report.target_id]), text
        )

    def _label(self, report: Report) -> str:
        return f"report {report.pk}"

    @admin.action(description="Dismiss the selected reports", permissions=["act"])
    def dismiss(self, request: HttpRequest, queryset: QuerySet[Report]) -> None:
        self._each(
            request,
            queryset,
            lambda report: report_dismiss(report=report, reviewer=request.user),
            "Dismissed {count} report(s).",
            label=self._label,
        )

    @admin.action(
        description="Hide the reported videos (made private) or comments",
        permissions=["act"],
    )
    def hide_target(self, request: HttpRequest, queryset: QuerySet[Report]) -> None:
        self._each(
            request,
            queryset,
            lambda report: report_target_hide(report=report, reviewer=request.user),
            "Hid the targets of {count} report(s).",
            label=self._label,
        )

    @admin.action(
        description="Suspend the owners of the reported content or accounts",
        permissions=["act"],
    )
    def suspend_owner(self, request: HttpRequest, queryset: QuerySet[Report]) -> None:
        self._each(
            request,
            queryset,
            lambda report: report_owner_suspend(report=report, reviewer=request.user),
            "Suspended the owners for {count} report(s).",
            label=self._label,
        )
