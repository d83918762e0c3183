"""The Swagger UI at /api/docs/ in a real browser, on a machine with no internet: every
asset comes from the app (drf-spectacular's sidecar), and it lists the operations."""

import time

import pytest

from tests.browser.helpers import same_origin

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SIDECAR = "/static/drf_spectacular_sidecar/swagger-ui-dist/"
SCHEMA_TIMEOUT_MS = 60_000


def test_the_swagger_ui_loads_offline_and_lists_auth_users_and_videos(page, network, live_server):
    page.goto("/api/docs/")
    # The page fetches the whole schema (hundreds of kB, generated per request) first.
    page.locator(".opblock").first.wait_for(timeout=SCHEMA_TIMEOUT_MS)
    # Swagger UI renders only the operations near the viewport: read them while
    # scrolling down to the end.
    tags, operations = set(), set()
    deadline = time.monotonic() + SCHEMA_TIMEOUT_MS / 1000
    while time.monotonic() < deadline:
        tags |= set(
            page.locator(".opblock-tag").evaluate_all("tags => tags.map(t => t.dataset.tag)")
        )
        operations |= set(
            page.locator(".opblock-summary").evaluate_all(
                """rows => rows.map(row =>
                    row.querySelector('.opblock-summary-method').textContent + ' ' +
                    row.querySelector('.opblock-summary-path').dataset.path)"""
            )
        )
        if page.evaluate("window.scrollY + window.innerHeight >= document.body.scrollHeight"):
            break
        page.mouse.wheel(0, 600)
        page.wait_for_timeout(50)

    assert {"auth", "users", "videos"} <= tags
    assert {
        "POST /api/v1/auth/login/",
        "GET /api/v1/users/me/",
        "GET /api/v1/videos/",
        "POST /api/v1/videos/",
    } <= operations
    assert {
        f"{live_server.url}{SIDECAR}swagger-ui-bundle.js",
        f"{live_server.url}{SIDECAR}swagger-ui.css",
        f"{live_server.url}/api/schema/",
    } <= set(network.requested)
    assert [url for url in network.requested if not same_origin(url, live_server.url)] == []
    assert network.problems == []
