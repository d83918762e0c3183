"""Every error, from DRF or from Django itself, answers API clients in one shape."""

import json

import pytest
from django.test import RequestFactory
from rest_framework.test import APIClient

from core import views

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.core.urls")]


def test_an_unknown_api_url_is_a_json_404(api_client):
    response = api_client.get("/api/v1/no-such-thing/")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == {
        "type": "client_error",
        "errors": [{"code": "not_found", "detail": "Not found.", "attr": None}],
    }


def test_an_unknown_page_outside_the_api_is_html(api_client):
    response = api_client.get("/no-such-page/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


def test_a_method_the_endpoint_does_not_allow_is_a_405(api_client):
    response = api_client.post("/api/v1/health/", {})
    assert response.status_code == 405
    assert response.json() == {
        "type": "client_error",
        "errors": [
            {"code": "method_not_allowed", "detail": 'Method "POST" not allowed.', "attr": None}
        ],
    }


def test_a_protected_endpoint_without_credentials_is_a_401_with_a_bearer_challenge(api_client):
    response = api_client.get("/api/v1/test/private/")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'
    assert response.json() == {
        "type": "client_error",
        "errors": [
            {
                "code": "not_authenticated",
                "detail": "Authentication credentials were not provided.",
                "attr": None,
            }
        ],
    }


def test_malformed_json_is_a_400(api_client):
    response = api_client.post(
        "/api/v1/test/echo/", data="{not json", content_type="application/json"
    )
    assert response.status_code == 400
    body = response.json()
    assert body["type"] == "client_error"
    assert body["errors"][0]["code"] == "parse_error"
    assert body["errors"][0]["detail"].startswith("JSON parse error")


def test_an_unsupported_content_type_is_a_415(api_client):
    response = api_client.post("/api/v1/test/echo/", data="a=b", content_type="text/csv")
    assert response.status_code == 415
    assert response.json()["errors"][0]["code"] == "unsupported_media_type"


def test_an_unhandled_exception_is_a_json_500_without_details():
    client = APIClient(raise_request_exception=False)
    response = client.get("/api/v1/test/explode/")
    assert response.status_code == 500
    assert response.json() == {
        "type": "server_error",
        "errors": [{"code": "error", "detail": "Server Error (500)", "attr": None}],
    }
    assert "boom" not in response.content.decode()


def test_throttled_requests_get_a_429_with_retry_after(api_client):
    assert api_client.get("/api/v1/test/throttled/").status_code == 200
    assert api_client.get("/api/v1/test/throttled/").status_code == 200
    response = api_client.get("/api/v1/test/throttled/")
    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= 60
    assert response.json()["errors"][0]["code"] == "throttled"


def test_throttle_counts_live_in_the_shared_cache(api_client):
    from django.core.cache import cache

    api_client.get("/api/v1/test/throttled/")
    assert cache.get("throttle_anon_127.0.0.1") is not None


@pytest.mark.parametrize(
    ("handler", "status", "error_type", "code"),
    [
        (views.bad_request, 400, "client_error", "bad_request"),
        (views.permission_denied, 403, "client_error", "permission_denied"),
        (views.page_not_found, 404, "client_error", "not_found"),
        (views.server_error, 500, "server_error", "error"),
    ],
)
def test_django_error_views_answer_api_paths_in_the_api_shape(handler, status, error_type, code):
    request = RequestFactory().get("/api/v1/anything/")
    args = (request,) if handler is views.server_error else (request, Exception("x"))
    response = handler(*args)
    assert response.status_code == status
    body = json.loads(response.content)
    assert body["type"] == error_type
    assert body["errors"][0]["code"] == code
    assert body["errors"][0]["attr"] is None


@pytest.mark.parametrize(
    "handler", [views.bad_request, views.permission_denied, views.page_not_found]
)
def test_django_error_views_answer_other_paths_with_html(handler):
    response = handler(RequestFactory().get("/admin/x/"), Exception("x"))
    assert response["Content-Type"].startswith("text/html")


NOT_FOUND = {
    "type": "client_error",
    "errors": [{"code": "not_found", "detail": "Not found.", "attr": None}],
}


def test_an_unknown_api_url_is_a_json_404_under_debug_too(api_client, settings):
    settings.DEBUG = True
    response = api_client.get("/api/v1/no-such-thing/")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == NOT_FOUND


def test_under_debug_a_missing_trailing_slash_still_redirects(api_client, settings):
    settings.DEBUG = True
    response = api_client.get("/api/v1/health")
    assert response.status_code == 301
    assert response["Location"] == "/api/v1/health/"


def test_under_debug_pages_outside_the_api_keep_the_debug_404(api_client, settings):
    settings.DEBUG = True
    response = api_client.get("/no-such-page/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")
