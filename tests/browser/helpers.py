"""What the browser tests do often: sign in to the admin, call the API, check origins."""

import json
import urllib.error
import urllib.request
from urllib.parse import urlsplit

from accounts.models import User
from tests.accounts.factories import PASSWORD


def admin_sign_in(page, user: User, *, password: str = PASSWORD) -> None:
    """Sign in to the admin site through its login form, as a person does."""
    page.goto("/admin/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", password)
    page.click("input[type=submit]")
    page.wait_for_selector("#user-tools")


def api_get_status(url: str, *, access_token: str) -> int:
    """The status of an authenticated GET to the live server, through no proxy."""
    # Only ever the live server's http:// URL, which the tests build themselves.
    request = urllib.request.Request(  # noqa: S310
        url, headers={"Authorization": f"Bearer {access_token}"}
    )
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(request, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def same_origin(url: str, base_url: str) -> bool:
    """Whether `url` goes to the server at `base_url` (data: and blob: stay in the page)."""
    parts = urlsplit(url)
    if parts.scheme in ("data", "blob"):
        return True
    return (parts.scheme, parts.netloc) == urlsplit(base_url)[:2]


def api_json(method: str, url: str, *, access_token: str, body: dict | None = None):
    """`(status, parsed JSON)` of an authenticated API call to the live server."""
    data = json.dumps(body).encode() if body is not None else None
    # Only ever the live server's http:// URL, which the tests build themselves.
    request = urllib.request.Request(  # noqa: S310
        url,
        data=data,
        method=method,
        headers={"Authorization": f"Bearer {access_token}", "Content-Type": "application/json"},
    )
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")
