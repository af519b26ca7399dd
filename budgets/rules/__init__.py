"""The tally engine: pure, exact, typed. No Django here.

``RULES`` maps each rule key (the keys of ../shared/pabulib/expected.json,
plus ``greedy_threshold``) to a function ``Election -> Outcome``; see
SOURCES.md for the exact definitions, which follow pabutools 1.2.3.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from types import MappingProxyType

from budgets.rules.election import (
    TIE_ESNET,
    TIE_LEXICOGRAPHIC,
    Ballot,
    Election,
    Outcome,
    Project,
    ProjectExplanation,
)
from budgets.rules.equal_shares import (
    mes_cost,
    mes_cost_add1,
    mes_cost_add1_esnet,
    mes_cost_completed,
)
from budgets.rules.greedy import greedy_cost, greedy_score, greedy_threshold

type Rule = Callable[[Election], Outcome]

RULES: Mapping[str, Rule] = MappingProxyType(
    {
        "greedy_cost": greedy_cost,
        "greedy_score": greedy_score,
        "greedy_threshold": greedy_threshold,
        "mes_cost": mes_cost,
        "mes_cost_add1": mes_cost_add1,
        "mes_cost_completed": mes_cost_completed,
        "mes_cost_add1_esnet": mes_cost_add1_esnet,
    }
)


class UnknownRule(KeyError):
    """``run_rule`` was given a key that is not in :data:`RULES`."""

    def __init__(self, key: str) -> None:
        self.key = key
        super().__init__(key)

    def __str__(self) -> str:
        return f"unknown rule {self.key!r}; known rules: {', '.join(sorted(RULES))}"


def run_rule(key: str, election: Election) -> Outcome:
    """Run the rule named ``key``; raises :class:`UnknownRule` for other names."""
    try:
        rule = RULES[key]
    except KeyError:
        raise UnknownRule(key) from None
    return rule(election)


__all__ = [
    "RULES",
    "TIE_ESNET",
    "TIE_LEXICOGRAPHIC",
    "Ballot",
    "Election",
    "Outcome",
    "Project",
    "ProjectExplanation",
    "Rule",
    "UnknownRule",
    "run_rule",
]
