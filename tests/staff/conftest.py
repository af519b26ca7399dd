"""The small city of the resident-page tests (tests/frontend/conftest.py), for the staff
pages that moderate and cost its ideas; the voting process of the budgets tests, for the
paper, kiosk, delivery and publishing pages."""

from __future__ import annotations

from typing import Any

import pytest

from tests.budgets.conftest import voting_process
from tests.frontend.conftest import area, city, idea

__all__ = ["area", "city", "idea", "voting_process"]


@pytest.fixture(autouse=True)
def _fast_passwords(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
