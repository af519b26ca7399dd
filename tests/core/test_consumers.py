"""A process's live events reach a websocket client, through the in-memory layer locally
and through the Redis channel layer in CI."""

from __future__ import annotations

import os

import pytest
from asgiref.sync import sync_to_async
from channels.layers import channel_layers
from channels.testing import WebsocketCommunicator

from core.live import broadcast
from justcity.asgi import application
from tests.factories import ProcessFactory

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("close_db_connections_after"),
]


@pytest.fixture
def redis_layer(settings):  # type: ignore[no-untyped-def]
    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": [os.environ["REDIS_URL"]]},
        }
    }
    channel_layers.backends.clear()
    yield
    channel_layers.backends.clear()


async def _round_trip() -> None:
    process = await sync_to_async(ProcessFactory)()
    communicator = WebsocketCommunicator(
        application, f"/ws/processes/{process.pk}/", headers=[(b"origin", b"http://127.0.0.1")]
    )
    connected, _ = await communicator.connect()
    assert connected
    await communicator.send_json_to({"type": "ping"})
    assert await communicator.receive_json_from() == {"type": "pong"}
    delivered = await sync_to_async(broadcast)(
        process.pk, {"kind": "turnout", "data": {"ballots": 7}}
    )
    assert delivered
    assert await communicator.receive_json_from(timeout=5) == {
        "type": "event",
        "kind": "turnout",
        "data": {"ballots": 7},
    }
    await communicator.disconnect()


async def test_live_event_round_trip_in_memory() -> None:
    await _round_trip()


@pytest.mark.redis
async def test_live_event_round_trip_through_redis(redis_layer) -> None:  # type: ignore[no-untyped-def]
    from channels_redis.core import RedisChannelLayer

    assert isinstance(channel_layers["default"], RedisChannelLayer)
    await _round_trip()


async def test_unknown_process_is_refused() -> None:
    communicator = WebsocketCommunicator(
        application, "/ws/processes/999999/", headers=[(b"origin", b"http://127.0.0.1")]
    )
    connected, code = await communicator.connect()
    assert not connected
    assert code == 4404


async def test_foreign_origin_is_refused() -> None:
    process = await sync_to_async(ProcessFactory)()
    communicator = WebsocketCommunicator(
        application, f"/ws/processes/{process.pk}/", headers=[(b"origin", b"https://evil.example")]
    )
    connected, _ = await communicator.connect()
    assert not connected


async def test_socket_refused_quietly_when_the_channel_layer_is_down(settings) -> None:  # type: ignore[no-untyped-def]
    """Redis unreachable: the handshake is refused with 4503 (no 500); pages still work."""
    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": ["redis://127.0.0.1:1/0"]},
        }
    }
    channel_layers.backends.clear()
    try:
        process = await sync_to_async(ProcessFactory)()
        communicator = WebsocketCommunicator(
            application, f"/ws/processes/{process.pk}/", headers=[(b"origin", b"http://127.0.0.1")]
        )
        connected, code = await communicator.connect(timeout=10)
        assert not connected
        assert code == 4503
    finally:
        channel_layers.backends.clear()
