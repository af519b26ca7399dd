"""Live events of a process (turnout, new comments, results published), broadcast to the
websocket group of the process. Services call ``broadcast_on_commit``; a failed broadcast
(channel layer down) is logged and never fails the write that caused it.

Live events never slow a reply. After the commit the event is handed to one background
thread per process (``LiveDispatcher``), which builds it (the turnout count is a query)
and sends it with a short bound (``LIVE_REDIS_TIMEOUT``): a Redis that is down or hung
delays or drops only the event. The queue is bounded; when it is full, events are
dropped and counted (live updates are a courtesy, the page shows the truth on reload).

The thread keeps one asyncio event loop for its whole life and sends every event on
it: channels_redis keeps its Redis connections per event loop, so one loop means one
connection reused by every event, where a loop per send (``async_to_sync``) meant a new
loop and a new connection for each.

Events given a ``coalesce`` key (turnout) are sent at most once per
``LIVE_BATCH_SECONDS`` per group and key: the first after a quiet interval goes at
once; later ones wait out the rest of the interval, and only the latest of them is
built and sent. A hundred ballots in one second cost one or two turnout counts and
sends, not a hundred. The interval is shared by every process on the Redis channel
layer (``claim_interval``): each web worker has a dispatcher of its own, and without
the claim five workers sent five turnouts a second, each one a count and a delivery
to every open socket. Events without a key (a comment, results published, a moderation
change) never wait: they are sent as they come, in the order they were submitted. A
turnout is built when it is sent, from the committed state, so being sent after a
later comment never makes it stale.

The in-memory channel layer (development, tests without Redis) lives in this process
and cannot hang; it is also not safe to use from another thread's event loop, so with
it events are sent inline, after the commit, as before.
"""

from __future__ import annotations

import asyncio
import logging
import math
import os
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypedDict

from asgiref.sync import async_to_sync
from channels.layers import InMemoryChannelLayer, get_channel_layer
from channels_redis.core import RedisChannelLayer
from django.conf import settings
from django.db import connections, transaction

logger = logging.getLogger(__name__)

# Events waiting for the live thread; past this, new ones are dropped.
QUEUE_SIZE = 1000


class LiveEvent(TypedDict):
    kind: str  # "turnout" | "comment" | "results" | ...
    data: dict[str, Any]


EventSource = LiveEvent | Callable[[], LiveEvent]

# The staff moderation queue's group: events name items by kind, id and neighbourhood
# only (never their text); the staff consumer relays each to moderators whose scope
# covers it.
MODERATION_GROUP = "staff.moderation"

# The live thread's event loop, set in that thread only: ``broadcast_to_group`` sends on
# it there, and on a loop of its own (``async_to_sync``) in any other thread.
_thread_loop = threading.local()


def process_group(process_id: int) -> str:
    return f"process.{process_id}"


def _message(event: LiveEvent) -> dict[str, Any]:
    return {"type": "live.event", "event": event}


def broadcast(process_id: int, event: LiveEvent) -> bool:
    """Send now to the process's group. Returns False (and logs) when the channel
    layer is unavailable."""
    return broadcast_to_group(process_group(process_id), event)


def broadcast_to_group(group: str, event: LiveEvent) -> bool:
    """Send ``event`` to a named group now, from sync code, waiting at most
    ``LIVE_REDIS_TIMEOUT``; False (and logged) when the layer is down. On the live
    thread it runs on that thread's one event loop."""
    layer = get_channel_layer()
    if layer is None:
        return False

    async def send() -> None:
        await asyncio.wait_for(
            layer.group_send(group, _message(event)), settings.LIVE_REDIS_TIMEOUT
        )

    loop: asyncio.AbstractEventLoop | None = getattr(_thread_loop, "loop", None)
    try:
        if loop is not None:
            loop.run_until_complete(send())
        else:
            async_to_sync(send)()
    except Exception as exc:
        # Expected while Redis is down: one line, no traceback.
        logger.warning("live event %s for %s not delivered: %r", event["kind"], group, exc)
        return False
    return True


# SET the slot's key if no process holds it (for the interval), else how long the
# holder's interval has left: one round trip either way.
_CLAIM_SCRIPT = """
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return 0 end
local left = redis.call('PTTL', KEYS[1])
if left < 1 then return 1 end
return left
"""


def claim_interval(loop: asyncio.AbstractEventLoop, group: str, key: str, seconds: float) -> float:
    """Claim the next ``seconds`` of a coalesced slot for this process, across every
    process on the channel layer's Redis. 0.0: claimed, send now. Otherwise the seconds
    left of the interval another process claimed, which sends (and builds) its own
    event. Run on ``loop``, the live thread's. Layers without Redis have no other
    process: always claimed. A Redis that fails or hangs (bounded by
    ``LIVE_REDIS_TIMEOUT``) counts as claimed: the send that follows fails and is
    logged, as every send does then."""
    layer = get_channel_layer()
    if seconds <= 0 or not isinstance(layer, RedisChannelLayer):
        return 0.0

    async def claim() -> float:
        connection = layer.connection(layer.consistent_hash(group))
        left = await connection.eval(
            _CLAIM_SCRIPT, 1, f"{layer.prefix}:live:{group}:{key}", os.getpid(), int(seconds * 1000)
        )
        return int(left) / 1000

    try:
        return loop.run_until_complete(asyncio.wait_for(claim(), settings.LIVE_REDIS_TIMEOUT))
    except Exception as exc:
        logger.info("live interval of %s not claimed: %r", group, exc)
        return 0.0


Deliver = Callable[[LiveEvent], bool]
# A group and a coalesce key: the events sent at most once per LIVE_BATCH_SECONDS.
Slot = tuple[str, str]


def _build(group: str, event: EventSource) -> LiveEvent | None:
    try:
        return event() if callable(event) else event
    except Exception:
        logger.warning("live event for %s not built", group, exc_info=True)
        return None


@dataclass
class _Held:
    """The latest event of a slot, waiting until ``due``; it stands for ``events``
    submitted events, all handled when it is sent."""

    event: EventSource
    deliver: Deliver
    due: float
    events: int
    # When the latest of them was held (after its commit): a build that starts later
    # counts it.
    latest: float


class LiveDispatcher:
    """One daemon thread and one event loop for the thread's life. Events without a
    coalesce key are sent as they come, in the order submitted; a coalesced event waits
    until its slot's interval since its last send is over, and only a slot's latest
    event is sent. Each send is bounded by ``LIVE_REDIS_TIMEOUT``.

    The thread's database connection (a built event may query) is given back whenever
    the queue runs empty: to the pool with ``OPTIONS["pool"]`` (psycopg's ``putconn``;
    taking one again costs the pool's health check, a round trip), else closed. So a
    busy spell takes one connection, at most one per interval, and an idle thread holds
    none."""

    def __init__(self) -> None:
        self.queue: queue.Queue[tuple[str, str | None, EventSource, Deliver]] = queue.Queue(
            QUEUE_SIZE
        )
        self.dropped = 0
        self.sent = 0
        self.failed = 0
        # Coalesced events left to another process's send (``claim_interval``).
        self.merged = 0
        self.loop = asyncio.new_event_loop()
        # Submitted events not yet sent or given up (a held one counts until it is sent).
        self._unfinished = 0
        self._finished = threading.Condition()
        # Touched only by the thread.
        self._held: dict[Slot, _Held] = {}
        self._last_sent: dict[Slot, float] = {}
        self._db_used = False
        self._thread = threading.Thread(target=self._run, name="live-events", daemon=True)
        self._thread.start()

    def submit(
        self, group: str, event: EventSource, coalesce: str | None, deliver: Deliver
    ) -> None:
        """Queue an event without waiting: never blocks the caller (a request)."""
        with self._finished:
            self._unfinished += 1
        try:
            self.queue.put_nowait((group, coalesce, event, deliver))
        except queue.Full:
            self._done(1)
            self.dropped += 1
            if self.dropped % 100 == 1:
                logger.warning("live events queue full: %d event(s) dropped", self.dropped)

    def wait_idle(self, timeout: float) -> bool:
        """Block until every submitted event was handled, held ones included (tests,
        shutdown); False if ``timeout`` passed first."""
        deadline = time.monotonic() + timeout
        with self._finished:
            while self._unfinished > 0:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._finished.wait(left)
        return True

    def _done(self, events: int) -> None:
        if events:
            with self._finished:
                self._unfinished -= events
                if self._unfinished <= 0:
                    self._finished.notify_all()

    def _run(self) -> None:
        _thread_loop.loop = self.loop
        while True:
            handled = 0
            item = self._next()
            if item is not None:
                group, key, event, deliver = item
                if key is None:
                    self._send(group, event, deliver)
                    handled += 1
                else:
                    self._hold((group, key), event, deliver)
            handled += self._send_due()
            if self._db_used and self.queue.empty():
                connections.close_all()
                self._db_used = False
            self._done(handled)

    def _next(self) -> tuple[str, str | None, EventSource, Deliver] | None:
        """The next submitted event; None when a held one falls due first."""
        if not self._held:
            return self.queue.get()
        wait = min(held.due for held in self._held.values()) - time.monotonic()
        try:
            return self.queue.get(timeout=max(wait, 0.0))
        except queue.Empty:
            return None

    def _hold(self, slot: Slot, event: EventSource, deliver: Deliver) -> None:
        now = time.monotonic()
        held = self._held.get(slot)
        if held is not None:
            held.event, held.deliver = event, deliver
            held.events += 1
            held.latest = now
            return
        # Due one interval after the slot's last send: at once after a quiet interval.
        due = self._last_sent.get(slot, -math.inf) + settings.LIVE_BATCH_SECONDS
        self._held[slot] = _Held(event=event, deliver=deliver, due=due, events=1, latest=now)

    def _send_due(self) -> int:
        """Send the held events that are due; how many submitted events they stood for."""
        now = time.monotonic()
        due = [slot for slot, held in self._held.items() if held.due <= now]
        handled = 0
        interval = settings.LIVE_BATCH_SECONDS
        for slot in due:
            held = self._held[slot]
            asked = time.monotonic()
            left = claim_interval(self.loop, slot[0], slot[1], interval)
            if left > 0:
                # Another process holds the interval. Claimed after the latest event
                # here was held, its event (built after its claim) already counts all
                # of them: nothing to send. Claimed before: try again when it ends.
                if asked - (interval - left) > held.latest:
                    del self._held[slot]
                    self.merged += 1
                    handled += held.events
                else:
                    held.due = asked + left
                continue
            del self._held[slot]
            self._last_sent[slot] = now
            self._send(slot[0], held.event, held.deliver)
            handled += held.events
        if due:
            # A slot last sent an interval ago no longer holds its next event back.
            self._last_sent = {s: t for s, t in self._last_sent.items() if t + interval > now}
        return handled

    def _send(self, group: str, event: EventSource, deliver: Deliver) -> None:
        if callable(event):
            self._db_used = True
        payload = _build(group, event)
        if payload is None:
            return
        try:
            delivered = deliver(payload)
        except Exception:
            # Never the thread's end: every later event would be lost with it.
            logger.exception("live event %s for %s failed", payload["kind"], group)
            delivered = False
        if delivered:
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
    """Wait until the events submitted so far were sent (or dropped), held coalesced
    ones included: up to ``LIVE_BATCH_SECONDS`` more."""
    return _dispatcher is None or _dispatcher_pid != os.getpid() or _dispatcher.wait_idle(timeout)


def _on_commit(group: str, event: EventSource, coalesce: str | None, deliver: Deliver) -> None:
    def send() -> None:
        if isinstance(get_channel_layer(), InMemoryChannelLayer):
            payload = _build(group, event)
            if payload is not None:
                deliver(payload)
            return
        live_dispatcher().submit(group, event, coalesce, deliver)

    transaction.on_commit(send)


def broadcast_on_commit(
    process_id: int, event: EventSource, *, coalesce: str | None = None
) -> None:
    """Broadcast to the process's group after the current transaction commits, off the
    request path. ``event`` may be a function building it then, so reads it needs
    (turnout) run after commit, outside the writer's locks, and see the committed
    state. Events with the same ``coalesce`` key for one process are sent at most once
    per ``LIVE_BATCH_SECONDS``, the latest of them."""
    # Looked up when sent, so the one ``broadcast`` is what every event goes through.
    _on_commit(
        process_group(process_id), event, coalesce, lambda payload: broadcast(process_id, payload)
    )


def broadcast_to_group_on_commit(group: str, event: LiveEvent) -> None:
    """``broadcast_to_group`` after the current transaction commits (a rolled-back
    write announces nothing), off the request path."""
    _on_commit(group, event, None, lambda payload: broadcast_to_group(group, payload))
