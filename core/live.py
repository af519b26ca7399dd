"""Live events of a process (turnout, new comments, results published), broadcast to the
websocket group of the process. Services call ``broadcast_on_commit``; a failed broadcast
(channel layer down) is logged and never fails the write that caused it.

Live events never slow a reply. After the commit the event is handed to one background
thread per process (``LiveDispatcher``), which builds it (the turnout count is a query)
and sends it with a short bound (``LIVE_REDIS_TIMEOUT``): a Redis that is down or hung
delays only the event. The queue is bounded; when it is full,
events are dropped and counted (live updates are a courtesy, the page shows the truth
on reload). Events given a ``coalesce`` key are sent once per batch: a hundred ballots
in one second cost one turnout count, not a hundred.

The in-memory channel layer (development, tests without Redis) lives in this process
and cannot hang; it is also not safe to use from another thread's event loop, so with
it events are sent inline, after the commit, as before.
"""

from __future__ import annotations

import asyncio
import logging
import os
import queue
import threading
from collections.abc import Callable
from typing import Any, TypedDict

from asgiref.sync import async_to_sync
from channels.layers import InMemoryChannelLayer, get_channel_layer
from django.conf import settings
from django.db import close_old_connections, connections, transaction

logger = logging.getLogger(__name__)

# Events waiting for the live thread; past this, new ones are dropped.
QUEUE_SIZE = 1000


class LiveEvent(TypedDict):
    kind: str  # "turnout" | "comment" | "results" | ...
    data: dict[str, Any]


EventSource = LiveEvent | Callable[[], LiveEvent]


def process_group(process_id: int) -> str:
    return f"process.{process_id}"


def _message(event: LiveEvent) -> dict[str, Any]:
    return {"type": "live.event", "event": event}


def broadcast(process_id: int, event: LiveEvent) -> bool:
    """Send now, from sync code, waiting at most ``LIVE_REDIS_TIMEOUT``. Returns False
    (and logs) when the channel layer is unavailable."""
    layer = get_channel_layer()
    if layer is None:
        return False

    async def send() -> None:
        await asyncio.wait_for(
            layer.group_send(process_group(process_id), _message(event)),
            settings.LIVE_REDIS_TIMEOUT,
        )

    try:
        async_to_sync(send)()
    except Exception as exc:
        # Expected while Redis is down: one line, no traceback.
        logger.warning(
            "live event %s for process %s not delivered: %r", event["kind"], process_id, exc
        )
        return False
    return True


def _build(process_id: int, event: EventSource) -> LiveEvent | None:
    try:
        return event() if callable(event) else event
    except Exception:
        logger.warning("live event for process %s not built", process_id, exc_info=True)
        return None


class LiveDispatcher:
    """One daemon thread sending queued events in order, each bounded by
    ``LIVE_REDIS_TIMEOUT``."""

    def __init__(self) -> None:
        self.queue: queue.Queue[tuple[int, str | None, EventSource]] = queue.Queue(QUEUE_SIZE)
        self.dropped = 0
        self.sent = 0
        self.failed = 0
        self._idle = threading.Event()
        self._idle.set()
        self._thread = threading.Thread(target=self._run, name="live-events", daemon=True)
        self._thread.start()

    def submit(self, process_id: int, event: EventSource, coalesce: str | None) -> None:
        self._idle.clear()
        try:
            self.queue.put_nowait((process_id, coalesce, event))
        except queue.Full:
            self.dropped += 1
            if self.dropped % 100 == 1:
                logger.warning("live events queue full: %d event(s) dropped", self.dropped)

    def wait_idle(self, timeout: float) -> bool:
        """Block until every submitted event was handled (tests, shutdown)."""
        return self._idle.wait(timeout)

    def _run(self) -> None:
        while True:
            batch = [self.queue.get()]
            while True:
                try:
                    batch.append(self.queue.get_nowait())
                except queue.Empty:
                    break
            # Keep the order of events, but only the last of each coalesced kind.
            last: dict[tuple[int, str], int] = {}
            for index, (process_id, key, _event) in enumerate(batch):
                if key is not None:
                    last[(process_id, key)] = index
            for index, (process_id, key, event) in enumerate(batch):
                if key is not None and last[(process_id, key)] != index:
                    continue
                self._send(process_id, event)
            # The thread's own connection (the turnout count) goes back to the pool.
            close_old_connections()
            connections.close_all()
            if self.queue.empty():
                self._idle.set()

    def _send(self, process_id: int, event: EventSource) -> None:
        payload = _build(process_id, event)
        if payload is None:
            return
        if broadcast(process_id, payload):
            self.sent += 1
        else:
            self.failed += 1


_dispatcher: LiveDispatcher | None = None
_dispatcher_pid = 0
_dispatcher_lock = threading.Lock()


def live_dispatcher() -> LiveDispatcher:
    """This process's dispatcher (a new one after a fork: threads do not survive it)."""
    global _dispatcher, _dispatcher_pid
    with _dispatcher_lock:
        if _dispatcher is None or _dispatcher_pid != os.getpid():
            _dispatcher = LiveDispatcher()
            _dispatcher_pid = os.getpid()
        return _dispatcher


def live_events_wait(timeout: float = 5.0) -> bool:
    """Wait until the events submitted so far were sent (or dropped)."""
    return _dispatcher is None or _dispatcher_pid != os.getpid() or _dispatcher.wait_idle(timeout)


def broadcast_on_commit(
    process_id: int, event: EventSource, *, coalesce: str | None = None
) -> None:
    """Broadcast after the current transaction commits, off the request path. ``event``
    may be a function building it then, so reads it needs (turnout) run after commit,
    outside the writer's locks, and see the committed state. Events with the same
    ``coalesce`` key for one process may be merged into the latest."""

    def send() -> None:
        if isinstance(get_channel_layer(), InMemoryChannelLayer):
            payload = _build(process_id, event)
            if payload is not None:
                broadcast(process_id, payload)
            return
        live_dispatcher().submit(process_id, event, coalesce)

    transaction.on_commit(send)
