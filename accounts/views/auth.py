"""Registration, signing in (OAuth2 token endpoint and JSON login), refresh, logout."""

from drf_spectacular.utils import OpenApiResponse, extend_schema
from drf_standardized_errors.openapi_validation_errors import extend_validation_errors
from rest_framework import status
from rest_framework.exceptions import APIException, Throttled
from rest_framework.parsers import FormParser, JSONParser
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.authentication import SessionJWTAuthentication
from accounts.clients import ClientInfo
from accounts.exceptions import (
    EMAIL_TAKEN,
    USERNAME_RESERVED,
    USERNAME_TAKEN,
    AccountInactive,
    ChallengeInvalid,
    InvalidCredentials,
    RefreshTokenReused,
    SessionEnded,
    TokenExpired,
    TokenNotValid,
    TooManySignInAttempts,
    TwoFactorCodeInvalid,
    TwoFactorThrottled,
)
from accounts.models import AuthSession, SignInAttempt
from accounts.serializers.auth import (
    LoginSerializer,
    OAuthErrorSerializer,
    OAuthTokenRequestSerializer,
    RefreshSerializer,
    RegisterSerializer,
    SignedInSerializer,
    TokenPairSerializer,
    TwoFactorVerifySerializer,
)
from accounts.serializers.users import UserSerializer
from accounts.services.sessions import (
    session_end,
    session_refresh,
    sessions_end_for_user,
)
from accounts.services.sign_in import (
    CHALLENGE_LIFETIME,
    SignInResult,
    TwoFactorRequired,
    challenge_verify,
    sign_in_with_password,
)
from accounts.services.users import user_register
from accounts.tokens import SESSION_CLAIM
from accounts.validators import PASSWORD_ERROR_CODES
from core.errors import request_body_error
from core.openapi import because, raises
from core.requests import client_ip, client_user_agent
from core.throttling import ScopedRateThrottle

NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}  # RFC 6749, section 5.1


def client_info(request: Request) -> ClientInfo:
    return ClientInfo(ip_address=client_ip(request), user_agent=client_user_agent(request))


def signed_in_response(request: Request, result: SignInResult) -> Response:
    if result.two_factor_required:
        body = {
            "two_factor_required": True,
            "challenge_token": result.challenge_token,
            "expires_in": int(CHALLENGE_LIFETIME.total_seconds()),
        }
    else:
        body = {
            **result.tokens.as_response(),
            "user": UserSerializer(
                result.user, context={"request": request, "viewer": result.user}
            ).data,
        }
    return Response(body, headers=NO_STORE)


class PublicAuthView(APIView):
    """An endpoint for clients that are not signed in: any token sent is ignored."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "sign_in"

    def get_authenticate_header(self, request: Request) -> str:
        # Without it DRF would turn this view's 401s (wrong password) into 403s.
        return SessionJWTAuthentication().authenticate_header(request)


# Django's password validators' codes (accounts.validators).
@extend_validation_errors(PASSWORD_ERROR_CODES, field_name="password", methods=["post"])
class RegisterView(PublicAuthView):
    throttle_scope = "register"

    @extend_schema(
        operation_id="auth_register",
        tags=["auth"],
        request=RegisterSerializer,
        responses={201: UserSerializer},
        summary="Create an account",
        description="Creates a `pending` account and emails a verification link.",
    )
    @raises(EMAIL_TAKEN, USERNAME_TAKEN, USERNAME_RESERVED)
    def post(self, request: Request) -> Response:
        serializer = RegisterSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        user = user_register(
            email=data["email"],
            username=data["username"],
            password=data["password"],
            display_name=data.get("full_name", ""),
        )
        # Not signed in yet, but the new user sees their account as its owner does.
        data = UserSerializer(user, context={"request": request, "viewer": user}).data
        return Response(data, status=status.HTTP_201_CREATED)


class OAuthTokenView(PublicAuthView):
    """The OAuth2 token endpoint (RFC 6749): password and refresh-token grants.

    Answers and errors are RFC 6749's, not the API's usual error shape, so standard
    OAuth2 client libraries work unchanged.
    """

    parser_classes = [FormParser, JSONParser]

    @extend_schema(
        operation_id="auth_token",
        tags=["auth"],
        request={"application/x-www-form-urlencoded": OAuthTokenRequestSerializer},
        responses={
            200: TokenPairSerializer,
            400: OpenApiResponse(
                OAuthErrorSerializer, description="RFC 6749 error (`invalid_grant`, ...)."
            ),
            429: OpenApiResponse(
                OAuthErrorSerializer,
                description="`temporarily_unavailable`: too many requests from this "
                "address, or too many failed sign-ins for this account; `slow_down`: "
                "`otp_code` came during the back-off after a wrong code and was not "
                "checked. Wait `Retry-After` seconds.",
            ),
        },
        summary="OAuth2 token endpoint (password and refresh_token grants)",
        description="`grant_type=password` with `username` (or email) and `password`, "
        "plus `otp_code` when two-factor is on; `grant_type=refresh_token` with "
        "`refresh_token`. Refresh tokens rotate: each can be used once.",
    )
    def post(self, request: Request) -> Response:
        serializer = OAuthTokenRequestSerializer(data=request.data)
        if not serializer.is_valid():
            return self.request_error(serializer.errors)
        data = serializer.validated_data
        if data["grant_type"] == "password":
            return self.password_grant(request, data)
        return self.refresh_grant(request, data)

    def password_grant(self, request: Request, data: dict) -> Response:
        try:
            result = sign_in_with_password(
                identifier=data["username"][:254],
                password=data["password"][:4096],
                client=client_info(request),
                method=SignInAttempt.Method.PASSWORD_GRANT,
                otp_code=data.get("otp_code") or None,
                allow_challenge=False,
            )
        except TwoFactorRequired:
            return self.error("invalid_grant", "A one-time code is required (otp_code).")
        except (AccountInactive, TwoFactorCodeInvalid) as error:
            return self.error("invalid_grant", str(error.detail))
        return Response(result.tokens.as_response(), headers=NO_STORE)

    def refresh_grant(self, request: Request, data: dict) -> Response:
        refresh_token = data["refresh_token"]
        _, pair = session_refresh(refresh_token=refresh_token, client=client_info(request))
        return Response(pair.as_response(), headers=NO_STORE)

    def handle_exception(self, exc: Exception) -> Response:
        # A body Django refused (too many fields) is a malformed request to OAuth too.
        exc = request_body_error(exc) or exc
        if isinstance(exc, Throttled):
            if isinstance(exc, TwoFactorThrottled):
                # RFC 8628's token-endpoint error for "poll more slowly" (IANA OAuth
                # Extensions Error registry): the code was not checked, send it again.
                code, description = "slow_down", str(TwoFactorThrottled.default_detail)
            elif isinstance(exc, TooManySignInAttempts):
                code = "temporarily_unavailable"
                description = str(TooManySignInAttempts.default_detail)
            else:
                code, description = "temporarily_unavailable", "Too many requests."
            response = self.error(code, description, status_code=status.HTTP_429_TOO_MANY_REQUESTS)
            if exc.wait is not None:
                response["Retry-After"] = str(int(exc.wait))
            return response
        if isinstance(exc, APIException) and exc.status_code in (400, 401):
            code = "invalid_grant" if exc.status_code == 401 else "invalid_request"
            detail = exc.detail if isinstance(exc.detail, str) else "The request is invalid."
            return self.error(code, str(detail))
        # HTTP's own refusals (413, 415, 406) keep the API's shape, as the schema says.
        return super().handle_exception(exc)

    # The serializer's error codes that RFC 6749 names, and its answer to each.
    REQUEST_ERRORS = {
        "required": "invalid_request",
        "blank": "invalid_request",
        "invalid_request": "invalid_request",
        "invalid_choice": "unsupported_grant_type",
    }

    def request_error(self, errors: dict) -> Response:
        """The serializer's first refusal, in RFC 6749's shape."""
        first = next(iter(errors.values()))[0]
        if first.code in self.REQUEST_ERRORS:
            return self.error(self.REQUEST_ERRORS[first.code], str(first))
        return self.error("invalid_request", "The request is invalid.")

    @staticmethod
    def error(code: str, description: str, status_code: int = 400) -> Response:
        return Response(
            {"error": code, "error_description": description}, status=status_code, headers=NO_STORE
        )


# Neither `username` nor `email` is required alone; sending neither is `required`.
@extend_validation_errors(["required"], field_name="username", methods=["post"])
class LoginView(PublicAuthView):
    @extend_schema(
        operation_id="auth_login",
        tags=["auth"],
        request=LoginSerializer,
        responses={
            200: OpenApiResponse(
                SignedInSerializer,
                description="Signed in; or, with two-factor on, a challenge "
                "(`two_factor_required`, `challenge_token`, `expires_in`) for "
                "`auth/2fa/verify/`.",
            ),
        },
        summary="Sign in with a username (or email) and password",
        description="Answers with the new session's tokens and the user, or with a "
        "two-factor challenge.",
    )
    @raises(
        because(InvalidCredentials, "wrong password or no such account"),
        AccountInactive,
        TooManySignInAttempts,
    )
    def post(self, request: Request) -> Response:
        serializer = LoginSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        result = sign_in_with_password(
            identifier=serializer.validated_data["identifier"],
            password=serializer.validated_data["password"],
            client=client_info(request),
            method=SignInAttempt.Method.LOGIN,
        )
        return signed_in_response(request, result)


class TwoFactorVerifyView(PublicAuthView):
    @extend_schema(
        operation_id="auth_2fa_verify",
        tags=["auth"],
        request=TwoFactorVerifySerializer,
        responses={200: SignedInSerializer},
        summary="Finish signing in with a one-time code",
        description="The challenge of `auth/login/` and a TOTP or backup code; answers as "
        "a sign-in without two-factor does.",
    )
    @raises(
        because(ChallengeInvalid, "unknown, used, expired or out of attempts: sign in again"),
        TwoFactorCodeInvalid,
    )
    def post(self, request: Request) -> Response:
        serializer = TwoFactorVerifySerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        result = challenge_verify(
            challenge_token=serializer.validated_data["challenge_token"],
            code=serializer.validated_data["code"],
            client=client_info(request),
        )
        return signed_in_response(request, result)


class TokenRefreshView(PublicAuthView):
    @extend_schema(
        operation_id="auth_token_refresh",
        tags=["auth"],
        request=RefreshSerializer,
        responses={200: TokenPairSerializer},
        summary="Exchange a refresh token for a new pair",
        description="The refresh token used is dead afterwards. Presented again within "
        "`JWT_REFRESH_GRACE_SECONDS` (5 s by default) it gets the same new pair; later, "
        "or once the new token was exchanged, it ends the session.",
    )
    @raises(RefreshTokenReused, TokenNotValid, TokenExpired, SessionEnded)
    def post(self, request: Request) -> Response:
        serializer = RefreshSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        _, pair = session_refresh(
            refresh_token=serializer.validated_data["refresh_token"], client=client_info(request)
        )
        return Response(pair.as_response(), headers=NO_STORE)


class LogoutView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="auth_logout",
        tags=["auth"],
        request=None,
        responses={204: None},
        summary="End the current session",
    )
    def post(self, request: Request) -> Response:
        session_end(session_id=request.auth[SESSION_CLAIM], reason=AuthSession.EndReason.LOGOUT)
        return Response(status=status.HTTP_204_NO_CONTENT)


class LogoutAllView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="auth_logout_all",
        tags=["auth"],
        request=None,
        responses={204: None},
        summary="End every session of the current user",
    )
    def post(self, request: Request) -> Response:
        sessions_end_for_user(user=request.user, reason=AuthSession.EndReason.LOGOUT_ALL)
        return Response(status=status.HTTP_204_NO_CONTENT)
