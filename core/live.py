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


# The staff moderation queue's group: events name items by kind, id and neighbourhood
# only (never their text); the staff consumer relays each to moderators whose scope
# covers it.
MODERATION_GROUP = "staff.moderation"


def process_group(process_id: int) -> str:
    return f"process.{process_id}"


def broadcast(process_id: int, event: LiveEvent) -> bool:
    """Send now. Returns False (and logs) when the channel layer is unavailable."""
    return broadcast_to_group(process_group(process_id), event)


def broadcast_to_group(group: str, event: LiveEvent) -> bool:
    """Send ``event`` to a named group now; False (and logged) when the layer is down."""
    layer = get_channel_layer()
    if layer is None:
        return False
    try:
        async_to_sync(layer.group_send)(group, {"type": "live.event", "event": event})
    except Exception:
        logger.warning("live event %s for %s not delivered", event["kind"], group, exc_info=True)
        return False
    return True


def broadcast_to_group_on_commit(group: str, event: LiveEvent) -> None:
    """``broadcast_to_group`` after the current transaction commits (a rolled-back
    write announces nothing)."""
    transaction.on_commit(lambda: broadcast_to_group(group, event))


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
