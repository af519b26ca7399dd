"""The moderation queue's live stream: a moderator hears of new items in their scope;
a scoped moderator hears nothing from other neighbourhoods; others are refused."""

from __future__ import annotations

from typing import Any

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator

from core.live import MODERATION_GROUP, broadcast_to_group
from staff.consumers import ModerationQueueConsumer
from tests.factories import NeighbourhoodFactory, UserFactory, square
from tests.participation.test_moderation import moderator

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("close_db_connections_after"),
]


async def _connect(user: Any) -> tuple[WebsocketCommunicator, bool, Any]:
    communicator = WebsocketCommunicator(ModerationQueueConsumer.as_asgi(), "/ws/staff/moderation/")
    communicator.scope["user"] = user
    connected, code = await communicator.connect()
    return communicator, connected, code


def _event(neighbourhood: int) -> dict[str, Any]:
    return {
        "kind": "moderation",
        "data": {"item": "proposal:1", "neighbourhood": neighbourhood, "change": "queued"},
    }


async def test_moderators_hear_of_items_in_their_scope_only() -> None:
    here = await sync_to_async(NeighbourhoodFactory)(boundary=square(-74.0, 4.6))
    there = await sync_to_async(NeighbourhoodFactory)(boundary=square(-75.0, 4.6))
    everyone = await sync_to_async(moderator)("all")
    scoped = await sync_to_async(moderator)("scoped", scope=[here])
    wide, ok_wide, _ = await _connect(everyone)
    narrow, ok_narrow, _ = await _connect(scoped)
    assert ok_wide and ok_narrow

    await sync_to_async(broadcast_to_group)(MODERATION_GROUP, _event(there.pk))
    assert (await wide.receive_json_from(timeout=5))["data"]["neighbourhood"] == there.pk
    assert await narrow.receive_nothing(timeout=0.3)
    await sync_to_async(broadcast_to_group)(MODERATION_GROUP, _event(here.pk))
    assert (await narrow.receive_json_from(timeout=5))["data"]["neighbourhood"] == here.pk
    await wide.disconnect()
    await narrow.disconnect()


async def test_staff_without_the_permission_are_refused() -> None:
    plain = await sync_to_async(UserFactory)(username="plain")
    _communicator, connected, code = await _connect(plain)
    assert not connected and code == 4403
