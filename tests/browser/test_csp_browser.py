"""The Content-Security-Policy of the docs and the admin blocks nothing they need: in a
real browser, Swagger UI and ReDoc render the schema and the admin signs in, with no
violation reported."""

import pytest

from tests.accounts.factories import UserFactory
from tests.browser.helpers import admin_sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCHEMA_TIMEOUT_MS = 60_000


def _blocks_what_the_page_needs(text: str) -> bool:
    """A violation other than a load from another site (ReDoc's logo on its CDN): those
    are the policy keeping the docs offline, as it should."""
    return "Content Security Policy" in text and "'https://" not in text


@pytest.fixture
def violations(page) -> list[str]:
    """Console messages in which the browser reports a blocked script, style or load
    from this site, and errors of the page's scripts."""
    found: list[str] = []
    page.on(
        "console",
        lambda message: (
            found.append(message.text) if _blocks_what_the_page_needs(message.text) else None
        ),
    )
    page.on("pageerror", lambda error: found.append(f"page error: {error}"))
    return found


def test_swagger_ui_renders_under_its_policy(page, violations):
    response = page.goto("/api/docs/")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    page.locator(".opblock").first.wait_for(timeout=SCHEMA_TIMEOUT_MS)
    assert violations == []


def test_redoc_renders_under_its_policy(page, violations):
    response = page.goto("/api/redoc/")
    assert "worker-src 'self' blob:" in response.headers["content-security-policy"]
    page.locator("[data-section-id]").first.wait_for(timeout=SCHEMA_TIMEOUT_MS)
    assert page.get_by_text("/api/v1/auth/login/").count() >= 1
    assert violations == []


def test_the_admin_works_under_its_policy(page, violations):
    staff = UserFactory(is_staff=True, is_superuser=True)
    admin_sign_in(page, staff)
    page.goto("/admin/accounts/user/")
    page.wait_for_selector("#result_list")
    assert violations == []
