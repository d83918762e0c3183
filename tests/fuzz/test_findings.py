"""What the schema fuzzer found, pinned down as plain tests: each would fail again if
its fix were undone, whatever examples the fuzzer happens to draw."""

import json

import pytest
from django.conf import settings

pytestmark = pytest.mark.django_db

LOGIN = "/api/v1/auth/login/"


@pytest.fixture(scope="module")
def schema() -> dict:
    """The schema `/api/schema/` serves, generated once for these tests."""
    from drf_spectacular.generators import SchemaGenerator

    return json.loads(json.dumps(SchemaGenerator().get_schema(request=None, public=True)))


def test_signing_in_with_a_very_long_unknown_name_is_refused_not_a_500(api_client):
    # The longest name accepted: the cache key used to hold the name itself, over
    # memcached's 250 bytes, and answered 500.
    name = "0" * 254

    for _ in range(settings.ACCOUNTS_SIGN_IN_FAILURE_LIMIT):
        response = api_client.post(LOGIN, {"username": name, "password": "wrong"})
        assert response.status_code == 401
        assert response.json()["errors"][0]["code"] == "invalid_credentials"

    response = api_client.post(LOGIN, {"username": name, "password": "wrong"})
    assert response.status_code == 429
    assert response.json()["errors"][0]["code"] == "too_many_attempts"


def test_error_enums_list_the_codes_of_our_own_exceptions(schema):
    enums = schema["components"]["schemas"]
    assert {"two_factor_not_enabled", "invalid_challenge", "parse_error"} <= set(
        enums["ClientErrorCode400Enum"]["enum"]
    )
    assert {"invalid_credentials", "session_ended", "not_authenticated"} <= set(
        enums["ErrorCode401Enum"]["enum"]
    )
    assert {"comments_disabled", "private_account", "permission_denied"} <= set(
        enums["ErrorCode403Enum"]["enum"]
    )
    assert set(enums["ErrorCode429Enum"]["enum"]) == {"throttled", "too_many_attempts"}


@pytest.mark.parametrize(
    ("path", "method", "status"),
    [
        ("/api/v1/auth/login/", "post", "401"),  # a wrong password, though anyone may call
        ("/api/v1/auth/token/refresh/", "post", "401"),
        ("/api/v1/comments/{comment_id}/pin/", "post", "403"),  # refused by the service
        ("/api/v1/auth/sessions/", "get", "400"),  # a bad page size
        ("/api/v1/auth/email/verify/resend/", "post", "400"),  # a client error of ours
    ],
)
def test_operations_document_the_statuses_they_answer(schema, path, method, status):
    assert status in schema["paths"][path][method]["responses"]


def test_a_user_who_never_signed_in_has_a_nullable_last_login(schema):
    assert schema["components"]["schemas"]["User"]["properties"]["last_login"]["nullable"]


def validation_error_fields(schema: dict, operation_id: str) -> dict[str, set[str]]:
    """`attr` -> codes, from an operation's 400 response."""
    for path in schema["paths"].values():
        for operation in path.values():
            if operation["operationId"] == operation_id:
                codes = operation["responses"]["400"]["x-validation-error-codes"]
                return {attr: set(field_codes) for attr, field_codes in codes.items()}
    raise KeyError(operation_id)


def test_validation_errors_raised_beyond_serializer_fields_are_documented(schema):
    register = validation_error_fields(schema, "auth_register")
    assert {"password_too_short", "password_too_common"} <= register["password"]
    delete = validation_error_fields(schema, "users_me_delete")
    assert {"required", "invalid_password"} <= delete["password"]
    upload = validation_error_fields(schema, "videos_upload")
    assert {"too_large", "invalid_media", "required"} <= upload["file"]
    assert "max_length" in upload["tags.INDEX"]
    preferences = validation_error_fields(schema, "notifications_preferences_update")
    assert {"required", "null"} <= preferences["preferences"]
    assert {"required"} <= preferences["preferences.INDEX.type"]
    sessions = validation_error_fields(schema, "auth_sessions_list")
    assert sessions["page_size"] == {"invalid_page_size"}
