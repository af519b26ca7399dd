"""docs/deploy.md lists every environment variable the site reads (issue 12: "every
environment variable"): the names passed to justcity.env's readers and the settings'
own helpers, and those gunicorn_conf reads."""

from __future__ import annotations

import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
# env_str("NAME", ...), env_int(...), _throttle_rate("NAME", ...), os.environ.get("NAME").
_READ = re.compile(r"\b(?:env_[a-z]+|_throttle_rate|os\.environ\.get)\(\s*\"([A-Z][A-Z0-9_]+)\"")
# Read by Django or a tool, not settings to document.
_NOT_SETTINGS = {"DJANGO_SETTINGS_MODULE"}


def _read_names() -> set[str]:
    names: set[str] = set()
    for path in [*(REPO / "justcity").glob("*.py")]:
        names |= set(_READ.findall(path.read_text(encoding="utf-8")))
    return names - _NOT_SETTINGS


def test_every_environment_variable_is_in_the_deploy_guide() -> None:
    names = _read_names()
    # The reader pattern still finds the settings (a rename would silently pass).
    assert {"DATABASE_URL", "WEB_CONCURRENCY", "API_THROTTLE_ANON", "SMS_SEND_LEASE"} <= names
    guide = (REPO / "docs" / "deploy.md").read_text(encoding="utf-8")
    missing = sorted(name for name in names if f"`{name}`" not in guide)
    assert missing == [], f"not in docs/deploy.md's environment table: {missing}"
