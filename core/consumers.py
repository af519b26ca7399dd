from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
from typing import Any

from channels.consumer import get_handler_name
from channels.db import database_sync_to_async
from channels.exceptions import StopConsumer
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from channels.layers import get_channel_layer
from channels.utils import await_many_dispatch
from django.conf import settings

from core.db_outage import Backoff
from core.live import process_group
from core.models import Process

logger = logging.getLogger(__name__)

# Longest wait between two tries to rejoin the process's group while Redis is away:
# short, because the turnout is now sent at most once per LIVE_BATCH_SECONDS and a
# socket that rejoins late misses the updates until its next try (a try against a Redis
# that is down fails at once; against a hung one, within its socket timeout).
REJOIN_CAP_S = 5.0


class ProcessEventsConsumer(AsyncJsonWebsocketConsumer):
    """Relays a process's live events to a browser. Joins the process group and
    forwards; it never writes (writes happen in services).

    Redis is not needed to open the socket: when the channel layer is down or hung the
    socket is accepted all the same and told ``{"type": "status", "live": false}``
    ("live updates paused"); the consumer keeps trying to rejoin with capped backoff
    and says ``{"type": "status", "live": true}`` when events flow again."""

    group: str | None = None
    joined = False

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        # As channels' AsyncConsumer.__call__, with a channel-layer receive that survives
        # the layer failing (the stock one ends the consumer on the first error).
        self.scope = scope
        self.channel_layer = get_channel_layer(self.channel_layer_alias)
        self.channel_name = await self.channel_layer.new_channel()
        self.channel_receive = functools.partial(self.channel_layer.receive, self.channel_name)
        self.base_send = send
        self._ready = asyncio.Event()
        self._backoff = Backoff(base=1.0, cap=REJOIN_CAP_S)
        with contextlib.suppress(StopConsumer):
            await await_many_dispatch([receive, self._next_event], self.dispatch)

    async def dispatch(self, message: dict[str, Any]) -> None:
        # As channels' AsyncConsumer.dispatch without its close_old_connections() hop to a
        # thread before every message: only connect() reads the database, through
        # database_sync_to_async, which tidies the connections itself. Each live event
        # reaches every open socket, so that hop was one thread round trip per socket
        # per event (py-spy on a web worker during ``python -m bench.load``).
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await handler(message)

    async def connect(self) -> None:
        process_id = self.scope["url_route"]["kwargs"]["process_id"]
        exists = await database_sync_to_async(Process.objects.filter(pk=process_id).exists)()
        if not exists:
            await self.close(code=4404)
            return
        self.group = process_group(process_id)
        await self.accept()
        if not await self._join():
            await self._status(live=False)
        self._ready.set()

    async def _join(self) -> bool:
        assert self.group is not None
        try:
            await asyncio.wait_for(
                self.channel_layer.group_add(self.group, self.channel_name),
                settings.LIVE_REDIS_TIMEOUT,
            )
        except Exception as exc:
            logger.info("live events paused for %s: %r", self.group, exc)
            self.joined = False
            return False
        self.joined = True
        self._backoff.reset()
        return True

    async def _status(self, *, live: bool) -> None:
        await self.send_json({"type": "status", "live": live})

    async def _next_event(self) -> dict[str, Any]:
        """The next message from the channel layer, rejoining after an outage."""
        await self._ready.wait()
        while True:
            if not self.joined:
                await asyncio.sleep(self._backoff.next_wait())
                if not await self._join():
                    continue
                await self._status(live=True)
            try:
                message: dict[str, Any] = await self.channel_layer.receive(self.channel_name)
                return message
            except Exception as exc:
                logger.info("live events paused for %s: %r", self.group, exc)
                self.joined = False
                await self._status(live=False)

    async def disconnect(self, code: int) -> None:
        if self.group and self.joined:
            try:
                await asyncio.wait_for(
                    self.channel_layer.group_discard(self.group, self.channel_name),
                    settings.LIVE_REDIS_TIMEOUT,
                )
            except Exception:
                logger.info("could not leave %s", self.group)

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        # Read-only stream: answer pings so clients can detect a dead connection.
        if isinstance(content, dict) and content.get("type") == "ping":
            await self.send_json({"type": "pong"})

    async def live_event(self, message: dict[str, Any]) -> None:
        await self.send_json({"type": "event", **message["event"]})
