"""The fairness of each published result, beside what greedy and MES would have funded
on the same ballots.

For every pot: the share of voters with at least one funded project they supported,
and their average satisfaction (``budgets.rules.fairness``); for the process: the
funds each neighbourhood received against its share of the population and of the
need (population × need index). Each figure is given for the published outcome and
for ``COMPARED_RULES`` counted by our own engine on the same election, so a city sees,
for example, that MES funded projects in more neighbourhoods.

Nothing here exists before publication (``process_fairness`` returns None). The
ballots are read once per pot with the tally's set-based query (identical ballots
merged in SQL) and the figures are cached under the publication instant, so a page
view after the first reads no ballot at all.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from django.core.cache import cache

from budgets.models import Pot, Project, TallyRun
from budgets.rules import run_rule
from budgets.rules.fairness import Fairness, fairness
from budgets.tally import election_for_pot
from core.models import Process, TallyRule
from maps.models import Neighbourhood

COMPARED_RULES: tuple[str, ...] = (TallyRule.GREEDY.value, TallyRule.MES.value)
CACHE_SECONDS = 24 * 3600


@dataclass(frozen=True)
class RuleFairness:
    """One rule's outcome in one pot: ``published`` is the outcome the city adopted."""

    rule: str
    published: bool
    figures: Fairness
    funded: tuple[int, ...]  # project ids


@dataclass(frozen=True)
class PotFairness:
    pot: Pot
    rules: tuple[RuleFairness, ...]


@dataclass(frozen=True)
class NeighbourhoodFunds:
    """``neighbourhood`` None is the money for projects that have no neighbourhood."""

    neighbourhood: Neighbourhood | None
    population_share: Fraction
    need_share: Fraction
    funds: dict[str, Decimal]  # by outcome key ("published" or a rule key)
    funds_share: dict[str, Fraction]


@dataclass(frozen=True)
class ProcessFairness:
    process_id: int
    outcomes: tuple[str, ...]  # "published", then the compared rules
    published_rule: str
    pots: tuple[PotFairness, ...]
    neighbourhoods: tuple[NeighbourhoodFunds, ...]

    def neighbourhoods_funded(self, outcome: str) -> int:
        return sum(1 for row in self.neighbourhoods if row.neighbourhood and row.funds[outcome] > 0)


PUBLISHED = "published"


def _latest_runs(process: Process) -> dict[int, TallyRun]:
    runs: dict[int, TallyRun] = {}
    for run in TallyRun.objects.filter(pot__process=process).select_related("pot"):
        if run.pot_id not in runs or run.computed_at > runs[run.pot_id].computed_at:
            runs[run.pot_id] = run
    return runs


def _pot_fairness(process: Process, run: TallyRun) -> PotFairness:
    election, by_rule_id = election_for_pot(process, run.pot)
    rule_id_of = {project.pk: rule_id for rule_id, project in by_rule_id.items()}
    published = [rule_id_of[pk] for pk in run.selected if pk in rule_id_of]
    rows = [
        RuleFairness(
            rule=run.rule,
            published=True,
            figures=fairness(election, published),
            funded=tuple(by_rule_id[r].pk for r in published),
        )
    ]
    for rule in COMPARED_RULES:
        selected = published if rule == run.rule else run_rule(rule, election).selected
        rows.append(
            RuleFairness(
                rule=rule,
                published=False,
                figures=fairness(election, selected),
                funded=tuple(by_rule_id[r].pk for r in selected),
            )
        )
    return PotFairness(pot=run.pot, rules=tuple(rows))


def _share(part: Fraction | Decimal | int, whole: Fraction | Decimal | int) -> Fraction:
    return Fraction(part) / Fraction(whole) if whole else Fraction(0)


def _neighbourhood_funds(
    process: Process, pots: list[PotFairness], outcomes: tuple[str, ...]
) -> tuple[NeighbourhoodFunds, ...]:
    projects = {
        p.pk: p for p in Project.objects.filter(process=process).select_related("neighbourhood")
    }
    funded_by_outcome: dict[str, set[int]] = {key: set() for key in outcomes}
    for pot in pots:
        for index, row in enumerate(pot.rules):
            funded_by_outcome[outcomes[index]].update(row.funded)
    # Every neighbourhood of the city, funded or not (a district with nothing funded is
    # the point of the table), unless the process places nothing anywhere (an imported
    # Pabulib election): then only the city-wide row.
    placed = any(p.neighbourhood_id for p in projects.values()) or (
        Pot.objects.filter(process=process, neighbourhood__isnull=False).exists()
    )
    neighbourhoods = list(Neighbourhood.objects.order_by("name")) if placed else []
    population = sum(n.population for n in neighbourhoods)
    need = sum(Fraction(n.population) * Fraction(n.need_index) for n in neighbourhoods)
    totals = {
        key: sum((projects[pk].cost for pk in funded), Decimal(0))
        for key, funded in funded_by_outcome.items()
    }

    def funds_of(neighbourhood_id: int | None) -> dict[str, Decimal]:
        return {
            key: sum(
                (
                    projects[pk].cost
                    for pk in funded
                    if projects[pk].neighbourhood_id == neighbourhood_id
                ),
                Decimal(0),
            )
            for key, funded in funded_by_outcome.items()
        }

    rows = []
    for n in neighbourhoods:
        funds = funds_of(n.pk)
        rows.append(
            NeighbourhoodFunds(
                neighbourhood=n,
                population_share=_share(n.population, population),
                need_share=_share(Fraction(n.population) * Fraction(n.need_index), need),
                funds=funds,
                funds_share={key: _share(funds[key], totals[key]) for key in outcomes},
            )
        )
    unplaced = funds_of(None)
    if any(unplaced.values()):
        rows.append(
            NeighbourhoodFunds(
                neighbourhood=None,
                population_share=Fraction(0),
                need_share=Fraction(0),
                funds=unplaced,
                funds_share={key: _share(unplaced[key], totals[key]) for key in outcomes},
            )
        )
    return tuple(rows)


def process_fairness(process: Process) -> ProcessFairness | None:
    """The fairness figures of ``process``'s published results; None before
    publication. Cached per publication (a new publication is a new key)."""
    published_at = process.results_published_at
    if published_at is None:
        return None
    key = f"budgets:fairness:v1:{process.pk}:{published_at.timestamp()}"
    cached = cache.get(key)
    if isinstance(cached, ProcessFairness):
        return cached
    runs = _latest_runs(process)
    pots = [_pot_fairness(process, runs[pk]) for pk in sorted(runs)]
    published_rule = next(iter(runs.values())).rule if runs else process.rule
    outcomes = (PUBLISHED, *COMPARED_RULES)
    result = ProcessFairness(
        process_id=process.pk,
        outcomes=outcomes,
        published_rule=published_rule,
        pots=tuple(sorted(pots, key=lambda p: (p.pot.neighbourhood_id is not None, p.pot.name))),
        neighbourhoods=_neighbourhood_funds(process, pots, outcomes),
    )
    cache.set(key, result, CACHE_SECONDS)
    return result
