"""Liveness (/livez), readiness (/readyz, also /healthz): which outage takes a worker out
of the balancer and which only degrades it. Outages are real: settings pointing at a
closed port in a fresh interpreter, an unmigrated database, an empty STATIC_ROOT."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import Any

import pytest
from channels.layers import channel_layers
from django.core.management import call_command
from django.db import connection
from django.db.migrations.recorder import MigrationRecorder

from tests.conftest import REPO_ROOT

CLOSED_PORT = 1  # nothing listens on port 1 of loopback

# Run requests in a fresh interpreter whose settings point at a service that is down:
# a real refused connection, not a mock.
_PROBE = """
import django, json, sys
django.setup()
from django.test import Client
out = {}
for path in sys.argv[1:]:
    r = Client(HTTP_HOST="127.0.0.1").get(path)
    out[path] = {"status": r.status_code, "body": r.json()}
print(json.dumps(out))
"""


def _probe(*paths: str, **env_overrides: str) -> dict[str, Any]:
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="justcity.settings", **env_overrides)
    env.pop("DJANGO_ENV", None)
    result = subprocess.run(
        [sys.executable, "-c", _PROBE, *paths],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


@pytest.mark.django_db
def test_ready_when_everything_answers(client) -> None:  # type: ignore[no-untyped-def]
    for path in ("/readyz", "/healthz"):
        response = client.get(path)
        assert response.status_code == 200
        assert response.json() == {
            "status": "ok",
            "checks": {
                "database": "ok",
                "migrations": "ok",
                "static_files": "ok",
                "channel_layer": "ok",
            },
        }


def test_database_down_is_not_ready_but_alive() -> None:
    result = _probe(
        "/readyz", "/livez", DATABASE_URL=f"postgres://postgres@127.0.0.1:{CLOSED_PORT}/nowhere"
    )
    assert result["/readyz"]["status"] == 503
    assert result["/readyz"]["body"]["down"] == ["database"]
    assert result["/livez"] == {"status": 200, "body": {"status": "ok"}}


@pytest.fixture
def redis_down(settings):  # type: ignore[no-untyped-def]
    """The Redis channel layer pointed at a closed port: real refused connections."""
    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": [f"redis://127.0.0.1:{CLOSED_PORT}/0"]},
        }
    }
    channel_layers.backends.clear()
    yield
    channel_layers.backends.clear()


@pytest.mark.django_db
def test_redis_down_is_degraded_not_down(client, redis_down) -> None:  # type: ignore[no-untyped-def]
    for path in ("/readyz", "/healthz"):
        response = client.get(path)
        assert response.status_code == 200
        body = response.json()
        assert body["status"] == "degraded"
        assert body["down"] == ["channel_layer"]
        assert body["checks"]["database"] == "ok"


@pytest.mark.django_db
def test_unapplied_migration_is_not_ready(client, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """One migration forgotten (its row gone from django_migrations, inside this test's
    transaction): the worker would serve a schema the code does not expect."""
    monkeypatch.setattr("justcity.health._migrations_ok_until", 0.0)
    MigrationRecorder(connection).migration_qs.filter(app="sms").order_by("-id")[:1].get().delete()
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["down"] == ["migrations"]


@pytest.mark.django_db
def test_missing_collectstatic_is_not_ready_until_collected(client, settings, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Production's manifest storage with an empty STATIC_ROOT (collectstatic not run):
    every page would be a 500, so the worker is not ready; after collectstatic it is."""
    settings.STATIC_ROOT = tmp_path / "static"
    settings.WHITENOISE_USE_FINDERS = False
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "justcity.static_storage.StaticFilesStorage"},
    }
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["down"] == ["static_files"]
    call_command("collectstatic", interactive=False, verbosity=0)
    response = client.get("/readyz")
    assert response.status_code == 200, response.json()
    assert response.json()["checks"]["static_files"] == "ok"


@pytest.mark.django_db
def test_a_warmed_worker_checks_migrations_with_one_query(
    client: Any, monkeypatch: Any, django_assert_num_queries: Any
) -> None:
    """gunicorn's post_worker_init reads the migrations on disk before traffic, so the
    readiness probe itself never loads the graph (seconds under load) and asks the
    database one question about migrations."""
    from justcity import gunicorn_conf, health

    monkeypatch.setattr(health, "_disk_migrations", None)
    monkeypatch.setattr(health, "_migrations_ok_until", 0.0)
    gunicorn_conf.post_worker_init(object())
    on_disk = health.migrations_on_disk()
    assert ("budgets", "0001_initial") in on_disk
    assert health.migrations_on_disk() is on_disk  # read once per process

    with django_assert_num_queries(2):  # SELECT 1, then the applied migrations
        response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json()["checks"]["migrations"] == "ok"


@pytest.mark.django_db
def test_a_warmed_worker_has_its_channel_layer_built(redis_layer_down: None) -> None:
    """A worker's first websocket does not pay for building the channel layer (with
    channels_redis, importing redis' client library) under load."""
    from channels.layers import channel_layers

    from justcity import gunicorn_conf

    gunicorn_conf.post_worker_init(object())
    assert type(channel_layers.backends["default"]).__name__ == "RedisChannelLayer"
