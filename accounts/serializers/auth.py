"""Input and output shapes of registration, sign-in, tokens and sessions."""

from rest_framework import serializers

from accounts.exceptions import USERNAME_RESERVED
from accounts.models import USERNAME_MAX_LENGTH, USERNAME_MIN_LENGTH, AuthSession
from accounts.models import username_validator as model_username_validator
from accounts.serializers.users import UserSerializer
from core.serializers import EmailAddressField, ModelSerializer

PASSWORD_FIELD_MAX_LENGTH = 4096  # far above the 128 the validators allow


def password_field(**kwargs) -> serializers.CharField:
    return serializers.CharField(
        write_only=True,
        trim_whitespace=False,
        max_length=PASSWORD_FIELD_MAX_LENGTH,
        style={"input_type": "password"},
        **kwargs,
    )


# Names that would mislead people. (`me`, the path `users/me/`, is too short to be one.)
RESERVED_USERNAMES = frozenset(
    {"self", "admin", "administrator", "root", "api", "support", "staff", "moderator"}
)


def username_not_reserved(username: str) -> None:
    if username.lower() in RESERVED_USERNAMES:
        raise serializers.ValidationError(USERNAME_RESERVED.detail())


def username_field(**kwargs) -> serializers.CharField:
    return serializers.CharField(
        min_length=USERNAME_MIN_LENGTH,
        max_length=USERNAME_MAX_LENGTH,
        validators=[model_username_validator, username_not_reserved],
        **kwargs,
    )


class RegisterSerializer(serializers.Serializer):
    """The shape of a registration; `user_register` refuses taken emails and usernames
    and weak passwords."""

    email = EmailAddressField()
    username = username_field()
    password = password_field()
    full_name = serializers.CharField(max_length=50, required=False, allow_blank=True)


class LoginSerializer(serializers.Serializer):
    username = serializers.CharField(
        max_length=254, required=False, help_text="A username or an email address."
    )
    email = serializers.CharField(
        max_length=254, required=False, help_text="An alias of `username`."
    )
    password = serializers.CharField(
        max_length=PASSWORD_FIELD_MAX_LENGTH, trim_whitespace=False, write_only=True
    )

    def validate(self, attrs: dict) -> dict:
        identifier = attrs.get("username") or attrs.get("email")
        if not identifier:
            raise serializers.ValidationError(
                {"username": [serializers.ErrorDetail("This field is required.", code="required")]}
            )
        return {"identifier": identifier, "password": attrs["password"]}


class TokenPairSerializer(serializers.Serializer):
    access_token = serializers.CharField()
    refresh_token = serializers.CharField()
    token_type = serializers.ChoiceField(choices=["bearer"])
    expires_in = serializers.IntegerField(help_text="Seconds the access token lives.")


class SignedInSerializer(TokenPairSerializer):
    user = UserSerializer()


class TwoFactorChallengeSerializer(serializers.Serializer):
    two_factor_required = serializers.BooleanField()
    challenge_token = serializers.CharField()
    expires_in = serializers.IntegerField(help_text="Seconds the challenge stays valid.")


class TwoFactorVerifySerializer(serializers.Serializer):
    challenge_token = serializers.CharField(max_length=200)
    code = serializers.CharField(max_length=32, help_text="A TOTP code or a backup code.")


class RefreshSerializer(serializers.Serializer):
    refresh_token = serializers.CharField(max_length=2000)


USERNAME_AND_PASSWORD_REQUIRED = "The username and password parameters are required."
REFRESH_TOKEN_REQUIRED = "The refresh_token parameter is required."


class OAuthStringField(serializers.CharField):
    """A string taken as sent (nothing trimmed); a number in a JSON body is not one."""

    def to_internal_value(self, data) -> str:
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


def _oauth_field(**kwargs) -> serializers.CharField:
    """The grant that needs the value requires it."""
    return OAuthStringField(required=False, trim_whitespace=False, **kwargs)


class GrantTypeField(serializers.ChoiceField):
    """`grant_type`: an empty one is missing, not unsupported."""

    def to_internal_value(self, data):
        if data == "":
            self.fail("required")
        return super().to_internal_value(data)


# The refusals RFC 6749 names carry the codes `required`, `blank`, `invalid_request`
# (answered `invalid_request`) and `invalid_choice` (`unsupported_grant_type`), each
# with its description; `OAuthTokenView` answers them, and any other, in its shape.
class OAuthTokenRequestSerializer(serializers.Serializer):
    """The form fields of `POST auth/token/` (RFC 6749). An empty password or one-time
    code is a wrong one, not a malformed request."""

    grant_type = GrantTypeField(
        choices=["password", "refresh_token"],
        error_messages={
            "required": "The grant_type parameter is missing.",
            "invalid_choice": "The grant type {input!r} is not supported.",
        },
    )
    username = _oauth_field(error_messages={"blank": USERNAME_AND_PASSWORD_REQUIRED})
    password = _oauth_field(allow_blank=True)
    otp_code = serializers.CharField(required=False, allow_blank=True, trim_whitespace=False)
    refresh_token = _oauth_field(error_messages={"blank": REFRESH_TOKEN_REQUIRED})

    def validate(self, attrs: dict) -> dict:
        if attrs["grant_type"] == "password":
            if "username" not in attrs or "password" not in attrs:
                raise serializers.ValidationError(
                    USERNAME_AND_PASSWORD_REQUIRED, code="invalid_request"
                )
        elif "refresh_token" not in attrs:
            raise serializers.ValidationError(REFRESH_TOKEN_REQUIRED, code="invalid_request")
        return attrs


class OAuthErrorSerializer(serializers.Serializer):
    error = serializers.ChoiceField(
        choices=[
            "invalid_request",
            "invalid_grant",
            "unsupported_grant_type",
            "temporarily_unavailable",
            "slow_down",
        ]
    )
    error_description = serializers.CharField()


class SessionSerializer(ModelSerializer):
    is_current = serializers.SerializerMethodField()

    class Meta:
        model = AuthSession
        fields = ["id", "created_at", "last_used_at", "ip_address", "user_agent", "is_current"]
        read_only_fields = fields

    def get_is_current(self, session: AuthSession) -> bool:
        return str(session.pk) == self.context.get("current_session_id")
