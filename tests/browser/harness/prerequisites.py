"""What the browser suite needs from the machine (Chromium, axe-core): without it a test
skips locally, and fails in CI, where ``JUSTCITY_REQUIRE_SERVICES`` is set."""

from __future__ import annotations

import os

import pytest


def required() -> bool:
    """CI (JUSTCITY_REQUIRE_SERVICES) must not skip browser tests: a missing browser or
    axe-core there is a failure."""
    return bool(os.environ.get("JUSTCITY_REQUIRE_SERVICES"))


def missing(reason: str) -> None:
    if required():
        pytest.fail(f"{reason} (JUSTCITY_REQUIRE_SERVICES is set: CI must provide it)", False)
    pytest.skip(reason)
