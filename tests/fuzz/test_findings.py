"""What the schema fuzzer found, pinned down as plain tests: each would fail again if
its fix were undone, whatever examples the fuzzer happens to draw."""

import json
import re
from urllib.parse import urlencode

import hypothesis
import pytest
from django.conf import settings
from hypothesis import strategies as st

from core.serializers import EMAIL_PATTERN
from payments.idempotency import IDEMPOTENCY_KEY_SCHEMA

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
    assert set(enums["ErrorCode429Enum"]["enum"]) == {
        "throttled",
        "too_many_attempts",
        "two_factor_throttled",
        "slow_mode",  # the live chat's
        "chat_rate_limited",
    }


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


# -- the live run's findings (tests/fuzz/live.py), one test per class -------------------


@pytest.mark.parametrize(
    "url", ["/api/v1/auth/sessions/", "/api/v1/notifications/", "/api/v1/wallet/transactions/"]
)
def test_an_empty_cursor_is_the_first_page_not_an_invalid_one(auth_client, url):
    # Schema-valid (`cursor` is a string) and what clients send for "no cursor yet".
    first = auth_client.get(url)
    response = auth_client.get(url, {"cursor": ""})

    assert response.status_code == 200
    assert response.json() == first.json()


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("get", "/api/v1/videos/0.5/"),
        ("delete", "/api/v1/videos/0.5/"),
        ("delete", "/api/v1/notifications/0.5/"),
        ("post", "/api/v1/notifications/0.5/read/"),
        ("delete", "/api/v1/auth/sessions/0.5/"),
    ],
)
def test_an_id_with_a_dot_reaches_the_view_and_is_a_json_404(auth_client, method, url):
    # The router's default id pattern stops at a dot, and Django answered its HTML page.
    response = getattr(auth_client, method)(url)

    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json()["errors"][0]["code"] == "not_found"


def test_taken_email_and_username_are_documented_where_they_are_answered(schema, api_client):
    from tests.accounts.factories import UserFactory

    UserFactory(username="ada", email="ada@example.com")
    response = api_client.post(
        "/api/v1/auth/register/",
        {"email": "ada@example.com", "username": "ada", "password": "a long enough phrase 42"},
    )

    answered = {(error["attr"], error["code"]) for error in response.json()["errors"]}
    assert answered == {("email", "email_taken"), ("username", "username_taken")}
    register = validation_error_fields(schema, "auth_register")
    assert all(code in register[attr] for attr, code in answered)
    assert "username_taken" in validation_error_fields(schema, "users_me_update")["username"]


def test_an_undeclared_method_on_the_token_endpoint_is_405_not_an_oauth_error(api_client):
    response = api_client.generic("TRACE", "/api/v1/auth/token/")

    assert response.status_code == 405
    assert response["Allow"] == "POST, OPTIONS"
    assert response.json()["errors"][0]["code"] == "method_not_allowed"


@pytest.mark.parametrize(
    ("url", "body"),
    [
        ("/api/v1/tips/", {"recipient": "nobody", "amount": 1}),
        ("/api/v1/subscriptions/", {"tier": "00000000-0000-0000-0000-000000000000"}),
    ],
)
def test_a_404_for_an_unknown_object_in_a_body_is_documented(schema, auth_client, url, body):
    response = auth_client.post(url, body)

    assert response.status_code == 404
    assert "404" in schema["paths"][url]["post"]["responses"]


def test_a_comment_in_multipart_is_refused_as_the_schema_says_json(auth_client):
    # Multipart used to be accepted everywhere, and an empty `parent` field with it.
    from tests.videos.factories import VideoFactory

    video = VideoFactory()
    response = auth_client.post(
        f"/api/v1/videos/{video.pk}/comments/", {"text": "Hi", "parent": ""}, format="multipart"
    )

    assert response.status_code == 415
    assert response.json()["errors"][0]["code"] == "unsupported_media_type"


def test_the_preferences_patch_requires_what_the_view_requires(schema):
    body = schema["paths"]["/api/v1/notifications/preferences/"]["patch"]["requestBody"]
    component = body["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]

    assert body["required"] is True
    assert schema["components"]["schemas"][component]["required"] == ["preferences"]


@pytest.mark.parametrize(
    ("method", "url", "body", "attr"),
    [
        ("patch", "/api/v1/users/me/", {"is_private": 0}, "is_private"),
        ("post", "/api/v1/creators/me/tiers/", {"name": "Gold", "price": 1, "active": 0}, "active"),
        (
            "patch",
            "/api/v1/notifications/preferences/",
            {"preferences": [{"type": "new_follower", "email": 0}]},
            "preferences.0.email",
        ),
        (
            "patch",
            "/api/v1/notifications/preferences/",
            {"preferences": [{"type": "new_follower", "in_app": "yes"}]},
            "preferences.0.in_app",
        ),
    ],
)
def test_a_json_boolean_is_true_or_false_as_the_schema_says(
    auth_client, user, method, url, body, attr
):
    # DRF also took 0, 1, "yes" and "on": requests the schema calls invalid were accepted.
    user.role = user.Role.CREATOR
    user.save(update_fields=["role"])

    response = getattr(auth_client, method)(url, body)

    assert response.status_code == 400
    assert [(error["code"], error["attr"]) for error in response.json()["errors"]] == [
        ("invalid", attr)
    ]


def test_json_false_and_form_data_text_are_still_booleans(auth_client, user):
    from tests.videos.factories import VideoFactory

    video = VideoFactory(owner=user, allow_comments=True)
    response = auth_client.patch(f"/api/v1/videos/{video.pk}/", {"allow_comments": False})
    assert (response.status_code, response.json()["allow_comments"]) == (200, False)

    from django.http import QueryDict
    from rest_framework import serializers

    from core.serializers import StrictBooleanField

    class Form(serializers.Serializer):
        flag = StrictBooleanField()

    form = Form(data=QueryDict("flag=true"))
    assert form.is_valid(), form.errors
    assert form.validated_data == {"flag": True}


def test_a_video_language_has_its_pattern_in_the_schema(schema):
    import re

    components = schema["components"]["schemas"]
    pattern = components["VideoUploadRequest"]["properties"]["language"]["pattern"]

    assert components["PatchedVideoUpdateRequest"]["properties"]["language"]["pattern"] == pattern
    assert [bool(re.match(pattern, value)) for value in ("", "en", "pt-BR", "0", "EN")] == [
        True,
        True,
        True,
        False,
        False,
    ]


# -- the merged tree's fuzz findings ------------------------------------------------------


def test_a_cursor_the_api_did_not_sign_is_a_rule_not_a_shape(schema, auth_client):
    # Any string is a cursor's shape (it is opaque); one the API did not sign breaks a
    # rule, which its operation documents. The check counted it as a shape error.
    from tests.fuzz.checks import SHAPE_CODES

    parameters = schema["paths"]["/api/v1/blocks/"]["get"]["parameters"]
    cursor = next(parameter for parameter in parameters if parameter["name"] == "cursor")

    response = auth_client.get("/api/v1/blocks/", {"cursor": "trending_score"})

    assert cursor["schema"] == {"type": "string"}
    assert response.status_code == 400
    assert response.json()["errors"] == [
        {
            "code": "invalid_cursor",
            "detail": "The cursor is invalid or has been tampered with.",
            "attr": "cursor",
        }
    ]
    assert "invalid_cursor" in validation_error_fields(schema, "blocks_list")["cursor"]
    assert "invalid_cursor" not in SHAPE_CODES


def test_a_comment_edit_requires_its_text_as_the_view_does(schema, auth_client, user):
    from tests.social.factories import CommentFactory

    body = schema["paths"]["/api/v1/comments/{comment_id}/"]["patch"]["requestBody"]
    component = body["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
    comment = CommentFactory(author=user)

    response = auth_client.patch(f"/api/v1/comments/{comment.pk}/", {}, format="json")

    assert schema["components"]["schemas"][component]["required"] == ["text"]
    assert body["required"] is True
    assert response.status_code == 400
    assert [(error["attr"], error["code"]) for error in response.json()["errors"]] == [
        ("text", "required")
    ]


def test_a_list_that_may_not_be_empty_has_min_items_in_the_schema(schema, auth_client):
    request = schema["components"]["schemas"]["PreferenceListRequest"]

    response = auth_client.patch(
        "/api/v1/notifications/preferences/", {"preferences": []}, format="json"
    )

    assert request["properties"]["preferences"]["minItems"] == 1
    assert response.status_code == 400
    assert [(error["attr"], error["code"]) for error in response.json()["errors"]] == [
        ("preferences.non_field_errors", "empty")
    ]


# -- the live run's findings (stop 17) ------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "url", "body", "attr"),
    [
        ("patch", "/api/v1/users/me/", {"bio": 0}, "bio"),
        ("patch", "/api/v1/users/me/", {"display_name": 1.5}, "display_name"),
        ("patch", "{comment}", {"text": 0}, "text"),
        ("post", "/api/v1/creators/me/tiers/", {"name": "G", "price": 5, "perks": [0]}, "perks.0"),
    ],
)
def test_a_json_number_is_not_text(auth_client, user, method, url, body, attr):
    # DRF turned a number into its text (`{"text": 0}` became the comment "0"), while
    # the schema says `type: string`.
    from tests.social.factories import CommentFactory

    user.role = user.Role.CREATOR
    user.save(update_fields=["role"])
    url = url.format(comment=f"/api/v1/comments/{CommentFactory(author=user).pk}/")

    response = getattr(auth_client, method)(url, body, format="json")

    assert response.status_code == 400
    assert [(error["code"], error["attr"]) for error in response.json()["errors"]] == [
        ("invalid", attr)
    ]


def test_text_in_a_form_or_a_list_is_held_to_the_same_rule():
    from django.http import QueryDict
    from rest_framework import serializers

    class Form(serializers.Serializer):
        bio = serializers.CharField()
        perks = serializers.ListField(child=serializers.EmailField(), required=False)

    form = Form(data=QueryDict("bio=0"))
    listed = Form(data={"bio": "0", "perks": ["a@example.com", 7]})

    assert form.is_valid(), form.errors
    assert form.validated_data == {"bio": "0"}
    assert not listed.is_valid()
    assert listed.errors == {"perks": {1: ["Enter a valid email address."]}}


def test_an_empty_filter_value_is_no_filter_and_the_schema_says_so(schema, auth_client, user):
    from notifications.models import NotificationType
    from notifications.services import notify
    from tests.videos.factories import VideoFactory

    video = VideoFactory(owner=user)
    notify(recipient=user, actor=None, type=NotificationType.VIDEO_FAILED, target=video, data={})
    parameters = schema["paths"]["/api/v1/notifications/"]["get"]["parameters"]
    unread = next(parameter for parameter in parameters if parameter["name"] == "unread")

    everything = auth_client.get("/api/v1/notifications/")
    empty = auth_client.get("/api/v1/notifications/", {"unread": "", "type": ""})
    wrong = auth_client.get("/api/v1/notifications/", {"unread": "maybe"})

    assert unread["allowEmptyValue"] is True
    assert unread["schema"]["enum"] == ["false", "true"]
    assert empty.status_code == 200
    assert empty.json()["results"] == everything.json()["results"] != []
    assert wrong.status_code == 400
    assert [(error["code"], error["attr"]) for error in wrong.json()["errors"]] == [
        ("invalid_choice", "unread")
    ]


def test_the_video_filters_state_their_limits_in_the_schema(schema, auth_client):
    import re

    parameters = {
        parameter["name"]: parameter
        for parameter in schema["paths"]["/api/v1/videos/"]["get"]["parameters"]
    }
    language = parameters["language"]["schema"]

    assert parameters["owner"]["schema"] == {"type": "string", "maxLength": 150}
    assert parameters["search"]["schema"] == {"type": "string", "maxLength": 200}
    assert language["maxLength"] == 16
    assert [bool(re.match(language["pattern"], value)) for value in ("en", "pt-BR", "", "0")] == [
        True,
        True,
        True,
        False,
    ]
    # What the schema refuses, the server refuses; what it allows, the server takes.
    assert auth_client.get("/api/v1/videos/", {"language": "0"}).status_code == 400
    assert auth_client.get("/api/v1/videos/", {"language": "pt-br"}).status_code == 200
    assert auth_client.get("/api/v1/videos/", {"owner": "x" * 151}).status_code == 400


def test_text_that_may_not_be_blank_says_so_in_the_schema(schema, auth_client, user):
    import re

    from core.openapi import NOT_BLANK_PATTERN

    code = schema["components"]["schemas"]["TwoFactorCodeRequest"]["properties"]["code"]
    whitespace = "".join(chr(point) for point in range(0x3001) if chr(point).isspace())

    response = auth_client.post("/api/v1/auth/2fa/backup-codes/", {"code": " \u3000\x1c"})

    assert code["pattern"] == NOT_BLANK_PATTERN
    assert re.search(code["pattern"], whitespace) is None
    assert re.search(code["pattern"], "\ufeff") is not None  # ECMA's \s would refuse it
    assert response.status_code == 400
    assert [(error["code"], error["attr"]) for error in response.json()["errors"]] == [
        ("blank", "code")
    ]


def test_what_a_creation_answers_links_to_the_operations_on_it(schema):
    # Without links the fuzzer's stateful phase had nothing to chain.
    operations = {
        operation["operationId"]: (path, operation)
        for path, methods in schema["paths"].items()
        for operation in methods.values()
    }
    links = {
        (operations_path, name): link
        for operations_path, methods in schema["paths"].items()
        for operation in methods.values()
        for response in operation["responses"].values()
        for name, link in response.get("links", {}).items()
    }

    upload = schema["paths"]["/api/v1/videos/"]["post"]["responses"]["201"]["links"]
    assert upload["videos_like"] == {
        "operationId": "videos_like",
        "parameters": {"video_id": "$response.body#/id"},
    }
    register = schema["paths"]["/api/v1/auth/register/"]["post"]["responses"]["201"]["links"]
    assert register["users_follow"]["parameters"] == {"username": "$response.body#/username"}
    assert len(links) == 76  # 61, 14 of the ads' management and a campaign's report
    for link in links.values():
        path, _ = operations[link["operationId"]]
        [parameter] = link["parameters"]
        assert f"{{{parameter}}}" in path


@hypothesis.settings(max_examples=300, deadline=None, derandomize=True)
@hypothesis.given(address=st.from_regex(EMAIL_PATTERN.removesuffix(r"\Z") + "$", fullmatch=True))
def test_every_address_the_email_pattern_allows_django_takes(address):
    from django.core.validators import validate_email

    if len(address) <= 254:
        validate_email(address)


def test_an_address_django_refuses_is_refused_by_the_schema_first(schema, api_client):
    import re

    # JSON Schema's `format: email` allowed `0@0.a`, which Django refuses (a one-letter
    # top-level domain): a schema-valid registration was refused for its shape.
    email = schema["components"]["schemas"]["RegisterRequest"]["properties"]["email"]
    pattern = email["pattern"]
    body = {"email": "0@0.a", "username": "someone", "password": "a-long-enough-passphrase"}

    response = api_client.post("/api/v1/auth/register/", body, format="json")

    # JSON Schema's own `format: email` would refuse some of what Django takes
    # (a 65-character local part), so the pattern alone states the rule.
    assert "format" not in email
    assert schema["components"]["schemas"]["User"]["properties"]["email"] == {
        "type": "string",
        "readOnly": True,
    }
    assert re.match(pattern, "0@0.a") is None
    assert re.match(pattern, "first.last+tag@mail.example.co.uk")
    assert response.status_code == 400
    assert [(error["code"], error["attr"]) for error in response.json()["errors"]] == [
        ("invalid", "email")
    ]


def test_an_upload_may_not_be_an_empty_file_as_the_schema_says(schema, auth_client):
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = schema["components"]["schemas"]["VideoUploadRequest"]["properties"]["file"]
    avatar = schema["components"]["schemas"]["AvatarUploadRequest"]["properties"]["avatar"]
    empty = SimpleUploadedFile("clip.mp4", b"", content_type="video/mp4")

    response = auth_client.post(
        "/api/v1/videos/", {"title": "Clip", "file": empty}, format="multipart"
    )

    assert upload["minLength"] == 1
    assert "minLength" not in avatar  # refused as `invalid_image`, like any non-image
    assert response.status_code == 400
    assert [(error["code"], error["attr"]) for error in response.json()["errors"]] == [
        ("empty", "file")
    ]


@pytest.mark.parametrize("method", ["post", "patch"])
def test_a_category_slug_with_a_nul_character_is_refused_not_a_500(auth_client, user, method):
    # PostgreSQL refuses NUL in text: the lookup of the slug was a server error there.
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.videos.factories import VideoFactory

    if method == "post":
        clip = SimpleUploadedFile("clip.mp4", b"\x00" * 64, content_type="video/mp4")
        body, url = {"title": "Clip", "file": clip, "category": "a\x00b"}, "/api/v1/videos/"
        response = auth_client.post(url, body, format="multipart")
    else:
        url = f"/api/v1/videos/{VideoFactory(owner=user).pk}/"
        response = auth_client.patch(url, {"category": "a\x00b"}, format="json")

    assert response.status_code == 400
    assert ("null_characters_not_allowed", "category") in [
        (error["code"], error["attr"]) for error in response.json()["errors"]
    ]


def test_every_parameter_the_schema_allows_empty_is_taken_empty(schema, make_auth_client):
    # `?ordering=` was taken as absent while the schema's enum refused it.
    from tests.accounts.factories import AdminFactory
    from tests.ads.factories import CampaignFactory
    from tests.livestream.factories import StreamFactory
    from tests.videos.factories import VideoFactory

    staff = make_auth_client(AdminFactory())
    video = VideoFactory()
    stream = StreamFactory()
    campaign = CampaignFactory()
    allowed_empty = [
        (
            path.replace("{video_id}", str(video.pk))
            .replace("{stream_id}", str(stream.pk))
            .replace("{campaign_id}", str(campaign.pk)),
            parameter["name"],
        )
        for path, methods in schema["paths"].items()
        for parameter in methods.get("get", {}).get("parameters", [])
        if parameter.get("allowEmptyValue")
    ]

    required = {"/api/v1/ads/serve/": {"placement": "feed"}}  # what each path needs besides
    answers = {
        (path, name): staff.get(path, {**required.get(path, {}), name: ""}).status_code
        for path, name in allowed_empty
    }

    assert len(answers) == 21
    assert set(answers.values()) == {200}, answers
    assert ("/api/v1/tips/", "direction") in answers
    assert staff.get("/api/v1/tips/", {"page_size": ""}).status_code == 400


def test_a_category_filter_with_a_nul_character_is_refused_as_documented(schema, auth_client):
    codes = schema["paths"]["/api/v1/videos/"]["get"]["responses"]["400"][
        "x-validation-error-codes"
    ]

    response = auth_client.get("/api/v1/videos/", {"category": "a\x00b"})

    assert response.status_code == 400
    assert [(error["code"], error["attr"]) for error in response.json()["errors"]] == [
        ("null_characters_not_allowed", "category")
    ]
    assert codes["category"] == ["invalid_choice", "null_characters_not_allowed"]


def test_an_empty_category_clears_it_as_the_schema_allows(schema, auth_client, user):
    from tests.videos.factories import CategoryFactory, VideoFactory

    video = VideoFactory(owner=user, category=CategoryFactory())
    category = schema["components"]["schemas"]["PatchedVideoUpdateRequest"]["properties"][
        "category"
    ]

    response = auth_client.patch(f"/api/v1/videos/{video.pk}/", {"category": ""}, format="json")

    assert category == {"type": "string", "nullable": True}
    assert (response.status_code, response.json()["category"]) == (200, None)


def test_an_idempotency_key_states_its_rule_in_the_schema(schema, auth_client):
    # The header was any string: most the fuzzer drew (non-ASCII) were refused with
    # `invalid_idempotency_key`, so no schema-valid gift reached the gift itself.
    keys = [
        parameter["schema"]
        for item in schema["paths"].values()
        for operation in item.values()
        if isinstance(operation, dict)
        for parameter in operation.get("parameters", [])
        if parameter["name"] == "Idempotency-Key"
    ]

    response = auth_client.post(
        "/api/v1/tips/", {"recipient": "nobody", "amount": 1}, HTTP_IDEMPOTENCY_KEY="clé"
    )

    assert len(keys) == 7  # 5, and the ads' fund and withdraw
    assert all(key == {**keys[0], "type": "string"} for key in keys)
    assert (keys[0]["minLength"], keys[0]["maxLength"]) == (1, 255)
    assert re.fullmatch(keys[0]["pattern"], "clé") is None
    assert response.status_code == 400
    assert response.json()["errors"][0]["code"] == "invalid_idempotency_key"


@hypothesis.settings(max_examples=300, deadline=None, derandomize=True)
@hypothesis.given(key=st.from_regex(IDEMPOTENCY_KEY_SCHEMA["pattern"], fullmatch=True))
def test_every_idempotency_key_the_schema_allows_is_taken(key):
    from types import SimpleNamespace

    from payments.idempotency import _key

    hypothesis.assume(len(key) <= IDEMPOTENCY_KEY_SCHEMA["maxLength"])
    assert _key(SimpleNamespace(headers={"Idempotency-Key": key})) == key


def test_the_worlds_values_leave_a_schema_violation_in_place(schema):
    # The live run's negative_data_rejection failed: a username breaking its pattern,
    # the violation of a negative case, was replaced with a real one and accepted.
    import schemathesis
    from schemathesis.hooks import HookContext

    from tests.fuzz.hooks import world_body, world_path_parameters

    operations = schemathesis.openapi.from_dict(schema)
    moderators = operations["/api/v1/live/streams/{stream_id}/moderators/"]["POST"]
    bans = operations["/api/v1/live/streams/{stream_id}/chat/bans/{username}/"]["DELETE"]
    real = {"live_moderators_create": {"username": "troll"}}

    def variants(strategy) -> list:
        return list(strategy.elements)

    assert variants(
        world_body(HookContext(operation=moderators), {"username": " "}, bodies=real)
    ) == [
        {"username": " "},
        {"username": " "},
    ]
    assert variants(
        world_body(HookContext(operation=moderators), {"username": "x"}, bodies=real)
    ) == [
        {"username": "x"},
        {"username": "troll"},
    ]
    assert variants(
        world_path_parameters(
            HookContext(operation=bans),
            {"stream_id": "0", "username": "x"},
            ids={"stream_id": ["s"], "username": ["creator"]},
        )
    ) == [{"stream_id": "0", "username": "x"}, {"stream_id": "s", "username": "troll"}]


def test_a_hook_field_padded_past_its_max_length_is_refused_as_the_schema_says(
    schema, api_client, settings
):
    # The live run's negative_data_rejection: `addr` is at most 100 characters, but
    # a trimmed field took 101 whose first was a space (its length counted trimmed).
    settings.LIVE_HOOK_SECRET = "secret"
    addr = schema["components"]["schemas"]["NginxHookRequest"]["properties"]["addr"]

    response = api_client.post(
        "/api/v1/live/hooks/nginx/on-publish-done/?secret=secret",
        urlencode({"name": "unknown", "addr": " " + "*" * 100}),
        content_type="application/x-www-form-urlencoded",
    )

    assert addr["maxLength"] == 100
    assert response.status_code == 400
    assert response.json()["errors"][0] == {
        "code": "max_length",
        "detail": "Ensure this field has no more than 100 characters.",
        "attr": "addr",
    }
