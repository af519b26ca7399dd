from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from tests.conftest import REPO_ROOT

# Run a request in a fresh interpreter whose settings point at a service that is down:
# a real refused connection, not a mock.
_PROBE = """
import django, json
django.setup()
from django.test import Client
r = Client(HTTP_HOST="127.0.0.1").get("/healthz")
print(json.dumps({"status": r.status_code, "body": r.json()}))
"""


def _probe(**env_overrides: str) -> dict[str, object]:
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="justcity.settings", **env_overrides)
    env.pop("DJANGO_ENV", None)
    result = subprocess.run(
        [sys.executable, "-c", _PROBE],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


@pytest.mark.django_db
def test_healthz_ok(client) -> None:  # type: ignore[no-untyped-def]
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["checks"] == {"database": "ok", "channel_layer": "ok"}


def test_healthz_503_names_database_when_down() -> None:
    result = _probe(DATABASE_URL="postgres://postgres@127.0.0.1:1/nowhere")
    assert result["status"] == 503
    assert result["body"]["down"] == ["database"]  # type: ignore[index]


def test_healthz_503_names_channel_layer_when_redis_down(tmp_path) -> None:  # type: ignore[no-untyped-def]
    result = _probe(
        REDIS_URL="redis://127.0.0.1:1/0", DATABASE_URL=f"sqlite:///{tmp_path}/h.sqlite3"
    )
    assert result["status"] == 503
    assert result["body"]["down"] == ["channel_layer"]  # type: ignore[index]
