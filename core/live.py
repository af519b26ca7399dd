"""Live events of a process (turnout, new comments, results published), broadcast to the
websocket group of the process. Services call ``broadcast_on_commit``; a failed broadcast
(channel layer down) is logged and never fails the write that caused it."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, TypedDict

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

logger = logging.getLogger(__name__)


class LiveEvent(TypedDict):
    kind: str  # "turnout" | "comment" | "results" | ...
    data: dict[str, Any]


def process_group(process_id: int) -> str:
    return f"process.{process_id}"


def broadcast(process_id: int, event: LiveEvent) -> bool:
    """Send now. Returns False (and logs) when the channel layer is unavailable."""
    layer = get_channel_layer()
    if layer is None:
        return False
    try:
        async_to_sync(layer.group_send)(
            process_group(process_id), {"type": "live.event", "event": event}
        )
    except Exception:
        logger.warning(
            "live event %s for process %s not delivered", event["kind"], process_id, exc_info=True
        )
        return False
    return True


def broadcast_on_commit(process_id: int, event: LiveEvent | Callable[[], LiveEvent]) -> None:
    """Broadcast after the current transaction commits. ``event`` may be a function
    building it then, so reads it needs (turnout) run after commit, outside the writer's
    locks, and see the committed state."""

    def send() -> None:
        try:
            payload = event() if callable(event) else event
        except Exception:
            logger.warning("live event for process %s not built", process_id, exc_info=True)
            return
        broadcast(process_id, payload)

    transaction.on_commit(send)
