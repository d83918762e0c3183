"""The OpenAPI schema and its documentation pages work with no internet access."""

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
    assert "ErrorCode405Enum" in components
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
