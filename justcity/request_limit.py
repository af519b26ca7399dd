"""A bound on the HTTP requests one ASGI worker process serves at once.

Django runs sync views one at a time per process (asgiref's thread-sensitive executor),
so requests past a handful only queue in memory, each holding a socket and adding to
everyone's latency until clients time out and the server answers nothing useful. This
wrapper admits ``WEB_MAX_CONCURRENT`` requests; the next waits up to
``WEB_QUEUE_TIMEOUT`` seconds for a place and otherwise gets ``503`` with
``Retry-After`` straight away, without touching Django or the database. Websockets are
not counted (they are long-lived and cost nothing while idle); liveness is exempt so an
overloaded but working worker is not restarted.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

logger = logging.getLogger(__name__)

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[Any]]
Send = Callable[[Any], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

EXEMPT_PATHS = frozenset({"/livez"})
BUSY_BODY = b"Too many requests at once: please try again in a few seconds.\n"


class ConcurrencyLimit:
    """ASGI middleware: at most ``max_concurrent`` HTTP requests in the wrapped app."""

    def __init__(
        self, app: ASGIApp, *, max_concurrent: int, queue_timeout: float, retry_after: int
    ) -> None:
        if max_concurrent < 1:
            raise ValueError("max_concurrent must be at least 1")
        self.app = app
        self.max_concurrent = max_concurrent
        self.queue_timeout = queue_timeout
        self.retry_after = retry_after
        # Created on first use, inside the worker's event loop.
        self._semaphore: asyncio.Semaphore | None = None
        self.refused = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("path") in EXEMPT_PATHS:
            await self.app(scope, receive, send)
            return
        if self._semaphore is None:
            self._semaphore = asyncio.Semaphore(self.max_concurrent)
        semaphore = self._semaphore
        try:
            if semaphore.locked():
                await asyncio.wait_for(semaphore.acquire(), self.queue_timeout)
            else:
                # A place is free: taken at once, without a timer to arm and cancel
                # (asyncio.wait_for's cost, on every request of a worker under its limit).
                await semaphore.acquire()
        except TimeoutError:
            self.refused += 1
            if self.refused % 100 == 1:
                logger.warning(
                    "over capacity: %d request(s) answered 503 so far (limit %d in flight)",
                    self.refused,
                    self.max_concurrent,
                )
            await self._busy(send)
            return
        try:
            await self.app(scope, receive, send)
        finally:
            semaphore.release()

    async def _busy(self, send: Send) -> None:
        await send(
            {
                "type": "http.response.start",
                "status": 503,
                "headers": [
                    (b"content-type", b"text/plain; charset=utf-8"),
                    (b"retry-after", str(self.retry_after).encode()),
                    (b"cache-control", b"no-store"),
                    (b"content-length", str(len(BUSY_BODY)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": BUSY_BODY})
