"""An admin action that asks staff why before it acts: a payout rejection (the creator
is told the reason) or a refund (kept on the refund)."""

from django.contrib.admin import helpers
from django.db.models import QuerySet
from django.http import HttpRequest
from django.template.response import TemplateResponse

REASON_MAX_LENGTH = 500  # the models' `reason` fields


def reason_page(
    modeladmin,
    request: HttpRequest,
    queryset: QuerySet,
    *,
    action: str,
    title: str,
    question: str,
    button: str,
    reason_label: str = "Reason (optional)",
) -> TemplateResponse | None:
    """The page asking for a reason, or None once staff submitted it (then read it with
    `reason_given`)."""
    if request.POST.get("apply"):
        return None
    context = {
        **modeladmin.admin_site.each_context(request),
        "opts": modeladmin.model._meta,
        "title": title,
        "question": question,
        "button": button,
        "reason_label": reason_label,
        "reason_max_length": REASON_MAX_LENGTH,
        "queryset": queryset,
        "action": action,
        "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
    }
    return TemplateResponse(request, "admin/payments/action_reason.html", context)


def reason_given(request: HttpRequest) -> str:
    return request.POST.get("reason", "").strip()[:REASON_MAX_LENGTH]
