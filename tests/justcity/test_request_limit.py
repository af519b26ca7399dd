"""``ConcurrencyLimit``: requests under the limit go straight in; past it one waits up
to the queue timeout, then gets 503 with Retry-After without reaching the app; a place
freed lets the next one in; liveness and websockets are never counted."""

from __future__ import annotations

import asyncio
from typing import Any

from justcity.request_limit import BUSY_BODY, ConcurrencyLimit


class SlowApp:
    """Answers 200 once ``release`` is set; counts the requests that reached it."""

    def __init__(self) -> None:
        self.release = asyncio.Event()
        self.reached = 0

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        self.reached += 1
        await self.release.wait()
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})


async def _request(app: Any, path: str = "/", kind: str = "http") -> list[dict[str, Any]]:
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b""}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    await app({"type": kind, "path": path}, receive, send)
    return sent


async def test_past_the_limit_a_request_waits_then_gets_503_with_retry_after() -> None:
    inner = SlowApp()
    app = ConcurrencyLimit(inner, max_concurrent=2, queue_timeout=0.2, retry_after=7)
    first = asyncio.create_task(_request(app))
    second = asyncio.create_task(_request(app))
    await asyncio.sleep(0.05)
    assert inner.reached == 2  # under the limit: straight in

    refused = await _request(app)  # the third waits 0.2 s for a place, in vain
    assert refused[0]["status"] == 503
    assert (b"retry-after", b"7") in refused[0]["headers"]
    assert refused[1]["body"] == BUSY_BODY
    assert inner.reached == 2 and app.refused == 1

    third = asyncio.create_task(_request(app))  # waits; a place frees within its timeout
    await asyncio.sleep(0.05)
    inner.release.set()
    for done in await asyncio.gather(first, second, third):
        assert done[0]["status"] == 200
    assert inner.reached == 3


async def test_liveness_and_websockets_are_not_counted() -> None:
    inner = SlowApp()
    app = ConcurrencyLimit(inner, max_concurrent=1, queue_timeout=0.05, retry_after=1)
    held = asyncio.create_task(_request(app))
    await asyncio.sleep(0.02)
    # The one place is taken: counted, these would get 503 after 0.05 s.
    live = asyncio.create_task(_request(app, "/livez"))
    socket = asyncio.create_task(_request(app, kind="websocket"))
    await asyncio.sleep(0.15)
    inner.release.set()
    assert (await live)[0]["status"] == 200
    assert (await socket)[0]["status"] == 200
    assert (await held)[0]["status"] == 200
    assert app.refused == 0
