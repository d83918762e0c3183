"""Password change and reset, and email verification."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from drf_standardized_errors.openapi_validation_errors import extend_validation_errors
from rest_framework import status
from rest_framework.exceptions import Throttled
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.exceptions import (
    INVALID_PASSWORD,
    PASSWORD_UNCHANGED,
    EmailAlreadyVerified,
    LinkTokenInvalid,
    TooManySignInAttempts,
)
from accounts.serializers.auth import TokenPairSerializer
from accounts.serializers.passwords import (
    EmailVerifiedSerializer,
    LinkSerializer,
    PasswordChangeSerializer,
    PasswordResetConfirmSerializer,
    PasswordResetRequestSerializer,
)
from accounts.services.passwords import (
    email_verification_resend,
    email_verify,
    password_change,
    password_reset_confirm,
    password_reset_request,
)
from accounts.validators import PASSWORD_ERROR_CODES
from accounts.views.auth import NO_STORE, PublicAuthView, client_info
from core.openapi import because, raises
from core.throttling import ScopedRateThrottle

ACCEPTED = OpenApiResponse(
    OpenApiTypes.OBJECT, description="Accepted: an empty object, `{}`, whatever happens next."
)
LINK_INVALID = because(LinkTokenInvalid, "the link is malformed, wrong, expired or used")


# Django's password validators' codes (accounts.validators).
@extend_validation_errors(PASSWORD_ERROR_CODES, field_name="new_password", methods=["post"])
class PasswordChangeView(APIView):
    # Per account (the scope counts signed-in users by id), on top of the defaults.
    throttle_classes = [*APIView.throttle_classes, ScopedRateThrottle]
    throttle_scope = "sign_in"

    @extend_schema(
        operation_id="auth_password_change",
        tags=["auth"],
        request=PasswordChangeSerializer,
        responses={200: TokenPairSerializer},
        summary="Change the password; answers with the tokens of a new session",
        description="Every session of the user ends, the current one included; use the "
        "returned tokens from now on.",
    )
    @raises(
        INVALID_PASSWORD.on("current_password"),
        PASSWORD_UNCHANGED,
        because(TooManySignInAttempts, "too many wrong passwords for this account"),
    )
    def post(self, request: Request) -> Response:
        serializer = PasswordChangeSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        _, pair = password_change(
            user=request.user,
            current_password=serializer.validated_data["current_password"],
            new_password=serializer.validated_data["new_password"],
            client=client_info(request),
        )
        return Response(pair.as_response(), headers=NO_STORE)


class PasswordResetRequestView(PublicAuthView):
    throttle_scope = "account_email"

    @extend_schema(
        operation_id="auth_password_reset",
        tags=["auth"],
        request=PasswordResetRequestSerializer,
        responses={202: ACCEPTED},
        summary="Email a password reset link",
        description="Answers 202 with an empty object whether or not an account uses "
        "the address; if one does and may sign in, it receives a link with `uid` and "
        "`token` for `auth/password/reset/confirm/`.",
    )
    @raises(Throttled)
    def post(self, request: Request) -> Response:
        serializer = PasswordResetRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        password_reset_request(email=serializer.validated_data["email"])
        return Response({}, status=status.HTTP_202_ACCEPTED)


# Django's password validators' codes (accounts.validators).
@extend_validation_errors(PASSWORD_ERROR_CODES, field_name="new_password", methods=["post"])
class PasswordResetConfirmView(PublicAuthView):
    @extend_schema(
        operation_id="auth_password_reset_confirm",
        tags=["auth"],
        request=PasswordResetConfirmSerializer,
        responses={204: OpenApiResponse(description="The password is set; sign in with it.")},
        summary="Set a new password with a reset link",
        description="Every session of the user ends; nobody is signed in, and the next "
        "sign-in asks for a one-time code as before if two-factor is on. The link works "
        "once.",
    )
    @raises(LINK_INVALID)
    def post(self, request: Request) -> Response:
        serializer = PasswordResetConfirmSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        password_reset_confirm(
            uid=serializer.validated_data["uid"],
            token=serializer.validated_data["token"],
            new_password=serializer.validated_data["new_password"],
            client=client_info(request),
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


class EmailVerifyView(PublicAuthView):
    @extend_schema(
        operation_id="auth_email_verify",
        tags=["auth"],
        request=LinkSerializer,
        responses={200: EmailVerifiedSerializer},
        summary="Verify an email address with the emailed link",
        description="A `pending` account becomes `active`. The link works once.",
    )
    @raises(LINK_INVALID)
    def post(self, request: Request) -> Response:
        serializer = LinkSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = email_verify(
            uid=serializer.validated_data["uid"], token=serializer.validated_data["token"]
        )
        return Response(EmailVerifiedSerializer(user).data)


class EmailVerificationResendView(APIView):
    throttle_classes = [*APIView.throttle_classes, ScopedRateThrottle]
    throttle_scope = "account_email"

    @extend_schema(
        operation_id="auth_email_verify_resend",
        tags=["auth"],
        request=None,
        responses={202: ACCEPTED},
        summary="Email a new verification link to the current user",
    )
    @raises(EmailAlreadyVerified, Throttled)
    def post(self, request: Request) -> Response:
        email_verification_resend(user=request.user)
        return Response({}, status=status.HTTP_202_ACCEPTED)
