"""The production stack on loopback, on its own ports, for ``bench.load`` and
``bench.drills``: a private PostgreSQL cluster, a private Redis, the fake Twilio and
the processes of the ``Procfile``, all started here and all stopped on exit (Ctrl-C
included). The shared PostgreSQL (5432) and Redis (6379) are never touched.

    with Harness() as h:           # temp dir, ports, secrets
        h.start()                  # postgres, redis, fake twilio, migrate, collectstatic, stack
        h.base_url                 # http://127.0.0.1:<port> (send X-Forwarded-Proto: https)
        h.postgres.restart()       # drills: faults on the private servers
        h.stack.kill("sms")

* PostgreSQL: ``initdb`` into the temp dir (as the ``postgres`` user when run as root,
  as GOTCHAS.md shows), listening on 127.0.0.1 only.
* Redis: ``redis-server --port N --save '' --appendonly no``, a child process (so drills
  can SIGKILL or SIGSTOP it).
* Fake Twilio: ``python -m bench.fake_twilio``, a child process (its own interpreter:
  its threads do not compete with the load generator for the GIL).
* The stack: each line of the Procfile (``web:``, ``worker:``, ``sms:``, …) run as the
  process manager would run it (``/bin/sh -c``), with ``PORT`` set; DEBUG off,
  ``DJANGO_ENV=production``, the real Twilio backend pointed at the fake one
  (``bench.twilio_loopback``), static files collected into the temp dir. Each process
  is its own process group, so a drill can kill one (and its children) alone.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType, TracebackType
from typing import Any

REPO = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
SHARED_PORTS = frozenset({5432, 6379})
DB_NAME = "justcity_bench"
TWILIO_FROM = "+15005550006"
# When a Procfile line is missing (the Procfile has not landed on this branch yet):
# the commands README.md documents for production, so the bench still runs.
FALLBACK_PROCFILE = {
    "web": "daphne -b 127.0.0.1 -p $PORT --proxy-headers justcity.asgi:application",
    "worker": "python manage.py db_worker",
    "sms": "python manage.py sms_send_due --loop --interval 2",
}
# Paths tried, in order, to know the site is ready (readiness first, then the old check).
READY_PATHS = ("/readyz", "/healthz/ready", "/healthz")


def free_port() -> int:
    """A free loopback port, never one of the shared servers'."""
    while True:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = int(s.getsockname()[1])
        if port not in SHARED_PORTS:
            return port


def _as_postgres(args: list[str]) -> list[str]:
    """Run a PostgreSQL server binary as the postgres user when we are root (initdb and
    postgres refuse to run as root)."""
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *args]
    return args


def _pg_bin() -> Path:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=lambda p: int(p.parent.name or 0))
    if found:
        return found[-1]
    initdb = shutil.which("initdb")
    if initdb:
        return Path(initdb).parent
    raise SystemExit("PostgreSQL server binaries (initdb, pg_ctl) not found")


def _tool(name: str) -> str:
    """A client tool (pgbench, pg_dump, psql): from the server's bin dir, else PATH."""
    candidate = _pg_bin() / name
    if candidate.exists():
        return str(candidate)
    found = shutil.which(name)
    if not found:
        raise SystemExit(f"{name} not found")
    return found


# --- PostgreSQL ------------------------------------------------------------------------------


class PrivatePostgres:
    """A throw-away PostgreSQL cluster in ``root``/pg on ``port`` (127.0.0.1 only)."""

    def __init__(
        self, root: Path, port: int, *, max_connections: int = 300, statements: bool = False
    ) -> None:
        if port in SHARED_PORTS:
            raise ValueError("never the shared PostgreSQL port")
        self.bin = _pg_bin()
        self.data = root / "pg"
        self.port = port
        self.max_connections = max_connections
        # pg_stat_statements, to say which statements the database spends its time on.
        self.statements = statements
        self.log = root / "logs" / "postgres.log"
        self.started = False

    def url(self, database: str = "postgres") -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"

    def _pg_ctl(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            _as_postgres([str(self.bin / "pg_ctl"), "-D", str(self.data), *args]),
            capture_output=True,
            text=True,
            check=check,
            timeout=120,
        )

    def init(self) -> None:
        self.data.mkdir(parents=True)
        if os.geteuid() == 0:
            shutil.chown(self.data, "postgres")
            shutil.chown(self.log.parent, "postgres")
        subprocess.run(
            _as_postgres(
                [
                    str(self.bin / "initdb"),
                    "-D",
                    str(self.data),
                    "-A",
                    "trust",
                    "-U",
                    "postgres",
                    "-E",
                    "UTF8",
                    "--no-sync",
                ]
            ),
            capture_output=True,
            text=True,
            check=True,
            timeout=120,
        )

    def start(self) -> None:
        options = " ".join(
            [
                f"-p {self.port}",
                f"-k {self.data}",
                "-c listen_addresses=127.0.0.1",
                f"-c max_connections={self.max_connections}",
                "-c shared_buffers=256MB",
                *(
                    [
                        "-c shared_preload_libraries=pg_stat_statements",
                        "-c pg_stat_statements.track_planning=on",
                    ]
                    if self.statements
                    else []
                ),
            ]
        )
        self._pg_ctl("-o", options, "-l", str(self.log), "-w", "-t", "60", "start")
        self.started = True

    def stop(self, mode: str = "fast") -> None:
        if self.started:
            self._pg_ctl("-m", mode, "-w", "-t", "60", "stop", check=False)
            self.started = False

    def postmaster_pid(self) -> int | None:
        """The running postmaster's pid (the first line of postmaster.pid), or None."""
        try:
            return int((self.data / "postmaster.pid").read_text().split("\n", 1)[0])
        except (OSError, ValueError):
            return None

    def restart(self, *, down_seconds: float = 0.0) -> None:
        """Stop (fast: clients are disconnected), stay down, start again."""
        self.stop("fast")
        time.sleep(down_seconds)
        self.start()

    def psql(self, sql: str, database: str = DB_NAME) -> str:
        done = subprocess.run(
            [
                _tool("psql"),
                "-h",
                "127.0.0.1",
                "-p",
                str(self.port),
                "-U",
                "postgres",
                "-d",
                database,
                "-At",
                "-v",
                "ON_ERROR_STOP=1",
                "-c",
                sql,
            ],
            capture_output=True,
            text=True,
            check=True,
            timeout=300,
        )
        return done.stdout.strip()


# --- Redis -----------------------------------------------------------------------------------


class PrivateRedis:
    """A Redis on ``port`` that keeps nothing on disk, as a child process."""

    def __init__(self, root: Path, port: int) -> None:
        if port in SHARED_PORTS:
            raise ValueError("never the shared Redis port")
        self.root = root
        self.port = port
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        redis_server = shutil.which("redis-server")
        if not redis_server:
            raise SystemExit("redis-server not found")
        log = open(self.root / "logs" / "redis.log", "ab")  # noqa: SIM115 (kept by the child)
        self.proc = subprocess.Popen(
            [
                redis_server,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.root),
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        _wait_port(self.port, 20, what="redis")

    def kill(self) -> None:
        """SIGKILL: the server is gone (a crash)."""
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)

    def freeze(self) -> None:
        """SIGSTOP: the server still holds its socket but answers nothing (a hung host)."""
        if self.proc and self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGSTOP)

    def thaw(self) -> None:
        if self.proc and self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGCONT)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.proc.pid, signal.SIGCONT)
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)


# --- fake Twilio -----------------------------------------------------------------------------


class FakeTwilioProcess:
    """``bench.fake_twilio`` in a child process, and its control endpoints."""

    def __init__(
        self, root: Path, port: int, *, account_sid: str, auth_token: str, hang_seconds: float
    ) -> None:
        self.root = root
        self.port = port
        self.account_sid = account_sid
        self.auth_token = auth_token
        self.hang_seconds = hang_seconds
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        log = open(self.root / "logs" / "fake_twilio.log", "ab")  # noqa: SIM115
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "bench.fake_twilio",
                "--port",
                str(self.port),
                "--account-sid",
                self.account_sid,
                "--auth-token",
                self.auth_token,
                "--hang-seconds",
                str(self.hang_seconds),
            ],
            cwd=REPO,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        _wait_port(self.port, 20, what="fake twilio")

    def set_mode(self, mode: str, seconds: float) -> None:
        body = json.dumps({"mode": mode, "seconds": seconds})
        http_request(self.port, "POST", "/_bench/mode", body=body, timeout=5)

    def messages(self) -> list[dict[str, Any]]:
        _status, raw = http_request(self.port, "GET", "/_bench/messages", timeout=10)
        data: list[dict[str, Any]] = json.loads(raw)
        return data

    def stats(self) -> dict[str, Any]:
        _status, raw = http_request(self.port, "GET", "/_bench/stats", timeout=10)
        data: dict[str, Any] = json.loads(raw)
        return data

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()


# --- the Procfile stack ------------------------------------------------------------------------


def procfile_lines(path: Path = REPO / "Procfile") -> tuple[dict[str, str], str]:
    """The Procfile's ``name: command`` lines and where they came from. Lines the file
    lacks come from FALLBACK_PROCFILE (named in the source string)."""
    lines: dict[str, str] = {}
    if path.exists():
        for raw in path.read_text().splitlines():
            text = raw.strip()
            if not text or text.startswith("#") or ":" not in text:
                continue
            name, command = text.split(":", 1)
            lines[name.strip()] = command.strip()
    missing = [name for name in FALLBACK_PROCFILE if name not in lines]
    for name in missing:
        lines[name] = FALLBACK_PROCFILE[name]
    if not path.exists():
        source = "fallback (no Procfile): " + ", ".join(sorted(FALLBACK_PROCFILE))
    elif missing:
        source = "Procfile + fallback for " + ", ".join(missing)
    else:
        source = "Procfile"
    return lines, source


@dataclass
class StackProcess:
    name: str
    command: str
    proc: subprocess.Popen[bytes] | None = None
    starts: int = 0


@dataclass
class Stack:
    """The Procfile's processes, each in its own process group."""

    env: dict[str, str]
    logs: Path
    lines: dict[str, str]
    source: str
    processes: dict[str, StackProcess] = field(default_factory=dict)

    def start(self, name: str | None = None) -> None:
        for each in [name] if name else list(self.lines):
            entry = self.processes.setdefault(each, StackProcess(each, self.lines[each]))
            if entry.proc and entry.proc.poll() is None:
                continue
            log = open(self.logs / f"{each}.log", "ab")  # noqa: SIM115
            entry.proc = subprocess.Popen(
                ["/bin/sh", "-c", f"exec {entry.command}"],
                cwd=REPO,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
            entry.starts += 1

    def pid(self, name: str) -> int | None:
        entry = self.processes.get(name)
        return entry.proc.pid if entry and entry.proc and entry.proc.poll() is None else None

    def alive(self, name: str) -> bool:
        return self.pid(name) is not None

    def kill(self, name: str, sig: int = signal.SIGKILL) -> None:
        """Signal the process and everything it started (its process group)."""
        entry = self.processes.get(name)
        if entry and entry.proc and entry.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(entry.proc.pid, sig)
            if sig in (signal.SIGKILL, signal.SIGTERM):
                try:
                    entry.proc.wait(15)
                except subprocess.TimeoutExpired:
                    os.killpg(entry.proc.pid, signal.SIGKILL)
                    entry.proc.wait(10)

    def stop(self) -> None:
        for entry in self.processes.values():
            if entry.proc and entry.proc.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(entry.proc.pid, signal.SIGTERM)
        deadline = time.monotonic() + 15
        for entry in self.processes.values():
            if entry.proc is None:
                continue
            try:
                entry.proc.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(entry.proc.pid, signal.SIGKILL)
                entry.proc.wait(10)
            # Children that left the group's leader behind (a forked worker).
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(entry.proc.pid, signal.SIGKILL)

    def rss_kib(self, name: str) -> int:
        """Resident memory of the process and its children (its process group)."""
        leader = self.pid(name)
        return group_rss_kib(leader) if leader else 0

    def log_tail(self, name: str, chars: int = 2000) -> str:
        path = self.logs / f"{name}.log"
        return path.read_text(errors="replace")[-chars:] if path.exists() else ""


def _process_fields() -> Iterator[tuple[int, list[str]]]:
    """Every process's pid and the fields of its /proc stat after the parenthesised
    command (state ppid pgrp ... utime stime ...)."""
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        yield int(entry.name), stat[stat.rfind(")") + 2 :].split()


def group_pids(pgid: int) -> list[int]:
    return [pid for pid, fields in _process_fields() if len(fields) > 2 and int(fields[2]) == pgid]


_TICK = os.sysconf("SC_CLK_TCK")


def _cpu_s(pid: int) -> float:
    """User and system CPU seconds of one process (all its threads)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return 0.0
    fields = stat[stat.rfind(")") + 2 :].split()
    return (int(fields[11]) + int(fields[12])) / _TICK


def _children(parent: int) -> list[int]:
    return [
        pid for pid, fields in _process_fields() if len(fields) > 1 and int(fields[1]) == parent
    ]


def web_worker_cpu(h: Harness) -> dict[int, float]:
    """CPU seconds so far of each web worker: the web group's processes that started no
    other (gunicorn's master, and a shell before it, did). How evenly the workers share
    the load: they share one listening socket, and a burst of new connections can all
    land on one of them."""
    leader = h.stack.pid("web")
    if not leader:
        return {}
    fields = {pid: f for pid, f in _process_fields() if len(f) > 2 and int(f[2]) == leader}
    parents = {int(f[1]) for f in fields.values()}
    return {pid: _cpu_s(pid) for pid in fields if pid not in parents}


def cpu_seconds(h: Harness) -> dict[str, float]:
    """CPU seconds used so far by each part of the run: every Procfile process (its
    process group: gunicorn's workers with their master), the private PostgreSQL (the
    postmaster and its backends), Redis, the fake Twilio and this process (the load
    generator). Two readings around a window say where its CPU went."""
    parts = {
        name: sum(_cpu_s(pid) for pid in group_pids(leader))
        for name in h.stack.lines
        if (leader := h.stack.pid(name))
    }
    postmaster = h.postgres.postmaster_pid()
    if postmaster:
        parts["postgres"] = _cpu_s(postmaster) + sum(_cpu_s(p) for p in _children(postmaster))
    for name, proc in (("redis", h.redis.proc), ("fake_twilio", h.twilio.proc)):
        if proc and proc.poll() is None:
            parts[name] = _cpu_s(proc.pid)
    times = os.times()
    parts["load_generator"] = times.user + times.system
    return parts


def group_rss_kib(pgid: int) -> int:
    total = 0
    for pid in group_pids(pgid):
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            continue
    return total


def http_request(
    port: int,
    method: str,
    path: str,
    *,
    body: str | None = None,
    headers: dict[str, str] | None = None,
    timeout: float = 5.0,
) -> tuple[int, bytes]:
    """One request to 127.0.0.1:``port`` (loopback only, by construction)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def _wait_port(port: int, seconds: float, *, what: str) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with socket.socket() as s:
            s.settimeout(0.5)
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise SystemExit(f"{what} did not start listening on {port}")


# --- the whole harness -----------------------------------------------------------------------


class _Interrupted(BaseException):
    """SIGTERM turned into an exception, so ``with Harness()`` cleans up as on Ctrl-C."""


class Harness:
    """Everything of one bench run; a context manager that always cleans up."""

    def __init__(
        self,
        *,
        web_workers: int | None = None,
        twilio_hang_seconds: float = 30.0,
        sms_http_timeout: float = 3.0,
        extra_env: dict[str, str] | None = None,
        keep: bool = False,
        pg_statements: bool = False,
    ) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="justcity-bench-"))
        (self.root / "logs").mkdir()
        (self.root / "static").mkdir()
        if os.geteuid() == 0:
            # The postgres user must reach its data dir inside the temp dir.
            self.root.chmod(0o755)
        self.keep = keep
        self.port = free_port()
        self.postgres = PrivatePostgres(self.root, free_port(), statements=pg_statements)
        self.redis = PrivateRedis(self.root, free_port())
        self.account_sid = "AC" + secrets.token_hex(16)
        self.auth_token = secrets.token_hex(16)
        self.twilio = FakeTwilioProcess(
            self.root,
            free_port(),
            account_sid=self.account_sid,
            auth_token=self.auth_token,
            hang_seconds=twilio_hang_seconds,
        )
        self.env = self._env(web_workers, sms_http_timeout, extra_env or {})
        lines, source = procfile_lines()
        self.stack = Stack(env=self.env, logs=self.root / "logs", lines=lines, source=source)
        self._previous_sigterm: Any = None
        self.ready_path = READY_PATHS[0]

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def public_url(self) -> str:
        """What the site believes it is (behind TLS): signatures and Origin use it."""
        return f"https://127.0.0.1:{self.port}"

    def _env(
        self, web_workers: int | None, sms_http_timeout: float, extra: dict[str, str]
    ) -> dict[str, str]:
        env = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith(("DJANGO_", "DATABASE_", "REDIS_", "TWILIO_", "SMS_"))
        }
        env.update(
            {
                "PATH": f"{VENV_BIN}{os.pathsep}{env.get('PATH', '')}",
                "PYTHONUNBUFFERED": "1",
                "PYTHONPATH": str(REPO),
                "DJANGO_SETTINGS_MODULE": "justcity.settings",
                "DJANGO_ENV": "production",
                "DEBUG": "0",
                "SECRET_KEY": secrets.token_urlsafe(48),
                "BALLOT_KEY": secrets.token_urlsafe(48),
                "PHONE_KEY": secrets.token_urlsafe(48),
                "ALLOWED_HOSTS": "127.0.0.1,localhost",
                "PUBLIC_BASE_URL": f"https://127.0.0.1:{self.port}",
                "DATABASE_URL": self.postgres.url(DB_NAME),
                "REDIS_URL": self.redis.url,
                "SMS_BACKEND": "bench.twilio_loopback.SmsBackend",
                "BENCH_TWILIO_URL": self.twilio.url,
                "TWILIO_ACCOUNT_SID": self.account_sid,
                "TWILIO_AUTH_TOKEN": self.auth_token,
                "TWILIO_FROM_NUMBER": TWILIO_FROM,
                "TASKS_BACKEND": "django_tasks_db.DatabaseBackend",
                "SMS_HTTP_TIMEOUT": str(sms_http_timeout),
                # Residents of the bench re-vote often: the per-number inbound limit is
                # for abuse, not for a load test.
                "SMS_INBOUND_PER_MINUTE": "100000",
                "SMS_SENDS_PER_SECOND": "50",
                "STATIC_ROOT": str(self.root / "static"),
                "LOG_LEVEL": "WARNING",
                "PORT": str(self.port),
                "WEB_BIND": f"127.0.0.1:{self.port}",
                # gunicorn kills a worker silent for WEB_TIMEOUT seconds, booting included:
                # on a busy machine Django's start-up alone can take longer than the
                # default 30 s, and the workers never come up.
                "WEB_TIMEOUT": "120",
            }
        )
        if web_workers:
            env["WEB_CONCURRENCY"] = str(web_workers)
        env.update(extra)
        return env

    # --- life cycle ---------------------------------------------------------------------
    def __enter__(self) -> Harness:
        self._previous_sigterm = signal.signal(signal.SIGTERM, self._on_sigterm)
        return self

    def _on_sigterm(self, signum: int, frame: FrameType | None) -> None:
        raise _Interrupted()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        # Ctrl-C again while cleaning up must not leave servers behind.
        previous_int = signal.signal(signal.SIGINT, signal.SIG_IGN)
        try:
            self.close()
        finally:
            signal.signal(signal.SIGINT, previous_int)
            if self._previous_sigterm is not None:
                signal.signal(signal.SIGTERM, self._previous_sigterm)

    def close(self) -> None:
        for step in (self.stack.stop, self.twilio.stop, self.redis.stop):
            with contextlib.suppress(Exception):
                step()
        with contextlib.suppress(Exception):
            self.postgres.stop("immediate")
        if not self.keep:
            shutil.rmtree(self.root, ignore_errors=True)

    def start(self) -> None:
        """Servers, database (migrated), static files, then the stack, ready."""
        self.start_servers()
        self.prepare_database()
        self.start_stack()

    def start_servers(self) -> None:
        self.postgres.init()
        self.postgres.start()
        self.postgres.psql(f"CREATE DATABASE {DB_NAME}", database="postgres")
        self.redis.start()
        self.twilio.start()

    def manage(self, *args: str, timeout: float = 600) -> None:
        done = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=REPO,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if done.returncode != 0:
            raise SystemExit(f"manage.py {' '.join(args)} failed:\n{done.stderr[-3000:]}")

    def prepare_database(self) -> None:
        """Migrate, collect static files and compile translations, side by side (they
        touch different things) to keep ``--quick`` quick."""
        steps = [
            ["migrate", "--noinput", "-v", "0"],
            ["collectstatic", "--noinput", "-v", "0"],
            ["compile_translations", "-v", "0"],
        ]
        running = [
            (
                step,
                subprocess.Popen(
                    [sys.executable, "manage.py", *step],
                    cwd=REPO,
                    env=self.env,
                    stdout=subprocess.PIPE,
                    stderr=subprocess.STDOUT,
                    text=True,
                ),
            )
            for step in steps
        ]
        failed = []
        try:
            for step, proc in running:
                output, _ = proc.communicate(timeout=600)
                if proc.returncode != 0:
                    failed.append(f"manage.py {' '.join(step)}:\n{output[-3000:]}")
        finally:
            # Interrupted (Ctrl-C, SIGTERM): no step may go on writing into the temp dir.
            for _step, proc in running:
                if proc.poll() is None:
                    proc.kill()
                    proc.wait(10)
        if failed:
            raise SystemExit("preparing the database failed:\n" + "\n".join(failed))

    def start_stack(self, timeout: float = 300) -> None:
        self.stack.start()
        self.wait_ready(timeout)

    def wait_ready(self, timeout: float = 90) -> str:
        """Poll the readiness path until 200; returns the path that answered."""
        deadline = time.monotonic() + timeout
        last = ""
        while time.monotonic() < deadline:
            for path in READY_PATHS:
                status = self.get_status(path)
                if status == 200:
                    self.ready_path = path
                    return path
                last = f"{path}: {status}"
            if not self.stack.alive("web"):
                break
            time.sleep(0.3)
        raise SystemExit(
            f"the stack did not become ready ({last}); web log:\n{self.stack.log_tail('web')}"
        )

    def get_status(self, path: str, timeout: float = 3.0) -> int:
        """The status of GET ``path`` (as behind the TLS proxy); 0 when nothing answered."""
        try:
            status, _body = http_request(
                self.port, "GET", path, headers={"X-Forwarded-Proto": "https"}, timeout=timeout
            )
        except (OSError, http.client.HTTPException):
            return 0
        return status

    def get_json(self, path: str, timeout: float = 3.0) -> tuple[int, Any]:
        try:
            status, body = http_request(
                self.port, "GET", path, headers={"X-Forwarded-Proto": "https"}, timeout=timeout
            )
        except (OSError, http.client.HTTPException):
            return 0, None
        try:
            return status, json.loads(body)
        except ValueError:
            return status, None

    def describe(self) -> dict[str, Any]:
        return {
            "stack": self.stack.source,
            "web": self.stack.lines.get("web", ""),
            "processes": sorted(self.stack.lines),
        }

    def django_setup(self) -> None:
        """Set up Django in this process against the private cluster (seeding, recount)."""
        os.environ.update(self.env)
        if str(REPO) not in sys.path:
            sys.path.insert(0, str(REPO))
        import django

        django.setup()


@contextlib.contextmanager
def harness(**kwargs: Any) -> Iterator[Harness]:
    with Harness(**kwargs) as h:
        yield h
