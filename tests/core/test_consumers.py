"""A process's live events reach a websocket client, through the in-memory layer locally
and through the Redis channel layer in CI."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import time

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


async def test_socket_accepted_with_live_updates_paused_when_the_channel_layer_is_down(
    redis_layer_down: None,
) -> None:
    """Redis unreachable (a closed port): the socket opens all the same and says that
    live updates are paused; the page's own content never depended on it."""
    process = await sync_to_async(ProcessFactory)()
    communicator = WebsocketCommunicator(
        application, f"/ws/processes/{process.pk}/", headers=[(b"origin", b"http://127.0.0.1")]
    )
    connected, _ = await communicator.connect(timeout=10)
    assert connected
    assert await communicator.receive_json_from(timeout=5) == {"type": "status", "live": False}
    await communicator.send_json_to({"type": "ping"})
    assert await communicator.receive_json_from(timeout=5) == {"type": "pong"}
    await communicator.disconnect()


@pytest.mark.redis
async def test_live_updates_resume_when_redis_comes_back(tmp_path, settings) -> None:  # type: ignore[no-untyped-def]
    """A private Redis on its own port, killed while a socket is open, then started
    again: the socket stays open, says paused, then live, and events flow again."""
    port = _free_port()

    def start_redis() -> subprocess.Popen[bytes]:
        server = subprocess.Popen(
            ["redis-server", "--port", str(port), "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
        )
        for _ in range(50):
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port)):
                return server
            time.sleep(0.1)
        raise RuntimeError("redis-server did not start")

    server = start_redis()
    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": [f"redis://127.0.0.1:{port}/0"]},
        }
    }
    channel_layers.backends.clear()
    try:
        process = await sync_to_async(ProcessFactory)()
        communicator = WebsocketCommunicator(
            application, f"/ws/processes/{process.pk}/", headers=[(b"origin", b"http://127.0.0.1")]
        )
        connected, _ = await communicator.connect(timeout=10)
        assert connected
        server.kill()
        server.wait()
        assert await communicator.receive_json_from(timeout=15) == {"type": "status", "live": False}
        server = start_redis()
        assert await communicator.receive_json_from(timeout=30) == {"type": "status", "live": True}
        delivered = await sync_to_async(broadcast)(
            process.pk, {"kind": "turnout", "data": {"ballots": 3}}
        )
        assert delivered
        assert await communicator.receive_json_from(timeout=5) == {
            "type": "event",
            "kind": "turnout",
            "data": {"ballots": 3},
        }
        await communicator.disconnect()
    finally:
        server.kill()
        server.wait()
        channel_layers.backends.clear()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def test_a_live_event_is_relayed_without_a_trip_to_a_thread(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Every event reaches every open socket: channels' stock dispatch sends each one
    through close_old_connections() in a thread first. Ours relays it on the loop."""
    import channels.consumer

    hops: list[str] = []

    async def spy() -> None:
        hops.append("close_old_connections")

    monkeypatch.setattr(channels.consumer, "aclose_old_connections", spy)
    process = await sync_to_async(ProcessFactory)()
    communicator = WebsocketCommunicator(
        application, f"/ws/processes/{process.pk}/", headers=[(b"origin", b"http://127.0.0.1")]
    )
    connected, _ = await communicator.connect()
    assert connected
    for n in range(3):
        await sync_to_async(broadcast)(process.pk, {"kind": "turnout", "data": {"ballots": n}})
        event = await communicator.receive_json_from(timeout=5)
        assert event["data"] == {"ballots": n}
    await communicator.disconnect()
    assert hops == []
