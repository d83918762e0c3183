"""Registration, signing in (OAuth2 token endpoint and JSON login), refresh, logout."""

from drf_spectacular.utils import OpenApiResponse, extend_schema
from drf_standardized_errors.openapi_validation_errors import extend_validation_errors
from rest_framework import status
from rest_framework.exceptions import APIException, MethodNotAllowed, Throttled
from rest_framework.parsers import FormParser, JSONParser
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from accounts.authentication import SessionJWTAuthentication
from accounts.clients import ClientInfo
from accounts.exceptions import (
    AccountInactive,
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
from core.openapi import error_responses
from core.requests import client_ip, client_user_agent

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


@extend_validation_errors(PASSWORD_ERROR_CODES, field_name="password", methods=["post"])
@extend_validation_errors(["email_taken"], field_name="email", methods=["post"])
@extend_validation_errors(["username_taken"], field_name="username", methods=["post"])
class RegisterView(PublicAuthView):
    throttle_scope = "register"

    @extend_schema(
        operation_id="auth_register",
        tags=["auth"],
        request=RegisterSerializer,
        responses={201: UserSerializer},
        summary="Create an account",
        description="Creates a `pending` account and emails a verification link. Error "
        "codes: `email_taken`, `username_taken`, `invalid` (email or username), "
        "`password_too_short`, `password_too_common`, `password_entirely_numeric`, "
        "`password_too_similar`, `password_too_long`, `username_reserved`.",
    )
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
        grant_type = request.data.get("grant_type")
        if not grant_type:
            return self.error("invalid_request", "The grant_type parameter is missing.")
        if grant_type == "password":
            return self.password_grant(request)
        if grant_type == "refresh_token":
            return self.refresh_grant(request)
        return self.error(
            "unsupported_grant_type", f"The grant type {grant_type!r} is not supported."
        )

    def password_grant(self, request: Request) -> Response:
        username, password = request.data.get("username"), request.data.get("password")
        if not isinstance(username, str) or not isinstance(password, str) or not username:
            return self.error(
                "invalid_request", "The username and password parameters are required."
            )
        otp_code = request.data.get("otp_code") or None
        try:
            result = sign_in_with_password(
                identifier=username[:254],
                password=password[:4096],
                client=client_info(request),
                method=SignInAttempt.Method.PASSWORD_GRANT,
                otp_code=str(otp_code) if otp_code is not None else None,
                allow_challenge=False,
            )
        except TwoFactorRequired:
            return self.error("invalid_grant", "A one-time code is required (otp_code).")
        except (AccountInactive, TwoFactorCodeInvalid) as error:
            return self.error("invalid_grant", str(error.detail))
        return Response(result.tokens.as_response(), headers=NO_STORE)

    def refresh_grant(self, request: Request) -> Response:
        refresh_token = request.data.get("refresh_token")
        if not isinstance(refresh_token, str) or not refresh_token:
            return self.error("invalid_request", "The refresh_token parameter is required.")
        _, pair = session_refresh(refresh_token=refresh_token, client=client_info(request))
        return Response(pair.as_response(), headers=NO_STORE)

    def handle_exception(self, exc: Exception) -> Response:
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
        if isinstance(exc, MethodNotAllowed):  # HTTP's answer, not an OAuth2 error
            return super().handle_exception(exc)
        if isinstance(exc, APIException):
            code = "invalid_grant" if exc.status_code == 401 else "invalid_request"
            detail = exc.detail if isinstance(exc.detail, str) else "The request is invalid."
            return self.error(code, str(detail))
        return super().handle_exception(exc)

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
            **error_responses(s401="`invalid_credentials`, `account_inactive`."),
        },
        summary="Sign in with a username (or email) and password",
        description="Error codes: `invalid_credentials` (401, wrong password or no such "
        "account), `account_inactive` (401), `too_many_attempts` (429).",
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
        description="Error codes: `invalid_challenge` (unknown, used, expired or out of "
        "attempts: sign in again), `invalid_otp`.",
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
        responses={
            200: TokenPairSerializer,
            **error_responses(
                s401="`refresh_token_reused`, `token_not_valid`, `token_expired`, `session_ended`."
            ),
        },
        summary="Exchange a refresh token for a new pair",
        description="The refresh token used is dead afterwards. Presented again within "
        "`JWT_REFRESH_GRACE_SECONDS` (5 s by default) it gets the same new pair; later, "
        "or once the new token was exchanged, it ends the session "
        "(`refresh_token_reused`, 401). Other codes: `token_not_valid`, "
        "`token_expired`, `session_ended`.",
    )
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
