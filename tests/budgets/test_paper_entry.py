"""Paper ballots entered by staff: the one service behind the poll-worker screen and the
batch import. Every paper ballot goes through ballot_cast with channel paper."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import Permission
from django.core.exceptions import PermissionDenied

from budgets.ballot_validation import Choice
from budgets.models import Ballot, BallotVoid, Selection
from budgets.selectors import process_turnout, receipt_status
from budgets.services.ballots import BallotInvalid, ballot_cast
from budgets.services.paper import (
    PaperEntryRefused,
    PaperVoter,
    paper_ballot_enter,
    paper_ballot_void,
)
from budgets.tally import tally_process
from core.models import Process
from participation.identity import checked_identity_hash
from participation.models import AuditLog, Resident
from participation.services.voter_codes import voter_codes_issue
from tests.budgets.conftest import citywide, close_voting, project
from tests.factories import ProcessFactory, ResidentFactory, UserFactory

pytestmark = pytest.mark.django_db


def enter(process: Process, voter: PaperVoter, *codes: int, actor: Any = None) -> Any:
    return paper_ballot_enter(
        process=process, voter=voter, marks=[(c, None) for c in codes], actor=actor
    )


def chosen(process: Process) -> list[list[int]]:
    return [
        sorted(b.selections.values_list("project__short_code", flat=True))
        for b in Ballot.objects.filter(process=process).counted().order_by("pk")
    ]


def test_five_paper_ballots_count_in_the_tally_and_the_turnout_one_over_budget_refused(
    voting_process: Process,
) -> None:
    codes = voter_codes_issue(count=5, process=voting_process)
    for code in codes[:4]:
        enter(voting_process, PaperVoter(voter_code=code), 1, 2)
    with pytest.raises(BallotInvalid) as refused:
        enter(voting_process, PaperVoter(voter_code=codes[4]), 3, 4, 5)  # 120k of 100k
    assert [p.code for p in refused.value.problems] == ["over_budget"]
    assert "$20,000 over the limit" in refused.value.problems[0].message()
    assert set(Ballot.objects.values_list("channel", flat=True)) == {"paper"}
    assert process_turnout(voting_process) == 4
    outcome = tally_process(voting_process)[citywide(voting_process).pk]
    assert outcome.explanations["000001"].votes == 4
    assert outcome.explanations["000003"].votes == 0


def test_a_code_entered_twice_is_refused_with_the_time_of_the_first_entry(
    voting_process: Process,
) -> None:
    [code] = voter_codes_issue(count=1, process=voting_process)
    first = enter(voting_process, PaperVoter(voter_code=code), 1)
    with pytest.raises(PaperEntryRefused) as refused:
        enter(voting_process, PaperVoter(voter_code=code.lower()), 2)
    assert refused.value.code == "already_entered"
    assert refused.value.message.startswith("Already entered on paper at ")
    assert first.cast.cast_at.strftime("%Y-%m-%d") in refused.value.message
    assert chosen(voting_process) == [[1]]


def test_unknown_codes_and_codes_of_another_process_are_refused(voting_process: Process) -> None:
    other = ProcessFactory()
    [foreign] = voter_codes_issue(count=1, process=other)
    for voter, code in [
        (PaperVoter(voter_code="2222-3333-4444"), "unknown_code"),
        (PaperVoter(voter_code=foreign), "other_process"),
    ]:
        with pytest.raises(PaperEntryRefused) as refused:
            enter(voting_process, voter, 1)
        assert refused.value.code == code
    assert not Ballot.objects.exists()


def test_a_supervisor_void_stops_the_entry_counting_then_it_is_entered_again(
    voting_process: Process,
) -> None:
    [code] = voter_codes_issue(count=1, process=voting_process)
    voter = PaperVoter(voter_code=code)
    first = enter(voting_process, voter, 1, 2).cast.receipts[0].receipt
    with pytest.raises(PaperEntryRefused, match="reason"):
        paper_ballot_void(process=voting_process, voter=voter, actor=None, reason="  ")
    assert (
        paper_ballot_void(
            process=voting_process, voter=voter, actor=None, reason="typed the wrong sheet"
        )
        == 1
    )

    # Void: counts nowhere, its choices are gone, its receipt says so.
    assert process_turnout(voting_process) == 0
    assert not Selection.objects.exists()
    outcome = tally_process(voting_process)[citywide(voting_process).pk]
    assert outcome.explanations["000001"].votes == 0
    status = receipt_status(first)
    assert status is not None and not status.counted and status.voided_at is not None

    second = enter(voting_process, voter, 3).cast.receipts[0].receipt
    assert chosen(voting_process) == [[3]]
    assert Ballot.objects.count() == 1  # the row is reused
    assert BallotVoid.objects.get().receipt == first
    again = receipt_status(second)
    assert again is not None and again.counted
    first_status = receipt_status(first)
    assert first_status is not None and first_status.voided_at is not None

    actions = list(AuditLog.objects.order_by("pk").values_list("action", flat=True))
    assert actions == ["voter_codes.issue", "paper.enter", "paper.void", "paper.enter"]
    void = AuditLog.objects.get(action="paper.void")
    assert void.data["reason"] == "typed the wrong sheet"
    # The audit names neither the code nor the resident.
    assert code not in str(void.data) and code.replace("-", "") not in str(void.data)


def test_a_void_is_refused_once_results_are_published(voting_process: Process) -> None:
    [code] = voter_codes_issue(count=1, process=voting_process)
    enter(voting_process, PaperVoter(voter_code=code), 1)
    close_voting(voting_process)
    voting_process.results_published_at = voting_process.created_at
    voting_process.save()
    with pytest.raises(PaperEntryRefused) as refused:
        paper_ballot_void(
            process=voting_process, voter=PaperVoter(voter_code=code), actor=None, reason="x"
        )
    assert refused.value.code == "published"


def test_a_checked_identity_creates_one_resident_kept_as_a_keyed_hash_only(
    voting_process: Process,
) -> None:
    voter = PaperVoter(name="José  Pérez", address="12, Main St.")
    enter(voting_process, voter, 1)
    resident = Resident.objects.get()
    assert resident.checked_identity_hash == checked_identity_hash(
        name="jose perez", address="12 main st"
    )
    assert resident.first_channel == "paper"
    stored = " ".join(str(v) for v in Resident.objects.values().get().values())
    assert "Pérez" not in stored and "Main" not in stored
    # The same person typed differently is found, and refused as already entered.
    with pytest.raises(PaperEntryRefused, match="Already entered on paper"):
        enter(voting_process, PaperVoter(name="JOSE PEREZ", address="12 Main St"), 2)
    by_id = PaperVoter(id_number="x-1234 567")
    enter(voting_process, by_id, 2)
    assert Resident.objects.count() == 2
    with pytest.raises(PaperEntryRefused) as incomplete:
        enter(voting_process, PaperVoter(name="Only A Name"), 1)
    assert incomplete.value.code == "identity_incomplete"


def test_a_refused_ballot_of_a_new_identity_creates_no_resident(voting_process: Process) -> None:
    with pytest.raises(BallotInvalid):
        enter(voting_process, PaperVoter(id_number="A1"), 99)
    assert not Resident.objects.exists()


def test_a_paper_ballot_after_a_web_ballot_replaces_it_and_is_final(
    voting_process: Process,
) -> None:
    [code] = voter_codes_issue(count=1, process=voting_process)
    resident = Resident.objects.get()
    web = ballot_cast(
        resident=resident,
        process=voting_process,
        choices=[Choice(project_id=project(voting_process, 5).pk)],
        channel="web",
    ).receipts[0]
    entry = enter(voting_process, PaperVoter(voter_code=code), 1, 2)
    assert entry.replaced_online and entry.cast.replaced_previous
    assert chosen(voting_process) == [[1, 2]]
    old = receipt_status(web.receipt)
    assert old is not None and not old.counted and old.replaced_by_channel == "paper"
    # Online after paper: refused, the paper ballot stands.
    with pytest.raises(BallotInvalid) as refused:
        ballot_cast(
            resident=resident,
            process=voting_process,
            choices=[Choice(project_id=project(voting_process, 3).pk)],
            channel="sms",
        )
    assert [p.code for p in refused.value.problems] == ["paper_is_final"]
    assert "paper ballot is final" in refused.value.problems[0].message()
    assert chosen(voting_process) == [[1, 2]]


def test_entering_needs_the_poll_worker_permission(voting_process: Process) -> None:
    [code] = voter_codes_issue(count=1, process=voting_process)
    clerk = UserFactory()
    with pytest.raises(PermissionDenied):
        enter(voting_process, PaperVoter(voter_code=code), 1, actor=clerk)
    clerk.user_permissions.add(Permission.objects.get(codename="enter_paper_ballots"))
    clerk = type(clerk).objects.get(pk=clerk.pk)  # fresh permission cache
    enter(voting_process, PaperVoter(voter_code=code), 1, actor=clerk)
    with pytest.raises(PermissionDenied):
        paper_ballot_void(
            process=voting_process, voter=PaperVoter(voter_code=code), actor=clerk, reason="x"
        )
    assert AuditLog.objects.get(action="paper.enter").actor == clerk


def test_paper_voters_with_a_neighbourhood_code_vote_in_its_pot(
    voting_process: Process, neighbourhood_factory: Any, pot_factory: Any, project_factory: Any
) -> None:
    north = neighbourhood_factory()
    pot = pot_factory(process=voting_process, neighbourhood=north, name="North", amount=Decimal(50))
    project_factory(process=voting_process, pot=pot, short_code=40, cost=Decimal(20))
    [code] = voter_codes_issue(count=1, process=voting_process, neighbourhood=north)
    entry = enter(voting_process, PaperVoter(voter_code=code), 1, 40)
    assert {r.pot_id for r in entry.cast.receipts} == {citywide(voting_process).pk, pot.pk}
    [stranger] = voter_codes_issue(count=1, process=voting_process)
    with pytest.raises(BallotInvalid) as refused:
        enter(voting_process, PaperVoter(voter_code=stranger), 40)
    assert [p.code for p in refused.value.problems] == ["neighbourhood_needed"]


def test_a_resident_without_code_votes_once_however_often_the_poll_worker_types_them(
    voting_process: Process,
) -> None:
    resident = ResidentFactory()
    enter(voting_process, PaperVoter(phone=resident.phone_e164), 1)
    with pytest.raises(PaperEntryRefused, match="Already entered"):
        enter(voting_process, PaperVoter(phone=resident.phone_e164), 2)
    assert Resident.objects.count() == 1
