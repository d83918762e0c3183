"""Accounts app: DRF permission classes for staff-only endpoints.

Anonymous callers get 401 (the authentication class sends `WWW-Authenticate`);
signed-in callers without the role get 403 `permission_denied`.
"""

from rest_framework.permissions import BasePermission
from rest_framework.request import Request

from core.access import is_signed_in, is_staff


class IsModerator(BasePermission):
    """Staff: role `moderator` or `admin`."""

    def has_permission(self, request: Request, view: object) -> bool:
        return is_staff(request.user)


class IsAdminRole(BasePermission):
    """Role `admin` (not Django's `is_staff`, which only opens the admin site)."""

    def has_permission(self, request: Request, view: object) -> bool:
        user = request.user
        return is_signed_in(user) and user.is_admin
