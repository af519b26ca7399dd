"""``GET /healthz``: 200 when the database and the channel layer answer, else 503
naming what is down. For load balancers and the CI smoke test."""

from __future__ import annotations

import asyncio
import logging
import uuid

from asgiref.sync import sync_to_async
from channels.layers import get_channel_layer
from django.db import connection
from django.http import HttpRequest, JsonResponse

logger = logging.getLogger(__name__)

CHECK_TIMEOUT_S = 2.0


def _database_ok() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


async def _channel_layer_ok() -> None:
    layer = get_channel_layer()
    if layer is None:
        raise RuntimeError("no channel layer configured")
    channel = await layer.new_channel("healthz.")
    token = uuid.uuid4().hex
    await layer.send(channel, {"type": "healthz.ping", "token": token})
    message = await layer.receive(channel)
    if message.get("token") != token:
        raise RuntimeError("channel layer returned a different message")


async def healthz(request: HttpRequest) -> JsonResponse:
    checks: dict[str, str] = {}
    try:
        await asyncio.wait_for(sync_to_async(_database_ok)(), CHECK_TIMEOUT_S)
        checks["database"] = "ok"
    except Exception as exc:  # any failure means "down"; say which
        logger.warning("healthz: database down: %s", exc)
        checks["database"] = "down"
    try:
        await asyncio.wait_for(_channel_layer_ok(), CHECK_TIMEOUT_S)
        checks["channel_layer"] = "ok"
    except Exception as exc:
        logger.warning("healthz: channel layer down: %s", exc)
        checks["channel_layer"] = "down"
    down = sorted(name for name, state in checks.items() if state != "ok")
    body: dict[str, object] = {"status": "ok" if not down else "down", "checks": checks}
    if down:
        body["down"] = down
    return JsonResponse(body, status=503 if down else 200)
