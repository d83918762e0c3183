"""The signed-in user's sessions: list them, end one."""

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.models import AuthSession
from accounts.selectors import session_list_live
from accounts.serializers.auth import SessionSerializer
from accounts.services.sessions import session_end
from accounts.tokens import SESSION_CLAIM


@extend_schema_view(
    list=extend_schema(
        operation_id="auth_sessions_list",
        tags=["auth"],
        summary="The current user's live sessions, newest first",
    ),
    destroy=extend_schema(
        operation_id="auth_sessions_end",
        tags=["auth"],
        summary="End one of the current user's sessions",
        responses={204: None},
    ),
)
class SessionViewSet(mixins.ListModelMixin, mixins.DestroyModelMixin, viewsets.GenericViewSet):
    serializer_class = SessionSerializer
    lookup_url_kwarg = "session_id"  # path parameters name their resource
    lookup_value_regex = "[^/]+"  # any id reaches the view, which answers 404 (JSON)
    ordering = ("-created_at",)

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation
            return AuthSession.objects.none()
        return session_list_live(user=self.request.user)

    def get_serializer_context(self) -> dict:
        context = super().get_serializer_context()
        if self.request.auth is not None:
            context["current_session_id"] = str(self.request.auth[SESSION_CLAIM])
        return context

    def destroy(self, request: Request, *args, **kwargs) -> Response:
        session = self.get_object()
        session_end(session_id=session.pk, reason=AuthSession.EndReason.REVOKED)
        return Response(status=status.HTTP_204_NO_CONTENT)
