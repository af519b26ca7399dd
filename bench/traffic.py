"""Bounded mixed traffic against the stack (asyncio + aiohttp, both already required):

* web casts: a signed-in resident posts the ballot form (session cookie, CSRF token,
  ``Origin`` and ``X-Forwarded-Proto: https`` as behind the TLS proxy);
* SMS votes: a signed Twilio webhook ``VOTE <codes>`` (signature with the configured
  auth token, Twilio's RequestValidator through ``sms.backends.twilio``); a 503 is
  retried with the same MessageSid after Retry-After, as Twilio's fallback would;
* page reads: the process page (anonymous) and the ballot page (signed in);
* websocket clients on the process's live events, reconnecting with backoff.

One resident never has two casts in flight, so the client knows the order of each
resident's casts; every cast is kept (``Traffic.casts``) for the recount.
"""

from __future__ import annotations

import asyncio
import random
import re
import secrets
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import aiohttp

from bench.recount import Cast
from bench.seed import BenchResident, City

RECEIPT = re.compile(r"\b([2-9A-HJKMNP-TV-Z]{5})-([2-9A-HJKMNP-TV-Z]{5})\b")
SMS_PATH = "/sms/twilio/inbound/"
REQUEST_TIMEOUT = 15.0  # Twilio gives a webhook 15 s
MIX = {"web": 0.4, "sms": 0.4, "read": 0.2}


def receipts_in(text: str) -> tuple[str, ...]:
    """Receipt codes in a confirmation page or an SMS reply, as stored (no dash)."""
    return tuple(dict.fromkeys(a + b for a, b in RECEIPT.findall(text)))


@dataclass
class Sample:
    at: float  # monotonic seconds
    kind: str  # web | sms | read
    ms: float
    outcome: str  # ok | 503 | 5xx | 4xx | timeout | error | apology


@dataclass
class WsStats:
    connects: int = 0
    refused: int = 0
    events: int = 0
    paused_notices: int = 0
    event_times: list[float] = field(default_factory=list)


@dataclass
class Window:
    """What one stretch of traffic measured."""

    seconds: float
    samples: list[Sample]
    ws: WsStats

    def of(self, kind: str | None = None, outcome: str | None = None) -> list[Sample]:
        return [
            s
            for s in self.samples
            if (kind is None or s.kind == kind) and (outcome is None or s.outcome == outcome)
        ]

    def casts_ok(self) -> list[Sample]:
        return [s for s in self.samples if s.kind in ("web", "sms") and s.outcome == "ok"]

    def count(self, outcome: str) -> int:
        return sum(1 for s in self.samples if s.outcome == outcome)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return 0.0
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


class Traffic:
    def __init__(
        self,
        *,
        city: City,
        base_url: str,
        public_url: str,
        auth_token: str,
        mix: dict[str, float] | None = None,
        sms_retries: int = 3,
        seed: int = 12,
        casts: list[Cast] | None = None,
    ) -> None:
        self.city = city
        self.base_url = base_url
        self.public_url = public_url
        self.auth_token = auth_token
        self.mix = mix or MIX
        self.sms_retries = sms_retries
        self.rng = random.Random(seed)
        # Shared across runs (drills) so the recount sees every cast since seeding.
        self.casts: list[Cast] = casts if casts is not None else []
        self.sms_bodies: dict[str, str] = {}  # MessageSid -> the text sent
        self.samples: list[Sample] = []
        self.ws = WsStats()
        self.idle: asyncio.Queue[BenchResident] | None = None
        self.csrf = secrets.token_hex(16)  # a valid unmasked CSRF secret (32 characters)
        self.session: aiohttp.ClientSession | None = None
        self._project_ids = {p.id: p for ps in city.pots.values() for p in ps}

    # --- set-up ---------------------------------------------------------------------------
    async def __aenter__(self) -> Traffic:
        connector = aiohttp.TCPConnector(limit=0, force_close=False)
        self.session = aiohttp.ClientSession(
            connector=connector,
            cookie_jar=aiohttp.DummyCookieJar(),
            timeout=aiohttp.ClientTimeout(total=REQUEST_TIMEOUT),
        )
        self.idle = asyncio.Queue()
        residents = list(self.city.residents)
        self.rng.shuffle(residents)
        for r in residents:
            self.idle.put_nowait(r)
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self.session:
            await self.session.close()

    def _headers(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        headers = {
            "X-Forwarded-Proto": "https",
            "Origin": self.public_url,
            "Referer": self.public_url + "/",
        }
        headers.update(extra or {})
        return headers

    def _choices(self) -> dict[int, frozenset[int]]:
        """A valid ballot: 1-3 city-wide projects, and 0-2 of the neighbourhood's."""
        pots = list(self.city.pots.items())
        chosen: dict[int, frozenset[int]] = {}
        citywide_id, citywide = pots[0]
        chosen[citywide_id] = frozenset(
            p.id for p in self.rng.sample(citywide, self.rng.randint(1, 3))
        )
        if len(pots) > 1:
            local_id, local = pots[1]
            k = self.rng.randint(0, 2)
            if k:
                chosen[local_id] = frozenset(p.id for p in self.rng.sample(local, k))
        return chosen

    def _record(self, kind: str, started: float, outcome: str) -> None:
        now = time.monotonic()
        self.samples.append(Sample(now, kind, (now - started) * 1000, outcome))

    @staticmethod
    def _outcome(status: int) -> str:
        if status == 503:
            return "503"
        if status >= 500:
            return "5xx"
        if status >= 400:
            return "4xx"
        return "ok"

    # --- actions --------------------------------------------------------------------------
    async def web_cast(self, resident: BenchResident) -> None:
        assert self.session is not None
        choices = self._choices()
        fields = [("csrfmiddlewaretoken", self.csrf)] + [
            ("project", str(pid)) for ids in choices.values() for pid in sorted(ids)
        ]
        cast = Cast(resident_id=resident.id, choices=choices)
        self.casts.append(cast)
        started = time.monotonic()
        try:
            async with self.session.post(
                f"{self.base_url}/processes/{self.city.slug}/ballot/",
                data=urlencode(fields),
                headers=self._headers(
                    {
                        "Content-Type": "application/x-www-form-urlencoded",
                        "Cookie": f"sessionid={resident.session_key}; csrftoken={self.csrf}",
                    }
                ),
                allow_redirects=False,
            ) as response:
                text = await response.text()
                outcome = self._outcome(response.status)
                if outcome == "ok":
                    found = receipts_in(text)
                    if response.status == 200 and len(found) == len(choices):
                        cast.receipts = found
                    else:
                        outcome = "4xx"  # a redirect (not signed in) or a page without receipts
        except TimeoutError:
            outcome = "timeout"
        except aiohttp.ClientError:
            outcome = "error"
        self._record("web", started, outcome)

    def sms_form(self, resident: BenchResident, body: str, sid: str) -> tuple[str, dict[str, str]]:
        from sms.backends.twilio import compute_signature

        form = {
            "MessageSid": sid,
            "SmsMessageSid": sid,
            "AccountSid": "AC" + "0" * 32,
            "From": resident.phone,
            "To": "+15005550006",
            "Body": body,
            "NumMedia": "0",
            "NumSegments": "1",
            "ApiVersion": "2010-04-01",
        }
        signature = compute_signature(
            auth_token=self.auth_token, url=self.public_url + SMS_PATH, params=form
        )
        return urlencode(form), {
            "Content-Type": "application/x-www-form-urlencoded",
            "X-Twilio-Signature": signature,
        }

    async def sms_vote(self, resident: BenchResident, *, sid: str | None = None) -> None:
        """VOTE by SMS; on 503 the same MessageSid again after Retry-After (at most
        ``sms_retries`` times), as Twilio's fallback URL would send it."""
        assert self.session is not None
        choices = self._choices()
        codes = sorted(self._project_ids[pid].code for ids in choices.values() for pid in ids)
        body_text = "VOTE " + " ".join(map(str, codes))
        sid = sid or "SM" + secrets.token_hex(16)
        cast = Cast(resident_id=resident.id, choices=choices, channel="sms", message_sid=sid)
        self.casts.append(cast)
        self.sms_bodies[sid] = body_text
        body, headers = self.sms_form(resident, body_text, sid)
        for attempt in range(self.sms_retries + 1):
            cast.retries = attempt
            started = time.monotonic()
            retry_after = 1.0
            try:
                async with self.session.post(
                    self.base_url + SMS_PATH, data=body, headers=self._headers(headers)
                ) as response:
                    text = await response.text()
                    outcome = self._outcome(response.status)
                    retry_after = _retry_after(response.headers.get("Retry-After"))
                    if outcome == "ok":
                        found = receipts_in(text)
                        if len(found) == len(choices):
                            cast.receipts = found
                        else:
                            outcome = "apology"  # 200 without the vote: a lost ballot
            except TimeoutError:
                outcome = "timeout"
            except aiohttp.ClientError:
                outcome = "error"
            self._record("sms", started, outcome)
            if outcome not in ("503", "timeout", "error") or attempt == self.sms_retries:
                return
            await asyncio.sleep(min(retry_after, 2.0) * (0.5 + self.rng.random()))

    async def sms_replay(self, cast: Cast, resident: BenchResident, body: str) -> tuple[int, str]:
        """Send an SMS cast's webhook again with its MessageSid (Twilio's retry or the
        fallback URL): the answer should be the recorded one, and no new ballot."""
        assert self.session is not None
        form, headers = self.sms_form(resident, body, cast.message_sid)
        async with self.session.post(
            self.base_url + SMS_PATH, data=form, headers=self._headers(headers)
        ) as response:
            return response.status, await response.text()

    async def read(self, resident: BenchResident) -> None:
        assert self.session is not None
        signed_in = self.rng.random() < 0.5
        path = f"/processes/{self.city.slug}/" + ("ballot/" if signed_in else "")
        headers = self._headers(
            {"Cookie": f"sessionid={resident.session_key}"} if signed_in else None
        )
        started = time.monotonic()
        try:
            async with self.session.get(
                self.base_url + path, headers=headers, allow_redirects=False
            ) as response:
                await response.read()
                outcome = self._outcome(response.status)
                if response.status != 200 and outcome == "ok":
                    outcome = "4xx"
        except TimeoutError:
            outcome = "timeout"
        except aiohttp.ClientError:
            outcome = "error"
        self._record("read", started, outcome)

    async def one(self) -> None:
        """One action by an idle resident, chosen by the mix."""
        assert self.idle is not None
        resident = await self.idle.get()
        try:
            roll = self.rng.random()
            if roll < self.mix.get("web", 0):
                await self.web_cast(resident)
            elif roll < self.mix.get("web", 0) + self.mix.get("sms", 0):
                await self.sms_vote(resident)
            else:
                await self.read(resident)
        finally:
            self.idle.put_nowait(resident)

    # --- websockets -----------------------------------------------------------------------
    async def ws_client(self, stop: asyncio.Event) -> None:
        assert self.session is not None
        url = self.base_url.replace("http://", "ws://") + f"/ws/processes/{self.city.process_id}/"
        backoff = 0.5
        while not stop.is_set():
            try:
                async with self.session.ws_connect(
                    url, headers={"Origin": self.public_url}, heartbeat=None, timeout=10
                ) as ws:
                    self.ws.connects += 1
                    backoff = 0.5
                    while not stop.is_set():
                        try:
                            message = await asyncio.wait_for(ws.receive(), timeout=0.5)
                        except TimeoutError:
                            continue
                        if message.type != aiohttp.WSMsgType.TEXT:
                            break
                        data = message.json()
                        if data.get("type") == "event":
                            self.ws.events += 1
                            self.ws.event_times.append(time.monotonic())
                        elif "pause" in str(data).lower():
                            self.ws.paused_notices += 1
            except (aiohttp.ClientError, TimeoutError, ValueError):
                self.ws.refused += 1
            if not stop.is_set():
                await asyncio.sleep(backoff * (0.5 + self.rng.random()))
                backoff = min(backoff * 2, 4.0)

    async def ws_probe(self, wait: float = 2.0) -> tuple[bool, str]:
        """Open one fresh websocket: was it accepted, and what did it say first (within
        ``wait`` seconds)? During a Redis outage it should be accepted and told that live
        updates are paused."""
        assert self.session is not None
        url = self.base_url.replace("http://", "ws://") + f"/ws/processes/{self.city.process_id}/"
        try:
            async with self.session.ws_connect(
                url, headers={"Origin": self.public_url}, timeout=5
            ) as ws:
                try:
                    message = await asyncio.wait_for(ws.receive(), timeout=wait)
                except TimeoutError:
                    return True, ""
                return True, str(message.data)[:200]
        except (aiohttp.ClientError, TimeoutError) as exc:
            return False, type(exc).__name__

    # --- running --------------------------------------------------------------------------
    async def run(
        self,
        *,
        concurrency: int,
        seconds: float,
        ws_clients: int = 0,
        rate: float | None = None,
        max_actions: int | None = None,
    ) -> Window:
        """``concurrency`` clients acting back to back (or, with ``rate``, at most
        ``rate`` actions per second in all) for ``seconds``, plus ``ws_clients``
        websockets. Bounded by time and by ``max_actions``."""
        first_sample = len(self.samples)
        ws_before = WsStats(
            self.ws.connects, self.ws.refused, self.ws.events, self.ws.paused_notices
        )
        stop = asyncio.Event()
        deadline = time.monotonic() + seconds
        budget = [max_actions if max_actions is not None else 10**9]
        tokens: asyncio.Queue[None] | None = asyncio.Queue(maxsize=max(1, concurrency))
        if rate is None:
            tokens = None

        async def ticker() -> None:
            assert tokens is not None and rate is not None
            interval = 1.0 / rate
            next_at = time.monotonic()
            while not stop.is_set():
                next_at += interval
                await asyncio.sleep(max(0.0, next_at - time.monotonic()))
                if tokens.full():
                    continue  # the clients are behind; do not bank a burst
                tokens.put_nowait(None)

        async def client() -> None:
            while time.monotonic() < deadline and budget[0] > 0:
                if tokens is not None:
                    try:
                        await asyncio.wait_for(tokens.get(), timeout=0.5)
                    except TimeoutError:
                        continue
                budget[0] -= 1
                await self.one()

        sockets = [asyncio.create_task(self.ws_client(stop)) for _ in range(ws_clients)]
        helpers = [asyncio.create_task(ticker())] if tokens is not None else []
        started = time.monotonic()
        await asyncio.gather(*(client() for _ in range(concurrency)))
        elapsed = time.monotonic() - started
        stop.set()
        await asyncio.gather(*sockets, *helpers, return_exceptions=True)
        ws = WsStats(
            self.ws.connects - ws_before.connects,
            self.ws.refused - ws_before.refused,
            self.ws.events - ws_before.events,
            self.ws.paused_notices - ws_before.paused_notices,
            [t for t in self.ws.event_times if t >= started],
        )
        return Window(elapsed, self.samples[first_sample:], ws)


def _retry_after(raw: str | None) -> float:
    try:
        return max(0.1, float(raw)) if raw else 1.0
    except ValueError:
        return 1.0


def _by_kind(samples: list[Sample]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for s in samples:
        key = f"{s.kind}:{s.outcome}"
        counts[key] = counts.get(key, 0) + 1
    return dict(sorted(counts.items()))


def window_figures(window: Window) -> dict[str, Any]:
    """The JSON figures of one window: throughput and latency of acknowledged casts,
    errors by kind, reads, websockets."""
    casts = window.casts_ok()
    latencies = [s.ms for s in casts]
    reads = window.of("read", "ok")
    return {
        "ballots_per_s": round(len(casts) / window.seconds, 1) if window.seconds else 0.0,
        "p50_ms": round(percentile(latencies, 0.50), 1),
        "p99_ms": round(percentile(latencies, 0.99), 1),
        "errors_5xx": window.count("5xx"),
        "errors_503": window.count("503"),
        "errors_other": window.count("timeout")
        + window.count("error")
        + window.count("4xx")
        + window.count("apology"),
        "ballots": len(casts),
        "web_ballots": len(window.of("web", "ok")),
        "sms_ballots": len(window.of("sms", "ok")),
        "reads": len(reads),
        "reads_p99_ms": round(percentile([s.ms for s in reads], 0.99), 1),
        "timeouts": window.count("timeout"),
        "outcomes": _by_kind(window.samples),
        "ws_connects": window.ws.connects,
        "ws_events": window.ws.events,
        "seconds": round(window.seconds, 1),
    }
