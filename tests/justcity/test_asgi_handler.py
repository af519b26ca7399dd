"""justcity.asgi_handler: a whole request in one worker thread (signal, middleware, view,
close), the response written on the event loop; streaming responses read and closed in
that thread; a view's bug is Django's 500 page, not a dropped connection."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import pytest
from django.core import signals
from django.test import override_settings

from justcity.asgi_handler import OneThreadASGIHandler
from tests.justcity import asgi_urls


def _scope(path: str, method: str = "GET", headers: list[tuple[bytes, bytes]] | None = None):
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"testserver"), *(headers or [])],
        "client": ("127.0.0.1", 5000),
        "server": ("testserver", 80),
    }


def _call(handler: OneThreadASGIHandler, scope: dict[str, Any], body: bytes = b"") -> list[Any]:
    sent: list[Any] = []
    messages = [{"type": "http.request", "body": body, "more_body": False}]

    async def receive() -> dict[str, Any]:
        if messages:
            return messages.pop(0)
        await asyncio.sleep(3600)  # a client that stays connected
        raise AssertionError("unreachable")

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    asyncio.run(handler(scope, receive, send))
    return sent


@pytest.fixture
def handler():  # type: ignore[no-untyped-def]
    with override_settings(ROOT_URLCONF="tests.justcity.asgi_urls"):
        made = OneThreadASGIHandler(threads=2)
        asgi_urls.SEEN.clear()
        finished: list[str] = []

        def on_finished(**kwargs: object) -> None:
            finished.append(threading.current_thread().name)

        signals.request_finished.connect(on_finished)
        try:
            yield made, finished
        finally:
            signals.request_finished.disconnect(on_finished)
            made.executor.shutdown()


def test_a_request_runs_and_closes_in_one_worker_thread(handler) -> None:  # type: ignore[no-untyped-def]
    made, finished = handler
    sent = _call(
        made,
        _scope("/plain/", "POST", [(b"content-type", b"application/x-www-form-urlencoded")]),
        body=b"x=42",
    )
    start, body = sent[0], b"".join(m.get("body", b"") for m in sent[1:])
    assert start["type"] == "http.response.start" and start["status"] == 200
    assert body == b"posted=42"
    assert any(k == b"Set-Cookie" and v.startswith(b"flavour=oat") for k, v in start["headers"])
    assert [w for w, _ in asgi_urls.SEEN] == ["view"]
    view_thread = asgi_urls.SEEN[0][1]
    assert view_thread.startswith("django") and view_thread != threading.current_thread().name
    # Closed (request_finished: the connection back to the pool) in the view's thread.
    assert finished == [view_thread]


def test_a_streaming_response_is_read_and_closed_in_its_thread(handler) -> None:  # type: ignore[no-untyped-def]
    made, finished = handler
    sent = _call(made, _scope("/streamed/"))
    assert sent[0]["status"] == 200
    assert b"".join(m.get("body", b"") for m in sent[1:]) == b"part0;part1;part2;"
    assert sent[-1] == {"type": "http.response.body"}
    threads = {name for _what, name in asgi_urls.SEEN}
    assert len(threads) == 1 and [w for w, _ in asgi_urls.SEEN] == ["view", *["chunk"] * 3]
    assert finished == list(threads)


def test_a_bug_in_a_view_is_a_500_page(handler) -> None:  # type: ignore[no-untyped-def]
    made, finished = handler
    sent = _call(made, _scope("/broken/"))
    assert sent[0]["status"] == 500
    assert len(finished) == 1


def test_a_failure_while_closing_still_sends_the_answer(handler) -> None:  # type: ignore[no-untyped-def]
    made, _finished = handler

    def broken_cleanup(**kwargs: object) -> None:
        raise RuntimeError("the pool is gone")

    signals.request_finished.connect(broken_cleanup)
    try:
        sent = _call(made, _scope("/plain/"))
    finally:
        signals.request_finished.disconnect(broken_cleanup)
    assert sent[0]["status"] == 200
    assert b"".join(m.get("body", b"") for m in sent[1:]) == b"posted="


def test_http_only() -> None:
    made = OneThreadASGIHandler(threads=1)
    with pytest.raises(ValueError, match="websocket"):
        asyncio.run(made({"type": "websocket"}, None, None))  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        OneThreadASGIHandler(threads=0)
