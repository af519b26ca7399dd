"""The live-events thread: one event loop for its life (so one Redis connection), turnout
sent at most once per LIVE_BATCH_SECONDS with the latest count, other events at once and
in order, and sending that resumes by itself after the channel layer failed or hung.

Most tests send through ``RecordingLayer``, a channel layer of our own configured like
any other backend, which remembers each send and the loop it ran on; the Redis ones
use a private redis-server on its own port, killed and frozen for real."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import itertools
import shutil
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from asgiref.sync import async_to_sync
from channels.layers import BaseChannelLayer, channel_layers, get_channel_layer
from django.db import connections

from bench.harness import PrivateRedis, free_port
from core.live import (
    Deliver,
    LiveDispatcher,
    LiveEvent,
    broadcast_on_commit,
    broadcast_to_group,
    live_dispatcher,
    live_events_wait,
    process_group,
)
from core.models import Process

pytestmark = pytest.mark.django_db

Capture = Callable[..., Any]

# Process ids no other test uses: each test's groups start with no send behind them.
_process_ids = itertools.count(9_000_000)


@dataclass
class Sent:
    group: str
    event: LiveEvent
    loop: asyncio.AbstractEventLoop
    at: float


class RecordingLayer(BaseChannelLayer):
    """Remembers every ``group_send`` and the event loop it ran on. ``mode`` "fail"
    refuses as a Redis that is down does; "hang" never answers, as a frozen one."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.sent: list[Sent] = []
        self.mode = "ok"

    async def group_send(self, group: str, message: dict[str, Any]) -> None:
        if self.mode == "fail":
            raise ConnectionError("Connection refused")
        if self.mode == "hang":
            await asyncio.Event().wait()
        loop = asyncio.get_running_loop()
        self.sent.append(Sent(group, message["event"], loop, time.monotonic()))


def _use_layers(layers: dict[str, Any], settings: Any) -> Any:
    settings.CHANNEL_LAYERS = layers
    channel_layers.backends.clear()
    return get_channel_layer()


@pytest.fixture
def recording(settings: Any) -> Iterator[RecordingLayer]:
    live_events_wait()
    layer = _use_layers({"default": {"BACKEND": "tests.core.test_live.RecordingLayer"}}, settings)
    assert isinstance(layer, RecordingLayer)
    yield layer
    layer.mode = "ok"
    live_events_wait()
    channel_layers.backends.clear()


def _announce(
    capture: Capture,
    process_id: int,
    event: LiveEvent | Callable[[], LiveEvent],
    coalesce: str | None = None,
) -> float:
    """``broadcast_on_commit`` in a committed transaction, as a service calls it;
    the seconds the commit took (what the request would wait)."""
    started = time.monotonic()
    with capture(execute=True):
        broadcast_on_commit(process_id, event, coalesce=coalesce)
    return time.monotonic() - started


def _turnout(ballots: int) -> LiveEvent:
    return {"kind": "turnout", "data": {"ballots": ballots}}


def _comment(number: int) -> LiveEvent:
    return {"kind": "comment", "data": {"proposal": 1, "comment": number, "parent": None}}


def test_every_event_is_sent_on_the_live_threads_one_event_loop(
    recording: RecordingLayer, django_capture_on_commit_callbacks: Capture
) -> None:
    process_id = next(_process_ids)
    _announce(django_capture_on_commit_callbacks, process_id, _comment(1))
    assert live_events_wait()
    _announce(django_capture_on_commit_callbacks, process_id, _comment(2))
    assert live_events_wait()
    first, second = recording.sent
    # One loop, kept open between sends: channels_redis keeps its connections per loop.
    assert first.loop is second.loop is live_dispatcher().loop
    assert not first.loop.is_closed()
    assert [s.event for s in recording.sent] == [_comment(1), _comment(2)]


def test_turnouts_within_an_interval_are_counted_and_sent_once_with_the_latest(
    recording: RecordingLayer, django_capture_on_commit_callbacks: Capture, settings: Any
) -> None:
    settings.LIVE_BATCH_SECONDS = 0.5
    process_id = next(_process_ids)
    built: list[int] = []

    def turnout(ballots: int) -> Callable[[], LiveEvent]:
        def build() -> LiveEvent:
            built.append(ballots)
            return _turnout(ballots)

        return build

    for ballots in range(1, 11):
        _announce(django_capture_on_commit_callbacks, process_id, turnout(ballots), "turnout")
    assert live_events_wait()
    # The first after a quiet interval goes at once; the nine behind it wait out the
    # interval and only the latest is built (one count) and sent.
    assert built == [1, 10]
    first, latest = recording.sent
    assert (first.event, latest.event) == (_turnout(1), _turnout(10))
    assert latest.at - first.at >= 0.5
    assert first.group == latest.group == process_group(process_id)


def test_each_process_has_its_own_interval(
    recording: RecordingLayer, django_capture_on_commit_callbacks: Capture, settings: Any
) -> None:
    settings.LIVE_BATCH_SECONDS = 0.5
    here, there = next(_process_ids), next(_process_ids)
    _announce(django_capture_on_commit_callbacks, here, _turnout(1), "turnout")
    _announce(django_capture_on_commit_callbacks, there, _turnout(7), "turnout")
    assert live_events_wait()
    assert [(s.group, s.event) for s in recording.sent] == [
        (process_group(here), _turnout(1)),
        (process_group(there), _turnout(7)),
    ]
    assert recording.sent[1].at - recording.sent[0].at < 0.5


def test_other_events_keep_their_order_and_never_wait_for_the_interval(
    recording: RecordingLayer, django_capture_on_commit_callbacks: Capture, settings: Any
) -> None:
    settings.LIVE_BATCH_SECONDS = 1.0
    process_id = next(_process_ids)
    for number in range(20):
        _announce(django_capture_on_commit_callbacks, process_id, _comment(number))
        _announce(django_capture_on_commit_callbacks, process_id, _turnout(number), "turnout")
    assert live_events_wait()
    comments = [s for s in recording.sent if s.event["kind"] == "comment"]
    turnouts = [s for s in recording.sent if s.event["kind"] == "turnout"]
    assert [s.event for s in comments] == [_comment(n) for n in range(20)]
    assert [s.event for s in turnouts] == [_turnout(0), _turnout(19)]
    # Every comment went out before the held turnout's interval was over.
    assert comments[-1].at < turnouts[-1].at
    assert comments[-1].at - turnouts[0].at < 1.0


def test_sending_resumes_by_itself_after_the_layer_failed_or_hung(
    recording: RecordingLayer, django_capture_on_commit_callbacks: Capture, settings: Any
) -> None:
    settings.LIVE_REDIS_TIMEOUT = 0.2
    process_id = next(_process_ids)
    dispatcher = live_dispatcher()
    _announce(django_capture_on_commit_callbacks, process_id, _comment(1))
    assert live_events_wait()
    failed = dispatcher.failed
    for number, mode in ((2, "fail"), (3, "hang")):
        recording.mode = mode
        # The write's commit never waits for the layer, even a hung one.
        assert _announce(django_capture_on_commit_callbacks, process_id, _comment(number)) < 0.1
        started = time.monotonic()
        assert live_events_wait()
        assert time.monotonic() - started < 1.0  # bounded by LIVE_REDIS_TIMEOUT
    assert dispatcher.failed == failed + 2
    recording.mode = "ok"
    _announce(django_capture_on_commit_callbacks, process_id, _comment(4))
    assert live_events_wait()
    assert [s.event for s in recording.sent] == [_comment(1), _comment(4)]
    assert recording.sent[0].loop is recording.sent[1].loop


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_live_thread_gives_its_database_connection_back_when_idle(
    recording: RecordingLayer, django_capture_on_commit_callbacks: Capture
) -> None:
    """With the pool, a connection the live thread keeps is one requests cannot have."""
    wrappers = []

    def turnout() -> LiveEvent:
        wrappers.append(connections["default"])  # the live thread's own
        return _turnout(Process.objects.count())

    _announce(django_capture_on_commit_callbacks, next(_process_ids), turnout, "turnout")
    assert live_events_wait()
    [wrapper] = wrappers
    assert recording.sent[0].event == _turnout(0)
    assert wrapper.connection is None


# --- a real Redis, killed and frozen ---------------------------------------------------


@pytest.fixture
def private_redis(tmp_path: Path) -> Iterator[PrivateRedis]:
    if not shutil.which("redis-server"):
        pytest.skip("redis-server is not installed")
    (tmp_path / "logs").mkdir()
    server = PrivateRedis(tmp_path, free_port())
    server.start()
    yield server
    server.stop()


@pytest.fixture
def redis_layer(private_redis: PrivateRedis, settings: Any) -> Iterator[Any]:
    """The production layer configuration, pointed at the private Redis."""
    live_events_wait()
    settings.LIVE_REDIS_TIMEOUT = 0.5
    layer = _use_layers(
        {
            "default": {
                "BACKEND": "channels_redis.core.RedisChannelLayer",
                "CONFIG": {
                    "hosts": [
                        {
                            "address": private_redis.url,
                            "socket_connect_timeout": 0.5,
                            "socket_timeout": 7,
                        }
                    ]
                },
            }
        },
        settings,
    )
    yield layer
    live_events_wait(10)
    channel_layers.backends.clear()


def _listen(layer: Any, group: str) -> str:
    channel = f"livetest.{group}"
    async_to_sync(layer.group_add)(group, channel)
    return channel


def _received(layer: Any, channel: str) -> LiveEvent:
    async def receive() -> dict[str, Any]:
        return await asyncio.wait_for(layer.receive(channel), 5)

    event: LiveEvent = async_to_sync(receive)()["event"]
    return event


def _connections_received(server: PrivateRedis) -> int:
    import redis

    client = redis.Redis(port=server.port)
    try:
        return int(client.info("stats")["total_connections_received"])
    finally:
        client.close()


@pytest.mark.redis
def test_one_redis_connection_carries_every_event(
    redis_layer: Any, private_redis: PrivateRedis, django_capture_on_commit_callbacks: Capture
) -> None:
    process_id = next(_process_ids)
    channel = _listen(redis_layer, process_group(process_id))
    _announce(django_capture_on_commit_callbacks, process_id, _comment(0))
    assert live_events_wait()
    # Each count below opens one connection of its own, the live thread none.
    before = _connections_received(private_redis)
    for number in range(1, 6):
        _announce(django_capture_on_commit_callbacks, process_id, _comment(number))
        assert live_events_wait()
    assert _connections_received(private_redis) == before + 1
    assert [_received(redis_layer, channel) for _ in range(6)] == [_comment(n) for n in range(6)]


@pytest.mark.redis
def test_sending_resumes_after_redis_is_killed_or_frozen(
    redis_layer: Any, private_redis: PrivateRedis, django_capture_on_commit_callbacks: Capture
) -> None:
    process_id = next(_process_ids)
    group = process_group(process_id)
    dispatcher = live_dispatcher()
    channel = _listen(redis_layer, group)
    _announce(django_capture_on_commit_callbacks, process_id, _comment(1))
    assert live_events_wait()
    assert _received(redis_layer, channel) == _comment(1)

    failed = dispatcher.failed
    private_redis.kill()
    assert _announce(django_capture_on_commit_callbacks, process_id, _comment(2)) < 0.1
    assert live_events_wait(10)
    assert dispatcher.failed == failed + 1
    private_redis.start()
    channel = _listen(redis_layer, group)  # a new server: the group is empty again
    _announce(django_capture_on_commit_callbacks, process_id, _comment(3))
    assert live_events_wait(10)
    assert _received(redis_layer, channel) == _comment(3)

    private_redis.freeze()
    try:
        assert _announce(django_capture_on_commit_callbacks, process_id, _comment(4)) < 0.1
        started = time.monotonic()
        assert live_events_wait(10)
        assert time.monotonic() - started < 2.0  # LIVE_REDIS_TIMEOUT is 0.5 s here
        assert dispatcher.failed == failed + 2
    finally:
        private_redis.thaw()
    _announce(django_capture_on_commit_callbacks, process_id, _comment(5))
    assert live_events_wait(10)
    assert _received(redis_layer, channel) == _comment(5)


def _receive_all(layer: Any, channel: str, *, quiet: float) -> list[LiveEvent]:
    """Every event on ``channel`` until none comes for ``quiet`` seconds."""

    async def receive() -> list[LiveEvent]:
        got = []
        with contextlib.suppress(TimeoutError):
            while True:
                message = await asyncio.wait_for(layer.receive(channel), quiet)
                got.append(message["event"])
        return got

    events: list[LiveEvent] = async_to_sync(receive)()
    return events


@dataclass
class TwoWorkers:
    """Two web workers' dispatchers (each worker process has its own) on one Redis,
    and a listener on the group they send to."""

    group: str
    channel: str
    first: LiveDispatcher
    second: LiveDispatcher
    deliver: Deliver


@pytest.fixture
def two_workers(redis_layer: Any, settings: Any) -> TwoWorkers:
    settings.LIVE_BATCH_SECONDS = 0.5
    group = process_group(next(_process_ids))
    return TwoWorkers(
        group=group,
        channel=_listen(redis_layer, group),
        first=LiveDispatcher(),
        second=LiveDispatcher(),
        deliver=functools.partial(broadcast_to_group, group),
    )


@pytest.mark.redis
def test_the_turnout_interval_is_shared_by_every_process_on_redis(
    redis_layer: Any, two_workers: TwoWorkers
) -> None:
    """Each web worker has a dispatcher of its own; two of them here. A turnout held by
    the second while the first's interval runs waits for that interval to end, so
    the group gets one turnout per interval, not one per worker."""
    group, channel, deliver = two_workers.group, two_workers.channel, two_workers.deliver
    first, second = two_workers.first, two_workers.second
    first.submit(group, _turnout(1), "turnout", deliver)
    assert first.wait_idle(5)
    started = time.monotonic()
    second.submit(group, _turnout(2), "turnout", deliver)
    assert second.wait_idle(5)
    # Alone, the second would have sent at once: it never sent for this group.
    assert time.monotonic() - started >= 0.4  # the interval, less the first's own send
    assert _receive_all(redis_layer, channel, quiet=1.0) == [_turnout(1), _turnout(2)]
    assert first.merged == second.merged == 0


@pytest.mark.redis
def test_a_turnout_built_after_another_process_claimed_is_not_sent_again(
    redis_layer: Any, two_workers: TwoWorkers
) -> None:
    """The second worker's turnout waits out the first's interval; by then the first
    has claimed the next interval for a later ballot, and the turnout it builds (after
    that claim) counts the second's too: the second sends nothing."""
    group, channel, deliver = two_workers.group, two_workers.channel, two_workers.deliver
    first, second = two_workers.first, two_workers.second
    first.submit(group, _turnout(1), "turnout", deliver)
    assert first.wait_idle(5)
    second.submit(group, _turnout(2), "turnout", deliver)
    # Held by the second until the first's interval ends; the first's next turnout is
    # due at the same moment, from its own last send, and claims it first.
    time.sleep(0.1)
    first.submit(group, _turnout(3), "turnout", deliver)
    assert first.wait_idle(5) and second.wait_idle(5)
    events = _receive_all(redis_layer, channel, quiet=1.0)
    assert events[0] == _turnout(1)
    assert len(events) == 2, events
    assert first.merged + second.merged == 1
