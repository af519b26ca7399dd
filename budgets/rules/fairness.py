"""How fair a set of funded projects is to the voters of one election. Pure and exact.

The measures follow ``pabutools.analysis`` (the reference in the tests):

* ``non_empty_handed`` = ``percent_non_empty_handed``: the share of voters with at least
  one funded project among those their ballot lists (a blank ballot counts, as a voter
  with nothing funded);
* ``avg_projects`` = ``avg_satisfaction`` with ``Cardinality_Sat``: funded projects a
  voter listed, on average;
* ``avg_cost_satisfaction`` = ``avg_satisfaction`` with ``Cost_Sat``: money spent on
  projects a voter listed, on average.

"Supported" means listed on the ballot, for every ballot type: on points and ranked
ballots we count a listed project as supported, where pabutools' CC satisfaction would
sum the points; the tests compare on approval elections, where the two agree.

One pass over the ballots as the election holds them (merged ballots carry a weight), so
a city's election with a few thousand distinct ballots takes milliseconds.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from fractions import Fraction

from budgets.rules.election import Election


@dataclass(frozen=True)
class Fairness:
    voters: int
    non_empty_handed: Fraction
    avg_projects: Fraction
    avg_cost_satisfaction: Fraction
    funded: int
    spent: Fraction


def fairness(election: Election, selected: Iterable[str]) -> Fairness:
    """The measures above for ``selected`` (project ids) on ``election``'s ballots."""
    funded = frozenset(selected)
    cost = {p.id: p.cost for p in election.projects}
    voters = 0
    served = 0
    projects_total = 0
    cost_total = Fraction(0)
    for ballot in election.ballots:
        weight = ballot.weight
        voters += weight
        hits = [pid for pid in ballot.scores if pid in funded]
        if hits:
            served += weight
        projects_total += weight * len(hits)
        cost_total += weight * sum((cost[pid] for pid in hits), Fraction(0))
    spent = sum((cost[pid] for pid in funded), Fraction(0))
    if voters == 0:
        zero = Fraction(0)
        return Fairness(0, zero, zero, zero, len(funded), spent)
    return Fairness(
        voters=voters,
        non_empty_handed=Fraction(served, voters),
        avg_projects=Fraction(projects_total, voters),
        avg_cost_satisfaction=cost_total / voters,
        funded=len(funded),
        spent=spent,
    )
