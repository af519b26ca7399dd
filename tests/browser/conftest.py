"""Browser tests of the resident web: Playwright driving Debian's Chromium against the
real ASGI app (daphne: HTTP and websockets) in a child process.

The server
    One daphne per test session on a free loopback port, against its own database: a
    SQLite file in the session's tmp folder, or, when ``DATABASE_URL`` is PostgreSQL, a
    database ``<name>_browser`` created here and dropped at the end. ``seed.py`` prepares
    it in a child process (migrate, translations, ``load_demo``, the extra data of the
    suite). Map tiles are off (``MAP_TILES_URL=""``): nothing leaves the machine.

Reading the SMS outbox
    Sign-in codes go through the SMS queue: ``sign_in_code_send`` writes an
    ``sms.OutboundMessage`` row and the task hands it to ``SMS_BACKEND`` (locmem in the
    server) on commit, which marks the row ``sent`` with a ``locmem-…`` provider id. The
    locmem list lives in the server process, so the tests read the same outbox from the
    shared database: the latest sign-in text to the resident's number, once the gateway
    has accepted it (``server.sms_code(phone)``).

Residents
    Each browser context is a new resident on their own connection: daphne runs with
    ``--proxy-headers`` (as behind the production proxy) and every context sends its own
    ``X-Forwarded-For``, so the per-address sign-in limits see different residents.

Artifacts
    Every test saves ``test-artifacts/browser/<test-name>.png`` at teardown, failed or
    not (``browsing`` below); the axe reports and page weights are written beside them.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO_ROOT / "test-artifacts" / "browser"
AXE_JS = REPO_ROOT / "node_modules" / "axe-core" / "axe.min.js"
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
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
DB_ALIAS = "browser_server"
SERVER_START_TIMEOUT = 45.0
TIMEOUT_MS = 10_000


def required() -> bool:
    """CI (JUSTCITY_REQUIRE_SERVICES) must not skip browser tests: a missing browser or
    axe-core there is a failure."""
    return bool(os.environ.get("JUSTCITY_REQUIRE_SERVICES"))


def missing(reason: str) -> None:
    if required():
        pytest.fail(f"{reason} (JUSTCITY_REQUIRE_SERVICES is set: CI must provide it)", False)
    pytest.skip(reason)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Browser tests last: the sync Playwright API keeps an event loop for the rest of
    the session, which breaks async tests run after it. (`make test` runs them in their
    own pytest call anyway; this keeps a plain `pytest` working.)"""
    browser = [item for item in items if item.get_closest_marker("browser")]
    if browser:
        others = [item for item in items if not item.get_closest_marker("browser")]
        items[:] = others + browser


def artifact_name(node_name: str) -> str:
    """``test_x[chromium-home]`` → ``test_x-home``: the test's name, file-safe, without
    pytest-playwright's browser parameter (always Chromium here)."""
    name = re.sub(r"\[chromium-?", "[", node_name).replace("[]", "")
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", name).strip("-")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


# --- the server's database -------------------------------------------------------------


@dataclass
class ServerDatabase:
    url: str
    drop: Callable[[], None]


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _postgres_database(base_url: str) -> ServerDatabase:
    import psycopg
    from psycopg import sql

    from justcity.env import database_from_url

    cfg = database_from_url(base_url)
    name = f"{cfg['NAME']}_browser"
    parsed = urlparse(base_url)
    url = parsed._replace(path=f"/{name}").geturl()

    def admin() -> psycopg.Connection[Any]:
        return psycopg.connect(
            host=str(cfg["HOST"]) or None,
            port=str(cfg["PORT"]) or None,
            user=str(cfg["USER"]) or None,
            password=str(cfg["PASSWORD"]) or None,
            dbname="postgres",
            autocommit=True,
        )

    def drop() -> None:
        with admin() as conn:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )

    drop()
    with admin() as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return ServerDatabase(url=url, drop=drop)


def _sqlite_database(folder: Path) -> ServerDatabase:
    path = folder / "justcity-browser.sqlite3"
    return ServerDatabase(url=f"sqlite:///{path}", drop=lambda: path.unlink(missing_ok=True))


# --- the live server -------------------------------------------------------------------


@contextlib.contextmanager
def _async_unsafe_allowed() -> Iterator[None]:
    """The sync Playwright API runs an event loop in this thread; Django refuses ORM
    calls there unless told the caller knows what it does."""
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        yield
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


class Daphne:
    """``daphne justcity.asgi:application`` in a child process, started and stopped by
    its pid only."""

    def __init__(self, env: dict[str, str], log_path: Path) -> None:
        self.env = env
        self.log_path = log_path
        self.process: subprocess.Popen[bytes] | None = None
        self.url = ""

    def start(self) -> str:
        errors = []
        for _attempt in range(3):
            port = _free_port()
            self.url = f"http://127.0.0.1:{port}"
            env = {**self.env, "PUBLIC_BASE_URL": self.url}
            with self.log_path.open("ab") as log:
                self.process = subprocess.Popen(
                    [
                        sys.executable,
                        "-m",
                        "daphne",
                        "-b",
                        "127.0.0.1",
                        "-p",
                        str(port),
                        "--proxy-headers",
                        "justcity.asgi:application",
                    ],
                    cwd=REPO_ROOT,
                    env=env,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                )
            problem = self._wait_ready()
            if problem is None:
                return self.url
            errors.append(problem)
            self.stop()
        raise RuntimeError("daphne did not start: " + "; ".join(errors) + "\n" + self.log_tail())

    def _wait_ready(self) -> str | None:
        assert self.process is not None
        deadline = time.monotonic() + SERVER_START_TIMEOUT
        last = ""
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                return f"exited with {self.process.returncode}"
            try:
                with urllib.request.urlopen(f"{self.url}/", timeout=5) as response:  # noqa: S310
                    if response.status == 200:
                        return None
            except (urllib.error.URLError, OSError) as exc:
                last = str(exc)
            time.sleep(0.2)
        return f"no answer on {self.url} within {SERVER_START_TIMEOUT:.0f}s ({last})"

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)

    def log_tail(self, lines: int = 80) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])


@dataclass
class LiveServer:
    """The running site, its data (``data``, from seed.py) and read access to its
    database from the test process (``db()``)."""

    url: str
    database_url: str
    data: dict[str, Any]
    daphne: Daphne
    unblock: Callable[[], contextlib.AbstractContextManager[None]]
    _phones: Iterator[int] = field(default_factory=lambda: itertools.count(100))

    def new_phone(self) -> str:
        """A fresh US number (as a resident types it) for a new resident."""
        return f"+1 415 555 {next(self._phones):04d}"

    @contextlib.contextmanager
    def db(self) -> Iterator[str]:
        """``with server.db() as alias: Model.objects.using(alias)...``"""
        with self.unblock(), _async_unsafe_allowed():
            yield DB_ALIAS

    def sign_in_text(self, phone: str, timeout: float = 10.0) -> str:
        """The latest sign-in text to ``phone`` in the outbox, once the SMS backend
        has accepted it (status ``sent``, a locmem provider id)."""
        from participation.identity import phone_normalise
        from sms.models import OutboundMessage, OutboundPurpose, OutboundStatus

        e164 = phone_normalise(phone)
        deadline = time.monotonic() + timeout
        seen = None
        while time.monotonic() < deadline:
            with self.db() as alias:
                seen = (
                    OutboundMessage.objects.using(alias)
                    .filter(to_e164=e164, purpose=OutboundPurpose.SIGN_IN)
                    .order_by("-created_at", "-pk")
                    .first()
                )
            if seen is not None and seen.status == OutboundStatus.SENT:
                assert (seen.provider_id or "").startswith("locmem-"), seen.provider_id
                return seen.body
            time.sleep(0.1)
        raise AssertionError(
            f"no sent sign-in text to {e164} in the outbox within {timeout}s "
            f"(latest: {seen and (seen.status, seen.body)})\n{self.daphne.log_tail()}"
        )

    def sms_code(self, phone: str) -> str:
        """The 6-digit code of the latest sign-in text to ``phone``."""
        body = self.sign_in_text(phone)
        match = re.search(r"\b(\d{6})\b", body)
        assert match, f"no 6-digit code in the text: {body!r}"
        return match.group(1)


def _register_alias(database_url: str) -> None:
    from django.db import connections

    from justcity.env import database_from_url

    cfg = database_from_url(database_url)
    if cfg["ENGINE"] == "django.db.backends.sqlite3":
        cfg["OPTIONS"] = {"timeout": 20}
    connections.settings[DB_ALIAS] = connections.configure_settings({"default": cfg})["default"]


def _unregister_alias() -> None:
    from django.db import connections

    with contextlib.suppress(Exception):
        connections[DB_ALIAS].close()
    with contextlib.suppress(AttributeError):
        delattr(connections._connections, DB_ALIAS)
    connections.settings.pop(DB_ALIAS, None)


def server_env(database_url: str, **overrides: str) -> dict[str, str]:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "justcity.settings",
        "DJANGO_ENV": "development",
        # What residents see: the project's error pages, not Django's debug pages.
        "DEBUG": "false",
        "DATABASE_URL": database_url,
        "MAP_TILES_URL": "",
        "SMS_BACKEND": "sms.backends.locmem.SmsBackend",
        "TASKS_BACKEND": "django.tasks.backends.immediate.ImmediateBackend",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "PYTHONUNBUFFERED": "1",
    }
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    env.update(overrides)
    return env


def _prepare(database_url: str, log_path: Path) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, "-m", "tests.browser.seed"],
        cwd=REPO_ROOT,
        env=server_env(database_url),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    log_path.write_text(done.stdout + done.stderr)
    if done.returncode != 0:
        raise RuntimeError(f"preparing the browser database failed:\n{done.stderr[-4000:]}")
    data: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return data


@pytest.fixture(scope="session")
def server(
    tmp_path_factory: pytest.TempPathFactory, django_db_blocker: Any
) -> Iterator[LiveServer]:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for stale in ARTIFACTS.glob("*"):
        if stale.is_file():
            stale.unlink()
    base_url = os.environ.get("DATABASE_URL", "")
    if base_url.startswith(("postgres://", "postgresql://", "pgsql://")):
        database = _postgres_database(base_url)
    else:
        database = _sqlite_database(tmp_path_factory.mktemp("browser-db"))
    daphne = Daphne(server_env(database.url), ARTIFACTS / "server.log")
    try:
        data = _prepare(database.url, ARTIFACTS / "prepare.log")
        url = daphne.start()
        _register_alias(database.url)
        yield LiveServer(
            url=url,
            database_url=database.url,
            data=data,
            daphne=daphne,
            unblock=django_db_blocker.unblock,
        )
    finally:
        daphne.stop()
        _unregister_alias()
        database.drop()


# --- the browser -------------------------------------------------------------------------


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    """pytest-playwright's launch options, pointed at Debian's Chromium (never a
    downloaded one: `playwright install` is not used)."""
    if not CHROMIUM.exists():
        missing(f"Chromium is not installed at {CHROMIUM} (apt-get install chromium)")
    headless = browser_type_launch_args.get("headless", True)
    return {
        **browser_type_launch_args,
        "executable_path": str(CHROMIUM),
        "args": (["--headless"] if headless else []) + CHROMIUM_ARGS,
    }


@pytest.fixture(scope="session")
def _expect_timeout() -> None:
    from playwright.sync_api import expect

    expect.set_options(timeout=TIMEOUT_MS)


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


@pytest.fixture(autouse=True)
def browsing(
    request: pytest.FixtureRequest, browser: Any, server: LiveServer, _expect_timeout: None
) -> Iterator[Browsing]:
    """Every browser test gets one; its teardown saves the screenshots (also when the
    test failed) before the contexts close."""
    session = Browsing(browser, server, artifact_name(request.node.name))
    yield session
    session.save_screenshots()
    session.close()
    report = getattr(request.node, "report_call", None)
    if session.problems or (report is not None and report.failed):
        print(f"--- server log (tail) ---\n{server.daphne.log_tail(40)}")
    if session.problems:
        pytest.fail("the browser reported:\n" + "\n".join(session.problems), pytrace=False)


@pytest.fixture
def page(browsing: Browsing) -> Any:
    """A new resident's page, JavaScript on."""
    return browsing.new_page()


# --- axe-core ------------------------------------------------------------------------------


def _violation_text(label: str, url: str, violations: list[dict[str, Any]]) -> str:
    lines = [f"{label} ({url}): {len(violations)} violation(s)"]
    for violation in violations:
        lines.append(
            f"  [{violation.get('impact')}] {violation['id']}: {violation['help']}"
            f" ({violation.get('helpUrl', '')})"
        )
        for node in violation.get("nodes", [])[:10]:
            target = " ".join(str(t) for t in node.get("target", []))
            lines.append(f"      at {target}")
            lines.append(f"         {node.get('html', '')[:200]}")
            summary = (node.get("failureSummary") or "").replace("\n", " / ")
            if summary:
                lines.append(f"         {summary[:300]}")
    return "\n".join(lines)


@dataclass
class AxeAudit:
    """Runs axe-core (WCAG 2.0/2.1/2.2 A and AA rules) on pages of a test and collects
    every violation, so one run reports all the pages that fail, not only the first."""

    name: str
    pages: dict[str, tuple[str, list[dict[str, Any]]]] = field(default_factory=dict)
    # Rules axe could not decide (to review by hand; not failures).
    incomplete: dict[str, list[str]] = field(default_factory=dict)

    def check(self, page: Any, label: str) -> list[dict[str, Any]]:
        page.wait_for_load_state("load")
        page.add_script_tag(path=str(AXE_JS))
        result = page.evaluate(
            "tags => axe.run(document, {runOnly: {type: 'tag', values: tags},"
            " resultTypes: ['violations']})",
            AXE_TAGS,
        )
        violations: list[dict[str, Any]] = result["violations"]
        assert result["passes"], f"axe checked nothing on {page.url}"
        key = label
        n = 2
        while key in self.pages:
            key = f"{label} ({n})"
            n += 1
        self.pages[key] = (page.url, violations)
        self.incomplete[key] = [
            f"{item['id']} at {' '.join(str(t) for t in node.get('target', []))}"
            for item in result.get("incomplete", [])
            for node in item.get("nodes", [])[:5]
        ]
        return violations

    def report(self) -> str:
        return "\n\n".join(
            _violation_text(label, url, violations)
            for label, (url, violations) in self.pages.items()
            if violations
        )

    def assert_clean(self) -> None:
        assert self.pages, "axe ran on no page"
        (ARTIFACTS / f"axe-{self.name}.json").write_text(
            json.dumps(
                {
                    label: {
                        "url": url,
                        "violations": violations,
                        "needs_review": self.incomplete.get(label, []),
                    }
                    for label, (url, violations) in self.pages.items()
                },
                indent=2,
            )
        )
        report = self.report()
        assert not report, "axe-core found WCAG 2.2 AA violations:\n\n" + report


@pytest.fixture
def axe(request: pytest.FixtureRequest) -> AxeAudit:
    if not AXE_JS.exists():
        missing(
            f"axe-core is not installed ({AXE_JS.relative_to(REPO_ROOT)} is missing): "
            "run `npm ci --no-audit --no-fund` at the repository root"
        )
    return AxeAudit(artifact_name(request.node.name))
