"""Accounts app: DRF permission classes for staff-only endpoints.

Anonymous callers get 401 (the authentication class sends `WWW-Authenticate`);
signed-in callers without the role get 403 `permission_denied`.
"""

from rest_framework.permissions import BasePermission
from rest_framework.request import Request


class IsModerator(BasePermission):
    """Staff: role `moderator` or `admin`."""

    def has_permission(self, request: Request, view: object) -> bool:
        user = request.user
        return bool(user and user.is_authenticated and user.is_moderator)


class IsAdminRole(BasePermission):
    """Role `admin` (not Django's `is_staff`, which only opens the admin site)."""

    def has_permission(self, request: Request, view: object) -> bool:
        user = request.user
        return bool(user and user.is_authenticated and user.is_admin)
