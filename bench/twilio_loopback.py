"""The real Twilio backend (``sms.backends.twilio.SmsBackend``) talking to the fake
Twilio of ``bench.fake_twilio`` on loopback instead of api.twilio.com.

The benchmarks and drills set ``SMS_BACKEND=bench.twilio_loopback.SmsBackend`` and
``BENCH_TWILIO_URL=http://127.0.0.1:<port>``. Everything else is the production backend
and the real ``twilio.rest.Client`` (signing, serialising, error classes, timeouts):
only the scheme and host of each request are rewritten, the way GOTCHAS.md describes
(twilio's ``edge``/``region`` only rewrite Twilio's own hosts).
"""

from __future__ import annotations

import os
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from django.conf import settings
from twilio.http.http_client import TwilioHttpClient
from twilio.http.response import Response

from sms.backends.twilio import SmsBackend as TwilioSmsBackend


class LoopbackHttpClient(TwilioHttpClient):
    """Sends every Twilio API request to ``base_url`` (scheme and host only)."""

    def __init__(self, base_url: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        parts = urlsplit(base_url)
        self._scheme, self._netloc = parts.scheme, parts.netloc

    def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> Response:
        parts = urlsplit(url)
        rewritten = urlunsplit((self._scheme, self._netloc, parts.path, parts.query, ""))
        return super().request(method, rewritten, *args, **kwargs)


class SmsBackend(TwilioSmsBackend):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        base_url = os.environ.get("BENCH_TWILIO_URL", "")
        if not base_url.startswith("http://127.0.0.1:"):
            # Never let a bench configuration reach the real Twilio (or anything else).
            raise RuntimeError(
                "bench.twilio_loopback needs BENCH_TWILIO_URL=http://127.0.0.1:<port>"
            )
        kwargs.setdefault(
            "http_client",
            LoopbackHttpClient(base_url, timeout=float(settings.SMS_HTTP_TIMEOUT)),
        )
        super().__init__(*args, **kwargs)
