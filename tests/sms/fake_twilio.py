"""A fake Twilio REST API on loopback, for driving the REAL ``twilio.rest.Client`` (and
so our twilio backend) through its HTTP layer: a fake at our boundary, no mocks inside
the library.

``FakeTwilio`` answers ``POST /2010-04-01/Accounts/<sid>/Messages.json`` from a script of
behaviours (``"201"``, ``"202"``, ``"500"``, ``"timeout"``, ``"timeout-lost"``, ``"21610"``,
``"21211"``); when the script runs out it accepts. ``"timeout"`` accepts the message and
then answers too late for the client (the outcome the client cannot know);
``"timeout-lost"`` answers too late without accepting it. ``GET .../Messages.json?To=``
lists the accepted messages to that number, newest first, as Twilio's API does.

``LoopbackHttpClient`` is a ``TwilioHttpClient`` that sends
every request to the fake server instead of api.twilio.com (rewriting scheme and host;
Twilio's ``edge``/``region`` options only rewrite Twilio hosts).
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections import deque
from dataclasses import dataclass, field
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit, urlunsplit

from twilio.http.http_client import TwilioHttpClient
from twilio.http.response import Response

from sms.backends.twilio import SmsBackend as TwilioSmsBackend

ACCOUNT_SID = "AC" + "0" * 32
CLIENT_TIMEOUT = 0.5  # seconds; the "timeout" behaviour sleeps longer than this


@dataclass
class FakeTwilio:
    script: deque[str] = field(default_factory=deque)
    requests: list[dict[str, Any]] = field(default_factory=list)
    # Every message accepted (also those whose answer came too late), oldest first.
    accepted: list[dict[str, Any]] = field(default_factory=list)
    server: ThreadingHTTPServer | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def base_url(self) -> str:
        assert self.server is not None
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def next_behaviour(self) -> str:
        with self.lock:
            return self.script.popleft() if self.script else "201"


def _handler(fake: FakeTwilio) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:  # quiet
            pass

        def _json(self, status: int, payload: dict[str, Any]) -> None:
            body = json.dumps(payload).encode()
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (timeout behaviour)

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            form = {k: v[-1] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
            behaviour = fake.next_behaviour()
            with fake.lock:
                fake.requests.append(
                    {
                        "path": self.path,
                        "form": form,
                        "behaviour": behaviour,
                        "auth": self.headers.get("Authorization", ""),
                    }
                )
            if not self.path.endswith("/Messages.json"):
                self._json(404, {"code": 20404, "message": "not found", "status": 404})
            elif behaviour == "timeout":
                message = self._accept(form)
                time.sleep(CLIENT_TIMEOUT * 3)
                self._json(201, message)
            elif behaviour == "timeout-lost":
                time.sleep(CLIENT_TIMEOUT * 3)
                self._json(500, {"message": "Internal Server Error", "status": 500})
            elif behaviour == "500":
                self._json(500, {"message": "Internal Server Error", "status": 500})
            elif behaviour in {"21610", "21211"}:
                message = {
                    "21610": "Attempt to send to unsubscribed recipient",
                    "21211": "The 'To' number is not a valid phone number.",
                }[behaviour]
                self._json(
                    400,
                    {
                        "code": int(behaviour),
                        "message": message,
                        "more_info": f"https://www.twilio.com/docs/errors/{behaviour}",
                        "status": 400,
                    },
                )
            else:
                self._json(202 if behaviour == "202" else 201, self._accept(form))

        def _accept(self, form: dict[str, str]) -> dict[str, Any]:
            sid = "SM" + uuid.uuid4().hex
            message = {
                "sid": sid,
                "account_sid": ACCOUNT_SID,
                "to": form.get("To"),
                "from": form.get("From"),
                "messaging_service_sid": form.get("MessagingServiceSid"),
                "body": form.get("Body"),
                "status": "queued",
                "num_segments": "1",
                "direction": "outbound-api",
                "api_version": "2010-04-01",
                # A queued message has no sent date yet, as on Twilio.
                "date_created": formatdate(usegmt=True),
                "date_sent": None,
                "uri": f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages/{sid}.json",
            }
            with fake.lock:
                fake.accepted.append(message)
            return message

        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
            with fake.lock:
                fake.requests.append({"path": self.path, "form": query, "behaviour": "list"})
                found = [m for m in reversed(fake.accepted) if m["to"] == query.get("To")]
            if not parts.path.endswith("/Messages.json"):
                self._json(404, {"code": 20404, "message": "not found", "status": 404})
                return
            size = int(query.get("PageSize", "50"))
            self._json(
                200,
                {
                    "messages": found[:size],
                    "page": 0,
                    "page_size": size,
                    "start": 0,
                    "end": max(len(found[:size]) - 1, 0),
                    "first_page_uri": parts.path,
                    "next_page_uri": None,
                    "previous_page_uri": None,
                    "uri": self.path,
                },
            )

    return Handler


def start(fake: FakeTwilio) -> FakeTwilio:
    fake.server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(fake))
    fake.server.daemon_threads = True
    threading.Thread(target=fake.server.serve_forever, daemon=True).start()
    return fake


def stop(fake: FakeTwilio) -> None:
    if fake.server is not None:
        fake.server.shutdown()
        fake.server.server_close()


class LoopbackHttpClient(TwilioHttpClient):
    """Sends Twilio API calls to ``base_url`` (the fake server) instead of Twilio."""

    def __init__(self, base_url: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.base = urlsplit(base_url)

    def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> Response:
        parts = urlsplit(url)
        rewritten = urlunsplit(
            (self.base.scheme, self.base.netloc, parts.path, parts.query, parts.fragment)
        )
        return super().request(method, rewritten, *args, **kwargs)


class LoopbackTwilioBackend(TwilioSmsBackend):
    """Our real twilio backend, with its Client pointed at the fake server."""

    base_url = ""  # set by the fixture

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("account_sid", ACCOUNT_SID)
        kwargs.setdefault("auth_token", "fake-auth-token")
        kwargs.setdefault("from_number", "+15005550006")
        kwargs.setdefault("http_client", LoopbackHttpClient(self.base_url, timeout=CLIENT_TIMEOUT))
        super().__init__(*args, **kwargs)
