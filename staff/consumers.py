"""The moderation queue's live stream (/ws/staff/moderation/): relays queue events to a
signed-in moderator, only those about items in their scope. Like every consumer it
only joins a group and relays; it never writes."""

from __future__ import annotations

import logging
from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from core.live import MODERATION_GROUP
from participation.access import MODERATE, moderator_neighbourhood_ids

logger = logging.getLogger(__name__)


def _moderator_scope(user: Any) -> tuple[bool, frozenset[int] | None]:
    allowed = bool(
        getattr(user, "is_authenticated", False) and user.is_active and user.has_perm(MODERATE)
    )
    return allowed, moderator_neighbourhood_ids(user) if allowed else None


class ModerationQueueConsumer(AsyncJsonWebsocketConsumer):
    joined = False
    scope_ids: frozenset[int] | None = None

    async def connect(self) -> None:
        allowed, scope_ids = await database_sync_to_async(_moderator_scope)(self.scope.get("user"))
        if not allowed:
            await self.close(code=4403)
            return
        self.scope_ids = scope_ids
        try:
            await self.channel_layer.group_add(MODERATION_GROUP, self.channel_name)
        except Exception:
            logger.warning("moderation queue events unavailable", exc_info=True)
            await self.close(code=4503)
            return
        self.joined = True
        await self.accept()

    async def disconnect(self, code: int) -> None:
        if self.joined:
            try:
                await self.channel_layer.group_discard(MODERATION_GROUP, self.channel_name)
            except Exception:
                logger.warning("could not leave %s", MODERATION_GROUP, exc_info=True)

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        if isinstance(content, dict) and content.get("type") == "ping":
            await self.send_json({"type": "pong"})

    async def live_event(self, message: dict[str, Any]) -> None:
        event = message["event"]
        neighbourhood = event.get("data", {}).get("neighbourhood")
        if self.scope_ids is not None and neighbourhood not in self.scope_ids:
            return
        await self.send_json({"type": "event", **event})
