"""A fake Twilio REST API on loopback, for the benchmarks and drills (never for tests of
our own code paths inside a library: it is the far side of the real ``twilio.rest.Client``).

    python -m bench.fake_twilio --port 8790 --account-sid AC... --auth-token ...

What it answers, as Twilio's 2010-04-01 API does (only the parts our backend uses):

* ``POST /2010-04-01/Accounts/{sid}/Messages.json`` (To, From or MessagingServiceSid,
  Body, StatusCallback): stores the message, answers 201 with its JSON;
* ``GET  /2010-04-01/Accounts/{sid}/Messages.json`` (To, From, ``DateSent>``,
  ``DateSent<``, PageSize): the stored messages, newest first, one page;
* ``GET  /2010-04-01/Accounts/{sid}/Messages/{MessageSid}.json``: one message.

HTTP basic auth must be the account SID and auth token (else 401, as Twilio).

It can be told to fail, through its own control endpoints (the harness calls them):

* ``POST /_bench/mode`` with JSON ``{"mode": "ok" | "error" | "hang" | "accept_hang",
  "seconds": N}``: for N seconds every API call answers 503 (``error``), or waits
  ``hang_seconds`` before answering (``hang``: nothing stored, the client times out),
  or stores the message and then waits (``accept_hang``: Twilio has the text but the
  client never hears so; the case that makes naive retries send twice);
* ``GET /_bench/messages``: every stored create, in order (to, body, sid, at);
* ``GET /_bench/stats``: how many creates, lists and refusals it answered.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import email.utils
import json
import secrets
import threading
import time
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlparse

API_PREFIX = "/2010-04-01/Accounts/"
MODES = ("ok", "error", "hang", "accept_hang")


@dataclass
class StoredMessage:
    sid: str
    to: str
    from_: str
    body: str
    status_callback: str
    at: float  # time.time() when stored

    def api_json(self, account_sid: str) -> dict[str, Any]:
        stamp = email.utils.formatdate(self.at, usegmt=True)
        return {
            "sid": self.sid,
            "account_sid": account_sid,
            "to": self.to,
            "from": self.from_,
            "body": self.body,
            "status": "queued",
            "direction": "outbound-api",
            "num_segments": "1",
            "num_media": "0",
            "date_created": stamp,
            "date_updated": stamp,
            "date_sent": stamp,
            "error_code": None,
            "error_message": None,
            "price": None,
            "price_unit": "USD",
            "api_version": "2010-04-01",
            "messaging_service_sid": None,
            "uri": f"{API_PREFIX}{account_sid}/Messages/{self.sid}.json",
            "subresource_uris": {},
        }


class FakeTwilio:
    """The state behind the HTTP server: stored messages and the failure mode. Thread
    safe (the server answers each request in its own thread)."""

    def __init__(self, *, account_sid: str, auth_token: str, hang_seconds: float = 30.0) -> None:
        self.account_sid = account_sid
        self.auth_token = auth_token
        self.hang_seconds = hang_seconds
        self.messages: list[StoredMessage] = []
        self.stats = {"creates": 0, "lists": 0, "refused": 0, "hung": 0}
        self._mode = "ok"
        self._mode_until = 0.0
        self._lock = threading.Lock()

    # --- control --------------------------------------------------------------------
    def set_mode(self, mode: str, seconds: float) -> None:
        if mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}")
        with self._lock:
            self._mode = mode
            self._mode_until = time.monotonic() + max(seconds, 0.0)

    def mode(self) -> str:
        with self._lock:
            if self._mode != "ok" and time.monotonic() >= self._mode_until:
                self._mode = "ok"
            return self._mode

    def authorised(self, header: str) -> bool:
        expected = base64.b64encode(f"{self.account_sid}:{self.auth_token}".encode()).decode()
        return secrets.compare_digest(header, f"Basic {expected}")

    # --- the API --------------------------------------------------------------------
    def create(self, form: dict[str, str]) -> StoredMessage:
        message = StoredMessage(
            sid="SM" + secrets.token_hex(16),
            to=form.get("To", ""),
            from_=form.get("From", form.get("MessagingServiceSid", "")),
            body=form.get("Body", ""),
            status_callback=form.get("StatusCallback", ""),
            at=time.time(),
        )
        with self._lock:
            self.messages.append(message)
            self.stats["creates"] += 1
        return message

    def find(self, query: dict[str, str]) -> list[StoredMessage]:
        """Messages matching Twilio's list filters. ``DateSent>``/``DateSent<`` are
        ISO 8601 instants (what twilio-python sends for date_sent_after/before),
        compared to the second as Twilio stores them."""
        after = _instant(query.get("DateSent>"))
        before = _instant(query.get("DateSent<"))
        with self._lock:
            self.stats["lists"] += 1
            found = [
                m
                for m in self.messages
                if (not query.get("To") or m.to == query["To"])
                and (not query.get("From") or m.from_ == query["From"])
                and (after is None or int(m.at) >= after)
                and (before is None or int(m.at) <= before)
            ]
        return list(reversed(found))

    def get(self, sid: str) -> StoredMessage | None:
        with self._lock:
            return next((m for m in self.messages if m.sid == sid), None)

    def duplicates(self) -> int:
        """Creates beyond the first of the same (to, body): texts sent twice."""
        with self._lock:
            seen: dict[tuple[str, str], int] = {}
            for m in self.messages:
                seen[(m.to, m.body)] = seen.get((m.to, m.body), 0) + 1
        return sum(n - 1 for n in seen.values())


def _instant(raw: str | None) -> int | None:
    if not raw:
        return None
    text = raw.strip().lstrip("<>=")
    try:
        if len(text) == 10:  # YYYY-MM-DD
            return int(datetime.strptime(text, "%Y-%m-%d").replace(tzinfo=UTC).timestamp())
        return int(datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp())
    except ValueError:
        return None


def make_handler(state: FakeTwilio) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:  # quiet
            return

        def _send(self, status: int, payload: Any) -> None:
            body = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def _raw(self) -> str:
            length = int(self.headers.get("Content-Length") or 0)
            return self.rfile.read(length).decode() if length else ""

        def _api_path(self) -> list[str] | None:
            path = urlparse(self.path).path
            if not path.startswith(API_PREFIX):
                return None
            parts = path[len(API_PREFIX) :].split("/")
            if not parts or parts[0] != state.account_sid:
                return None
            return parts[1:]

        def _failure(self, *, store: dict[str, str] | None) -> bool:
            """Apply the failure mode; True when the request was answered by it."""
            mode = state.mode()
            if mode == "error":
                with state._lock:
                    state.stats["refused"] += 1
                self._send(503, {"code": 20503, "message": "Service unavailable", "status": 503})
                return True
            if mode in ("hang", "accept_hang"):
                if mode == "accept_hang" and store is not None:
                    state.create(store)
                with state._lock:
                    state.stats["hung"] += 1
                time.sleep(state.hang_seconds)
                # The client gave up long ago; answer as an overloaded edge would.
                self._send(504, {"code": 20504, "message": "Gateway timeout", "status": 504})
                return True
            return False

        def do_GET(self) -> None:
            query = {k: v[-1] for k, v in parse_qs(urlparse(self.path).query).items()}
            if self.path.startswith("/_bench/messages"):
                self._send(200, [asdict(m) for m in list(state.messages)])
                return
            if self.path.startswith("/_bench/stats"):
                self._send(
                    200, {**state.stats, "duplicates": state.duplicates(), "mode": state.mode()}
                )
                return
            parts = self._api_path()
            if parts is None:
                self._send(404, {"code": 20404, "message": "Not found", "status": 404})
                return
            if not state.authorised(self.headers.get("Authorization", "")):
                self._send(401, {"code": 20003, "message": "Authenticate", "status": 401})
                return
            if self._failure(store=None):
                return
            if parts == ["Messages.json"]:
                found = state.find(query)
                size = int(query.get("PageSize") or 50)
                uri = f"{API_PREFIX}{state.account_sid}/Messages.json"
                self._send(
                    200,
                    {
                        "messages": [m.api_json(state.account_sid) for m in found[:size]],
                        "first_page_uri": uri,
                        "next_page_uri": None,
                        "previous_page_uri": None,
                        "page": 0,
                        "page_size": size,
                        "start": 0,
                        "end": min(size, len(found)),
                        "uri": uri,
                    },
                )
                return
            if len(parts) == 2 and parts[0] == "Messages" and parts[1].endswith(".json"):
                message = state.get(parts[1][: -len(".json")])
                if message is None:
                    self._send(404, {"code": 20404, "message": "Not found", "status": 404})
                else:
                    self._send(200, message.api_json(state.account_sid))
                return
            self._send(404, {"code": 20404, "message": "Not found", "status": 404})

        def do_POST(self) -> None:
            raw = self._raw()
            if self.path.startswith("/_bench/mode"):
                try:
                    control = json.loads(raw or "{}")
                except ValueError:
                    control = {}
                try:
                    state.set_mode(str(control.get("mode", "ok")), float(control.get("seconds", 0)))
                except (TypeError, ValueError) as exc:
                    self._send(400, {"error": str(exc)})
                    return
                self._send(200, {"mode": state.mode()})
                return
            form = {k: v[-1] for k, v in parse_qs(raw, keep_blank_values=True).items()}
            parts = self._api_path()
            if parts != ["Messages.json"]:
                self._send(404, {"code": 20404, "message": "Not found", "status": 404})
                return
            if not state.authorised(self.headers.get("Authorization", "")):
                self._send(401, {"code": 20003, "message": "Authenticate", "status": 401})
                return
            if not form.get("To") or not form.get("Body"):
                self._send(400, {"code": 21602, "message": "Message body is required"})
                return
            if self._failure(store=form):
                return
            self._send(201, state.create(form).api_json(state.account_sid))

    return Handler


class QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that gave up on a hung request closes its end: expected, not news.
        return


def serve(
    state: FakeTwilio, *, host: str = "127.0.0.1", port: int = 0
) -> tuple[ThreadingHTTPServer, threading.Thread]:
    """Start the server in a daemon thread; ``server.server_address[1]`` is its port."""
    server = QuietServer((host, port), make_handler(state))
    thread = threading.Thread(target=server.serve_forever, name="fake-twilio", daemon=True)
    thread.start()
    return server, thread


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--account-sid", required=True)
    parser.add_argument("--auth-token", required=True)
    parser.add_argument("--hang-seconds", type=float, default=30.0)
    args = parser.parse_args(argv)
    state = FakeTwilio(
        account_sid=args.account_sid, auth_token=args.auth_token, hang_seconds=args.hang_seconds
    )
    server = QuietServer(("127.0.0.1", args.port), make_handler(state))
    with contextlib.suppress(KeyboardInterrupt):
        server.serve_forever()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
