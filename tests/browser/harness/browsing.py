"""Chromium, and the pages a test opens in it.

Residents
    Each browser context is a new resident on their own connection: daphne runs with
    ``--proxy-headers`` (as behind the production proxy) and every context sends its own
    ``X-Forwarded-For``, so the per-address sign-in limits see different residents.

Artifacts
    Every test saves ``test-artifacts/browser/<test-name>.png`` at teardown, failed or
    not (the ``browsing`` fixture in conftest.py); the axe reports and page weights are
    written beside them.
"""

from __future__ import annotations

import contextlib
import itertools
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from tests.browser.harness.paths import ARTIFACTS
from tests.browser.harness.prerequisites import missing

if TYPE_CHECKING:
    from tests.browser.harness.server import LiveServer

CHROMIUM = Path(os.environ.get("JUSTCITY_CHROMIUM", "/usr/bin/chromium"))
# Without the networking flags Chromium floods the closed network (GOTCHAS.md).
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
TIMEOUT_MS = 10_000


def chromium_launch_args(launch_args: dict[str, Any]) -> dict[str, Any]:
    """pytest-playwright's ``launch_args``, pointed at Debian's Chromium (never a
    downloaded one: `playwright install` is not used)."""
    if not CHROMIUM.exists():
        missing(f"Chromium is not installed at {CHROMIUM} (apt-get install chromium)")
    headless = launch_args.get("headless", True)
    return {
        **launch_args,
        "executable_path": str(CHROMIUM),
        "args": (["--headless"] if headless else []) + CHROMIUM_ARGS,
    }


_addresses = itertools.count(1)


def new_address() -> str:
    """A client address of its own for each resident (sent as X-Forwarded-For)."""
    n = next(_addresses)
    return f"10.77.{n // 250}.{n % 250 + 1}"


class Browsing:
    """Opens pages for a test, each in a fresh browser context (a new resident), and at
    the end saves their screenshots and reports uncaught script errors and CSP refusals."""

    def __init__(self, browser: Any, server: LiveServer, name: str) -> None:
        self.browser = browser
        self.server = server
        self.name = name
        self.contexts: list[Any] = []
        self.pages: list[Any] = []
        self.problems: list[str] = []

    def new_page(
        self,
        *,
        javascript: bool = True,
        axe: bool = False,
        locale: str = "en-US",
        base_url: str | None = None,
    ) -> Any:
        context = self.browser.new_context(
            base_url=base_url or self.server.url,
            java_script_enabled=javascript,
            # Only where axe-core is injected: the site's CSP forbids foreign scripts.
            bypass_csp=axe,
            locale=locale,
            viewport={"width": 1280, "height": 900},
            extra_http_headers={"X-Forwarded-For": new_address()},
            service_workers="block",
        )
        context.set_default_timeout(TIMEOUT_MS)
        context.set_default_navigation_timeout(2 * TIMEOUT_MS)
        self.contexts.append(context)
        page = context.new_page()
        self.pages.append(page)
        page.on("pageerror", lambda exc: self.problems.append(f"{page.url}: uncaught {exc}"))

        def response(answer: Any) -> None:
            if answer.status >= 500:
                self.problems.append(f"HTTP {answer.status} from {answer.url}")

        page.on("response", response)

        def console(message: Any) -> None:
            text = message.text
            if message.type == "error" and (
                "Content Security Policy" in text or text.startswith("Refused to")
            ):
                self.problems.append(f"{page.url}: {text}")

        page.on("console", console)
        return page

    def save_screenshots(self) -> list[Path]:
        saved = []
        for index, page in enumerate(self.pages):
            if page.is_closed():
                continue
            suffix = "" if index == 0 else f"--{index + 1}"
            path = ARTIFACTS / f"{self.name}{suffix}.png"
            with contextlib.suppress(Exception):
                page.screenshot(path=str(path), full_page=True, timeout=TIMEOUT_MS)
                saved.append(path)
        return saved

    def close(self) -> None:
        for context in self.contexts:
            with contextlib.suppress(Exception):
                context.close()

    def finish(self, *, test_failed: bool) -> None:
        """The test's teardown: screenshots first (also when the test failed), while the
        contexts are still open; then the server log's tail if anything went wrong, and a
        failure if the browser reported problems."""
        self.save_screenshots()
        self.close()
        if self.problems or test_failed:
            print(f"--- server log (tail) ---\n{self.server.daphne.log_tail(40)}")
        if self.problems:
            pytest.fail("the browser reported:\n" + "\n".join(self.problems), pytrace=False)
