"""Staff actions on accounts (suspend, ban, reinstate, change role) and the moderation log."""

import django_filters
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response

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

TARGET_PARAMETER = OpenApiParameter(
    "username", str, OpenApiParameter.PATH, description="The account's username (any case)."
)

COMMON_ERRORS = (
    "401 when not signed in. 403 `permission_denied` for callers without the role. "
    "404 `not_found` for an unknown username. 400 `cannot_moderate_self` on your own "
    "account. 403 `insufficient_role` when a moderator acts on a moderator or an admin "
    "(admins may act on anyone). 400 `account_deleted` for a deleted account. "
    "400 `last_admin` when no other admin who can sign in would remain."
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


class UserSuspendView(StaffUserActionView):
    serializer_class = UserSuspendSerializer

    @extend_schema(
        operation_id="users_suspend",
        tags=["staff"],
        parameters=[TARGET_PARAMETER],
        request=UserSuspendSerializer,
        responses={200: UserSerializer},
        summary="Suspend an account (staff)",
        description="Status becomes `suspended`, until `until` if given (the suspension "
        "lifts itself at the next sign-in after it), else until reinstated. Suspending a "
        "suspended account replaces its reason and end. " + COMMON_ERRORS + " 400 "
        "`already_banned` for a banned account (reinstate it first); 400 `invalid_until` "
        "when `until` is not in the future; 400 `required`, `blank` or `max_length` for "
        "`reason` (1 to 1000 characters); 400 `invalid` for a malformed `until`.",
    )
    def post(self, request: Request, username: str) -> Response:
        return super().post(request, username)

    def perform(self, *, actor: User, target: User, data: dict) -> User:
        return user_suspend(
            actor=actor, target=target, reason=data["reason"], until=data.get("until")
        )


class UserBanView(StaffUserActionView):
    serializer_class = UserBanSerializer

    @extend_schema(
        operation_id="users_ban",
        tags=["staff"],
        parameters=[TARGET_PARAMETER],
        request=UserBanSerializer,
        responses={200: UserSerializer},
        summary="Ban an account (staff)",
        description="Status becomes `banned`, with no end; a suspended account may be "
        "banned. " + COMMON_ERRORS + " 400 `already_banned` for a banned account; 400 "
        "`required`, `blank` or `max_length` for `reason` (1 to 1000 characters).",
    )
    def post(self, request: Request, username: str) -> Response:
        return super().post(request, username)

    def perform(self, *, actor: User, target: User, data: dict) -> User:
        return user_ban(actor=actor, target=target, reason=data["reason"])


class UserReinstateView(StaffUserActionView):
    serializer_class = UserReinstateSerializer

    @extend_schema(
        operation_id="users_reinstate",
        tags=["staff"],
        parameters=[TARGET_PARAMETER],
        request=UserReinstateSerializer,
        responses={200: UserSerializer},
        summary="Reinstate a suspended or banned account (staff)",
        description="Status becomes `active` and any suspension end is cleared. "
        + COMMON_ERRORS
        + " 400 `not_suspended_or_banned` when the account is neither; 400 `max_length` "
        "for `reason`.",
    )
    def post(self, request: Request, username: str) -> Response:
        return super().post(request, username)

    def perform(self, *, actor: User, target: User, data: dict) -> User:
        return user_reinstate(actor=actor, target=target, reason=data["reason"])


class UserRoleChangeView(StaffUserActionView):
    permission_classes = [IsAdminRole]
    serializer_class = UserRoleChangeSerializer

    @extend_schema(
        operation_id="users_role_change",
        tags=["staff"],
        parameters=[TARGET_PARAMETER],
        request=UserRoleChangeSerializer,
        responses={200: UserSerializer},
        summary="Change an account's role (admins)",
        description="Admins only (403 `permission_denied` for moderators). The admin site "
        "follows the role: `admin` makes the account staff and superuser there, any other "
        "role neither. " + COMMON_ERRORS + " 400 `invalid_choice` for an unknown role; "
        "400 `role_unchanged` when the account already has it.",
    )
    def post(self, request: Request, username: str) -> Response:
        return super().post(request, username)

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


class ModerationLogView(generics.ListAPIView):
    permission_classes = [IsModerator]
    serializer_class = ModerationActionSerializer
    filterset_class = ModerationActionFilter
    ordering = ("-created_at",)

    def get_queryset(self):
        return moderation_action_list()

    @extend_schema(
        operation_id="moderation_log_list",
        tags=["staff"],
        summary="The moderation log, newest first (staff)",
        description="Every staff action, and suspensions that ended by themselves (with "
        "a null `actor`). 401 when not signed in; 403 `permission_denied` for callers "
        "who are not staff; 400 `invalid_cursor` or `invalid_page_size` for a bad cursor "
        "or page size.",
    )
    def get(self, request: Request) -> Response:
        return super().get(request)
