"""The tally rules on small hand-made and random elections.

Random elections are checked against pabutools itself (a dev dependency)
and, for Add1 walks too long for pabutools, against plain stepping with our
exact MES run.
"""

from __future__ import annotations

import json
import math
import random
from collections.abc import Callable
from fractions import Fraction
from typing import Any

import pytest

from budgets.rules import RULES, UnknownRule, run_rule
from budgets.rules.election import (
    TIE_ESNET,
    TIE_LEXICOGRAPHIC,
    Ballot,
    Election,
    Project,
    fraction_str,
)
from budgets.rules.equal_shares import (
    approval_profile,
    esnet_tie_key,
    lexicographic_tie_key,
    mes_run,
)


def approval(
    budget: Fraction | int | str,
    costs: dict[str, Fraction | int | str],
    ballots: list[list[str]],
    *,
    threshold: int | None = None,
) -> Election:
    return Election(
        budget=Fraction(budget),
        projects=tuple(Project(pid, Fraction(c)) for pid, c in costs.items()),
        ballots=tuple(Ballot(dict.fromkeys(b, 1)) for b in ballots),
        vote_type="approval",
        min_score_threshold=Fraction(threshold) if threshold is not None else None,
    )


# --------------------------------------------------------------------------- greedy


def test_greedy_skips_a_project_that_does_not_fit_and_says_how_much_was_left() -> None:
    election = approval(
        10,
        {"a": 6, "b": 5, "c": 4},
        [["a", "b", "c"], ["a", "b"], ["a"]],
    )
    outcome = run_rule("greedy_cost", election)
    assert outcome.selected == ["a", "c"]
    assert outcome.spent == 10
    b = outcome.explanations["b"]
    assert (b.funded, b.reason, b.position) == (False, "did_not_fit", 2)
    assert b.remaining_budget == 4
    assert "4 left" in b.message
    assert outcome.explanations["c"].position == 3
    assert outcome.explanations["c"].remaining_budget == 0
    assert outcome.explanations["a"].votes == 3


def test_greedy_funds_unsupported_projects_last_like_pabutools() -> None:
    election = approval(10, {"a": 6, "z": 1}, [["a"]])
    assert run_rule("greedy_cost", election).selected == ["a", "z"]


def test_greedy_ties_go_to_the_smaller_id_as_a_string() -> None:
    election = approval(5, {"9": 5, "10": 5}, [["9"], ["10"]])
    assert run_rule("greedy_cost", election).selected == ["10"]


def test_greedy_score_ranks_by_points() -> None:
    election = Election(
        budget=Fraction(10),
        projects=(Project("a", Fraction(6)), Project("b", Fraction(6))),
        ballots=(Ballot({"a": 1, "b": 3}), Ballot({"a": 1})),
        vote_type="cumulative",
    )
    assert run_rule("greedy_cost", election).selected == ["a"]  # 2 supporters vs 1
    assert run_rule("greedy_score", election).selected == ["b"]  # 3 points vs 2


def test_greedy_threshold_excludes_projects_below_it() -> None:
    election = approval(
        20,
        {"a": 5, "b": 5, "c": 5},
        [["a", "b"], ["a", "b"], ["a", "c"]],
        threshold=2,
    )
    outcome = run_rule("greedy_threshold", election)
    assert outcome.selected == ["a", "b"]
    c = outcome.explanations["c"]
    assert (c.funded, c.reason, c.position) == (False, "below_threshold", None)
    assert "1 < 2" in c.message
    # Without a threshold in the election it is plain greedy.
    plain = approval(20, {"a": 5, "b": 5, "c": 5}, [["a", "b"], ["a", "b"], ["a", "c"]])
    assert run_rule("greedy_threshold", plain).selected == ["a", "b", "c"]


def test_exact_decimals_where_floats_would_refuse() -> None:
    # In floats 0.1 + 0.2 > 0.3; the rules must fund both.
    election = approval("0.3", {"x": "0.1", "y": "0.2"}, [["x", "y"], ["x", "y"], ["x"]])
    assert 0.1 + 0.2 > 0.3
    for key in ("greedy_cost", "mes_cost_add1", "mes_cost_completed"):
        outcome = run_rule(key, election)
        assert sorted(outcome.selected) == ["x", "y"], key
        assert outcome.spent == Fraction(3, 10)
    # Plain MES: x costs each voter 1/30, leaving y's two supporters 2/15 < 0.2.
    mes = run_rule("mes_cost", election)
    assert mes.selected == ["x"]
    assert mes.explanations["y"].supporters_money_left == Fraction(2, 15)


# --------------------------------------------------------------------------- MES


def mes_example() -> Election:
    # 4 voters, 10 each. A: 27 by 3 voters (9 each). B: 10.5 by v1 (1 left
    # after A) and v4 (10): v1 pays its 1, v4 pays 9.5. C: 30, v4 only.
    return approval(
        40,
        {"A": 27, "B": "10.5", "C": 30},
        [["A", "B"], ["A"], ["A"], ["B", "C"]],
    )


def test_mes_prices_and_explanations() -> None:
    outcome = run_rule("mes_cost", mes_example())
    assert outcome.selected == ["A", "B"]
    assert outcome.spent == Fraction(75, 2)
    assert outcome.tie_policy == TIE_LEXICOGRAPHIC
    a, b, c = (outcome.explanations[p] for p in "ABC")
    assert (a.position, a.price_per_supporter, a.rho) == (1, Fraction(9), Fraction(1, 3))
    assert (a.supporters_paying_full, a.supporters_paying_all_left) == (3, 0)
    assert (b.position, b.price_per_supporter, b.rho) == (2, Fraction(19, 2), Fraction(19, 21))
    assert (b.supporters_paying_full, b.supporters_paying_all_left) == (1, 1)
    assert "paid all they had left" in b.message
    assert (c.funded, c.reason, c.supporters_money_left) == (False, "unaffordable", Fraction(1, 2))
    assert "0.5 left" in c.message
    assert outcome.details["per_voter_budget"] == 10


def test_mes_ignores_free_projects_and_completion_funds_them() -> None:
    election = approval(10, {"a": 10, "free": 0, "lonely": 3}, [["a", "free"], ["a"]])
    mes = run_rule("mes_cost", election)
    assert mes.selected == ["a"]
    assert mes.explanations["free"].reason == "zero_cost"
    assert mes.explanations["lonely"].reason == "no_supporters"
    completed = run_rule("mes_cost_completed", election)
    assert completed.selected == ["a", "free"]
    assert completed.details["added_by_completion"] == ["free"]
    assert completed.explanations["free"].stage == "completion"
    assert completed.explanations["a"].stage == "mes"


def test_mes_ties_lexicographic_versus_esnet() -> None:
    # a and b both cost each supporter half their money... ρ = 1/2 for both.
    election = approval(11, {"a": 10, "b": 6}, [["a", "b"], ["a", "b"]])
    assert run_rule("mes_cost", election).selected == ["a"]  # "a" < "b"
    esnet = run_rule("mes_cost_add1_esnet", election)
    assert esnet.selected == ["b"]  # lower cost first
    assert esnet.tie_policy == TIE_ESNET
    # After b, each voter has 7 − 3 = 4 at k = 7; at k = 8 a becomes affordable
    # and the outcome goes over the budget, so k = 7 is kept.
    assert esnet.details["per_voter_budget"] == 7


def test_mes_with_no_ballots_selects_nothing() -> None:
    election = approval(10, {"a": 5}, [])
    for key in ("mes_cost", "mes_cost_add1", "mes_cost_add1_esnet"):
        assert run_rule(key, election).selected == []
    # pabutools' greedy completion still funds what fits.
    assert run_rule("mes_cost_completed", election).selected == ["a"]


def test_add1_raises_the_per_voter_budget_until_exhaustive() -> None:
    # B/n = 4: a (10, two supporters) is out of reach, b is bought and 10 is
    # left, which a would fit: not exhaustive. At 5 both are bought.
    election = approval(12, {"a": 10, "b": 2}, [["a"], ["a"], ["b"]])
    assert run_rule("mes_cost", election).selected == ["b"]
    add1 = run_rule("mes_cost_add1", election)
    assert add1.selected == ["a", "b"]
    assert add1.spent == 12
    assert add1.details["per_voter_budget"] == 5
    assert add1.details["initial_per_voter_budget"] == 4


# --------------------------------------------------------------------------- API


def test_run_rule_rejects_unknown_keys() -> None:
    with pytest.raises(UnknownRule) as info:
        run_rule("borda", mes_example())
    assert "borda" in str(info.value)
    assert "mes_cost" in str(info.value)
    assert isinstance(info.value, KeyError)


def test_rules_registry_has_the_expected_keys() -> None:
    assert set(RULES) == {
        "greedy_cost",
        "greedy_score",
        "greedy_threshold",
        "mes_cost",
        "mes_cost_add1",
        "mes_cost_completed",
        "mes_cost_add1_esnet",
    }


def test_outcomes_serialise_to_json_exactly() -> None:
    for key in RULES:
        payload = run_rule(key, mes_example()).to_json()
        text = json.dumps(payload)
        assert json.loads(text)["rule"] == key
    payload = run_rule("mes_cost", mes_example()).to_json()
    assert payload["spent"] == "37.5"
    assert payload["explanations"]["B"]["rho"] == "19/21"


def test_fraction_str() -> None:
    assert fraction_str(Fraction(12)) == "12"
    assert fraction_str(Fraction("2372571.24")) == "2372571.24"
    assert fraction_str(Fraction(-1, 8)) == "-0.125"
    assert fraction_str(Fraction(1, 3)) == "1/3"


# --------------------------------------------------------------------------- random


def random_election(rng: random.Random, *, per_voter_scale: int = 1) -> Election:
    n_projects = rng.randint(2, 8)
    costs = {}
    for i in range(n_projects):
        # Some decimal costs, some equal costs (to provoke ties).
        cost = Fraction(rng.choice([5, 10, 10, 20, 35, 50]) * 100 + rng.choice([0, 0, 25]), 100)
        costs[str(rng.choice([i, i + 10]))] = cost
    ids = list(costs)
    ballots = []
    for _ in range(rng.randint(3, 14)):
        size = rng.randint(0, min(3, len(ids)))
        ballots.append(Ballot(dict.fromkeys(rng.sample(ids, size), 1)))
    total = sum(costs.values())
    budget = Fraction(int(total * Fraction(rng.randint(20, 90), 100)) * per_voter_scale)
    return Election(
        budget=budget,
        projects=tuple(Project(pid, cost) for pid, cost in costs.items()),
        ballots=tuple(ballots),
        vote_type="approval",
    )


def expanded(election: Election) -> Election:
    """The same election with every weighted ballot written out."""
    ballots = tuple(Ballot(dict(b.scores)) for b in election.ballots for _ in range(b.weight))
    return Election(election.budget, election.projects, ballots, election.vote_type)


def test_merged_and_expanded_ballots_give_the_same_outcomes() -> None:
    rng = random.Random(7)
    for _ in range(40):
        election = random_election(rng)
        doubled = Election(
            election.budget,
            election.projects,
            election.ballots + election.ballots,
            election.vote_type,
        )
        merged = doubled.merged()
        assert merged.num_voters == doubled.num_voters
        assert len(merged.ballots) <= len(election.ballots)
        for key in RULES:
            assert run_rule(key, merged).selected == run_rule(key, expanded(doubled)).selected


def _pabutools_rules(election: Election) -> dict[str, set[str]]:
    """What pabutools 1.2.3 selects, called as SOURCES.md describes."""
    mpq = pytest.importorskip("gmpy2").mpq
    pytest.importorskip("pabutools")
    from pabutools.election import ApprovalBallot, ApprovalProfile, Cost_Sat, Instance
    from pabutools.election import Project as PbtProject
    from pabutools.rules import greedy_utilitarian_welfare, method_of_equal_shares
    from pabutools.tiebreaking import TieBreakingRule

    def q(x: Fraction) -> Any:
        return mpq(x.numerator, x.denominator)

    projects = {p.id: PbtProject(p.id, q(p.cost)) for p in election.projects}
    instance = Instance(projects.values(), budget_limit=q(election.budget))
    profile = ApprovalProfile(
        [ApprovalBallot([projects[pid] for pid in b.scores]) for b in election.ballots],
        instance=instance,
    )
    out: dict[str, set[str]] = {}

    def names(alloc: Any) -> set[str]:
        return {p.name for p in alloc}

    out["greedy_cost"] = names(greedy_utilitarian_welfare(instance, profile, sat_class=Cost_Sat))
    out["mes_cost"] = names(method_of_equal_shares(instance, profile, sat_class=Cost_Sat))
    add1 = method_of_equal_shares(instance, profile, sat_class=Cost_Sat, voter_budget_increment=1)
    out["mes_cost_add1"] = names(add1)
    out["mes_cost_completed"] = names(
        greedy_utilitarian_welfare(
            instance, profile, sat_class=Cost_Sat, initial_budget_allocation=add1
        )
    )
    # equalshares.net's loop (SOURCES.md), with its tie-breaking; it also
    # stops once every candidate is bought (nothing can change any more).
    esnet_ties = TieBreakingRule(lambda inst, prof, p: (p.cost, -prof.approval_score(p), p.name))
    budget = instance.budget_limit
    supported = {pid for b in election.ballots for pid in b.scores}
    candidates = [p for p in election.projects if p.cost > 0 and p.id in supported]
    previous = method_of_equal_shares(
        instance, profile, sat_class=Cost_Sat, tie_breaking=esnet_ties
    )
    k = math.floor(election.budget / profile.num_ballots()) + 1
    while len(previous) < len(candidates):
        instance.budget_limit = k * profile.num_ballots()
        current = method_of_equal_shares(
            instance, profile, sat_class=Cost_Sat, tie_breaking=esnet_ties
        )
        if sum(p.cost for p in current) > budget:
            break
        previous, k = current, k + 1
    instance.budget_limit = budget
    out["mes_cost_add1_esnet"] = names(previous)
    return out


@pytest.mark.parametrize("seed", range(60))
def test_random_elections_match_pabutools(seed: int) -> None:
    pytest.importorskip("pabutools")
    rng = random.Random(seed)
    election = random_election(rng)
    if election.num_voters == 0:
        return
    reference = _pabutools_rules(election)
    for key, expected in reference.items():
        assert set(run_rule(key, election).selected) == expected, key


def _stepping(
    election: Election,
    tie_key: Callable[[int], Any],
    first: Fraction,
    grid: Callable[[int], Fraction],
    stop: Callable[[list[int]], str],
) -> Fraction | None:
    """Add1 by running every grid point with the exact MES run."""
    profile = approval_profile(election)
    previous: Fraction | None = None
    k = 0
    while True:
        per_voter = first if k == 0 else grid(k)
        order = mes_run(profile, per_voter, tie_key).order
        verdict = stop(order)
        if verdict == "keep previous":
            return previous
        if verdict == "keep this":
            return per_voter
        previous, k = per_voter, k + 1


@pytest.mark.parametrize("seed", range(40))
def test_add1_jumps_agree_with_stepping_every_grid_point(seed: int) -> None:
    rng = random.Random(1000 + seed)
    # Large budgets per voter: long walks where certified jumps matter.
    election = random_election(rng, per_voter_scale=rng.choice([1, 5, 40]))
    profile = approval_profile(election)
    if profile.n == 0:
        return
    budget, n = profile.budget, profile.n
    costs, candidates = profile.costs, profile.candidates

    def spent(order: list[int]) -> Fraction:
        return sum((costs[j] for j in order), Fraction(0))

    def pabutools_stop(order: list[int]) -> str:
        total = spent(order)
        if total > budget:
            return "keep previous"
        if all(j in order or costs[j] + total > budget for j in candidates):
            return "keep this"
        return "go on"

    def esnet_stop(order: list[int]) -> str:
        if spent(order) > budget:
            return "keep previous"
        return "keep this" if len(order) == len(candidates) else "go on"

    start = budget / n
    expected = _stepping(
        election, lexicographic_tie_key(profile), start, lambda k: start + k, pabutools_stop
    )
    assert run_rule("mes_cost_add1", election).details["per_voter_budget"] == expected
    floor = math.floor(start)
    expected = _stepping(
        election, esnet_tie_key(profile), start, lambda k: Fraction(floor + k), esnet_stop
    )
    assert run_rule("mes_cost_add1_esnet", election).details["per_voter_budget"] == expected
