"""The Django admin for creatives: staff review them, pending ones first, and approve
or reject them (saying why) through the services, which tell the advertiser's owner."""

from django.contrib import admin, messages
from django.db.models import Case, IntegerField, QuerySet, Value, When
from django.http import HttpRequest
from django.template.response import TemplateResponse

from ads.models import Creative
from ads.services.creatives import creative_approve, creative_reject
from core.admin import ReadOnlyAdminMixin, ServiceActionsMixin
from payments.admin.reasons import reason_given, reason_page


@admin.register(Creative)
class CreativeAdmin(ServiceActionsMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = (
        "headline",
        "review_status",
        "campaign",
        "video",
        "click_url",
        "call_to_action",
        "created_at",
        "reviewed_at",
    )
    list_filter = ("review_status", "created_at")
    list_select_related = ("campaign", "video")
    search_fields = ("headline", "campaign__name", "campaign__advertiser__name", "click_url")
    fields = (
        "headline",
        "call_to_action",
        "click_url",
        "video",
        "campaign",
        "review_status",
        "rejection_reason",
        "reviewed_by",
        "reviewed_at",
        "created_at",
    )
    actions = ["approve", "reject"]

    def get_ordering(self, request: HttpRequest) -> tuple:
        # The review queue: pending ones first, oldest first.
        pending_first = Case(
            When(review_status=Creative.Review.PENDING, then=Value(0)),
            default=Value(1),
            output_field=IntegerField(),
        )
        return (pending_first.asc(), "created_at", "id")

    @admin.action(description="Approve the selected creatives", permissions=["act"])
    def approve(self, request: HttpRequest, queryset: QuerySet[Creative]) -> None:
        self._each(
            request,
            queryset,
            lambda creative: creative_approve(creative=creative, staff=request.user),
            "Approved {count} creative(s).",
        )

    @admin.action(description="Reject the selected creatives", permissions=["act"])
    def reject(self, request: HttpRequest, queryset: QuerySet[Creative]) -> TemplateResponse | None:
        """First asks why (the advertiser's owner reads it), then rejects each."""
        page = reason_page(
            self,
            request,
            queryset,
            action="reject",
            title="Reject creatives",
            question="Reject these creatives? They stop serving at once, and their "
            "advertisers are told why.",
            button="Reject",
            reason_label="Reason (required)",
        )
        if page is not None:
            return page
        reason = reason_given(request)
        if not reason:
            self.message_user(request, "Nothing done: say why.", messages.ERROR)
            return None
        self._each(
            request,
            queryset,
            lambda creative: creative_reject(creative=creative, staff=request.user, reason=reason),
            "Rejected {count} creative(s).",
        )
        return None
