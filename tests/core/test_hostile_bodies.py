"""Bodies sent to hurt: nested too deeply, too large, too many fields. Every endpoint
answers 400 or 413 in the error shape, with a stable code, never a 500."""

from urllib.parse import urlencode

import pytest
from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db

DEEP_JSON = "[" * 980 + "]" * 980
# 2.6 MiB: over DATA_UPLOAD_MAX_MEMORY_SIZE (2.5 MiB).
LARGE_JSON = '{"username": "' + "x" * 2_700_000 + '", "password": "secret-password"}'
MANY_FIELDS = {f"field{i}": "1" for i in range(1001)}

NESTED_TOO_DEEPLY = (400, "parse_error", "JSON parse error - the body is nested too deeply.")
TOO_LARGE = (413, "request_too_large", "The request body is too large.")
TOO_MANY_FIELDS = (400, "too_many_fields", "The request has too many fields.")

JSON_ENDPOINTS = [
    "/api/v1/auth/login/",
    "/api/v1/auth/register/",
    "/api/v1/auth/token/refresh/",
    "/api/v1/auth/password/reset/",
]
# The OAuth2 token endpoint takes forms (RFC 6749); uploads take multipart.
FORM_ENDPOINTS = ["/api/v1/auth/token/"]
MULTIPART_ENDPOINTS = [("post", "/api/v1/videos/"), ("put", "/api/v1/users/me/avatar/")]


def assert_refused(response, expected: tuple[int, str, str]) -> None:
    status, code, detail = expected
    assert response.status_code == status, response.content[:300]
    assert response["Content-Type"] == "application/json"
    assert response.json() == {
        "type": "client_error",
        "errors": [{"code": code, "detail": detail, "attr": None}],
    }


@pytest.mark.parametrize("path", JSON_ENDPOINTS)
def test_json_nested_980_deep_is_a_parse_error(api_client, path):
    response = api_client.post(path, DEEP_JSON, content_type="application/json")
    assert_refused(response, NESTED_TOO_DEEPLY)


@pytest.mark.parametrize("path", JSON_ENDPOINTS + FORM_ENDPOINTS)
@pytest.mark.parametrize("content_type", ["application/json", "application/x-www-form-urlencoded"])
def test_a_body_over_the_memory_limit_is_413(api_client, path, content_type):
    response = api_client.post(path, LARGE_JSON, content_type=content_type)
    assert_refused(response, TOO_LARGE)


@pytest.mark.parametrize("path", FORM_ENDPOINTS)
def test_a_form_with_1001_fields_is_refused_as_rfc_6749_says(api_client, path):
    body = urlencode({"grant_type": "password", **MANY_FIELDS})
    response = api_client.post(path, body, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 400
    assert response.json() == {
        "error": "invalid_request",
        "error_description": TOO_MANY_FIELDS[2],
    }


@pytest.mark.parametrize(("method", "path"), MULTIPART_ENDPOINTS)
def test_a_multipart_body_with_1001_fields_is_refused(auth_client, method, path):
    body = encode_multipart(BOUNDARY, {"title": "clip", **MANY_FIELDS})
    response = getattr(auth_client, method)(path, body, content_type=MULTIPART_CONTENT)
    assert_refused(response, TOO_MANY_FIELDS)


@pytest.mark.parametrize(("method", "path"), MULTIPART_ENDPOINTS)
def test_multipart_fields_over_the_memory_limit_are_413(auth_client, method, path):
    body = encode_multipart(BOUNDARY, {"title": "x" * 2_700_000})
    response = getattr(auth_client, method)(path, body, content_type=MULTIPART_CONTENT)
    assert_refused(response, TOO_LARGE)


def test_a_nested_body_is_refused_to_anonymous_and_signed_in_callers_alike(auth_client):
    for client in (APIClient(), auth_client):
        response = client.post("/api/v1/auth/login/", DEEP_JSON, content_type="application/json")
        assert_refused(response, NESTED_TOO_DEEPLY)


def test_a_body_under_the_limit_is_read_as_usual(api_client):
    response = api_client.post(
        "/api/v1/auth/login/",
        {"username": "x" * 300, "password": "p"},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["type"] == "validation_error"
