"""The small city of the resident-page tests (tests/frontend/conftest.py), shared here:
the participation rules are exercised through the services and the pages alike."""

from __future__ import annotations

from tests.frontend.conftest import area, city, idea, voter, voter_client

__all__ = ["area", "city", "idea", "voter", "voter_client"]
