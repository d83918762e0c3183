"""Two-factor authentication for the signed-in user: set it up, confirm it, get new
backup codes, turn it off. (The second sign-in step is `auth/2fa/verify/`, in auth.py.)"""

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.exceptions import (
    INVALID_PASSWORD,
    TooManySignInAttempts,
    TwoFactorAlreadyEnabled,
    TwoFactorCodeInvalid,
    TwoFactorNotEnabled,
    TwoFactorNotSetUp,
    TwoFactorThrottled,
)
from accounts.serializers.two_factor import (
    BackupCodesSerializer,
    TwoFactorCodeSerializer,
    TwoFactorConfirmSerializer,
    TwoFactorDisableSerializer,
    TwoFactorSetupSerializer,
)
from accounts.services.two_factor import (
    backup_codes_regenerate,
    two_factor_disable,
    two_factor_setup_begin,
    two_factor_setup_confirm,
)
from accounts.tokens import SESSION_CLAIM
from accounts.views.auth import NO_STORE, client_info
from core.openapi import because, raises

THROTTLING = (
    "Failed codes are throttled per device (django-otp): after a failure, a code sent "
    "within 1, 2, 4, ... seconds is not checked (429, with `Retry-After` in whole "
    "seconds); send it again then. A TOTP code is accepted once."
)
CODE_REFUSED = (
    TwoFactorCodeInvalid,
    because(TwoFactorThrottled, "a code sent during the back-off after a wrong one"),
)


class TwoFactorSetupView(APIView):
    @extend_schema(
        operation_id="auth_2fa_setup",
        tags=["auth"],
        request=None,
        responses={200: TwoFactorSetupSerializer},
        summary="Start turning two-factor authentication on",
        description="Creates a new unconfirmed TOTP device (replacing any earlier "
        "unconfirmed one) and answers with its secret, `otpauth://` URI and QR code. "
        "Two-factor is on only after `auth/2fa/confirm/`.",
    )
    @raises(TwoFactorAlreadyEnabled)
    def post(self, request: Request) -> Response:
        setup = two_factor_setup_begin(user=request.user)
        return Response(TwoFactorSetupSerializer(setup).data, headers=NO_STORE)


class TwoFactorConfirmView(APIView):
    @extend_schema(
        operation_id="auth_2fa_confirm",
        tags=["auth"],
        request=TwoFactorConfirmSerializer,
        responses={200: BackupCodesSerializer},
        summary="Turn two-factor authentication on with a first code",
        description="Confirms the device from `auth/2fa/setup/` and answers with 10 "
        f"backup codes, shown only now. Every other session of the user ends. {THROTTLING}",
    )
    @raises(because(TwoFactorNotSetUp, "no setup pending"), *CODE_REFUSED)
    def post(self, request: Request) -> Response:
        serializer = TwoFactorConfirmSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        backup_codes = two_factor_setup_confirm(
            user=request.user,
            code=serializer.validated_data["code"],
            current_session_id=request.auth[SESSION_CLAIM],
        )
        return Response(
            BackupCodesSerializer({"backup_codes": backup_codes}).data, headers=NO_STORE
        )


class BackupCodesRegenerateView(APIView):
    @extend_schema(
        operation_id="auth_2fa_backup_codes",
        tags=["auth"],
        request=TwoFactorCodeSerializer,
        responses={200: BackupCodesSerializer},
        summary="Replace the backup codes",
        description="Needs a current TOTP code or a backup code; the old backup codes "
        f"stop working. {THROTTLING}",
    )
    @raises(TwoFactorNotEnabled, *CODE_REFUSED)
    def post(self, request: Request) -> Response:
        serializer = TwoFactorCodeSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        backup_codes = backup_codes_regenerate(
            user=request.user, code=serializer.validated_data["code"]
        )
        return Response(
            BackupCodesSerializer({"backup_codes": backup_codes}).data, headers=NO_STORE
        )


class TwoFactorDisableView(APIView):
    @extend_schema(
        operation_id="auth_2fa_disable",
        tags=["auth"],
        request=TwoFactorDisableSerializer,
        responses={204: OpenApiResponse(description="Two-factor authentication is off.")},
        summary="Turn two-factor authentication off",
        description="Needs the password and a current TOTP or backup code; deletes the "
        f"TOTP device and the backup codes. Every other session of the user ends. {THROTTLING}",
    )
    @raises(
        TwoFactorNotEnabled,
        because(INVALID_PASSWORD, "counts against the account's sign-in failure limit"),
        TooManySignInAttempts,
        *CODE_REFUSED,
    )
    def post(self, request: Request) -> Response:
        serializer = TwoFactorDisableSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        two_factor_disable(
            user=request.user,
            password=serializer.validated_data["password"],
            code=serializer.validated_data["code"],
            current_session_id=request.auth[SESSION_CLAIM],
            client=client_info(request),
        )
        return Response(status=status.HTTP_204_NO_CONTENT)
