"""A project nobody (or too few) chose is never funded, by any rule; the reasons say
what happened (completion, Add1's raised share, points and ranks, an empty pot)."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction
from typing import Any

import pytest
from django.db import IntegrityError
from django.utils import translation

from budgets.ballot_validation import Choice
from budgets.results import explanation_sentence, pot_notes, process_results
from budgets.rules import RULES, run_rule
from budgets.rules.election import Ballot, Election, Project
from budgets.services.ballots import ballot_cast
from budgets.services.results import results_publish
from core.models import BallotType, TallyRule
from tests.budgets.conftest import close_voting, project
from tests.factories import NeighbourhoodFactory, PotFactory, ProjectFactory, ResidentFactory

pytestmark = pytest.mark.django_db


def approval(
    budget: int, costs: dict[str, int], ballots: list[list[str]], *, min_supporters: int = 0
) -> Election:
    return Election(
        budget=Fraction(budget),
        projects=tuple(Project(pid, Fraction(c)) for pid, c in costs.items()),
        ballots=tuple(Ballot(dict.fromkeys(b, 1)) for b in ballots),
        vote_type="approval",
        min_supporters=min_supporters,
    )


@pytest.mark.parametrize("rule", sorted(RULES))
def test_no_rule_funds_a_project_nobody_chose_whatever_is_left(rule: str) -> None:
    # "z" fits in the money left under every rule; pabutools' greedy would fund it.
    election = approval(100, {"a": 30, "z": 10}, [["a"], ["a"]], min_supporters=1)
    outcome = run_rule(rule, election)
    assert "z" not in outcome.selected
    assert outcome.explanations["z"].reason == "no_supporters"
    assert outcome.details["min_supporters"] == 1
    # The engine's default (0) is pabutools' behaviour, kept for the exactness tests.
    if rule.startswith("greedy") and rule != "greedy_threshold":
        assert "z" in run_rule(rule, approval(100, {"a": 30, "z": 10}, [["a"], ["a"]])).selected


@pytest.mark.parametrize("rule", ["greedy_cost", "mes_cost", "mes_cost_completed"])
def test_a_higher_minimum_is_honoured_by_greedy_mes_and_completion(rule: str) -> None:
    election = approval(
        100, {"a": 30, "b": 20, "c": 10}, [["a", "b"], ["a", "b"], ["a", "c"]], min_supporters=2
    )
    outcome = run_rule(rule, election)
    assert "c" not in outcome.selected  # one supporter, two needed
    assert outcome.explanations["c"].reason == "too_few_supporters"
    assert set(outcome.selected) <= {"a", "b"}


def test_a_pot_with_no_ballots_funds_nothing_and_says_so() -> None:
    outcome = run_rule("mes_cost_completed", approval(100, {"a": 30}, [], min_supporters=1))
    assert outcome.selected == []
    assert outcome.details["no_ballots"] is True
    assert outcome.explanations["a"].reason == "no_ballots"


def test_completion_is_explained_as_money_left_over_after_equal_shares() -> None:
    # Equal shares (with Add1) buy "a" only; "c" is then bought with the money left.
    election = approval(
        100,
        {"a": 60, "b": 50, "c": 30, "d": 90},
        [["a", "b", "c"], ["a", "c"], ["a", "b", "d"], ["a"], ["a", "b"], ["a", "b"]],
        min_supporters=1,
    )
    outcome = run_rule("mes_cost_completed", election).to_json()
    assert outcome["details"]["added_by_completion"] == ["c"]
    c = outcome["explanations"]["c"]
    sentence = explanation_sentence(c, "USD", details=outcome["details"])
    assert sentence == (
        "Funded with money left over after equal shares (completion), by its number of "
        "supporters (2 votes); $10 left after it."
    )


def test_add1_raising_the_share_is_explained_with_by_how_much() -> None:
    # Three voters, budget 10: the stated share is 3.33; b (cost 4, one supporter) is
    # only bought once Add1 raises every share to 4.
    election = approval(10, {"a": 6, "b": 4}, [["a"], ["a"], ["b"]], min_supporters=1)
    outcome = run_rule("mes_cost_add1_esnet", election).to_json()
    assert sorted(outcome["selected"]) == ["a", "b"]
    b = outcome["explanations"]["b"]
    sentence = explanation_sentence(b, "USD", details=outcome["details"])
    assert sentence.startswith("Funded by equal shares: 1 supporter paid up to $4.")
    assert "more than the stated share of $3.33 because the shares were raised to $4" in sentence
    (note,) = pot_notes(outcome["details"], 3, "USD")
    assert "a share of $3.33" in note and "raised (Add1) by $0.67 to $4 each" in note
    with translation.override("es"):
        (nota,) = pot_notes(outcome["details"], 3, "USD")
        assert "3,33\xa0US$" in nota and "0,67\xa0US$" in nota  # CLDR: a no-break space


def test_points_and_ranks_are_never_called_votes() -> None:
    explanation = {
        "reason": "funded",
        "stage": "greedy",
        "votes": 3,
        "score": "12",
        "cost": "100",
        "remaining_budget": "50",
    }
    points = explanation_sentence(explanation, "USD", ballot_type=BallotType.CUMULATIVE)
    assert points == "Funded in order of points (3 supporters, 12 points); $50 left after it."
    ranked = explanation_sentence(explanation, "USD", ballot_type=BallotType.RANKED)
    assert ranked == (
        "Funded in order of rank points (ranked by 3 residents, 12 rank points); $50 left after it."
    )
    for text in (points, ranked):
        assert "vote" not in text
    nobody = {"reason": "no_supporters", "votes": 0, "score": "0", "cost": "1"}
    assert "ranked" in explanation_sentence(nobody, "USD", ballot_type=BallotType.RANKED)


def test_min_supporters_is_a_process_setting_and_the_published_pot_says_no_ballots(
    voting_process: Any,
) -> None:
    assert voting_process.min_supporters == 1
    voting_process.min_supporters = 2
    voting_process.rule = TallyRule.MES_COMPLETED
    voting_process.save()
    district = NeighbourhoodFactory()
    empty = PotFactory(
        process=voting_process, neighbourhood=district, name="Empty pot", amount=Decimal("5000")
    )
    ProjectFactory(pot=empty, process=voting_process, short_code=9, cost=Decimal("1000"))
    for codes in [(1, 2), (1, 2), (1, 3)]:
        ballot_cast(
            resident=ResidentFactory(),
            process=voting_process,
            choices=[Choice(project(voting_process, c).pk) for c in codes],
            channel="web",
        )
    close_voting(voting_process)
    results_publish(process=voting_process, actor=None)
    results = {r.pot.name: r for r in process_results(voting_process) or []}
    main = results["City-wide"]
    funded = {r.project.short_code for r in main.funded}
    assert funded == {1, 2}  # 3 has one supporter of the two needed; 4 and 5 none
    reasons = {r.project.short_code: r.reason for r in main.projects}
    assert reasons[3] == "Not funded: 1 supporter, fewer than the 2 a project needs."
    assert reasons[4].startswith("Not funded: nobody chose it.")
    assert results["Empty pot"].notes == (
        "No ballots were cast in this budget, so no project is funded.",
    )
    (nine,) = results["Empty pot"].projects
    assert not nine.funded
    assert nine.reason.startswith("Not funded: no ballots were cast in this budget")


def test_min_supporters_below_one_is_refused_by_the_database(voting_process: Any) -> None:
    voting_process.min_supporters = 0
    with pytest.raises(IntegrityError):
        voting_process.save()
