"""Races on PostgreSQL: two poll workers entering the same voter's paper ballot at the
same moment enter it once; the other is told it is already entered."""

from __future__ import annotations

import pytest

from budgets.models import Ballot
from budgets.services.paper import PaperEntryRefused, PaperVoter, paper_ballot_enter
from participation.models import Resident
from participation.services.voter_codes import voter_codes_issue
from tests.budgets.test_ballot_concurrency import run_parallel

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize(
    "voter",
    [None, PaperVoter(name="Ana María Ruiz", address="4 Calle Larga")],
    ids=["voter code", "checked identity seen for the first time"],
)
def test_parallel_entries_of_one_voter_enter_one_ballot(
    voting_process, voter: PaperVoter | None
) -> None:  # type: ignore[no-untyped-def]
    if voter is None:
        [code] = voter_codes_issue(count=1, process=voting_process)
        voter = PaperVoter(voter_code=code)

    def work(i: int) -> object:
        return paper_ballot_enter(
            process=voting_process, voter=voter, marks=[(1 + i % 5, None)], actor=None
        )

    results = run_parallel(8, work)
    refused = [r for r in results if isinstance(r, PaperEntryRefused)]
    entered = [r for r in results if not isinstance(r, Exception)]
    assert len(entered) == 1, results
    assert len(refused) == 7 and all(r.code == "already_entered" for r in refused)
    assert Ballot.objects.counted().count() == 1
    assert Resident.objects.count() == 1
