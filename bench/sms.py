"""SMS voting throughput and latency against the web ballot, through one real server.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres python -m bench.sms \
        [--messages 300] [--concurrency 4]

Creates its own database (``justcity_bench_sms``), migrates it and seeds a process with
an open vote, a city-wide and a neighbourhood pot, and 2 × N residents (one group votes
by SMS, the other on the web). Starts daphne on a free loopback port against it, then in
the same run, with the same client concurrency and in alternating chunks (so a slow
patch of the machine weighs on both paths alike), after a warm-up of each:

* SMS: N signed Twilio webhooks ``VOTE 1 <local>``, one per distinct resident, through
  signature check, MessageSid dedupe, the conversation and ``ballot_cast``;
* web: N ballot casts of the same two projects through the web ballot page
  (``POST /processes/<slug>/ballot/``, a signed-in session, CSRF), the path a
  smartphone resident takes. If that page is missing, the web path is measured
  in-process (``ballot_cast`` through Django's test Client is not possible without a
  view, so ``ballot_cast`` is called directly) and the output says so in ``web_path``.

Prints one JSON line: messages/s, p50/p99 latency of both paths, and the SMS/web ratio.
Goal (SMS issue): SMS ≥ 60 % of web throughput, SMS p99 < 250 ms. Bounded: at most
5,000 messages, a 10 s timeout per request and a deadline for the whole run; loopback
only; daphne is stopped and the database dropped at the end.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlparse, urlunparse

BENCH_DB = "justcity_bench_sms"
AUTH_TOKEN = "bench-auth-token-" + "0" * 16
SLUG = "bench-sms"
MAX_MESSAGES = 5000
REQUEST_TIMEOUT = 10.0
REPO = Path(__file__).resolve().parent.parent


def _database_url() -> str:
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        sys.exit("bench.sms needs DATABASE_URL=postgres://... (it creates its own database)")
    return url


def _bench_database(url: str, *, create: bool) -> str:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {BENCH_DB} WITH (FORCE)")
        if create:
            conn.execute(f"CREATE DATABASE {BENCH_DB}")
    return urlunparse(urlparse(url)._replace(path=f"/{BENCH_DB}"))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _child_env(db_url: str, port: int) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            "DATABASE_URL": db_url,
            "DJANGO_SETTINGS_MODULE": "justcity.settings",
            "DJANGO_ENV": "development",
            "DEBUG": "0",  # no per-query bookkeeping in either path
            "LOG_LEVEL": "WARNING",
            "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
            "PUBLIC_BASE_URL": f"http://127.0.0.1:{port}",
            "SMS_BACKEND": "sms.backends.locmem.SmsBackend",
            "TASKS_BACKEND": "django.tasks.backends.immediate.ImmediateBackend",
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
        }
    )
    env.pop("REDIS_URL", None)  # the in-memory channel layer: no Redis needed
    return env


# --- seeding (in this process, against the bench database) ----------------------------------


@dataclass
class Seed:
    sms_numbers: list[str]
    web_sessions: list[str]
    web_projects: list[int]  # project ids posted by the web form
    sms_codes: list[int]  # the same projects' short codes, texted


def _seed(n: int, warmup: int) -> Seed:
    import datetime as dt
    from decimal import Decimal

    from django.contrib.sessions.backends.db import SessionStore
    from django.core.management import call_command
    from django.utils import timezone

    from budgets.models import Pot, Project
    from core.models import Phase, PhaseKind, Process
    from maps.models import Neighbourhood
    from participation.identity import phone_hash
    from participation.models import Resident

    call_command("migrate", verbosity=0)
    now = timezone.now()
    square = {
        "type": "Polygon",
        "coordinates": [[[0, 0], [0.01, 0], [0.01, 0.01], [0, 0.01], [0, 0]]],
    }
    area = Neighbourhood.objects.create(name="Bench Hill", slug="bench-hill", boundary=square)
    process = Process.objects.create(title="Bench", slug=SLUG, currency="USD")
    Phase.objects.create(
        process=process,
        kind=PhaseKind.VOTING,
        starts_at=now - dt.timedelta(days=1),
        ends_at=now + dt.timedelta(days=7),
    )
    citywide = Pot.objects.create(process=process, name="City-wide", amount=Decimal(500000))
    local = Pot.objects.create(
        process=process, neighbourhood=area, name="Bench Hill", amount=Decimal(100000)
    )
    projects = [
        Project.objects.create(
            process=process,
            pot=citywide if code <= 8 else local,
            short_code=code,
            title=f"Bench project {code}",
            cost=Decimal(20000 + 1000 * code),
        )
        for code in range(1, 13)
    ]
    total = n + warmup
    sms_numbers = [f"+1415555{i:04d}" for i in range(total)]
    Resident.objects.bulk_create(
        Resident(
            phone_hash=phone_hash(number),
            phone_e164=number,
            neighbourhood=area,
            language="en",
            first_channel="sms",
        )
        for number in sms_numbers
    )
    web_numbers = [f"+1628555{i:04d}" for i in range(total)]
    web_residents = Resident.objects.bulk_create(
        Resident(
            phone_hash=phone_hash(number),
            phone_e164=number,
            neighbourhood=area,
            language="en",
            first_channel="web",
        )
        for number in web_numbers
    )
    sessions = []
    for resident in web_residents:
        store = SessionStore()
        store["resident_id"] = resident.pk
        store.create()
        sessions.append(str(store.session_key))
    chosen = [projects[0], projects[9]]  # one city-wide, one local: two pots per ballot
    return Seed(
        sms_numbers=sms_numbers,
        web_sessions=sessions,
        web_projects=[p.pk for p in chosen],
        sms_codes=[p.short_code for p in chosen],
    )


# --- the server -------------------------------------------------------------------------------


def serve(port: int) -> None:
    """Child process: daphne with the SMS URLs mounted (justcity/urls.py, or the test
    URLconf that mounts them when the include has not landed yet)."""
    import django

    django.setup()
    from django.conf import settings
    from django.urls import NoReverseMatch, reverse

    try:
        reverse("sms:twilio_inbound")
    except NoReverseMatch:
        settings.ROOT_URLCONF = "tests.sms.urls"
    from daphne.cli import CommandLineInterface

    CommandLineInterface().run(
        [
            "-b",
            "127.0.0.1",
            "-p",
            str(port),
            "--access-log",
            os.devnull,
            "justcity.asgi:application",
        ]
    )


def _wait_ready(port: int, deadline: float) -> None:
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise SystemExit("daphne did not become ready in time")


# --- load ------------------------------------------------------------------------------------


@dataclass
class Run:
    latencies_ms: list[float]
    seconds: float
    failures: int

    @property
    def per_second(self) -> float:
        return len(self.latencies_ms) / self.seconds if self.seconds else 0.0

    def pct(self, q: float) -> float:
        ordered = sorted(self.latencies_ms)
        if not ordered:
            return 0.0
        return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


_local = threading.local()


def _connection(port: int) -> http.client.HTTPConnection:
    conn = getattr(_local, "conn", None)
    if conn is None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=REQUEST_TIMEOUT)
        _local.conn = conn
    return conn


def _post(port: int, path: str, body: str, headers: dict[str, str]) -> tuple[int, bytes]:
    for attempt in (1, 2):
        conn = _connection(port)
        try:
            conn.request("POST", path, body=body, headers=headers)
            response = conn.getresponse()
            return response.status, response.read()
        except (http.client.HTTPException, OSError):
            conn.close()
            _local.conn = None
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


def _load(jobs: list[Callable[[], bool]], concurrency: int, deadline: float) -> Run:
    latencies: list[float] = []
    failures = 0
    lock = threading.Lock()

    def run(job: Callable[[], bool]) -> None:
        nonlocal failures
        if time.monotonic() > deadline:
            with lock:
                failures += 1
            return
        started = time.perf_counter()
        ok = job()
        elapsed = (time.perf_counter() - started) * 1000
        with lock:
            if ok:
                latencies.append(elapsed)
            else:
                failures += 1

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        list(pool.map(run, jobs))
    return Run(latencies, time.perf_counter() - started, failures)


def _alternate(
    a_jobs: list[Callable[[], bool]],
    b_jobs: list[Callable[[], bool]],
    concurrency: int,
    deadline: float,
) -> tuple[Run, Run]:
    chunk = max(50, concurrency * 10)
    a, b = Run([], 0.0, 0), Run([], 0.0, 0)
    for start in range(0, max(len(a_jobs), len(b_jobs)), chunk):
        for jobs, total in ((a_jobs, a), (b_jobs, b)):
            part = _load(jobs[start : start + chunk], concurrency, deadline)
            total.latencies_ms += part.latencies_ms
            total.seconds += part.seconds
            total.failures += part.failures
    return a, b


def _sms_job(port: int, number: str, codes: list[int]) -> Callable[[], bool]:
    from sms.backends.twilio import compute_signature

    path = "/sms/twilio/inbound/"
    sid = "SM" + secrets.token_hex(16)
    form = {
        "MessageSid": sid,
        "SmsMessageSid": sid,
        "AccountSid": "AC" + "0" * 32,
        "From": number,
        "To": "+15005550006",
        "Body": "VOTE " + " ".join(str(c) for c in codes),
        "NumMedia": "0",
        "NumSegments": "1",
        "ApiVersion": "2010-04-01",
    }
    signature = compute_signature(
        auth_token=AUTH_TOKEN, url=f"http://127.0.0.1:{port}{path}", params=form
    )
    body = urlencode(form)
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Twilio-Signature": signature,
    }

    def job() -> bool:
        status, content = _post(port, path, body, headers)
        return status == 200 and b"Vote recorded" in content

    return job


def _web_job(port: int, session_key: str, project_ids: list[int]) -> Callable[[], bool]:
    path = f"/processes/{SLUG}/ballot/"
    csrf = secrets.token_hex(16)  # 32 characters: a valid unmasked CSRF secret
    body = urlencode([("csrfmiddlewaretoken", csrf), *[("project", str(p)) for p in project_ids]])
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "Cookie": f"sessionid={session_key}; csrftoken={csrf}",
    }

    def job() -> bool:
        status, _content = _post(port, path, body, headers)
        return status == 200

    return job


def _sms_urls_mounted() -> bool:
    from django.urls import NoReverseMatch, reverse

    try:
        reverse("sms:twilio_inbound")
    except NoReverseMatch:
        return False
    return True


def _web_page_exists() -> bool:
    from django.urls import NoReverseMatch, reverse

    try:
        reverse("frontend:ballot", kwargs={"slug": SLUG})
    except NoReverseMatch:
        return False
    return True


def _in_process_web_run(seed: Seed, n: int, warmup: int, concurrency: int, deadline: float) -> Run:
    """Fallback when the web ballot page does not exist: ballot_cast called directly."""
    from django.db import connections

    from budgets.ballot_validation import Choice
    from budgets.services.ballots import ballot_cast
    from core.models import Channel, Process
    from participation.models import Resident

    process = Process.objects.get(slug=SLUG)
    residents = list(Resident.objects.filter(first_channel="web").order_by("pk"))

    def job_for(resident: Resident) -> Callable[[], bool]:
        def job() -> bool:
            try:
                ballot_cast(
                    resident=resident,
                    process=process,
                    choices=[Choice(pk) for pk in seed.web_projects],
                    channel=Channel.WEB,
                )
                return True
            finally:
                connections.close_all()

        return job

    _load([job_for(r) for r in residents[:warmup]], concurrency, deadline)
    return _load([job_for(r) for r in residents[warmup : warmup + n]], concurrency, deadline)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--messages", type=int, default=300)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--warmup", type=int, default=30)
    parser.add_argument("--deadline", type=float, default=300.0, help="seconds for the run")
    parser.add_argument("--keep-db", action="store_true")
    parser.add_argument("--serve", type=int, help=argparse.SUPPRESS)  # child mode: port
    args = parser.parse_args(argv)
    if args.serve:
        serve(args.serve)
        return 0
    n = max(1, min(args.messages, MAX_MESSAGES))
    warmup = max(0, min(args.warmup, 500))
    deadline = time.monotonic() + args.deadline

    admin_url = _database_url()
    db_url = _bench_database(admin_url, create=True)
    port = _free_port()
    os.environ.update(_child_env(db_url, port))
    sys.path.insert(0, str(REPO))
    import django

    django.setup()
    seed = _seed(n, warmup)
    web_over_http = _web_page_exists()
    sms_urls = (
        "justcity.urls" if _sms_urls_mounted() else "tests.sms.urls (sms/ not yet in justcity.urls)"
    )
    from django.db import connections

    connections.close_all()

    server = subprocess.Popen(
        [sys.executable, "-m", "bench.sms", "--serve", str(port)],
        cwd=REPO,
        env=os.environ.copy(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    try:
        _wait_ready(port, min(deadline, time.monotonic() + 60))
        sms_jobs = [_sms_job(port, num, seed.sms_codes) for num in seed.sms_numbers]
        _load(sms_jobs[:warmup], args.concurrency, deadline)
        if web_over_http:
            web_jobs = [_web_job(port, key, seed.web_projects) for key in seed.web_sessions]
            _load(web_jobs[:warmup], args.concurrency, deadline)
            # Alternate chunks of the two paths, so a slow patch of the machine (or the
            # tables growing) weighs on both alike.
            sms, web = _alternate(sms_jobs[warmup:], web_jobs[warmup:], args.concurrency, deadline)
            web_path = f"HTTP POST /processes/{SLUG}/ballot/ (web ballot page, signed-in session)"
        else:
            web = _in_process_web_run(seed, n, warmup, args.concurrency, deadline)
            web_path = "IN-PROCESS ballot_cast (no web ballot page found; no HTTP on this path)"
            sms = _load(sms_jobs[warmup:], args.concurrency, deadline)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()
        stderr = server.stderr.read().decode(errors="replace") if server.stderr else ""

    from budgets.models import Ballot
    from core.models import Channel

    # One ballot per pot per resident: count the city-wide pot's to count residents.
    citywide = Ballot.objects.filter(pot__neighbourhood__isnull=True)
    counted = {
        "sms": citywide.filter(channel=Channel.SMS).count(),
        "web": citywide.filter(channel=Channel.WEB).count(),
        "expected_each": n + warmup,
    }
    connections.close_all()
    if not args.keep_db:
        _bench_database(admin_url, create=False)
    ratio = sms.per_second / web.per_second if web.per_second else 0.0
    result: dict[str, Any] = {
        "bench": "sms",
        "messages": n,
        "concurrency": args.concurrency,
        "sms_messages_per_s": round(sms.per_second, 1),
        "sms_p50_ms": round(sms.pct(0.50), 1),
        "sms_p99_ms": round(sms.pct(0.99), 1),
        "sms_failures": sms.failures,
        "web_casts_per_s": round(web.per_second, 1),
        "web_p50_ms": round(web.pct(0.50), 1),
        "web_p99_ms": round(web.pct(0.99), 1),
        "web_failures": web.failures,
        "ratio_sms_to_web": round(ratio, 2),
        "residents_with_ballots": counted,
        "web_path": web_path,
        "sms_path": "HTTP POST /sms/twilio/inbound/ (signed webhook, VOTE, TwiML reply)",
        "goal": "ratio >= 0.60 and sms_p99_ms < 250",
        "goal_met": ratio >= 0.60 and sms.pct(0.99) < 250,
        "server": "daphne, 1 process, loopback",
        "sms_urlconf": sms_urls,
        "sms_mean_ms": round(statistics.fmean(sms.latencies_ms), 1) if sms.latencies_ms else 0,
    }
    if sms.failures or web.failures:
        result["server_stderr_tail"] = stderr[-2000:]
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
