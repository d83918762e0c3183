"""Videos app: who may change a video."""

from rest_framework.permissions import SAFE_METHODS, BasePermission


class IsOwnerOrStaffToDelete(BasePermission):
    """Anyone who can see a video reads it; its owner edits it; the owner or staff
    delete it."""

    open_methods = SAFE_METHODS  # what the schema reads (core.openapi)

    def has_object_permission(self, request, view, video) -> bool:
        if request.method in self.open_methods:
            return True
        if video.owner_id == request.user.pk:
            return True
        return request.method == "DELETE" and request.user.is_moderator
