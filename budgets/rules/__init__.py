"""The tally rules, keyed as in ../shared/pabulib/expected.json."""

from __future__ import annotations

from collections.abc import Callable

from budgets.rules.election import Election, Outcome
from budgets.rules.greedy import greedy_cost, greedy_score, greedy_threshold


class UnknownRule(KeyError):
    pass


RULES: dict[str, Callable[[Election], Outcome]] = {
    "greedy_cost": greedy_cost,
    "greedy_score": greedy_score,
    "greedy_threshold": greedy_threshold,
}


def run_rule(key: str, election: Election) -> Outcome:
    try:
        rule = RULES[key]
    except KeyError:
        raise UnknownRule(f"unknown rule {key!r}; one of {', '.join(sorted(RULES))}") from None
    return rule(election)
