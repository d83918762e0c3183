"""Staff actions on accounts (suspend, ban, reinstate, change role) and the moderation log."""

import django_filters
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import generics
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.exceptions import (
    INVALID_UNTIL,
    AccountDeleted,
    AlreadyBanned,
    CannotModerateSelf,
    InsufficientRole,
    LastAdmin,
    NotSuspendedOrBanned,
    RoleUnchanged,
)
from accounts.models import ModerationAction, User
from accounts.permissions import IsAdminRole, IsModerator
from accounts.selectors import moderation_action_list, user_list_by_username
from accounts.serializers.staff import (
    ModerationActionSerializer,
    UserBanSerializer,
    UserReinstateSerializer,
    UserRoleChangeSerializer,
    UserSuspendSerializer,
)
from accounts.serializers.users import UserSerializer
from accounts.services.moderation import user_ban, user_reinstate, user_role_change, user_suspend
from core.openapi import because, raises

TARGET_PARAMETER = OpenApiParameter(
    "username", str, OpenApiParameter.PATH, description="The account's username (any case)."
)

COMMON_ERRORS = (
    because(PermissionDenied, "callers without the role"),
    because(NotFound, "an unknown username"),
    because(CannotModerateSelf, "on your own account"),
    because(
        InsufficientRole,
        "a moderator acts on a moderator or an admin (admins may act on anyone)",
    ),
    because(AccountDeleted, "a deleted account"),
    because(LastAdmin, "no other admin who can sign in would remain"),
)


class StaffUserActionView(generics.GenericAPIView):
    """POST one staff action on the account named in the URL.

    The answer is the target as `UserSerializer` shows it to staff. Every action ends
    all the target's sessions and is recorded in the moderation log.
    """

    permission_classes = [IsModerator]

    def get_object(self) -> User:
        target = user_list_by_username(self.kwargs["username"]).first()
        if target is None:
            raise NotFound("No account has this username.")
        return target

    def perform(self, *, actor: User, target: User, data: dict) -> User:
        raise NotImplementedError

    def post(self, request: Request, username: str) -> Response:
        target = self.get_object()
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        target = self.perform(actor=request.user, target=target, data=serializer.validated_data)
        return Response(UserSerializer(target, context={"request": request}).data)


@extend_schema_view(
    post=[
        extend_schema(
            operation_id="users_suspend",
            tags=["staff"],
            parameters=[TARGET_PARAMETER],
            request=UserSuspendSerializer,
            responses={200: UserSerializer},
            summary="Suspend an account (staff)",
            description="Status becomes `suspended`, until `until` if given (the suspension "
            "lifts itself at the next sign-in after it), else until reinstated. Suspending "
            "a suspended account replaces its reason and end.",
        ),
        raises(
            *COMMON_ERRORS,
            because(AlreadyBanned, "a banned account (reinstate it first)"),
            because(INVALID_UNTIL, "`until` is not in the future"),
        ),
    ]
)
class UserSuspendView(StaffUserActionView):
    serializer_class = UserSuspendSerializer

    def perform(self, *, actor: User, target: User, data: dict) -> User:
        return user_suspend(
            actor=actor, target=target, reason=data["reason"], until=data.get("until")
        )


@extend_schema_view(
    post=[
        extend_schema(
            operation_id="users_ban",
            tags=["staff"],
            parameters=[TARGET_PARAMETER],
            request=UserBanSerializer,
            responses={200: UserSerializer},
            summary="Ban an account (staff)",
            description="Status becomes `banned`, with no end; a suspended account may be banned.",
        ),
        raises(*COMMON_ERRORS, because(AlreadyBanned, "a banned account")),
    ]
)
class UserBanView(StaffUserActionView):
    serializer_class = UserBanSerializer

    def perform(self, *, actor: User, target: User, data: dict) -> User:
        return user_ban(actor=actor, target=target, reason=data["reason"])


@extend_schema_view(
    post=[
        extend_schema(
            operation_id="users_reinstate",
            tags=["staff"],
            parameters=[TARGET_PARAMETER],
            request=UserReinstateSerializer,
            responses={200: UserSerializer},
            summary="Reinstate a suspended or banned account (staff)",
            description="Status becomes `active` and any suspension end is cleared.",
        ),
        raises(*COMMON_ERRORS, because(NotSuspendedOrBanned, "the account is neither")),
    ]
)
class UserReinstateView(StaffUserActionView):
    serializer_class = UserReinstateSerializer

    def perform(self, *, actor: User, target: User, data: dict) -> User:
        return user_reinstate(actor=actor, target=target, reason=data["reason"])


@extend_schema_view(
    post=[
        extend_schema(
            operation_id="users_role_change",
            tags=["staff"],
            parameters=[TARGET_PARAMETER],
            request=UserRoleChangeSerializer,
            responses={200: UserSerializer},
            summary="Change an account's role (admins)",
            description="Admins only (moderators too get 403). The admin site follows the "
            "role: `admin` makes the account staff and superuser there, any other role "
            "neither.",
        ),
        raises(
            *COMMON_ERRORS,
            because(RoleUnchanged, "the account already has it"),
        ),
    ]
)
class UserRoleChangeView(StaffUserActionView):
    permission_classes = [IsAdminRole]
    serializer_class = UserRoleChangeSerializer

    def perform(self, *, actor: User, target: User, data: dict) -> User:
        return user_role_change(
            actor=actor, target=target, role=data["role"], reason=data["reason"]
        )


class ModerationActionFilter(django_filters.FilterSet):
    target = django_filters.CharFilter(
        field_name="target__username",
        lookup_expr="iexact",
        help_text="Only the entries about the account with this username (any case).",
    )

    class Meta:
        model = ModerationAction
        fields = ["target"]


@extend_schema_view(
    get=[
        extend_schema(
            operation_id="moderation_log_list",
            tags=["staff"],
            summary="The moderation log, newest first (staff)",
            description="Every staff action, and suspensions that ended by themselves "
            "(with a null `actor`).",
        ),
        raises(because(PermissionDenied, "callers who are not staff")),
    ]
)
class ModerationLogView(generics.ListAPIView):
    permission_classes = [IsModerator]
    serializer_class = ModerationActionSerializer
    filterset_class = ModerationActionFilter
    ordering = ("-created_at",)

    def get_queryset(self):
        return moderation_action_list()
