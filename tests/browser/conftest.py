"""Browser tests of the resident web: Playwright driving Debian's Chromium against the
real ASGI app (daphne: HTTP and websockets) in a child process.

This file only wires the harness (``tests/browser/harness/``) into pytest:

- ``harness.server``: the daphne child, its own database (SQLite, or PostgreSQL's
  ``<name>_browser``), seeding, and reading the SMS outbox;
- ``harness.browsing``: Chromium's launch options, and a fresh resident (browser context,
  own ``X-Forwarded-For``) per page, with screenshots at teardown;
- ``harness.axe``: the axe-core audit and its violation report;
- ``harness.prerequisites``: a missing browser or axe-core skips locally, fails in CI;
- ``harness.paths``: the checkout and the artifacts folder (``test-artifacts/browser/``).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.browser.harness.axe import AxeAudit, axe_audit
from tests.browser.harness.browsing import TIMEOUT_MS, Browsing, chromium_launch_args
from tests.browser.harness.paths import artifact_name, artifacts_reset
from tests.browser.harness.server import LiveServer, live_server


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Browser tests last: the sync Playwright API keeps an event loop for the rest of
    the session, which breaks async tests run after it. (`make test` runs them in their
    own pytest call anyway; this keeps a plain `pytest` working.)"""
    browser = [item for item in items if item.get_closest_marker("browser")]
    if browser:
        others = [item for item in items if not item.get_closest_marker("browser")]
        items[:] = others + browser


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    # Kept on the item so the ``browsing`` teardown knows whether the test failed.
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


@pytest.fixture(scope="session")
def server(
    tmp_path_factory: pytest.TempPathFactory, django_db_blocker: Any
) -> Iterator[LiveServer]:
    # The session's first browser test starts the server: the artifacts folder is
    # emptied then, before the server writes its logs there.
    artifacts_reset()
    with live_server(tmp_path_factory, django_db_blocker.unblock) as running:
        yield running


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    """pytest-playwright's launch options, pointed at Debian's Chromium."""
    return chromium_launch_args(browser_type_launch_args)


@pytest.fixture(scope="session")
def _expect_timeout() -> None:
    from playwright.sync_api import expect

    expect.set_options(timeout=TIMEOUT_MS)


@pytest.fixture(autouse=True)
def browsing(
    request: pytest.FixtureRequest, browser: Any, server: LiveServer, _expect_timeout: None
) -> Iterator[Browsing]:
    """Every browser test gets one; its teardown saves the screenshots (also when the
    test failed) before the contexts close."""
    session = Browsing(browser, server, artifact_name(request.node.name))
    yield session
    report = getattr(request.node, "report_call", None)
    session.finish(test_failed=report is not None and report.failed)


@pytest.fixture
def page(browsing: Browsing) -> Any:
    """A new resident's page, JavaScript on."""
    return browsing.new_page()


@pytest.fixture
def axe(request: pytest.FixtureRequest) -> AxeAudit:
    return axe_audit(artifact_name(request.node.name))
