"""A paper ballot after an SMS ballot replaces it, and the resident's receipt says so
(on the web and by SMS CHECK); voting again by SMS after paper is refused."""

from __future__ import annotations

import re

import pytest

from budgets.models import Ballot
from budgets.selectors import receipt_status
from budgets.services.paper import PaperVoter, paper_ballot_enter
from tests.sms.conftest import City, Phone

pytestmark = pytest.mark.django_db

RECEIPT = re.compile(r"\b[2-9A-Z]{5}-[2-9A-Z]{5}\b")


def test_a_paper_ballot_after_an_sms_ballot_replaces_it(phone: Phone, city: City) -> None:
    phone.send("AREA 1")
    [voted, *_rest] = phone.send("VOTE 1 5")
    sms_receipts = RECEIPT.findall(voted)
    assert len(sms_receipts) == 2  # city-wide and Northfield

    # At the library the poll worker checks the voter's phone and enters the paper.
    entry = paper_ballot_enter(
        process=city.process,
        voter=PaperVoter(phone=phone.number),
        marks=[(2, None), (5, None)],
        actor=None,
    )
    assert entry.replaced_online
    ballots = Ballot.objects.filter(process=city.process).counted()
    assert ballots.count() == 2
    assert set(ballots.values_list("channel", flat=True)) == {"paper"}
    for receipt in sms_receipts:
        status = receipt_status(receipt)
        assert status is not None and not status.counted
        assert status.replaced_by_channel == "paper"

    [checked] = phone.send(f"CHECK {sms_receipts[0]}")
    assert "replaced by a paper ballot" in checked
    [refused] = phone.send("VOTE 3")
    assert "Vote not recorded" in refused and "paper ballot is final" in refused
    assert set(Ballot.objects.filter(process=city.process).values_list("channel", flat=True)) == {
        "paper"
    }
