"""A database outage is a 503 with Retry-After on pages, the API and the SMS webhook,
never a 500; a text that met the outage is stored nowhere, so Twilio's retry of the
same MessageSid is processed afresh, once; the workers wait the outage out. Outages are
real: a fresh interpreter whose DATABASE_URL points at a closed port."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import Any

import pytest

from budgets.models import Ballot
from sms.models import InboundMessage
from tests.conftest import REPO_ROOT

DEAD_DATABASE = "postgres://postgres@127.0.0.1:1/nowhere"

_PROBE = """
import django, json
django.setup()
from django.test import Client
from sms.backends.twilio import compute_signature
client = Client(HTTP_HOST="127.0.0.1", raise_request_exception=False)
out = {}
for path in ("/", "/processes/riverbend-2027/", "/api/processes/"):
    r = client.get(path)
    out[path] = [r.status_code, r.get("Retry-After")]
form = {"MessageSid": "SMoutage0001", "From": "+14155550123", "To": "+15005550006",
        "Body": "VOTE 1"}
url = "https://pb.example.org/sms/twilio/inbound/"
r = client.post("/sms/twilio/inbound/", form,
                HTTP_X_TWILIO_SIGNATURE=compute_signature(auth_token="tok", url=url, params=form))
out["webhook"] = [r.status_code, r.get("Retry-After")]
print(json.dumps(out))
"""


def _run(args: list[str], timeout: float, **env: str) -> subprocess.CompletedProcess[str]:
    full = dict(os.environ, DJANGO_SETTINGS_MODULE="justcity.settings", **env)
    full.pop("DJANGO_ENV", None)
    return subprocess.run(
        args, cwd=REPO_ROOT, env=full, capture_output=True, text=True, timeout=timeout
    )


def test_database_outage_is_503_with_retry_after_everywhere() -> None:
    result = _run(
        [sys.executable, "-c", _PROBE],
        120,
        DATABASE_URL=DEAD_DATABASE,
        TWILIO_AUTH_TOKEN="tok",
        PUBLIC_BASE_URL="https://pb.example.org",
    )
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout.strip().splitlines()[-1])
    assert out == {
        "/": [503, "5"],
        "/processes/riverbend-2027/": [503, "5"],
        "/api/processes/": [503, "5"],
        "webhook": [503, "5"],
    }


def test_a_text_that_met_an_outage_is_processed_once_when_twilio_retries(
    client: Any, settings: Any, db: None
) -> None:
    """The first delivery met the outage (503 above: nothing stored under its id); the
    retry with the same MessageSid is processed afresh, and a second retry is a replay."""
    from tests.sms.conftest import AUTH_TOKEN, PUBLIC_BASE_URL, Phone

    settings.ROOT_URLCONF = "tests.sms.urls"
    settings.TWILIO_AUTH_TOKEN = AUTH_TOKEN
    settings.PUBLIC_BASE_URL = PUBLIC_BASE_URL
    phone = Phone(client, "+14155550123")
    assert not InboundMessage.objects.filter(message_sid="SMoutage0001").exists()
    first = phone.send("HELLO", sid="SMoutage0001")
    again = phone.send("HELLO", sid="SMoutage0001")
    assert first == again
    assert InboundMessage.objects.filter(message_sid="SMoutage0001").count() == 1
    assert InboundMessage.objects.get(message_sid="SMoutage0001").status == "processed"
    assert not Ballot.objects.exists()


@pytest.mark.parametrize(
    "command",
    [
        ["manage.py", "sms_send_due", "--loop", "--interval", "0.5"],
        ["manage.py", "db_worker", "--no-reload", "--interval", "0.5", "--no-startup-delay"],
    ],
)
def test_workers_wait_out_a_database_outage_instead_of_exiting(command: list[str]) -> None:
    """Against a database that refuses connections the worker logs and retries with
    backoff; it is still running when we stop it."""
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="justcity.settings")
    env.pop("DJANGO_ENV", None)
    env.update(
        DATABASE_URL=DEAD_DATABASE,
        TASKS_BACKEND="django_tasks_db.DatabaseBackend",
        PYTHONUNBUFFERED="1",
    )
    worker = subprocess.Popen(
        [sys.executable, *command],
        cwd=REPO_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        with pytest.raises(subprocess.TimeoutExpired):
            worker.wait(timeout=60)
    finally:
        worker.terminate()
        output, _ = worker.communicate(timeout=30)
    assert "database unavailable" in output, output
    assert "Traceback" not in output.split("database unavailable")[0], output
