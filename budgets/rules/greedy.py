"""Greedy utilitarian rules, exactly as pabutools 1.2.3 computes them.

pabutools' ``greedy_utilitarian_welfare`` with an additive satisfaction
orders projects by *satisfaction density* (total satisfaction / cost) and
funds each project that still fits, skipping the others. With

* ``Cost_Sat`` (``greedy_cost``) the density is the number of ballots that
  list the project: the order cities use for approval votes;
* satisfaction ``points × cost`` (``greedy_score``) the density is the
  project's total score (cumulative points, or ``k − position`` for ordinal).

Two details of pabutools are kept on purpose because they change outcomes:
a project whose total satisfaction is 0 (no supporters, or cost 0) has
density 0 and is still funded at the end of the order if it fits; and ties
in density go to the smaller ``project_id`` compared as a string.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from fractions import Fraction
from typing import Any, Literal

from budgets.rules.election import (
    TIE_LEXICOGRAPHIC,
    Election,
    Outcome,
    ProjectExplanation,
    fraction_str,
)
from budgets.rules.min_supporters import honours_min_supporters

type Density = Literal["votes", "score"]


def greedy_order(
    election: Election, density: Density, exclude: Collection[str] = ()
) -> list[tuple[str, Fraction]]:
    """Projects (minus ``exclude``) in pabutools' greedy order, with their density."""
    tally: Mapping[str, Fraction | int] = (
        election.project_votes if density == "votes" else election.project_scores
    )
    order: list[tuple[str, Fraction]] = []
    for project in election.projects:
        if project.id in exclude:
            continue
        value = Fraction(tally[project.id])
        # pabutools: density = total_sat / cost when total_sat > 0, else 0;
        # total_sat = cost × value, so a free project also gets density 0.
        order.append((project.id, value if project.cost > 0 and value > 0 else Fraction(0)))
    order.sort(key=lambda item: (-item[1], item[0]))
    return order


def greedy(
    election: Election,
    *,
    rule: str,
    density: Density,
    threshold: Fraction | None = None,
    initial: list[str] | None = None,
    stage: str = "greedy",
) -> Outcome:
    """Fund projects in density order, skipping those that no longer fit.

    ``threshold``: projects whose tally (votes for ``density="votes"``, score
    otherwise) is below it are not eligible. ``initial``: projects already
    funded (completion after MES); they are kept first in ``selected`` and
    their explanations are left to the caller.
    """
    already = list(initial or ())
    costs = {p.id: p.cost for p in election.projects}
    remaining = election.budget - sum((costs[pid] for pid in already), Fraction(0))
    selected = list(already)
    explanations: dict[str, ProjectExplanation] = {}
    tally: Mapping[str, Fraction | int] = (
        election.project_votes if density == "votes" else election.project_scores
    )
    votes = election.project_votes
    scores = election.project_scores
    position = 0
    for pid, _density in greedy_order(election, density, exclude=set(already)):
        cost = costs[pid]
        base: dict[str, Any] = {
            "project_id": pid,
            "cost": cost,
            "votes": votes[pid],
            "score": scores[pid],
            "stage": stage,
        }
        if threshold is not None and tally[pid] < threshold:
            explanations[pid] = ProjectExplanation(
                **base,
                funded=False,
                reason="below_threshold",
                message=(
                    f"Below the threshold: {fraction_str(Fraction(tally[pid]))} "
                    f"< {fraction_str(threshold)}."
                ),
            )
            continue
        position += 1
        if cost <= remaining:
            remaining -= cost
            selected.append(pid)
            explanations[pid] = ProjectExplanation(
                **base,
                funded=True,
                reason="funded",
                message=f"Funded at position {position}; {fraction_str(remaining)} left after it.",
                position=position,
                remaining_budget=remaining,
            )
        else:
            explanations[pid] = ProjectExplanation(
                **base,
                funded=False,
                reason="did_not_fit",
                message=(
                    f"Did not fit at position {position}: costs {fraction_str(cost)}, "
                    f"{fraction_str(remaining)} left."
                ),
                position=position,
                remaining_budget=remaining,
            )
    spent = election.budget - remaining
    return Outcome(
        rule=rule,
        selected=selected,
        spent=spent,
        explanations=explanations,
        tie_policy=TIE_LEXICOGRAPHIC,
        details={
            "density": "supporters" if density == "votes" else "score",
            "threshold": threshold,
            "budget": election.budget,
            "remaining": remaining,
        },
    )


@honours_min_supporters
def greedy_cost(election: Election) -> Outcome:
    """pabutools ``greedy_utilitarian_welfare(sat_class=Cost_Sat)``: by supporters."""
    return greedy(election, rule="greedy_cost", density="votes")


@honours_min_supporters
def greedy_score(election: Election) -> Outcome:
    """Greedy by total score (points × cost satisfaction), city practice for
    cumulative and ordinal ballots. Same as ``greedy_cost`` for approval."""
    return greedy(election, rule="greedy_score", density="score")


@honours_min_supporters
def greedy_threshold(election: Election) -> Outcome:
    """Greedy with ``min_project_score_threshold`` (Pabulib rule ``greedy-threshold``).

    Approval and choose-1 ballots rank and threshold by supporters; scored
    and ordinal ballots by total score, as the cities using this rule do.
    """
    density: Density = "votes" if election.vote_type in ("approval", "choose-1") else "score"
    return greedy(
        election,
        rule="greedy_threshold",
        density=density,
        threshold=election.min_score_threshold,
    )
