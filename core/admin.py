"""What every app's admin shares: records that are only looked at, and actions that
change rows through the services, reporting row by row what they refused."""

from collections.abc import Callable

from django.contrib import admin, messages
from django.contrib.auth import get_permission_codename
from django.http import HttpRequest
from rest_framework.exceptions import APIException

# The admin's "View site" link: this backend serves no site at "/" (the web app lives
# elsewhere, at `FRONTEND_URL`, and may not exist in development), so there is none.
admin.site.site_url = None


class ReadOnlyAdminMixin:
    """A record to look at, never to add, edit or delete by hand."""

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


def actions_report(
    modeladmin: admin.ModelAdmin,
    request: HttpRequest,
    *,
    done: int,
    done_message: str,
    refusals: list[str],
) -> None:
    """One success line with the count, and one warning listing what was refused."""
    modeladmin.message_user(request, done_message.format(count=done), messages.SUCCESS)
    if refusals:
        modeladmin.message_user(request, "Refused: " + "; ".join(refusals), messages.WARNING)


class ServiceActionsMixin:
    """Rows are never edited by hand, yet staff who may change them run the actions,
    which call the services (`permissions=["act"]` on an `admin.action`)."""

    def has_act_permission(self, request: HttpRequest) -> bool:
        codename = get_permission_codename("change", self.opts)
        return request.user.has_perm(f"{self.opts.app_label}.{codename}")

    def _each(
        self,
        request: HttpRequest,
        rows,
        action: Callable,
        done_message: str,
        *,
        label: Callable = str,
    ) -> None:
        """Run `action(row)` on each row; count what worked, list what was refused."""
        done, refusals = 0, []
        for row in rows:
            try:
                changed = action(row)
            except APIException as error:
                refusals.append(f"{label(row)}: {error.detail}")
            else:
                done += int(changed is not False)
        actions_report(self, request, done=done, done_message=done_message, refusals=refusals)
