"""One reading of a ballot's limits (budgets/ballot_limits.py), and the same answer
on every channel: the validator, the web meter, the receipt and the SMS reply."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import Client

from budgets.ballot_limits import ballot_limits
from budgets.ballot_validation import Choice
from budgets.selectors import ballot_pots
from budgets.services.ballots import BallotInvalid, ballot_cast
from core.models import BallotType, Process
from frontend.ballot_form import problem_error
from sms.services import sms_receive
from tests.budgets.conftest import citywide, project
from tests.factories import NeighbourhoodFactory, PotFactory, ProjectFactory, ResidentFactory
from tests.frontend.conftest import sign_in
from tests.frontend.html import parse

pytestmark = pytest.mark.django_db


@pytest.fixture
def capped(voting_process: Process) -> Process:
    """The 100,000 pot, but one ballot may spend at most 50,000."""
    voting_process.max_total_cost = Decimal("50000")
    voting_process.save()
    return voting_process


def test_the_spending_cap_is_the_pot_or_the_per_ballot_cap_whichever_is_lower(
    voting_process: Process,
) -> None:
    pot = citywide(voting_process)
    assert ballot_limits(voting_process, pot).spending_cap == Decimal("100000")
    voting_process.max_total_cost = Decimal("150000")
    assert ballot_limits(voting_process, pot).spending_cap == Decimal("100000")
    voting_process.max_total_cost = Decimal("50000")
    limits = ballot_limits(voting_process, pot)
    assert limits.spending_cap == Decimal("50000")
    assert limits.remaining(Decimal("20000")) == Decimal("30000")
    assert limits.over_budget(Decimal("50000.01"))
    assert not limits.over_budget(Decimal("50000"))


def test_only_approval_ballots_have_a_spending_cap_and_only_cumulative_have_points(
    voting_process: Process,
) -> None:
    pot = citywide(voting_process)
    voting_process.max_total_cost = Decimal("50000")
    voting_process.max_total_points = 10
    voting_process.ballot_type = BallotType.K_OF_N
    limits = ballot_limits(voting_process, pot)
    assert (limits.spending_cap, limits.max_total_points) == (None, None)
    assert limits.budget == pot.amount
    voting_process.ballot_type = BallotType.CUMULATIVE
    assert ballot_limits(voting_process, pot).max_total_points == 10


def test_at_least_one_project_and_ranks_bounded_by_max_projects(voting_process: Process) -> None:
    pot = citywide(voting_process)
    voting_process.min_projects = 0
    voting_process.max_projects = 3
    limits = ballot_limits(voting_process, pot)
    assert limits.min_projects == 1
    assert (limits.ranks(5), limits.ranks(2)) == (3, 2)


def test_receipt_web_meter_and_sms_say_the_same_amount_left(capped: Process) -> None:
    resident = ResidentFactory(phone_e164="+14155550177")
    # Receipt of a web cast: 50,000 cap - 30,000 chosen.
    choices = [Choice(project_id=project(capped, code).pk) for code in (1, 2)]
    (receipt,) = ballot_cast(
        resident=resident, process=capped, choices=choices, channel="web"
    ).receipts
    assert receipt.remaining == Decimal("20000")
    # The web meter of a refused ballot shows the same cap.
    (pot,) = ballot_pots(capped, resident)
    assert pot.cap == Decimal("50000")
    response = sign_in(Client(), resident).post(
        f"/processes/{capped.slug}/ballot/",
        {"project": [project(capped, 5).pk, project(capped, 1).pk]},
    )
    assert response.status_code == 400
    meter = parse(response.content).by_id(f"meter-{pot.pot.pk}")
    # The cap is the meter's "high" mark (its scale grows past it when over budget).
    assert meter is not None and meter.attrs["high"] == "50000.00"
    # The SMS confirmation of the same ballot: "20,000 USD left".
    received = sms_receive(
        provider="simulator", message_sid="SMlimits1", sender="+14155550177", body="VOTE 1 2"
    )
    assert any("20,000 USD left" in reply for reply in received.replies), received.replies


def test_a_problem_names_its_pot_and_projects_and_the_form_links_them(capped: Process) -> None:
    resident = ResidentFactory()
    pot = citywide(capped)
    with pytest.raises(BallotInvalid) as refused:
        ballot_cast(
            resident=resident,
            process=capped,
            choices=[
                Choice(project_id=project(capped, 5).pk),
                Choice(project_id=project(capped, 1).pk),
            ],
            channel="web",
        )
    (problem,) = refused.value.problems
    assert (problem.code, problem.pot_id) == ("over_budget", pot.pk)
    pots = ballot_pots(capped, resident)
    assert problem_error(problem, capped, pots)["target"] == f"pot-{pot.pk}"


def test_a_project_of_another_neighbourhood_is_named_by_id(voting_process: Process) -> None:
    home, away = NeighbourhoodFactory(), NeighbourhoodFactory()
    away_pot = PotFactory(process=voting_process, neighbourhood=away, name=away.name)
    elsewhere = ProjectFactory(pot=away_pot, process=voting_process, short_code=40)
    resident = ResidentFactory(neighbourhood=home)
    with pytest.raises(BallotInvalid) as refused:
        ballot_cast(
            resident=resident,
            process=voting_process,
            choices=[Choice(project_id=elsewhere.pk)],
            channel="sms",
        )
    wrong = next(p for p in refused.value.problems if p.code == "wrong_neighbourhood")
    assert wrong.project_ids == (elsewhere.pk,)
    assert wrong.pot_id == away_pot.pk
