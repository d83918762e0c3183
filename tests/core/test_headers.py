"""Response headers: API answers to a signed-in caller are never cached and vary on
`Authorization`; the pages a browser renders (docs, admin) carry a Content-Security-Policy."""

import pytest

pytestmark = pytest.mark.django_db

POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self' 'unsafe-inline'",
    "img-src": "'self' data: blob:",
    "font-src": "'self' data:",
    "connect-src": "'self'",
    "worker-src": "'self' blob:",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}


def directives(header: str) -> dict[str, str]:
    return dict(part.strip().split(" ", 1) for part in header.split(";"))


def test_an_authenticated_json_answer_is_not_stored(auth_client):
    response = auth_client.get("/api/v1/users/me/")
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    assert "Authorization" in response["Vary"]


def test_an_authenticated_error_is_not_stored_either(auth_client):
    response = auth_client.get("/api/v1/videos/00000000-0000-0000-0000-000000000000/")
    assert response.status_code == 404
    assert response["Cache-Control"] == "no-store"


def test_a_rejected_token_is_not_stored(api_client):
    api_client.credentials(HTTP_AUTHORIZATION="Bearer not-a-token")
    response = api_client.get("/api/v1/users/me/")
    assert response.status_code == 401
    assert response["Cache-Control"] == "no-store"


def test_an_anonymous_answer_may_be_cached_but_varies_on_authorization(api_client):
    response = api_client.get("/api/v1/videos/")
    assert response.status_code == 200
    assert "Cache-Control" not in response
    assert "Authorization" in response["Vary"]


@pytest.mark.parametrize("path", ["/api/docs/", "/api/redoc/", "/admin/login/"])
def test_browser_pages_carry_a_content_security_policy(client, path):
    response = client.get(path)
    assert response.status_code == 200
    assert directives(response["Content-Security-Policy"]) == POLICY


def test_the_swagger_ui_script_is_served_apart_for_the_policy(client):
    page = client.get("/api/docs/").content.decode()
    assert "<script>" not in page
    script = client.get("/api/docs/?script=")
    assert script.status_code == 200
    assert script["Content-Type"].startswith("application/javascript")


def test_json_answers_carry_no_policy(auth_client):
    assert "Content-Security-Policy" not in auth_client.get("/api/v1/users/me/")
