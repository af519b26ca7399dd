"""The small city of the resident-page tests (tests/frontend/conftest.py), for the staff
pages that moderate and cost its ideas."""

from __future__ import annotations

from tests.frontend.conftest import area, city, idea

__all__ = ["area", "city", "idea"]
