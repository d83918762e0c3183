"""The OpenAPI schema and its documentation pages work with no internet access."""

import json

import pytest
from django.contrib.staticfiles import finders

pytestmark = pytest.mark.django_db


def test_the_schema_is_openapi_3_and_lists_the_api(api_client):
    response = api_client.get("/api/schema/?format=json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    assert "/api/v1/health/" in schema["paths"]
    health = schema["paths"]["/api/v1/health/"]["get"]
    assert set(health["responses"]) >= {"200", "503"}


def test_the_schema_documents_the_error_shape(api_client):
    schema = api_client.get("/api/schema/?format=json").json()
    components = schema["components"]["schemas"]
    assert "ErrorCode406Enum" in components
    assert components["ServiceStatusEnum"]["enum"] == ["ok", "degraded", "unavailable"]


@pytest.mark.parametrize(
    ("url", "asset"),
    [
        ("/api/docs/", "drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js"),
        ("/api/redoc/", "drf_spectacular_sidecar/redoc/bundles/redoc.standalone.js"),
    ],
)
def test_docs_pages_load_their_assets_locally(api_client, url, asset):
    response = api_client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    assert f"/static/{asset}" in html
    assert "cdn." not in html and "unpkg" not in html
    assert finders.find(asset) is not None
    assert api_client.get(f"/static/{asset}").status_code == 200


def test_the_schema_generates_without_warnings_and_validates(tmp_path):
    from django.core.management import call_command

    output = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(output))
    assert output.read_text().startswith("openapi: 3.")


def test_private_user_fields_are_optional_in_the_schema(api_client):
    user = api_client.get("/api/schema/?format=json").json()["components"]["schemas"]["User"]
    for private in ("email", "phone_number", "last_login", "two_factor_enabled"):
        assert private in user["properties"]
        assert private not in user["required"]
    assert "username" in user["required"]


@pytest.fixture(scope="module")
def schema() -> dict:
    """The schema `/api/schema/` serves, generated once for these tests."""
    from drf_spectacular.generators import SchemaGenerator

    return json.loads(json.dumps(SchemaGenerator().get_schema(request=None, public=True)))


def operations(schema: dict):
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            yield method.upper(), path, operation


def test_each_request_body_has_one_media_type_multipart_only_for_files(schema):
    media_types = {
        operation["operationId"]: list(operation["requestBody"]["content"])
        for _, _, operation in operations(schema)
        if "requestBody" in operation
    }
    assert {operation_id for operation_id, types in media_types.items() if len(types) != 1} == set()
    assert {
        operation_id: types[0]
        for operation_id, types in media_types.items()
        if types != ["application/json"]
    } == {
        "videos_upload": "multipart/form-data",
        "users_me_avatar_set": "multipart/form-data",
        "auth_token": "application/x-www-form-urlencoded",  # RFC 6749
        # nginx-rtmp's notify calls are forms.
        "live_hooks_nginx_on_publish": "application/x-www-form-urlencoded",
        "live_hooks_nginx_on_publish_done": "application/x-www-form-urlencoded",
        "live_hooks_nginx_on_update": "application/x-www-form-urlencoded",
        "live_hooks_nginx_on_record_done": "application/x-www-form-urlencoded",
    }


@pytest.mark.parametrize(
    ("url", "method"),
    [
        ("/api/v1/auth/login/", "post"),
        ("/api/v1/auth/register/", "post"),
        ("/api/v1/auth/token/refresh/", "post"),
        ("/api/v1/videos/{id}/", "patch"),
    ],
)
def test_json_only_endpoints_refuse_form_data(api_client, url, method):
    from tests.videos.factories import VideoFactory

    video = VideoFactory()
    api_client.force_authenticate(video.owner)

    response = getattr(api_client, method)(
        url.format(id=video.pk), {"title": "x"}, format="multipart"
    )

    assert response.status_code == 415
    assert response.json()["errors"][0]["code"] == "unsupported_media_type"


def test_an_unknown_response_format_is_not_acceptable_not_a_404(api_client):
    response = api_client.get("/api/v1/health/?format=xml")

    assert response.status_code == 406
    assert response.json()["errors"][0]["code"] == "not_acceptable"


def test_error_components_are_shared_and_the_schema_is_small(schema):
    names = set(schema["components"]["schemas"])
    assert {
        "ValidationErrorResponse",
        "ValidationError",
        "ValidationErrorCodeEnum",
        "ClientErrorResponse400",
        "ErrorResponse400",
    } <= names
    # No per-operation or per-field error components (`AuthLoginEmailErrorComponent`).
    assert [name for name in names if name.endswith(("ErrorComponent", "ValidationError"))] == [
        "ValidationError"
    ]
    assert len([name for name in names if "Error" in name]) < 50
    assert {"Unauthorized", "TooManyRequests"} <= set(schema["components"]["responses"])
    # 590,735 bytes before the error components; 350,318 once live streams came;
    # 423,964 with the chat, gifts, viewers and replays (27 more operations); 494,219
    # with the ads' management (advertisers, campaigns, creatives: 16 more); 524,215
    # with serving, VAST, tracking and reports (8 more).
    assert len(json.dumps(schema)) < 540_000


@pytest.mark.parametrize(
    ("path", "method", "statuses"),
    [
        ("/api/v1/auth/register/", "post", {"201", "400", "406", "413", "415", "429"}),
        ("/api/v1/auth/login/", "post", {"200", "400", "401", "406", "413", "415", "429"}),
        ("/api/v1/auth/token/", "post", {"200", "400", "406", "413", "415", "429"}),
        ("/api/v1/health/", "get", {"200", "400", "406", "503"}),
        ("/api/v1/wallet/packages/", "get", {"200", "400", "401", "406", "429"}),
        ("/api/v1/wallet/", "get", {"200", "400", "401", "406", "429"}),
    ],
)
def test_operations_list_exactly_the_statuses_they_answer(schema, path, method, statuses):
    assert set(schema["paths"][path][method]["responses"]) == statuses


ANSWER_404_FOR_BODY_OR_STATE = {
    "payments_webhooks_sandbox",  # off unless the sandbox provider is on
    "subscriptions_create",  # an unknown `tier`
    "tips_create",  # an unknown `recipient` or `video`
}


# A path with an object that answers the same whatever the object (a pixel).
NEVER_404 = {
    "ads_impression_pixel",  # any token answers the GIF; only a valid one counts
}


def test_statuses_follow_from_what_an_operation_is(schema):
    # A wrong password or token: 401; MediaMTX takes a refused stream key as a 401.
    signs_in = {"auth_login", "auth_token_refresh", "live_hooks_mediamtx_auth"}
    for method, path, operation in operations(schema):
        responses = set(operation["responses"])
        anonymous_only = operation.get("security") == [{}]
        assert "405" not in responses, (method, path)  # other methods are other operations
        assert ("415" in responses) == ("requestBody" in operation), (method, path)
        assert ("413" in responses) == ("requestBody" in operation), (method, path)
        assert "400" in responses, (method, path)  # a query string with too many fields
        # Beyond a path's object, a few name other objects in their bodies.
        if operation["operationId"] not in ANSWER_404_FOR_BODY_OR_STATE | NEVER_404:
            assert ("404" in responses) == ("{" in path), (method, path)
        if anonymous_only and operation["operationId"] not in signs_in:
            assert "401" not in responses, (method, path)
        if not anonymous_only:
            assert "401" in responses, (method, path)


@pytest.mark.parametrize(
    "operation_id", ["users_follow", "users_block", "videos_like", "videos_bookmark"]
)
def test_create_like_actions_document_their_repeat_as_200(schema, operation_id):
    operation = next(
        operation
        for _, _, operation in operations(schema)
        if operation["operationId"] == operation_id
    )

    assert {"200", "201"} <= set(operation["responses"])
    assert "Idempotent" in operation["description"]


def test_path_parameters_name_their_resource(schema):
    import re

    names = {
        (segment, parameter)
        for path in schema["paths"]
        for segment, parameter in re.findall(r"([a-z-]+)/\{([a-z_]+)\}", path)
    }
    # `users/{username}`: users are found by name (a stream's chat bans and moderators
    # too); a follow request is a Follow; `chat/{message_id}`: a stream's chat message;
    # an ad's tracking URLs (`i/`, `click/`, `t/`) carry the token it was served with.
    assert {
        (segment, parameter)
        for segment, parameter in names
        if parameter != segment.removesuffix("s").replace("-", "_") + "_id"
    } == {
        ("users", "username"),
        ("follow-requests", "follow_id"),
        ("bans", "username"),
        ("moderators", "username"),
        ("chat", "message_id"),
        ("i", "token"),
        ("click", "token"),
        ("t", "token"),
    }
    assert "id" not in {parameter for _, parameter in names}


def operation_by_id(schema: dict, operation_id: str) -> dict:
    return next(
        operation
        for _, _, operation in operations(schema)
        if operation["operationId"] == operation_id
    )


# A 403 refuses a signed-in caller; only these operations can.
ANSWER_403 = {
    # Staff only (IsModerator, IsAdminRole).
    "moderation_log_list",
    "reports_list",
    "users_ban",
    "users_reinstate",
    "users_role_change",
    "users_suspend",
    # The owner's object permission (IsOwnerOrStaffToDelete), on writes only.
    "videos_update",
    "videos_delete",
    # Refused by a service or selector, as the view declares.
    "comments_delete",
    "comments_pin",
    "comments_unpin",
    "comments_update",
    "creators_me_tiers_create",  # not_a_creator
    "users_followers",  # private_account
    "users_following",
    "videos_comments_create",  # comments_disabled
    # The media server's hooks: a wrong secret or address, a refused publisher.
    "live_hooks_mediamtx_auth",
    "live_hooks_nginx_on_publish",
    "live_hooks_nginx_on_publish_done",
    "live_hooks_nginx_on_update",
    # The chat: a refused message, a moderator acting on the owner or a moderator.
    "live_chat_post",
    "live_chat_timeouts_create",
    "live_chat_bans_create",
    "live_hooks_nginx_on_record_done",
    "live_hooks_mediamtx_record_done",
    "live_hooks_mediamtx_ready",
    "live_hooks_mediamtx_not_ready",
    # nginx's auth_request: a file it may not serve (no user: 403 whoever asks).
    "live_playback_auth",
    # Ads: an owner who may not act, a suspended advertiser funding or activating.
    "ads_advertisers_create",
    "ads_advertisers_fund",
    "ads_campaigns_activate",
}


def test_only_operations_that_can_refuse_a_signed_in_caller_list_403(schema):
    assert {
        operation["operationId"]
        for _, _, operation in operations(schema)
        if "403" in operation["responses"]
    } == ANSWER_403


@pytest.mark.parametrize(
    ("operation_id", "answers_403"),
    [
        # Open to all, or to anyone signed in, with nothing refused beyond that.
        ("health", False),
        ("auth_register", False),
        ("users_me_retrieve", False),
        ("wallet_retrieve", False),
        ("notifications_list", False),
        ("videos_comments_list", False),
        # A role: a permission class refuses callers without it.
        ("moderation_log_list", True),
        ("users_role_change", True),
        # An object permission that lets anyone read and only creates nothing.
        ("videos_list", False),
        ("videos_retrieve", False),
        ("videos_upload", False),
        ("videos_update", True),
        ("videos_delete", True),
        # A service's refusal, declared by the view with its codes.
        ("comments_pin", True),
        ("videos_comments_create", True),
        ("users_followers", True),
        ("creators_me_tiers_create", True),
    ],
)
def test_403_follows_from_permissions_and_declared_refusals(schema, operation_id, answers_403):
    assert ("403" in operation_by_id(schema, operation_id)["responses"]) is answers_403


@pytest.mark.parametrize(
    ("operation_id", "code"),
    [
        ("comments_pin", "`permission_denied`"),
        ("videos_comments_create", "`comments_disabled`"),
        ("users_followers", "`private_account`"),
        ("creators_me_tiers_create", "`not_a_creator`"),
    ],
)
def test_a_declared_403_says_its_code(schema, operation_id, code):
    assert operation_by_id(schema, operation_id)["responses"]["403"]["description"].startswith(code)


def test_request_refusals_have_their_codes_in_the_error_enums(schema):
    enums = schema["components"]["schemas"]
    assert {"parse_error", "too_many_fields", "too_many_files"} <= set(
        enums["ClientErrorCode400Enum"]["enum"]
    )
    assert enums["ErrorCode413Enum"]["enum"] == ["request_too_large"]
    assert enums["ClientErrorResponse413"]["properties"]["errors"]["items"] == {
        "$ref": "#/components/schemas/ClientError413"
    }


def test_a_json_body_may_be_too_large_malformed_or_hold_too_many_fields(schema):
    responses = operation_by_id(schema, "auth_login")["responses"]

    assert responses["413"]["description"] == (
        "`request_too_large` (the body is over 2621440 bytes, `DATA_UPLOAD_MAX_MEMORY_SIZE`)."
    )
    assert responses["413"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/ClientErrorResponse413"
    }
    assert responses["400"]["description"].endswith(
        " Client error codes of the request itself: `parse_error` (malformed JSON, or "
        "nested too deeply); `too_many_fields` (over 1000 query parameters)."
    )


def test_a_multipart_body_may_also_hold_too_many_files(schema):
    responses = operation_by_id(schema, "videos_upload")["responses"]

    assert responses["413"]["description"] == (
        "`request_too_large` (its fields, files aside, are over 2621440 bytes, "
        "`DATA_UPLOAD_MAX_MEMORY_SIZE`)."
    )
    assert responses["400"]["description"].endswith(
        " Client error codes of the request itself: `parse_error` (a malformed multipart "
        "body); `too_many_fields` (over 1000 query parameters and form fields); "
        "`too_many_files` (over 100 files)."
    )


def test_an_operation_without_a_body_may_still_get_too_many_query_parameters(schema):
    responses = operation_by_id(schema, "health")["responses"]

    assert "413" not in responses
    assert responses["400"] == {
        "content": {
            "application/json": {"schema": {"$ref": "#/components/schemas/ClientErrorResponse400"}}
        },
        "description": "Client error codes of the request itself: `too_many_fields` (over "
        "1000 query parameters).",
    }


@pytest.mark.parametrize("path", ["/api/v1/health/", "/api/v1/wallet/packages/"])
def test_a_query_string_with_1001_fields_is_the_documented_400(api_client, path):
    from tests.core.test_hostile_bodies import TOO_MANY_FIELDS, assert_refused

    query = "&".join(f"field{i}=1" for i in range(1001))

    assert_refused(api_client.get(f"{path}?{query}"), TOO_MANY_FIELDS)


def test_the_webhook_says_a_body_over_the_limit_is_413(schema):
    operation = operation_by_id(schema, "payments_webhooks_stripe")

    assert "`request_too_large` (413" in operation["description"]
    assert "or is larger than" not in operation["description"]
    assert "413" in operation["responses"]
