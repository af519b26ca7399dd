"""Django's ASGI handler with the whole request in one worker thread.

Every view and middleware of this project is synchronous. Django's own ``ASGIHandler``
serves such a request with about six hand-offs between the event loop and threads: the
``request_started`` signal, the middleware chain, a hop back to the loop for the one
async-capable middleware (django-axes) and out again for the view, and
``response.close()``; and it starts a new thread for each request
(``ThreadSensitiveContext``). Under load those hand-offs cost about as much CPU as the
ORM (py-spy on a busy worker during ``python -m bench.load``).

This handler reads the body on the event loop, then runs what WSGI would run (the
signal, the sync middleware chain, the view, ``response.close()``) in one call on a
small pool of threads, and writes the response on the loop. A response is closed,
which returns the database connection to the pool, in the thread that used it. A
streaming response (WhiteNoise's static files) is iterated and closed in that same
thread too, its chunks handed to the loop as they come.

The threads are bounded (``WEB_THREADS``, two by default: the processes, not threads,
use the cores): past that, requests wait for a thread, as they would for a database
connection; the per-worker bound on requests in flight (``justcity.request_limit``)
stays in front.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing
from typing import IO, Any

from django.core import signals
from django.core.exceptions import RequestAborted
from django.core.handlers import base
from django.core.handlers.asgi import ASGIHandler, get_script_prefix
from django.http import HttpResponseBase
from django.urls import set_script_prefix

logger = logging.getLogger(__name__)

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[Any]]
Send = Callable[[Any], Awaitable[None]]


class OneThreadASGIHandler(ASGIHandler):
    def __init__(self, *, threads: int) -> None:
        if threads < 1:
            raise ValueError("threads must be at least 1")
        base.BaseHandler.__init__(self)
        # The chain as WSGI builds it: sync all the way, no adapters between middlewares.
        self.load_middleware(is_async=False)
        self.executor = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="django")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            raise ValueError(f"Django can only handle ASGI/HTTP connections, not {scope['type']}.")
        try:
            body_file = await self.read_body(receive)
        except RequestAborted:
            return
        loop = asyncio.get_running_loop()
        context = contextvars.copy_context()
        response = await loop.run_in_executor(
            self.executor, context.run, self._respond, scope, body_file
        )
        if not response.streaming:
            await self.send_response(response, send)
            return
        await send(_start_message(response))
        await loop.run_in_executor(self.executor, context.run, self._stream, response, send, loop)
        await send({"type": "http.response.body"})

    def _respond(self, scope: Scope, body_file: IO[bytes]) -> HttpResponseBase:
        """The request, in a worker thread, as Django's WSGI handler serves it."""
        with closing(body_file):
            set_script_prefix(get_script_prefix(scope))
            signals.request_started.send(sender=self.__class__, scope=scope)
            request, error_response = self.create_request(scope, body_file)
            response = self.get_response(request) if request is not None else error_response
            assert response is not None  # create_request gives a request or a response
            response._handler_class = self.__class__  # type: ignore[attr-defined]
            if not response.streaming:
                # The content is in memory: close now, in the thread that holds the
                # database connection (request_finished gives it back to the pool).
                # Django's handler closes after sending, so a failure there never cost
                # the client its answer (a ballot's receipt); nor may it here.
                try:
                    response.close()
                except Exception:
                    logger.exception("closing the response failed; it is sent all the same")
            return response

    def _stream(
        self, response: HttpResponseBase, send: Send, loop: asyncio.AbstractEventLoop
    ) -> None:
        """A streaming response's chunks, read in the thread that made it, then closed."""
        try:
            for part in response:
                for chunk, _last in self.chunk_bytes(part):
                    message = {"type": "http.response.body", "body": chunk, "more_body": True}
                    asyncio.run_coroutine_threadsafe(_sent(send, message), loop).result()
        finally:
            response.close()


async def _sent(send: Send, message: dict[str, Any]) -> None:
    await send(message)


def _start_message(response: HttpResponseBase) -> dict[str, Any]:
    headers = [
        (
            header.encode("ascii") if isinstance(header, str) else bytes(header),
            value.encode("latin1") if isinstance(value, str) else bytes(value),
        )
        for header, value in response.items()
    ]
    headers += [
        (b"Set-Cookie", c.OutputString().encode("ascii")) for c in response.cookies.values()
    ]
    return {"type": "http.response.start", "status": response.status_code, "headers": headers}
