"""Health checks, for the load balancer, the process supervisor and the CI smoke test.

- ``GET /livez`` (liveness): the process is up and serving. Touches nothing else, so an
  outage of the database or Redis never gets a working worker restarted; exempt from the
  request limit (``justcity.request_limit``). Always 200 while the process can answer.
- ``GET /readyz`` (readiness), also served as ``GET /healthz``: this worker can serve
  residents. 503 naming the failed checks when the database is unreachable, migrations
  are not all applied, or the static files are missing (without ``collectstatic`` every
  page would be a 500). Redis down is 200 with ``"status": "degraded"``: voting works
  without live updates. **A load balancer routes on this one.**
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid

from asgiref.sync import sync_to_async
from channels.layers import get_channel_layer
from django.conf import settings
from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import ManifestFilesMixin, staticfiles_storage
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder
from django.http import HttpRequest, JsonResponse

logger = logging.getLogger(__name__)

CHECK_TIMEOUT_S = 2.0
# A file every page links: if it cannot be served, no page can.
STATIC_PROBE = "frontend/site.css"
# Migrations seen complete stay so this long (loading the graph costs tens of ms).
MIGRATIONS_CACHE_S = 60.0
_migrations_ok_until = 0.0
_disk_migrations: dict[tuple[str, str], tuple[tuple[str, str], ...]] | None = None


def _database_ok() -> None:
    with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def migrations_on_disk() -> dict[tuple[str, str], tuple[tuple[str, str], ...]]:
    """Every migration the code ships, by (app, name), with what it replaces (a squash),
    read once per process: the code does not change under a running worker. Loading the
    graph imports every migration module, which takes seconds on a loaded machine, so
    the web workers load it at boot (``justcity.gunicorn_conf.post_worker_init``) and a
    readiness probe never waits for it."""
    global _disk_migrations
    if _disk_migrations is None:
        loader = MigrationLoader(None, ignore_no_migrations=True)
        _disk_migrations = {
            key: tuple(migration.replaces) for key, migration in loader.disk_migrations.items()
        }
    return _disk_migrations


def _migrations_applied() -> None:
    """One query: every migration on disk is recorded as applied (a squash counts as
    applied when everything it replaces is)."""
    global _migrations_ok_until
    if time.monotonic() < _migrations_ok_until:
        return
    # The recorder's queryset, not applied_migrations(): that one first lists the tables.
    # No django_migrations table at all raises, which is "down" too.
    recorded = MigrationRecorder(connections[DEFAULT_DB_ALIAS]).migration_qs
    applied = set(recorded.values_list("app", "name"))
    missing = [
        key
        for key, replaces in migrations_on_disk().items()
        if key not in applied and not (replaces and all(r in applied for r in replaces))
    ]
    if missing:
        raise RuntimeError(f"{len(missing)} migration(s) not applied")
    _migrations_ok_until = time.monotonic() + MIGRATIONS_CACHE_S


def _static_files_ok() -> None:
    """The storage pages link through must resolve a known file: with manifest storage
    (production) the manifest names it and the hashed file is in STATIC_ROOT; with the
    finders (development) an app folder holds it."""
    if isinstance(staticfiles_storage, ManifestFilesMixin):
        hashed = staticfiles_storage.stored_name(STATIC_PROBE)  # ValueError: no manifest entry
        if not staticfiles_storage.exists(hashed):
            raise RuntimeError(f"{hashed} is not in STATIC_ROOT (run collectstatic)")
        return
    if staticfiles_storage.exists(STATIC_PROBE):
        return
    if settings.WHITENOISE_USE_FINDERS and finders.find(STATIC_PROBE):
        return
    raise RuntimeError(f"{STATIC_PROBE} cannot be found (run collectstatic)")


def _ready_sync() -> dict[str, str]:
    """The checks that need the database or the disk, in one thread hop."""
    checks: dict[str, str] = {}
    try:
        _database_ok()
        checks["database"] = "ok"
    except Exception as exc:  # any failure means "down"; say which
        logger.warning("readiness: database down: %s", exc)
        checks["database"] = "down"
    if checks["database"] == "ok":
        try:
            _migrations_applied()
            checks["migrations"] = "ok"
        except Exception as exc:
            logger.warning("readiness: migrations: %s", exc)
            checks["migrations"] = "down"
    else:
        checks["migrations"] = "unknown"
    try:
        _static_files_ok()
        checks["static_files"] = "ok"
    except Exception as exc:
        logger.warning("readiness: static files: %s", exc)
        checks["static_files"] = "down"
    # Hand the thread's connections back (to the pool); never one inside a transaction
    # of its caller (tests run each request inside one), which would roll it back.
    for conn in connections.all(initialized_only=True):
        if not conn.in_atomic_block:
            conn.close()
    return checks


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


async def livez(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


async def readyz(request: HttpRequest) -> JsonResponse:
    try:
        checks = await asyncio.wait_for(sync_to_async(_ready_sync)(), CHECK_TIMEOUT_S)
    except TimeoutError:
        logger.warning("readiness: database checks took over %.0f s", CHECK_TIMEOUT_S)
        checks = {"database": "down", "migrations": "unknown", "static_files": "unknown"}
    try:
        await asyncio.wait_for(_channel_layer_ok(), settings.LIVE_REDIS_TIMEOUT)
        checks["channel_layer"] = "ok"
    except Exception as exc:
        logger.warning("readiness: channel layer down (live updates paused): %r", exc)
        checks["channel_layer"] = "down"
    down = sorted(name for name, state in checks.items() if state == "down")
    failing = [name for name in down if name != "channel_layer"]
    status = "down" if failing else "degraded" if down else "ok"
    body: dict[str, object] = {"status": status, "checks": checks}
    if down:
        body["down"] = down
    return JsonResponse(body, status=503 if failing else 200)


# The name CI and earlier deployments use: the readiness check.
healthz = readyz
