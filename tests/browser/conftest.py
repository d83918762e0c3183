"""Fixtures for the real-browser tests: headless Chromium (the Debian package, never a
downloaded build) driven by Playwright against pytest-django's live server.

Chromium missing: the tests are skipped, unless `REQUIRE_BROWSER=1` (CI), where they
fail. A browser per test (see `browser`), pointed at the live server (one per xdist
worker, on a port of its own), and a screenshot of the page when a test fails.
"""

import os
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.db import connections
from django.test.testcases import _MediaFilesHandler

CHROMIUM = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))
# The machine has no network: without these, Chromium's own background connections
# (updates, sync, field trials, QUIC probes) are refused many at a time and slow it down.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",  # CI runs as root, where Chromium's sandbox cannot start
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# Generous: only a failing test waits this long, and on a busy machine (the suite's two
# workers, coverage tracing the server) a page can take several seconds.
TIMEOUT_MS = 30_000
FAILURE_SCREENSHOTS = Path(tempfile.gettempdir()) / "browser-test-failures"


def pytest_runtest_setup(item) -> None:
    """Without Chromium, skip each browser test before its fixtures (database, live
    server) are set up, or fail it when `REQUIRE_BROWSER=1` says the tests must run."""
    if CHROMIUM.exists():
        return
    reason = f"Chromium is not installed at {CHROMIUM} (apt-get install chromium)"
    if os.environ.get("REQUIRE_BROWSER") == "1":
        pytest.fail(f"REQUIRE_BROWSER=1 but {reason}.", pytrace=False)
    pytest.skip(f"browser tests skipped: {reason}")


@pytest.fixture(scope="session")
def live_server(django_db_setup, live_server):
    """pytest-django's live server, answering `MEDIA_URL` with the app's own media view.

    Django's test server puts a handler in front of the app that serves any file under
    `MEDIA_ROOT` at its plain address, which would bypass the app's privacy and signature
    checks (`videos/views/files.py`): it is switched off, as in production. Requesting
    `django_db_setup` first makes the server stop (and its request threads give back
    their connections) before the test database is dropped, which PostgreSQL refuses
    while the database is in use.
    """
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(_MediaFilesHandler, "_should_handle", lambda handler, path: False)
        yield live_server


@pytest.fixture
def browser(live_server, monkeypatch):
    """A headless Chromium for one test, started once the live server and the test's
    database are ready, and closed before the database is emptied.

    Not one per session: Playwright's sync API keeps an asyncio loop running in this
    thread (in a greenlet) for as long as it is started, and Django then refuses every
    query of the thread as async-unsafe, in the tests that follow too. It costs under
    two seconds a test. During the test the queries are plain synchronous calls, so
    they are let through; they run on connections of their own (Django keeps separate
    ones while a loop runs), which are closed before Playwright stops, or they would
    stay checked out of PostgreSQL's pool and keep the test database from being dropped.
    """
    from playwright.sync_api import sync_playwright

    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        connections.close_all()
        browser.close()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    """Keep each phase's report on the test item, for the screenshot on failure."""
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


@pytest.fixture
def page(request, live_server, browser):
    """A page in a fresh browser context (no cookies from other tests), pointed at the
    live server; on failure, a screenshot lands in `FAILURE_SCREENSHOTS`."""
    context = browser.new_context(base_url=live_server.url)
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    yield page
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed:
        name = re.sub(r"[^A-Za-z0-9_.-]+", "-", request.node.name)
        page.screenshot(path=str(FAILURE_SCREENSHOTS / f"{name}.png"), full_page=True)
    context.close()


@dataclass
class NetworkLog:
    """What a page asked for: every URL, and those that failed or answered an error."""

    requested: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


@pytest.fixture
def network(page) -> NetworkLog:
    """The page's requests from now on (stylesheets, scripts, images included)."""
    log = NetworkLog()
    page.on("request", lambda request: log.requested.append(request.url))
    page.on("requestfailed", lambda request: log.problems.append(f"failed {request.url}"))
    page.on(
        "response",
        lambda response: (
            log.problems.append(f"{response.status} {response.url}")
            if response.status >= 400
            else None
        ),
    )
    return log
