"""The site under test: the real ASGI app (daphne: HTTP and websockets) in a child
process, with a database of its own.

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

from tests.browser.harness.paths import ARTIFACTS, REPO_ROOT

# The test process's own connection to the server's database (``LiveServer.db()``).
DB_ALIAS = "browser_server"
SERVER_START_TIMEOUT = 45.0


# --- the server's database -------------------------------------------------------------


@dataclass
class ServerDatabase:
    url: str
    drop: Callable[[], None]


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _postgres_database(base_url: str, suffix: str) -> ServerDatabase:
    import psycopg
    from psycopg import sql

    from justcity.env import database_from_url

    cfg = database_from_url(base_url)
    name = f"{cfg['NAME']}_{suffix}"
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


def _sqlite_database(folder: Path, suffix: str) -> ServerDatabase:
    path = folder / f"justcity-{suffix}.sqlite3"
    return ServerDatabase(url=f"sqlite:///{path}", drop=lambda: path.unlink(missing_ok=True))


def server_database(
    tmp_path_factory: pytest.TempPathFactory, suffix: str = "browser"
) -> ServerDatabase:
    """A new, empty database for the server, of the kind ``DATABASE_URL`` names
    (``<name>_<suffix>`` on PostgreSQL)."""
    base_url = os.environ.get("DATABASE_URL", "")
    if base_url.startswith(("postgres://", "postgresql://", "pgsql://")):
        return _postgres_database(base_url, suffix)
    return _sqlite_database(tmp_path_factory.mktemp(f"{suffix}-db"), suffix)


def _register_alias(database_url: str, alias: str) -> None:
    from django.db import connections

    from justcity.env import database_from_url

    cfg = database_from_url(database_url)
    if cfg["ENGINE"] == "django.db.backends.sqlite3":
        cfg["OPTIONS"] = {"timeout": 20}
    connections.settings[alias] = connections.configure_settings({"default": cfg})["default"]


def _unregister_alias(alias: str) -> None:
    from django.db import connections

    with contextlib.suppress(Exception):
        connections[alias].close()
    with contextlib.suppress(AttributeError):
        delattr(connections._connections, alias)
    connections.settings.pop(alias, None)


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


# --- the server process ----------------------------------------------------------------


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


def _prepare(database_url: str, log_path: Path, *, demo_only: bool) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, "-m", "tests.browser.seed", *(["--demo-only"] if demo_only else [])],
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


# --- the live server -------------------------------------------------------------------


@dataclass
class LiveServer:
    """The running site, its data (``data``, from seed.py) and read access to its
    database from the test process (``db()``)."""

    url: str
    database_url: str
    data: dict[str, Any]
    daphne: Daphne
    unblock: Callable[[], contextlib.AbstractContextManager[None]]
    alias: str = DB_ALIAS
    _phones: Iterator[int] = field(default_factory=lambda: itertools.count(100))

    def new_phone(self) -> str:
        """A fresh US number (as a resident types it) for a new resident."""
        return f"+1 415 555 {next(self._phones):04d}"

    @contextlib.contextmanager
    def db(self) -> Iterator[str]:
        """``with server.db() as alias: Model.objects.using(alias)...``"""
        with self.unblock(), _async_unsafe_allowed():
            yield self.alias

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


@contextlib.contextmanager
def live_server(
    tmp_path_factory: pytest.TempPathFactory,
    unblock: Callable[[], contextlib.AbstractContextManager[None]],
    *,
    name: str = "browser",
    demo_only: bool = False,
) -> Iterator[LiveServer]:
    """The session's server: a fresh database, seeded, served by daphne; stopped and the
    database dropped on exit. ``unblock`` is pytest-django's ``django_db_blocker.unblock``:
    the test process reads the server's database only through ``LiveServer.db()``.

    ``demo_only``: the database ``make run`` gives (``load_demo`` and nothing of
    seed.py), for a walk-through that must start where a newcomer starts; ``name`` keeps
    its database, logs and connection apart from the session's server."""
    database = server_database(tmp_path_factory, name)
    logs = "" if name == "browser" else f"-{name}"
    daphne = Daphne(server_env(database.url), ARTIFACTS / f"server{logs}.log")
    alias = DB_ALIAS if name == "browser" else f"{DB_ALIAS}_{name}"
    try:
        data = _prepare(database.url, ARTIFACTS / f"prepare{logs}.log", demo_only=demo_only)
        url = daphne.start()
        _register_alias(database.url, alias)
        yield LiveServer(
            url=url,
            database_url=database.url,
            data=data,
            daphne=daphne,
            unblock=unblock,
            alias=alias,
        )
    finally:
        daphne.stop()
        _unregister_alias(alias)
        database.drop()
