from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone
from django.utils.translation import override

from budgets.ballot_validation import Choice
from budgets.models import Ballot, CastLog, Selection
from budgets.pseudonyms import ballot_pseudonym
from budgets.selectors import receipt_status
from budgets.services.ballots import BallotInvalid, ballot_cast
from core.live import live_events_wait
from core.models import BallotType, PhaseKind
from participation.models import Resident
from tests.budgets.conftest import citywide, project
from tests.factories import NeighbourhoodFactory, PotFactory, ProjectFactory, ResidentFactory

pytestmark = pytest.mark.django_db


def cast(resident, process, *codes: int, channel: str = "web", points=None):  # type: ignore[no-untyped-def]
    choices = [
        Choice(project_id=project(process, c).pk, points=(points or {}).get(c, 1)) for c in codes
    ]
    return ballot_cast(resident=resident, process=process, choices=choices, channel=channel)


def codes_of(problem_list: list) -> list[str]:  # type: ignore[type-arg]
    return [p.code for p in problem_list]


def test_cast_within_budget_records_one_ballot_and_receipt(voting_process) -> None:  # type: ignore[no-untyped-def]
    resident = ResidentFactory()
    result = cast(resident, voting_process, 1, 2, 3)
    (receipt,) = result.receipts
    assert receipt.total_cost == Decimal("60000")
    assert receipt.remaining == Decimal("40000")
    assert receipt.project_codes == (1, 2, 3)
    assert not receipt.replaced_previous
    ballot = Ballot.objects.get()
    assert ballot.receipt == receipt.receipt
    assert ballot.voter == ballot_pseudonym(resident_id=resident.pk, pot_id=ballot.pot_id)
    assert sorted(Selection.objects.values_list("project__short_code", flat=True)) == [1, 2, 3]
    assert CastLog.objects.get().receipt == receipt.receipt


def test_ballot_row_holds_no_reference_to_the_resident(voting_process) -> None:  # type: ignore[no-untyped-def]
    fields = {f.name for f in Ballot._meta.get_fields()}
    assert "resident" not in fields
    assert not any(
        getattr(f, "related_model", None) and f.related_model.__name__ == "Resident"
        for f in Ballot._meta.get_fields()
    )


def test_revote_replaces_previous_ballot(voting_process) -> None:  # type: ignore[no-untyped-def]
    resident = ResidentFactory()
    first = cast(resident, voting_process, 1, 2).receipts[0]
    second = cast(resident, voting_process, 5, channel="sms").receipts[0]
    assert second.replaced_previous
    assert Ballot.objects.count() == 1
    assert list(Selection.objects.values_list("project__short_code", flat=True)) == [5]
    assert CastLog.objects.count() == 2
    old = receipt_status(first.receipt)
    new = receipt_status(second.receipt)
    assert old is not None and not old.counted and old.replaced_at is not None
    assert new is not None and new.counted and new.channel == "sms"


def test_receipt_check_accepts_typing_variants_and_reveals_no_choices(voting_process) -> None:  # type: ignore[no-untyped-def]
    code = cast(ResidentFactory(), voting_process, 1).receipts[0].receipt
    status = receipt_status(f" {code[:5].lower()}-{code[5:]} ")
    assert status is not None and status.counted
    assert not hasattr(status, "selections") and not hasattr(status, "projects")
    assert receipt_status("NOPE") is None
    assert receipt_status("") is None


def test_over_budget_is_refused_with_amounts(voting_process) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(BallotInvalid) as excinfo:
        cast(ResidentFactory(), voting_process, 3, 4, 5)
    (problem,) = excinfo.value.problems
    assert problem.code == "over_budget"
    assert problem.params["over"] == "$20,000"
    assert "$120,000" in problem.message() and "$100,000" in problem.message()
    assert not Ballot.objects.exists()


def test_unknown_and_duplicate_projects(voting_process, project_factory) -> None:  # type: ignore[no-untyped-def]
    other = project_factory(short_code=99)  # another process
    resident = ResidentFactory()
    with pytest.raises(BallotInvalid) as excinfo:
        ballot_cast(
            resident=resident,
            process=voting_process,
            choices=[
                Choice(project(voting_process, 1).pk),
                Choice(project(voting_process, 1).pk),
                Choice(other.pk),
            ],
            channel="web",
        )
    assert set(codes_of(excinfo.value.problems)) == {"unknown_project", "duplicate_project"}


def test_empty_ballot_refused(voting_process) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(BallotInvalid) as excinfo:
        ballot_cast(resident=ResidentFactory(), process=voting_process, choices=[], channel="web")
    assert "empty" in codes_of(excinfo.value.problems)


def test_k_of_n_limits(voting_process) -> None:  # type: ignore[no-untyped-def]
    voting_process.ballot_type = BallotType.K_OF_N
    voting_process.min_projects = 2
    voting_process.max_projects = 3
    voting_process.save()
    resident = ResidentFactory()
    with pytest.raises(BallotInvalid) as few:
        cast(resident, voting_process, 1)
    assert codes_of(few.value.problems) == ["too_few"]
    with pytest.raises(BallotInvalid) as many:
        cast(resident, voting_process, 1, 2, 3, 4)
    assert codes_of(many.value.problems) == ["too_many"]
    assert "at most 3 projects (you chose 4)" in many.value.problems[0].message()
    assert cast(resident, voting_process, 1, 2).receipts


def test_cumulative_points_limits(voting_process) -> None:  # type: ignore[no-untyped-def]
    voting_process.ballot_type = BallotType.CUMULATIVE
    voting_process.max_points_per_project = 3
    voting_process.max_total_points = 5
    voting_process.save()
    resident = ResidentFactory()
    with pytest.raises(BallotInvalid) as excinfo:
        cast(resident, voting_process, 1, 2, points={1: 4, 2: 2})
    assert set(codes_of(excinfo.value.problems)) == {"points_per_project", "points_total"}
    with pytest.raises(BallotInvalid) as zero:
        cast(resident, voting_process, 1, points={1: 0})
    assert codes_of(zero.value.problems) == ["points_invalid"]
    cast(resident, voting_process, 1, 2, points={1: 3, 2: 2})
    assert sorted(Selection.objects.values_list("points", flat=True)) == [2, 3]


def test_ranked_ballot_stores_ranks_in_order(voting_process) -> None:  # type: ignore[no-untyped-def]
    voting_process.ballot_type = BallotType.RANKED
    voting_process.max_projects = 3
    voting_process.save()
    cast(ResidentFactory(), voting_process, 4, 2, 5)
    ranks = dict(Selection.objects.values_list("project__short_code", "rank"))
    assert ranks == {4: 1, 2: 2, 5: 3}


def test_voting_closed_and_not_open(voting_process) -> None:  # type: ignore[no-untyped-def]
    phase = voting_process.phases.get(kind=PhaseKind.VOTING)
    phase.starts_at = timezone.now() + dt.timedelta(hours=1)
    phase.ends_at = timezone.now() + dt.timedelta(hours=2)
    phase.save()
    with pytest.raises(BallotInvalid) as early:
        cast(ResidentFactory(), voting_process, 1)
    assert codes_of(early.value.problems) == ["voting_not_open"]
    phase.starts_at = timezone.now() - dt.timedelta(hours=2)
    phase.ends_at = timezone.now() - dt.timedelta(microseconds=1)
    phase.save()
    with pytest.raises(BallotInvalid) as late:
        cast(ResidentFactory(), voting_process, 1)
    assert codes_of(late.value.problems) == ["voting_closed"]


def test_cast_at_the_closing_instant_is_decided_by_server_time(voting_process, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """The window is [starts_at, ends_at): the closing instant itself is closed, one
    microsecond before it is open. Only the server clock is consulted."""
    phase = voting_process.phases.get(kind=PhaseKind.VOTING)
    closing = phase.ends_at
    monkeypatch.setattr(
        "budgets.services.ballots.timezone.now", lambda: closing - dt.timedelta(microseconds=1)
    )
    assert cast(ResidentFactory(), voting_process, 1).receipts
    monkeypatch.setattr("budgets.services.ballots.timezone.now", lambda: closing)
    with pytest.raises(BallotInvalid) as excinfo:
        cast(ResidentFactory(), voting_process, 1)
    assert codes_of(excinfo.value.problems) == ["voting_closed"]


def test_neighbourhood_pots_need_the_residents_neighbourhood(voting_process) -> None:  # type: ignore[no-untyped-def]
    north, south = NeighbourhoodFactory(), NeighbourhoodFactory()
    north_pot = PotFactory(process=voting_process, neighbourhood=north, name="North", amount=50_000)
    PotFactory(process=voting_process, neighbourhood=south, name="South", amount=50_000)
    local = ProjectFactory(pot=north_pot, process=voting_process, short_code=10, cost=20_000)
    nowhere = ResidentFactory(neighbourhood=None)
    southerner = ResidentFactory(neighbourhood=south)
    northerner = ResidentFactory(neighbourhood=north)
    for resident, code in ((nowhere, "neighbourhood_needed"), (southerner, "wrong_neighbourhood")):
        with pytest.raises(BallotInvalid) as excinfo:
            cast(resident, voting_process, 10)
        assert codes_of(excinfo.value.problems) == [code]
    result = cast(northerner, voting_process, 1, 10)
    assert {r.pot_name for r in result.receipts} == {"City-wide", "North"}
    assert Ballot.objects.filter(voter__isnull=False).count() == 2
    # Re-voting only the city-wide pot keeps the neighbourhood ballot.
    cast(northerner, voting_process, 2)
    assert Ballot.objects.count() == 2
    assert Selection.objects.filter(project=local).count() == 1
    assert citywide(voting_process).ballots.get().selections.get().project.short_code == 2


def test_problems_render_in_the_residents_language(voting_process) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(BallotInvalid) as excinfo:
        cast(ResidentFactory(), voting_process, 3, 4, 5)
    english = excinfo.value.problems[0].message()
    with override("es"):
        spanish = excinfo.value.problems[0].message()
    assert english.startswith("Your choices cost")
    assert spanish != english  # translated (budgets/locale/es)


def test_unknown_channel_is_a_programming_error(voting_process) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValueError, match="unknown channel"):
        cast(ResidentFactory(), voting_process, 1, channel="fax")


# Committed for real: with Redis the event is computed on the live thread, whose own
# connection cannot see a test's uncommitted transaction.
@pytest.mark.django_db(transaction=True)
def test_turnout_event_is_scheduled_on_commit(
    voting_process, django_capture_on_commit_callbacks, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    sent = []
    resident = ResidentFactory()
    # Events already queued (earlier tests, the fixtures) leave first: the dispatcher is
    # one per process, and one still held could be built before this cast commits.
    live_events_wait()
    monkeypatch.setattr("core.live.broadcast", lambda pid, event: sent.append((pid, event)))
    with django_capture_on_commit_callbacks(execute=True):
        cast(resident, voting_process, 1)
    live_events_wait()  # with Redis, events leave on the live thread
    assert sent == [(voting_process.pk, {"kind": "turnout", "data": {"ballots": 1}})]


def test_one_neighbourhood_ballot_even_after_moving(voting_process) -> None:  # type: ignore[no-untyped-def]
    north, south = NeighbourhoodFactory(), NeighbourhoodFactory()
    north_pot = PotFactory(process=voting_process, neighbourhood=north, name="North", amount=50_000)
    south_pot = PotFactory(process=voting_process, neighbourhood=south, name="South", amount=50_000)
    ProjectFactory(pot=north_pot, process=voting_process, short_code=10, cost=20_000)
    ProjectFactory(pot=south_pot, process=voting_process, short_code=20, cost=20_000)
    mover = ResidentFactory(neighbourhood=north)
    cast(mover, voting_process, 10)
    mover.neighbourhood = south
    mover.save()
    with pytest.raises(BallotInvalid) as excinfo:
        cast(mover, voting_process, 20)
    (problem,) = excinfo.value.problems
    assert problem.code == "voted_in_other_neighbourhood"
    assert "North" in problem.message()
    with override("es"):
        assert "Ya votaste" in problem.message()
    # The city-wide pot stays open to them.
    assert cast(mover, voting_process, 1).receipts


def test_turnout_failure_after_commit_never_loses_the_ballot(
    voting_process, django_capture_on_commit_callbacks, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    def broken(process):  # type: ignore[no-untyped-def]
        raise RuntimeError("database went away")

    monkeypatch.setattr("budgets.services.ballots.process_turnout", broken)
    with django_capture_on_commit_callbacks(execute=True):
        result = cast(ResidentFactory(), voting_process, 1)
    assert Ballot.objects.get().receipt == result.receipts[0].receipt


def test_cast_by_resident_id_returns_the_resident_as_the_lock_read_them(voting_process) -> None:  # type: ignore[no-untyped-def]
    """A web session has the id only: the cast reads the resident once, under its lock,
    and hands them back for the page."""
    resident = ResidentFactory()
    result = cast(resident.pk, voting_process, 1)
    assert result.resident.pk == resident.pk
    assert result.resident.phone_e164 == resident.phone_e164
    assert Ballot.objects.get().voter == ballot_pseudonym(
        resident_id=resident.pk, pot_id=citywide(voting_process).pk
    )


def test_cast_for_a_resident_who_is_gone_writes_nothing(voting_process) -> None:  # type: ignore[no-untyped-def]
    resident = ResidentFactory()
    gone = resident.pk
    resident.delete()
    with pytest.raises(Resident.DoesNotExist):
        cast(gone, voting_process, 1)
    assert Ballot.objects.count() == 0


def test_a_callers_lock_is_claimed_with_the_resident_itself(voting_process) -> None:  # type: ignore[no-untyped-def]
    resident = ResidentFactory()
    with pytest.raises(ValueError, match="resident_locked"):
        ballot_cast(
            resident=resident.pk,
            process=voting_process,
            choices=[Choice(project(voting_process, 1).pk)],
            channel="sms",
            resident_locked=True,
        )
    assert Ballot.objects.count() == 0
