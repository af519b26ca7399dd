"""Where the harness reads and writes: the checkout, and the artifacts folder with
file-safe names for what each test leaves there."""

from __future__ import annotations

import re
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[3]
ARTIFACTS = REPO_ROOT / "test-artifacts" / "browser"


def artifacts_reset() -> None:
    """An empty artifacts folder at the start of the session, so what it holds comes from
    this run only."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for stale in ARTIFACTS.glob("*"):
        if stale.is_file():
            stale.unlink()


def artifact_name(node_name: str) -> str:
    """``test_x[chromium-home]`` → ``test_x-home``: the test's name, file-safe, without
    pytest-playwright's browser parameter (always Chromium here)."""
    name = re.sub(r"\[chromium-?", "[", node_name).replace("[]", "")
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", name).strip("-")
