from __future__ import annotations

from typing import Any

import pytest

from tests.budgets.conftest import voting_process  # noqa: F401 - a shared fixture


@pytest.fixture(autouse=True)
def _fast_passwords(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
