from __future__ import annotations

import logging
from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from core.live import process_group
from core.models import Process

logger = logging.getLogger(__name__)


class ProcessEventsConsumer(AsyncJsonWebsocketConsumer):
    """Relays a process's live events to a browser. Joins the process group and
    forwards; it never writes (writes happen in services)."""

    group: str | None = None

    async def connect(self) -> None:
        process_id = self.scope["url_route"]["kwargs"]["process_id"]
        exists = await database_sync_to_async(Process.objects.filter(pk=process_id).exists)()
        if not exists:
            await self.close(code=4404)
            return
        group = process_group(process_id)
        try:
            await self.channel_layer.group_add(group, self.channel_name)
        except Exception:
            # Channel layer (Redis) down: refuse the socket quietly; pages work without
            # live updates and the client retries with backoff.
            logger.warning("live events unavailable for process %s", process_id, exc_info=True)
            await self.close(code=4503)
            return
        self.group = group
        await self.accept()

    async def disconnect(self, code: int) -> None:
        if self.group:
            try:
                await self.channel_layer.group_discard(self.group, self.channel_name)
            except Exception:
                logger.warning("could not leave %s", self.group, exc_info=True)

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        # Read-only stream: answer pings so clients can detect a dead connection.
        if isinstance(content, dict) and content.get("type") == "ping":
            await self.send_json({"type": "pong"})

    async def live_event(self, message: dict[str, Any]) -> None:
        await self.send_json({"type": "event", **message["event"]})
