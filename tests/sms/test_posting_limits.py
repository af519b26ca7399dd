"""The posting limit reaches SMS too: IDEA and COMMENT call the same services as the web,
so a number that floods ideas is told why, in words, and nothing more is stored."""

from __future__ import annotations

from typing import Any

import pytest

from participation.models import Proposal
from tests.sms.conftest import City, Phone

pytestmark = pytest.mark.django_db


def test_a_flood_of_ideas_by_sms_is_refused_with_the_wait(
    settings: Any, phone: Phone, city: City
) -> None:
    settings.IDEAS_PER_HOUR = 2
    phone.send("IDEA Benches in the park")
    phone.send("1")  # which neighbourhood: Northfield (then remembered)
    phone.send("IDEA More trees")
    assert Proposal.objects.count() == 2
    reply = phone.send("IDEA Yet another idea")[0]
    assert "You have sent 2 ideas in the last hour, the most allowed." in reply
    assert "You can post again in 60 minutes." in reply
    assert Proposal.objects.count() == 2
